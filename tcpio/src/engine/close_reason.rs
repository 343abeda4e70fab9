//! Why a connection closed: [`CloseReason`], given to `on_close` and to observers.

use std::fmt;
use std::io;
use std::sync::Arc;

/// Why a connection closed, given to [`Handler::on_close`](crate::Handler::on_close).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CloseReason {
    /// The handler asked for it ([`Action::Close`](crate::Action::Close), [`Action::CloseNow`](crate::Action::CloseNow) or
    /// [`Conn::close`](crate::Conn::close)).
    Local,
    /// The peer closed its side (end of stream) and the connection was then closed.
    PeerClosed,
    /// The peer reset the connection (`ECONNRESET`, `EPIPE`).
    Reset,
    /// Any other I/O error on the socket.
    Error(Arc<io::Error>),
    /// Unconsumed input grew past the configured maximum.
    InputLimit {
        /// The limit, in bytes.
        limit: usize,
    },
    /// Queued output grew past the hard cap (a client that does not read while the
    /// handler keeps writing).
    OutputLimit {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A callback for this connection panicked; the message is the panic's.
    Panic(String),
    /// The server is shutting down.
    Shutdown,
    /// No bytes moved either way for the idle timeout
    /// ([`Builder::idle_timeout`](crate::Builder::idle_timeout)).
    IdleTimeout,
    /// No bytes arrived for the read timeout
    /// ([`Builder::read_timeout`](crate::Builder::read_timeout)).
    ReadTimeout,
    /// Queued output made no progress for the write timeout: the peer stopped reading
    /// ([`Builder::write_timeout`](crate::Builder::write_timeout)).
    WriteTimeout,
    /// The peer sent nothing within the handshake timeout after connecting
    /// ([`Builder::handshake_timeout`](crate::Builder::handshake_timeout)).
    HandshakeTimeout,
    /// The connection did not finish its setup stage (the PROXY header, the TLS
    /// handshake) within the bind's setup timeout. It never opened.
    SetupTimeout,
    /// The PROXY protocol header was missing, malformed, too large or failed its
    /// checksum. The connection never opened.
    ProxyHeader(Box<crate::proxy::HeaderError>),
    /// TLS failed: a bad record, a certificate the other side refused, a protocol or
    /// version mismatch, an alert from the peer (see [`TlsError::peer_alert`]). A
    /// connection that fails in its handshake never opened (no `on_open`, no
    /// `on_close`; observers see it close with this reason).
    ///
    /// [`TlsError::peer_alert`]: crate::tls::TlsError::peer_alert
    Tls(crate::tls::TlsError),
    /// A limit refused the connection once its PROXY header named the real client
    /// (the per-IP limit). It never opened.
    Refused(super::Refusal),
    /// An outbound connection ([`Conn::connect`](crate::Conn::connect),
    /// [`ServerHandle::connect`](crate::ServerHandle::connect)) could not be
    /// established: refused, unreachable, or not within its connect timeout
    /// ([`io::ErrorKind::TimedOut`]). `on_open` was never called for it.
    ConnectFailed(Arc<io::Error>),
    /// The peer broke the protocol: a frame the codec could not decode (the
    /// codec's own error, which [`Framed`](crate::codec::Framed) hands back typed), a
    /// malformed request. Made with [`CloseReason::protocol`].
    Protocol(Arc<dyn std::error::Error + Send + Sync>),
}

impl CloseReason {
    /// A [`CloseReason::Protocol`] from any error, or from a message:
    /// `CloseReason::protocol("bad request line")`.
    pub fn protocol(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> CloseReason {
        CloseReason::Protocol(Arc::from(e.into()))
    }

    /// The protocol error, as its own type, if this is a [`CloseReason::Protocol`]
    /// holding one.
    pub fn protocol_error<E: std::error::Error + 'static>(&self) -> Option<&E> {
        match self {
            CloseReason::Protocol(e) => e.downcast_ref::<E>(),
            _ => None,
        }
    }

    pub(crate) fn from_io(e: io::Error) -> CloseReason {
        if e.get_ref().is_some_and(|inner| inner.is::<crate::tls::TlsError>()) {
            if let Some(tls) = e.into_inner().and_then(|b| b.downcast::<crate::tls::TlsError>().ok()) {
                return CloseReason::Tls(*tls);
            }
            return CloseReason::Local;
        }
        match e.kind() {
            io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionAborted => {
                CloseReason::Reset
            }
            _ => CloseReason::Error(Arc::new(e)),
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::Local => f.write_str("closed by the handler"),
            CloseReason::PeerClosed => f.write_str("closed by the peer"),
            CloseReason::Reset => f.write_str("reset by the peer"),
            CloseReason::Error(e) => write!(f, "I/O error: {e}"),
            CloseReason::InputLimit { limit } => {
                write!(f, "unconsumed input exceeded the limit of {limit} bytes")
            }
            CloseReason::OutputLimit { limit } => {
                write!(f, "queued output exceeded the limit of {limit} bytes")
            }
            CloseReason::Panic(msg) => write!(f, "handler panicked: {msg}"),
            CloseReason::Shutdown => f.write_str("server shutdown"),
            CloseReason::IdleTimeout => f.write_str("idle timeout"),
            CloseReason::ReadTimeout => f.write_str("read timeout"),
            CloseReason::WriteTimeout => f.write_str("write timeout: the peer is not reading"),
            CloseReason::HandshakeTimeout => f.write_str("handshake timeout: the peer sent nothing"),
            CloseReason::SetupTimeout => f.write_str("setup timeout: not open in time"),
            CloseReason::ProxyHeader(e) => write!(f, "bad PROXY header: {e}"),
            CloseReason::Refused(r) => write!(f, "refused: {r}"),
            CloseReason::Tls(e) => write!(f, "TLS: {e}"),
            CloseReason::Protocol(e) => write!(f, "protocol error: {e}"),
            CloseReason::ConnectFailed(e) => write!(f, "connect failed: {e}"),
        }
    }
}
