//! A TCP forwarder: each accepted connection dials the upstream from the same event
//! loop, and bytes stream both ways with backpressure.
//!
//! ```text
//! cargo run --release --example proxy -- --bind tcp://127.0.0.1:8000 --upstream 127.0.0.1:5000 --loops 2
//! ```
//!
//! How it holds together:
//!
//! - **One loop per pair.** The client side dials with [`Conn::connect`]; the
//!   upstream connection lives on the same loop, and each side reaches the other by
//!   id with [`Conn::to`]: no lock, no channel, no other thread.
//! - **No copy where the socket takes it.** `other.write(input.bytes())` hands the
//!   other socket the bytes straight from the loop's read buffer; only what it does
//!   not take is queued.
//! - **Backpressure.** When one side's queue passes the high-water mark, its handler
//!   pauses reading the other side; when it drains, reading resumes. A slow peer
//!   therefore slows the fast one down instead of growing memory.
//! - **Half-close.** A FIN from one side is passed on as a FIN to the other
//!   (`shutdown_write`) while the other direction keeps flowing; the pair closes once
//!   both directions are done.
//! - **Failures.** If the upstream cannot be reached (refused, or no answer within
//!   the connect timeout), the client is closed with that reason; if either side
//!   goes, the other is closed with the same reason after flushing.

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use tcpio::{Action, Addr, CloseReason, Conn, Handler, Input, Server};

/// Forwards every accepted connection to `upstream`.
pub struct Proxy {
    /// Where to connect.
    pub upstream: Addr,
    /// How long a connect to the upstream may take.
    pub connect_timeout: Duration,
}

/// Each side's state: the id of the connection at the other end.
#[derive(Default)]
pub struct Side {
    other: Option<u64>,
}

impl Proxy {
    fn other(conn: &Conn<'_, Side>) -> Option<u64> {
        conn.state().other
    }
}

impl Handler for Proxy {
    type State = Side;

    fn on_open(&mut self, conn: &mut Conn<'_, Side>) -> Action {
        // A full queue here pauses the other side (on_high_water), not this one.
        conn.set_pause_on_high_water(false);
        if conn.is_outbound() {
            // The upstream answered: let the client's bytes flow.
            if let Some(mut client) = Proxy::other(conn).and_then(|id| conn.to(id)) {
                client.resume_read();
            }
            return Action::Continue;
        }
        // A new client: hold its input until the upstream is connected.
        conn.pause_read();
        let me = conn.id();
        match conn.connect(self.upstream.clone(), self.connect_timeout, Side { other: Some(me) }) {
            Ok(id) => {
                conn.state_mut().other = Some(id);
                Action::Continue
            }
            Err(e) => {
                conn.close_with(CloseReason::ConnectFailed(e.into()));
                Action::Continue
            }
        }
    }

    fn on_data(&mut self, conn: &mut Conn<'_, Side>, input: &mut Input<'_>) -> Action {
        match Proxy::other(conn).and_then(|id| conn.to(id)) {
            Some(mut other) => {
                other.write(input.bytes()); // forwarded from the read buffer
                input.consume_all();
                Action::Continue
            }
            None => Action::Close,
        }
    }

    fn on_eof(&mut self, conn: &mut Conn<'_, Side>) -> Action {
        // Pass the half-close on; the other direction keeps flowing.
        if let Some(mut other) = Proxy::other(conn).and_then(|id| conn.to(id)) {
            other.shutdown_write();
        }
        if conn.is_write_shut() {
            // The other direction ended first: both are done.
            return Action::Close;
        }
        Action::Continue
    }

    fn on_high_water(&mut self, conn: &mut Conn<'_, Side>) -> Action {
        // Our peer is slower than the other side: stop reading the other side.
        if let Some(mut other) = Proxy::other(conn).and_then(|id| conn.to(id)) {
            other.pause_read();
        }
        Action::Continue
    }

    fn on_drained(&mut self, conn: &mut Conn<'_, Side>) -> Action {
        if let Some(mut other) = Proxy::other(conn).and_then(|id| conn.to(id)) {
            other.resume_read();
        }
        Action::Continue
    }

    fn on_close(&mut self, conn: &mut Conn<'_, Side>, reason: &CloseReason) {
        if let Some(mut other) = Proxy::other(conn).and_then(|id| conn.to(id)) {
            other.close_with(reason.clone());
        }
    }
}

const USAGE: &str = "usage: proxy --upstream HOST:PORT [--bind URL]... [--loops N] [--connect-timeout SECS]
  --upstream HOST:PORT     where to forward (resolved once, at start)
  --bind URL               tcp://host:port, unix:///path, ... (repeatable; default tcp://127.0.0.1:8000)
  --loops N                event loops, 0 = one per core (default 0)
  --connect-timeout SECS   how long to wait for the upstream (default 5)";

#[allow(dead_code)] // the tests include this file for its handler
fn main() -> ExitCode {
    let mut binds = Vec::new();
    let mut loops = 0;
    let mut upstream = None;
    let mut timeout = Duration::from_secs(5);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--bind", Some(v)) => binds.push(v),
            ("--upstream", Some(v)) => upstream = Some(v),
            ("--loops", Some(v)) => match v.parse() {
                Ok(n) => loops = n,
                Err(_) => return fail(&format!("--loops takes a number, not {v:?}")),
            },
            ("--connect-timeout", Some(v)) => {
                match v.parse::<f64>().ok().and_then(|s| Duration::try_from_secs_f64(s).ok()) {
                    Some(d) if !d.is_zero() => timeout = d,
                    _ => {
                        return fail(&format!(
                            "--connect-timeout takes a positive number of seconds, not {v:?}"
                        ))
                    }
                }
            }
            ("-h" | "--help", _) => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            (other, _) => return fail(&format!("unknown or incomplete argument {other:?}")),
        }
    }
    let Some(upstream) = upstream else { return fail("--upstream is required") };
    // Resolved here, once: a lookup inside the loop would stall every connection on it.
    let upstream: SocketAddr = match upstream.to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(a)) => a,
        Ok(None) => return fail(&format!("{upstream:?} resolves to no address")),
        Err(e) => return fail(&format!("cannot resolve --upstream {upstream:?}: {e}")),
    };
    if binds.is_empty() {
        binds.push("tcp://127.0.0.1:8000".into());
    }
    let mut builder = Server::builder().loops(loops);
    for b in &binds {
        builder = match builder.bind(b.as_str()) {
            Ok(b) => b,
            Err(e) => return fail(&e.to_string()),
        };
    }
    let upstream = Addr::Ip(upstream);
    let server = match builder.start(move |_| Proxy { upstream: upstream.clone(), connect_timeout: timeout })
    {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    for a in server.local_addrs() {
        println!("proxy listening on {a}");
    }
    if let Err(e) = server.shutdown_on_signals().and_then(|()| server.wait()) {
        return fail(&e.to_string());
    }
    ExitCode::SUCCESS
}

#[allow(dead_code)]
fn fail(msg: &str) -> ExitCode {
    eprintln!("proxy: {msg}\n{USAGE}");
    ExitCode::from(2)
}
