//! An HTTP/1.1 server on tcpio: TechEmpower's plaintext and JSON routes with
//! keep-alive and pipelining.
//!
//! ```text
//! cargo run --release --example http-server -- --bind tcp://127.0.0.1:8080 --loops 2
//! curl -i http://127.0.0.1:8080/plaintext
//! wrk -t1 -c50 -d5s http://127.0.0.1:8080/plaintext
//! ```
//!
//! The server is `tcpio_examples::http` (in `examples-support/`; parsing with
//! `httparse`), shared with the tests, the fuzz target and the benchmark's tokio clone.
//! SIGINT or SIGTERM drains it gracefully; it then exits 0.

use std::process::ExitCode;

use tcpio_examples::cli::Cli;

fn main() -> ExitCode {
    Cli::new("http-server", "tcp://127.0.0.1:8080").main(tcpio_examples::http::start)
}
