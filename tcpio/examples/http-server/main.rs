//! An HTTP/1.1 server on tcpio: TechEmpower's plaintext and JSON routes with
//! keep-alive and pipelining, and `POST /upload` (bodies with `Content-Length` or
//! chunked), held to RFC 9112's framing rules so that no request is read two ways.
//!
//! ```text
//! cargo run --release --example http-server -- --bind tcp://127.0.0.1:8080 --loops 2
//! curl -i http://127.0.0.1:8080/plaintext
//! curl -H 'Transfer-Encoding: chunked' --data-binary @file http://127.0.0.1:8080/upload
//! wrk -t1 -c50 -d5s http://127.0.0.1:8080/plaintext
//! ```
//!
//! `--header-timeout SECS` (default 10) bounds the time from a request's first byte
//! to the end of its head, `--body-timeout SECS` (default 60) the time from there to
//! the end of its body and trailers (a slow client gets 408); `--keepalive-timeout
//! SECS` (default 75) closes connections with no bytes moving either way that long.
//! `off` turns any of them off.
//!
//! The server is `tcpio_examples::http` (in `examples-support/`; parsing with
//! `httparse`), shared with the tests, the fuzz target and the benchmark's tokio clone.
//! SIGINT or SIGTERM drains it gracefully; it then exits 0.

use std::process::ExitCode;
use std::time::Duration;

use tcpio_examples::cli::{self, Cli};
use tcpio_examples::http::{self, Config};

fn main() -> ExitCode {
    let cli = Cli::new("http-server", "tcp://127.0.0.1:8080")
        .flag(
            "--header-timeout SECS",
            "408 and close when a request's head takes longer (default 10, or off)",
        )
        .flag(
            "--body-timeout SECS",
            "408 and close when a request's body and trailers take longer (default 60, or off)",
        )
        .flag("--keepalive-timeout SECS", "close connections idle this long (default 75, or off)");
    let mut config = Config::default();
    let options = match cli.parse(std::env::args().skip(1), |flag, value| {
        match flag {
            "--header-timeout" => config.header_timeout = timeout(flag, value)?,
            "--body-timeout" => config.body_timeout = timeout(flag, value)?,
            "--keepalive-timeout" => config.keepalive_timeout = timeout(flag, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }) {
        Ok(options) => options,
        Err(code) => return code,
    };
    cli.run(&options, |builder| http::start_with(builder, config))
}

/// A timeout flag's value: seconds, or `off`.
fn timeout(flag: &str, value: &str) -> Result<Option<Duration>, String> {
    match value {
        "off" => Ok(None),
        _ => cli::seconds(flag, value).map(Some),
    }
}
