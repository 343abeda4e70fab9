//! A bound, listening socket: TCP or unix-domain.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mio::event::Source;
use mio::net::{TcpListener, UnixListener};
use mio::{Interest, Registry, Token};

use super::{Addr, Stream};

/// A connection the kernel handed over, not yet registered with a loop.
#[derive(Debug)]
pub(crate) struct Accepted {
    pub(crate) stream: Stream,
    pub(crate) peer: Addr,
    /// Index of the bound address it arrived through.
    pub(crate) listener: usize,
}

/// Why an accept gave no connection.
#[derive(Debug)]
pub(crate) enum AcceptError {
    /// The queue is empty: wait for the next edge.
    Empty,
    /// That one connection failed (aborted or reset before it was taken, a signal,
    /// a protocol error on it); the next accept may succeed.
    Transient,
    /// The process or the system is out of something (descriptors, memory): the
    /// queue keeps its connections, and trying again at once would spin.
    Resources(io::Error),
}

impl From<io::Error> for AcceptError {
    fn from(e: io::Error) -> AcceptError {
        match e.kind() {
            io::ErrorKind::WouldBlock => AcceptError::Empty,
            io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted => AcceptError::Transient,
            _ if e.raw_os_error() == Some(libc::EPROTO) => AcceptError::Transient,
            _ => AcceptError::Resources(e),
        }
    }
}

/// A listening socket plus the index of the bound address it serves.
#[derive(Debug)]
pub(crate) enum Listener {
    Tcp { sock: TcpListener, index: usize },
    Unix { sock: UnixListener, index: usize, _file: Arc<UnixSocketFile> },
}

impl Listener {
    pub(crate) fn tcp(sock: std::net::TcpListener, index: usize) -> Listener {
        Listener::Tcp { sock: TcpListener::from_std(sock), index }
    }

    pub(crate) fn unix(
        sock: std::os::unix::net::UnixListener,
        index: usize,
        file: Arc<UnixSocketFile>,
    ) -> Listener {
        Listener::Unix { sock: UnixListener::from_std(sock), index, _file: file }
    }

    /// Accepts one pending connection.
    pub(crate) fn accept(&self) -> Result<Accepted, AcceptError> {
        self.accept_raw().map_err(AcceptError::from)
    }

    fn accept_raw(&self) -> io::Result<Accepted> {
        match self {
            Listener::Tcp { sock, index } => {
                let (s, peer) = sock.accept()?;
                Ok(Accepted { stream: Stream::Tcp(s), peer: Addr::Ip(peer), listener: *index })
            }
            Listener::Unix { sock, index, .. } => {
                let (s, peer) = sock.accept()?;
                Ok(Accepted { stream: Stream::Unix(s), peer: Addr::from_unix(&peer), listener: *index })
            }
        }
    }
}

impl Source for Listener {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Listener::Tcp { sock, .. } => sock.register(r, t, i),
            Listener::Unix { sock, .. } => sock.register(r, t, i),
        }
    }

    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Listener::Tcp { sock, .. } => sock.reregister(r, t, i),
            Listener::Unix { sock, .. } => sock.reregister(r, t, i),
        }
    }

    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        match self {
            Listener::Tcp { sock, .. } => sock.deregister(r),
            Listener::Unix { sock, .. } => sock.deregister(r),
        }
    }
}

/// The file of a unix socket this server bound; removed when the last listener
/// using it is dropped, which happens when the server stops.
#[derive(Debug)]
pub(crate) struct UnixSocketFile {
    path: PathBuf,
}

impl UnixSocketFile {
    pub(crate) fn new(path: &Path) -> UnixSocketFile {
        UnixSocketFile { path: path.to_path_buf() }
    }
}

impl Drop for UnixSocketFile {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            if e.kind() != io::ErrorKind::NotFound {
                tracing::warn!(path = %self.path.display(), error = %e, "could not remove unix socket file");
            }
        }
    }
}
