//! The settings an event loop runs with, checked by the server layer beforehand.

use std::sync::Arc;
use std::time::Duration;

use crate::transport::SocketOptions;

/// Per-connection buffer limits.
#[derive(Clone, Debug)]
pub(crate) struct BufferLimits {
    /// Unconsumed input a connection may hold; past it the connection is closed.
    pub(crate) max_input: usize,
    /// Queued output above which reading pauses.
    pub(crate) high_water: usize,
    /// Queued output at or below which reading resumes.
    pub(crate) low_water: usize,
    /// Queued output past which the connection is closed.
    pub(crate) max_output: usize,
}

/// How accepted connections are spread over the loops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Balance {
    /// Each loop has its own `SO_REUSEPORT` listener for every TCP address and the
    /// kernel spreads connections (Linux default). Unix sockets, which cannot be
    /// shared this way, are accepted by loop 0 and handed out round-robin.
    ReusePort,
    /// Loop 0 accepts everything and hands connections out in turn.
    RoundRobin,
    /// Loop 0 accepts everything and hands each connection to the loop with the
    /// fewest open connections.
    LeastConnections,
}

/// Per-connection timeouts, each off (`None`) unless set on the builder.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Timeouts {
    pub(crate) idle: Option<Duration>,
    pub(crate) read: Option<Duration>,
    pub(crate) write: Option<Duration>,
    pub(crate) handshake: Option<Duration>,
}

impl Timeouts {
    pub(crate) fn any(&self) -> bool {
        self.idle.is_some() || self.read.is_some() || self.write.is_some() || self.handshake.is_some()
    }
}

/// Everything an event loop needs to know, shared by all loops of a server.
#[derive(Clone, Debug)]
pub(crate) struct LoopConfig {
    pub(crate) loops: usize,
    pub(crate) read_buffer: usize,
    pub(crate) pool_buffer: usize,
    pub(crate) pool_max_free: usize,
    pub(crate) read_budget: usize,
    pub(crate) accept_budget: usize,
    pub(crate) max_events: usize,
    pub(crate) linger: Duration,
    pub(crate) limits: BufferLimits,
    pub(crate) socket: SocketOptions,
    pub(crate) balance: Balance,
    pub(crate) timeouts: Timeouts,
    /// Per bound address (by listener index): its connection-setup stage, if any.
    pub(crate) setups: Arc<[Option<Setup>]>,
}

/// What a connection accepted on one bound address goes through before it opens.
#[derive(Clone, Debug)]
pub(crate) struct Setup {
    /// The PROXY protocol header is required first, from these sources only.
    pub(crate) proxy: Option<ProxySetup>,
    /// Then a TLS handshake, with this configuration (shared by every loop, and so
    /// are its session cache and ticket key).
    pub(crate) tls: Option<Arc<crate::tls::rustls::ServerConfig>>,
    /// The whole stage must be done within this ("not open within d").
    pub(crate) timeout: Duration,
}

/// A PROXY protocol bind's rules.
#[derive(Clone, Debug)]
pub(crate) struct ProxySetup {
    /// Sources allowed to send the header (an IP listener); a unix listener trusts
    /// every local peer.
    pub(crate) trusted: Vec<crate::transport::Cidr>,
    /// The largest header accepted.
    pub(crate) max_header: usize,
}
