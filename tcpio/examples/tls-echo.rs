//! An echo server over TLS: every byte a client sends comes straight back, encrypted.
//!
//! ```text
//! cargo run --release --example tls-echo -- --bind tls://127.0.0.1:5443 --cert cert.pem --key key.pem --loops 2
//! openssl s_client -connect 127.0.0.1:5443 -CAfile cert.pem -servername localhost
//! ```
//!
//! `--client-ca ca.pem` requires clients to present a certificate that CA signed
//! (mutual TLS). `tls://` and plain addresses can be mixed (`--bind tcp://...` too).
//! SIGHUP reloads the certificate and key from their files (new handshakes use them;
//! open connections keep theirs); SIGINT or SIGTERM stops it gracefully. The README
//! shows how to make a test certificate.

use std::process::ExitCode;

use tcpio_examples::cli::Cli;
use tcpio_examples::echo::Echo;

fn main() -> ExitCode {
    Cli::new("tls-echo", "tls://127.0.0.1:5443").main(|builder| builder.start(|_| Echo))
}
