//! An echo server: every byte a client sends comes straight back.
//!
//! ```text
//! cargo run --release --example echo -- --bind tcp://127.0.0.1:5000 --bind unix:///tmp/echo.sock --loops 2
//! cargo run --release --example echo -- --idle-timeout 30 --max-conns 10000
//! ```
//!
//! The reply is forwarded from the loop's read buffer without a copy: `conn.write`
//! recognises a slice of the current input. SIGINT or SIGTERM stops it gracefully:
//! every reply already queued is delivered, then it exits with status 0 (1 if some
//! connection had to be cut off when the shutdown timeout ran out; a second signal
//! stops at once).

use std::process::ExitCode;
use std::time::Duration;

use tcpio::{Action, Conn, Handler, Input, Server};

struct Echo;

impl Handler for Echo {
    type State = ();

    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        conn.write(input.bytes());
        input.consume_all();
        Action::Continue
    }
}

const USAGE: &str = "usage: echo [--bind URL]... [--loops N] [--idle-timeout SECS] [--max-conns N]
  --bind URL            tcp://host:port, tcp4://, tcp6://, unix:///path or host:port
                        (repeatable; default tcp://127.0.0.1:5000)
  --loops N             event loops, 0 = one per core (default 0)
  --idle-timeout SECS   close connections idle this long (fractions allowed; default off)
  --max-conns N         refuse connections past N open at once (default: no limit)";

fn main() -> ExitCode {
    let mut binds = Vec::new();
    let mut loops = 0;
    let mut idle = None;
    let mut max_conns = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--bind", Some(v)) => binds.push(v),
            ("--loops", Some(v)) => match v.parse() {
                Ok(n) => loops = n,
                Err(_) => return fail(&format!("--loops takes a number, not {v:?}")),
            },
            ("--idle-timeout", Some(v)) => {
                match v.parse::<f64>().ok().and_then(|s| Duration::try_from_secs_f64(s).ok()) {
                    Some(d) if !d.is_zero() => idle = Some(d),
                    _ => {
                        return fail(&format!("--idle-timeout takes a positive number of seconds, not {v:?}"))
                    }
                }
            }
            ("--max-conns", Some(v)) => match v.parse::<usize>() {
                Ok(n) if n > 0 => max_conns = Some(n),
                _ => return fail(&format!("--max-conns takes a positive number, not {v:?}")),
            },
            ("-h" | "--help", _) => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            (other, _) => return fail(&format!("unknown or incomplete argument {other:?}")),
        }
    }
    if binds.is_empty() {
        binds.push("tcp://127.0.0.1:5000".to_string());
    }
    let mut builder = Server::builder().loops(loops);
    if let Some(d) = idle {
        builder = builder.idle_timeout(d);
    }
    if let Some(n) = max_conns {
        builder = builder.max_connections(n);
    }
    for b in &binds {
        builder = match builder.bind(b.as_str()) {
            Ok(b) => b,
            Err(e) => return fail(&e.to_string()),
        };
    }
    let server = match builder.start(|_| Echo) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    if let Err(e) = server.shutdown_on_signals() {
        return fail(&e.to_string());
    }
    for a in server.local_addrs() {
        println!("echo listening on {a}");
    }
    if let Err(e) = server.wait() {
        return fail(&e.to_string());
    }
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

fn fail(msg: &str) -> ExitCode {
    eprintln!("echo: {msg}\n{USAGE}");
    ExitCode::from(2)
}
