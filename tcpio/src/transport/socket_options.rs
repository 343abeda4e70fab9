//! Options set on every accepted or dialed socket before it is served.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use socket2::SockRef;

use super::Stream;

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
    /// panic guard: [`Stream::run_hook`]) to a new socket; the TCP-only ones only to
    /// TCP sockets.
    pub(crate) fn apply(&self, stream: &Stream) -> io::Result<()> {
        let (sock, tcp) = (SockRef::from(stream), stream.is_tcp());
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

impl Stream {
    /// Runs a user's hook on this socket.
    pub(crate) fn run_hook(&self, hook: &SocketHook) -> io::Result<()> {
        hook(SockRef::from(self))
    }
}
