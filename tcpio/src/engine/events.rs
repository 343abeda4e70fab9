//! Lifecycle events for observers that do not want a handler per concern (logging,
//! auditing, connection tables): one callback set on the builder sees them all.

use std::fmt;
use std::io;
use std::sync::Arc;

use super::CloseReason;
use crate::transport::Addr;

/// Which limit refused a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// The server already had [`Builder::max_connections`](crate::Builder::max_connections)
    /// open.
    MaxConnections,
    /// The peer's IP address already had
    /// [`Builder::max_connections_per_ip`](crate::Builder::max_connections_per_ip) open.
    PerIp,
    /// Connections arrived faster than [`Builder::accept_rate`](crate::Builder::accept_rate)
    /// allows.
    Rate,
    /// A PROXY protocol address refused a source it does not trust to send the
    /// header.
    Untrusted,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::MaxConnections => "too many open connections",
            Refusal::PerIp => "too many connections from this address",
            Refusal::Rate => "accept rate limit",
            Refusal::Untrusted => "not a trusted PROXY protocol source",
        })
    }
}

/// Something that happened in the server's life, given to the callback set with
/// [`Builder::on_event`](crate::Builder::on_event).
///
/// Connection events are called on the loop that owns the connection, so the
/// callback runs on the hot path of connection set-up and tear-down (not per
/// message): keep it short, and send anything slow to another thread.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerEvent<'a> {
    /// Every loop is running and listening on these addresses.
    Started {
        /// The bound addresses, as [`ServerHandle::local_addrs`](crate::ServerHandle::local_addrs).
        addrs: &'a [Addr],
    },
    /// A shutdown began.
    Stopping {
        /// Whether queued output is flushed first (false: an immediate stop).
        graceful: bool,
    },
    /// Every loop has exited.
    Stopped,
    /// A connection opened (just before [`Handler::on_open`](crate::Handler::on_open)).
    Opened {
        /// The connection's id.
        id: u64,
        /// The loop serving it.
        loop_id: usize,
        /// The peer's address.
        peer: &'a Addr,
        /// The bound address it came through.
        listener: &'a Addr,
    },
    /// A connection closed (just before [`Handler::on_close`](crate::Handler::on_close)).
    Closed {
        /// The connection's id.
        id: u64,
        /// The loop that served it.
        loop_id: usize,
        /// The peer's address.
        peer: &'a Addr,
        /// Why it closed.
        reason: &'a CloseReason,
    },
    /// A connection was accepted and closed at once by a limit.
    Refused {
        /// The peer's address.
        peer: &'a Addr,
        /// The limit that refused it.
        reason: Refusal,
    },
    /// A non-fatal error: an accept that failed, a socket option that could not be
    /// set. The server goes on.
    Error {
        /// The loop it happened on.
        loop_id: usize,
        /// What was being done.
        context: &'static str,
        /// The error.
        error: &'a io::Error,
    },
}

/// The observer callback, shared by every loop.
pub(crate) type Observer = Arc<dyn Fn(&ServerEvent<'_>) + Send + Sync>;
