//! Configuration and start-up errors.

use std::fmt;
use std::io;

/// Everything that can stop a server from starting. Each variant names the address
/// or option at fault.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// An empty address string.
    EmptyAddress,
    /// An address that does not parse.
    InvalidAddress {
        /// The address as given.
        addr: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An address with a scheme other than `tcp`, `tcp4`, `tcp6`, `tls` or `unix`.
    UnknownScheme {
        /// The address as given.
        addr: String,
        /// The scheme found.
        scheme: String,
    },
    /// A host name that did not resolve (to an address of the requested family).
    Unresolvable {
        /// The address as given.
        addr: String,
        /// What the resolver said.
        reason: String,
    },
    /// The address is already in use (by another process, or bound twice here).
    AddrInUse {
        /// The address as given.
        addr: String,
    },
    /// A unix socket path longer than the platform allows.
    UnixPathTooLong {
        /// The address as given.
        addr: String,
        /// The path's length in bytes.
        len: usize,
        /// The longest path the platform accepts, in bytes.
        max: usize,
    },
    /// Binding or listening failed for another reason.
    Bind {
        /// The address as given.
        addr: String,
        /// The underlying error.
        source: io::Error,
    },
    /// [`Builder::start`](crate::Builder::start) without any bound address.
    NoAddress,
    /// An option out of range or inconsistent with another.
    InvalidOption {
        /// The builder method.
        option: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// [`ServerHandle::connect`](crate::ServerHandle::connect) failed at once (no such
    /// unix socket, out of descriptors, the server is stopping).
    Connect {
        /// The address dialed.
        addr: String,
        /// The underlying error.
        source: io::Error,
    },
    /// A blocking wait ([`ServerHandle::wait`](crate::ServerHandle::wait),
    /// [`ServerHandle::shutdown_and_wait`](crate::ServerHandle::shutdown_and_wait))
    /// called on one of the server's own loop threads, which would wait for itself.
    WaitOnLoopThread,
    /// TLS settings that cannot be used on an address (the certificate files are
    /// checked before, by [`TlsServer`](crate::tls::TlsServer) itself).
    Tls {
        /// The address as given.
        addr: String,
        /// What is wrong.
        error: crate::tls::TlsConfigError,
    },
    /// The operating system refused a resource the server needs (a poller, a thread).
    Io {
        /// What was being created.
        context: &'static str,
        /// The underlying error.
        source: io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EmptyAddress => f.write_str("empty address"),
            Error::InvalidAddress { addr, reason } => write!(f, "invalid address {addr:?}: {reason}"),
            Error::UnknownScheme { addr, scheme } => {
                write!(
                    f,
                    "unknown scheme {scheme:?} in address {addr:?} (expected tcp, tcp4, tcp6, tls or unix)"
                )
            }
            Error::Unresolvable { addr, reason } => write!(f, "cannot resolve {addr:?}: {reason}"),
            Error::AddrInUse { addr } => write!(f, "address {addr:?} is already in use"),
            Error::UnixPathTooLong { addr, len, max } => {
                write!(f, "unix socket path in {addr:?} is {len} bytes, longer than the maximum of {max}")
            }
            Error::Bind { addr, source } => write!(f, "cannot listen on {addr:?}: {source}"),
            Error::NoAddress => f.write_str("no address to listen on: call bind() at least once"),
            Error::InvalidOption { option, reason } => write!(f, "invalid {option}: {reason}"),
            Error::Connect { addr, source } => write!(f, "cannot connect to {addr}: {source}"),
            Error::WaitOnLoopThread => f.write_str(
                "cannot wait for the server on one of its own event loop threads (it would deadlock)",
            ),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Tls { addr, error } => write!(f, "TLS on {addr:?}: {error}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Bind { source, .. } | Error::Io { source, .. } | Error::Connect { source, .. } => {
                Some(source)
            }
            Error::Tls { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl From<crate::tls::TlsConfigError> for Error {
    /// A certificate or key that could not be loaded, for `?` in a builder chain.
    fn from(error: crate::tls::TlsConfigError) -> Error {
        Error::Tls { addr: String::new(), error }
    }
}
