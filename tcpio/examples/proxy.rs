//! A TCP forwarder: each accepted connection dials the upstream from the same event
//! loop, and bytes stream both ways with backpressure and half-close.
//!
//! ```text
//! cargo run --release --example proxy -- --bind tcp://127.0.0.1:8000 --upstream 127.0.0.1:5000 --loops 2
//! ```
//!
//! The handler is `tcpio_examples::proxy` (in `examples-support/`, where how it holds
//! together is told), which the tests drive too. SIGINT or SIGTERM stops it gracefully.

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use tcpio_examples::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::new("proxy", "tcp://127.0.0.1:8000")
        .required("--upstream HOST:PORT", "where to forward (resolved once, at start)")
        .flag("--connect-timeout SECS", "how long to wait for the upstream (default 5)");
    let (mut upstream, mut timeout) = (None, Duration::from_secs(5));
    let parsed = cli.parse(std::env::args().skip(1), |flag, value| {
        match flag {
            "--upstream" => upstream = Some(value.to_string()),
            "--connect-timeout" => timeout = cli::seconds(flag, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    });
    let options = match parsed {
        Ok(options) => options,
        Err(code) => return code,
    };
    let Some(upstream) = upstream else { return cli.fail("--upstream is required") };
    // Resolved here, once: a lookup inside the loop would stall every connection on it.
    let upstream: SocketAddr = match upstream.to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(a)) => a,
        Ok(None) => return cli.fail(&format!("{upstream:?} resolves to no address")),
        Err(e) => return cli.fail(&format!("cannot resolve --upstream {upstream:?}: {e}")),
    };
    cli.run(&options, |builder| tcpio_examples::proxy::start(builder, upstream, timeout))
}
