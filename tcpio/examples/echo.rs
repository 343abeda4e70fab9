//! An echo server: every byte a client sends comes straight back.
//!
//! ```text
//! cargo run --release --example echo -- --bind tcp://127.0.0.1:5000 --bind unix:///tmp/echo.sock --loops 2
//! cargo run --release --example echo -- --idle-timeout 30 --max-conns 10000
//! ```
//!
//! The handler is `tcpio_examples::echo::Echo`: the reply is forwarded from the loop's
//! read buffer without a copy. SIGINT or SIGTERM stops it gracefully: every reply
//! already queued is delivered, then it exits with status 0 (1 if some connection had
//! to be cut off when the shutdown timeout ran out; a second signal stops at once).

use std::process::ExitCode;

use tcpio_examples::cli::{self, Cli};
use tcpio_examples::echo::Echo;

fn main() -> ExitCode {
    let cli = Cli::new("echo", "tcp://127.0.0.1:5000")
        .flag("--idle-timeout SECS", "close connections idle this long (fractions allowed; default off)")
        .flag("--max-conns N", "refuse connections past N open at once (default: no limit)");
    let (mut idle, mut max_conns) = (None, None);
    let parsed = cli.parse(std::env::args().skip(1), |flag, value| {
        match flag {
            "--idle-timeout" => idle = Some(cli::seconds(flag, value)?),
            "--max-conns" => max_conns = Some(cli::positive(flag, value)?),
            _ => return Ok(false),
        }
        Ok(true)
    });
    let options = match parsed {
        Ok(options) => options,
        Err(code) => return code,
    };
    let served = cli.serve(&options, |mut builder| {
        if let Some(d) = idle {
            builder = builder.idle_timeout(d);
        }
        if let Some(n) = max_conns {
            builder = builder.max_connections(n);
        }
        builder.start(|_| Echo)
    });
    let server = match served {
        Ok(server) => server,
        Err(code) => return code,
    };
    let total = server.stats().total;
    eprintln!(
        "echo: stopped after {} connections ({} refused, {} timed out), {} bytes echoed",
        total.accepted, total.refused.max_connections, total.timed_out.idle, total.bytes_out
    );
    if total.aborted > 0 {
        eprintln!("echo: {} connections were cut off at the shutdown timeout", total.aborted);
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
