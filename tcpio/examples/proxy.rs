//! A TCP forwarder: each accepted connection dials the upstream from the same event
//! loop, and bytes stream both ways with backpressure and half-close.
//!
//! ```text
//! cargo run --release --example proxy -- --bind tcp://127.0.0.1:8000 --upstream 127.0.0.1:5000 --loops 2
//! cargo run --release --example proxy -- --upstream 127.0.0.1:5001 --send-proxy v2   # to an echo with --proxy-protocol
//! ```
//!
//! The handler is `tcpio_examples::proxy` (in `examples-support/`, where how it holds
//! together is told), which the tests drive too. SIGINT or SIGTERM stops it gracefully.

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use tcpio::proxy::Version;
use tcpio::Addr;
use tcpio_examples::cli::{self, Cli};
use tcpio_examples::proxy::Proxy;

fn main() -> ExitCode {
    let cli = Cli::new("proxy", "tcp://127.0.0.1:8000")
        .required("--upstream HOST:PORT", "where to forward (resolved once, at start)")
        .flag("--connect-timeout SECS", "how long to wait for the upstream (default 5)")
        .flag("--send-proxy v1|v2", "send the upstream a PROXY header naming the client first");
    let (mut upstream, mut timeout, mut send_proxy) = (None, Duration::from_secs(5), None);
    let parsed = cli.parse(std::env::args().skip(1), |flag, value| {
        match flag {
            "--upstream" => upstream = Some(value.to_string()),
            "--connect-timeout" => timeout = cli::seconds(flag, value)?,
            "--send-proxy" => {
                send_proxy = Some(match value {
                    "v1" => Version::V1,
                    "v2" => Version::V2,
                    _ => return Err(format!("--send-proxy takes v1 or v2, not {value:?}")),
                })
            }
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
    let proxy = Proxy { upstream: Addr::Ip(upstream), connect_timeout: timeout, send_proxy };
    cli.run(&options, |builder| tcpio_examples::proxy::serve(builder, proxy))
}
