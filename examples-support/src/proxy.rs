//! A TCP forwarder (the `proxy` example): each accepted connection dials the upstream
//! from the same event loop, and bytes stream both ways with backpressure.
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

use std::net::SocketAddr;
use std::time::Duration;

use tcpio::proxy::{Header, Version};
use tcpio::{Action, Addr, Builder, CloseReason, Conn, Handler, Input, ServerHandle};

/// Forwards every accepted connection to `upstream`.
#[derive(Clone, Debug)]
pub struct Proxy {
    /// Where to connect.
    pub upstream: Addr,
    /// How long a connect to the upstream may take.
    pub connect_timeout: Duration,
    /// Send the upstream a PROXY protocol header of this version first, naming the
    /// client (and the address it reached), so the upstream sees who it serves.
    pub send_proxy: Option<Version>,
}

/// Each side's state: the id of the connection at the other end.
#[derive(Debug, Default)]
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
        let side = Side { other: Some(me) };
        let dialed = match self.send_proxy {
            None => conn.connect(self.upstream.clone(), self.connect_timeout, side),
            Some(version) => {
                // The client as this side knows it: the header's, if it came through
                // a balancer itself.
                let client = conn.peer_addr().as_ip();
                let reached = conn.local_addr().ok().and_then(|a| a.as_ip());
                let header = match (client, reached) {
                    (Some(c), Some(r)) if c.is_ipv4() == r.is_ipv4() => Header::proxy(version, c, r),
                    _ => Header::local(version),
                };
                conn.connect_with_proxy_header(self.upstream.clone(), self.connect_timeout, side, &header)
            }
        };
        match dialed {
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

/// Starts a proxy to `upstream` (an address already resolved: a lookup inside a loop
/// would stall every connection on it) on `builder`'s addresses and loops.
pub fn start(
    builder: Builder,
    upstream: SocketAddr,
    connect_timeout: Duration,
) -> Result<ServerHandle, tcpio::Error> {
    serve(builder, Proxy { upstream: Addr::Ip(upstream), connect_timeout, send_proxy: None })
}

/// Starts `proxy` on `builder`'s addresses and loops.
pub fn serve(builder: Builder, proxy: Proxy) -> Result<ServerHandle, tcpio::Error> {
    builder.start(move |_| proxy.clone())
}
