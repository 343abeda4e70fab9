//! A connected byte stream: TCP or unix-domain.

use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::os::fd::AsFd;

use mio::event::Source;
use mio::net::{TcpStream, UnixStream};
use mio::{Interest, Registry, Token};
use rustix::io::Errno;

#[cfg(any(target_os = "linux", target_os = "android"))]
const SEND_FLAGS: rustix::net::SendFlags = rustix::net::SendFlags::NOSIGNAL;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const SEND_FLAGS: rustix::net::SendFlags = rustix::net::SendFlags::empty();

/// A read or write that failed: the kernel's error number, kept a number on the hot
/// path and made an `io::Error` only where one is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IoError(Errno);

impl IoError {
    /// The socket has no input, or no room, for now: wait for the next edge.
    #[inline(always)]
    pub(crate) fn would_block(self) -> bool {
        self == IoError(Errno::AGAIN)
    }
}

impl From<IoError> for io::Error {
    fn from(e: IoError) -> io::Error {
        e.0.into()
    }
}

/// A connected, non-blocking stream. The engine holds one per connection.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    // Reads and writes go straight to the kernel through `rustix` rather than through
    // `std` and glibc: in a multi-threaded process glibc wraps every `recv`/`send` in
    // cancellation-point bookkeeping, measured at ~60 instructions per echoed message,
    // as much as the whole hand-written epoll loop spends. `send` with `MSG_NOSIGNAL`
    // keeps a write to a reset peer from raising SIGPIPE. The errors stay `Errno`s (a
    // number) on the hot path; they become `io::Error`s only where one is reported.

    //
    // A call interrupted by a signal (`EINTR`) is simply made again here, so the
    // engine sees only three outcomes: bytes, "would block", or an error that ends
    // the connection.

    /// Reads into `buf`; `Ok(0)` is end of stream.
    #[inline(always)]
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> Result<usize, IoError> {
        #[cfg(test)]
        if let Some(r) = super::scripted::read(buf) {
            return r.map_err(IoError);
        }
        loop {
            match rustix::io::read(self.as_fd(), &mut *buf) {
                Err(Errno::INTR) => continue,
                r => return r.map_err(IoError),
            }
        }
    }

    /// Writes what the socket takes of `buf`.
    #[inline(always)]
    pub(crate) fn write(&mut self, buf: &[u8]) -> Result<usize, IoError> {
        #[cfg(test)]
        if let Some(r) = super::scripted::write(&[buf]) {
            return r.map_err(IoError);
        }
        loop {
            match rustix::net::send(self.as_fd(), buf, SEND_FLAGS) {
                Err(Errno::INTR) => continue,
                r => return r.map_err(IoError),
            }
        }
    }

    /// Writes what the socket takes of `bufs`, in order, in one system call.
    pub(crate) fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> Result<usize, IoError> {
        #[cfg(test)]
        if let Some(r) = super::scripted::write(&bufs.iter().map(|b| &b[..]).collect::<Vec<_>>()) {
            return r.map_err(IoError);
        }
        loop {
            let mut no_control = rustix::net::SendAncillaryBuffer::default();
            match rustix::net::sendmsg(self.as_fd(), bufs, &mut no_control, SEND_FLAGS) {
                Err(Errno::INTR) => continue,
                r => return r.map_err(IoError),
            }
        }
    }

    pub(crate) fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.shutdown(how),
            Stream::Unix(s) => s.shutdown(how),
        }
    }

    /// Starts a non-blocking connect to `addr`; completion is signalled by a writable
    /// edge ([`finish_connect`](Self::finish_connect) tells the outcome). Errors known
    /// at once (no such unix socket, out of descriptors) are returned here.
    pub(crate) fn connect(addr: &super::Addr) -> io::Result<Stream> {
        match addr {
            super::Addr::Ip(sa) => TcpStream::connect(*sa).map(Stream::Tcp),
            super::Addr::Unix(path) => UnixStream::connect(path).map(Stream::Unix),
            super::Addr::Unnamed => {
                Err(io::Error::new(io::ErrorKind::InvalidInput, "cannot connect to an unnamed unix socket"))
            }
        }
    }

    /// After a writable (or error) edge on a connecting socket: `Ok(true)` connected,
    /// `Ok(false)` still in progress (a spurious edge), `Err` the connect failed.
    pub(crate) fn finish_connect(&self) -> io::Result<bool> {
        let (err, peer) = match self {
            Stream::Tcp(s) => (s.take_error()?, s.peer_addr().map(|_| ())),
            Stream::Unix(s) => (s.take_error()?, s.peer_addr().map(|_| ())),
        };
        if let Some(e) = err {
            return Err(e);
        }
        match peer {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub(crate) fn is_tcp(&self) -> bool {
        matches!(self, Stream::Tcp(_))
    }

    /// The local address, asked of the kernel (a `getsockname` call: only on demand).
    pub(crate) fn local_addr(&self) -> io::Result<super::Addr> {
        match self {
            Stream::Tcp(s) => s.local_addr().map(super::Addr::Ip),
            Stream::Unix(s) => s.local_addr().map(|a| super::Addr::from_unix(&a)),
        }
    }

    /// Hands the socket out as a blocking `std` stream.
    pub(crate) fn into_std(self) -> io::Result<DetachedStream> {
        Ok(match self {
            Stream::Tcp(s) => {
                let s = std::net::TcpStream::from(s);
                s.set_nonblocking(false)?;
                DetachedStream::Tcp(s)
            }
            Stream::Unix(s) => {
                let s = std::os::unix::net::UnixStream::from(s);
                s.set_nonblocking(false)?;
                DetachedStream::Unix(s)
            }
        })
    }
}

impl AsFd for Stream {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        match self {
            Stream::Tcp(s) => s.as_fd(),
            Stream::Unix(s) => s.as_fd(),
        }
    }
}

impl Source for Stream {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.register(r, t, i),
            Stream::Unix(s) => s.register(r, t, i),
        }
    }

    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.reregister(r, t, i),
            Stream::Unix(s) => s.reregister(r, t, i),
        }
    }

    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.deregister(r),
            Stream::Unix(s) => s.deregister(r),
        }
    }
}

/// A socket handed out of the engine by [`Action::Detach`](crate::Action::Detach), in blocking mode.
#[derive(Debug)]
pub enum DetachedStream {
    /// A TCP connection.
    Tcp(std::net::TcpStream),
    /// A unix-domain connection.
    Unix(std::os::unix::net::UnixStream),
}
