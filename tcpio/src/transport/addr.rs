//! The address of one end of a connection.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The address of one end of a connection or of a bound listener.
///
/// TCP ends have an IP socket address; unix-domain ends have a path when they were
/// bound to one and are [`Addr::Unnamed`] otherwise (the usual case for a client that
/// connects to a unix socket).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Addr {
    /// An IPv4 or IPv6 socket address.
    Ip(SocketAddr),
    /// A unix-domain socket bound to a path. Shared: every connection accepted on one
    /// listener points at the same path without a copy.
    Unix(Arc<Path>),
    /// A unix-domain socket bound to no path.
    Unnamed,
}

impl Addr {
    /// The IP socket address, if this is one.
    pub fn as_ip(&self) -> Option<SocketAddr> {
        match self {
            Addr::Ip(sa) => Some(*sa),
            _ => None,
        }
    }

    /// The unix socket path, if this is one.
    pub fn as_unix_path(&self) -> Option<&Path> {
        match self {
            Addr::Unix(p) => Some(p),
            _ => None,
        }
    }

    pub(crate) fn from_unix(addr: &std::os::unix::net::SocketAddr) -> Addr {
        match addr.as_pathname() {
            Some(p) => Addr::Unix(Arc::from(p)),
            None => Addr::Unnamed,
        }
    }
}

impl From<SocketAddr> for Addr {
    fn from(sa: SocketAddr) -> Self {
        Addr::Ip(sa)
    }
}

impl From<PathBuf> for Addr {
    fn from(p: PathBuf) -> Self {
        Addr::Unix(Arc::from(p))
    }
}

/// Displays in the same URL form that [`Builder::bind`](crate::Builder::bind) accepts:
/// `tcp://127.0.0.1:5000`, `tcp://[::1]:5000`, `unix:///tmp/x.sock`, `unix://(unnamed)`.
impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addr::Ip(sa) => write!(f, "tcp://{sa}"),
            Addr::Unix(p) => write!(f, "unix://{}", p.display()),
            Addr::Unnamed => f.write_str("unix://(unnamed)"),
        }
    }
}
