//! The settings an event loop runs with, checked by the server layer beforehand.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use socket2::SockRef;

/// Per-connection buffer limits.
#[derive(Clone, Debug)]
pub(crate) struct Limits {
    /// Unconsumed input a connection may hold; past it the connection is closed.
    pub(crate) max_input: usize,
    /// Queued output above which reading pauses.
    pub(crate) high_water: usize,
    /// Queued output at or below which reading resumes.
    pub(crate) low_water: usize,
    /// Queued output past which the connection is closed.
    pub(crate) max_output: usize,
}

/// A user hook that sets further options on each accepted socket.
pub(crate) type SocketHook = Arc<dyn Fn(SockRef<'_>) -> io::Result<()> + Send + Sync>;

/// Options applied to every accepted socket.
#[derive(Clone, Default)]
pub(crate) struct SocketOptions {
    pub(crate) nodelay: bool,
    pub(crate) keepalive: Option<Duration>,
    pub(crate) recv_buffer: Option<usize>,
    pub(crate) send_buffer: Option<usize>,
    pub(crate) hook: Option<SocketHook>,
}

impl fmt::Debug for SocketOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketOptions")
            .field("nodelay", &self.nodelay)
            .field("keepalive", &self.keepalive)
            .field("recv_buffer", &self.recv_buffer)
            .field("send_buffer", &self.send_buffer)
            .field("hook", &self.hook.is_some())
            .finish()
    }
}

impl SocketOptions {
    /// Applies the options (not the user's hook, which the engine runs under its
    /// panic guard) to a socket. `tcp` is false for unix sockets, where the TCP-only
    /// options do not apply.
    pub(crate) fn apply(&self, sock: SockRef<'_>, tcp: bool) -> io::Result<()> {
        if tcp {
            if self.nodelay {
                sock.set_tcp_nodelay(true)?;
            }
            if let Some(idle) = self.keepalive {
                sock.set_tcp_keepalive(&socket2::TcpKeepalive::new().with_time(idle))?;
            }
        }
        if let Some(n) = self.recv_buffer {
            sock.set_recv_buffer_size(n)?;
        }
        if let Some(n) = self.send_buffer {
            sock.set_send_buffer_size(n)?;
        }
        Ok(())
    }
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
    pub(crate) limits: Limits,
    pub(crate) socket: SocketOptions,
    pub(crate) balance: Balance,
    pub(crate) timeouts: Timeouts,
}
