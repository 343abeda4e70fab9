//! Binding listening sockets: TCP (with or without `SO_REUSEPORT`) and unix-domain.
//!
//! Errors are the system's, unchanged in kind: a port or a live unix socket that is
//! taken is `AddrInUse`, a path that exists and is not a socket `AlreadyExists`. The
//! server layer names the address they concern.

use std::io;
use std::net::SocketAddr;
use std::path::Path;

use socket2::{Domain, SockAddr, Socket, Type};

/// The IP address a socket is bound to.
fn local_ip(sock: &Socket) -> io::Result<SocketAddr> {
    sock.local_addr()?.as_socket().ok_or_else(|| io::Error::other("bound socket has no IP address"))
}

/// A TCP socket for `sa`, with the options every listener here has.
fn tcp_socket(sa: SocketAddr) -> io::Result<Socket> {
    let sock = Socket::new(Domain::for_address(sa), Type::STREAM, None)?;
    sock.set_reuse_address(true)?;
    if sa.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    Ok(sock)
}

/// With `SO_REUSEPORT` the kernel would let our listeners join a port that another
/// process of the same user already serves, and split its traffic. Binding once
/// without the option first tells whether the port is free (and picks the port for
/// port 0); the probe is closed before the real listeners bind.
pub(crate) fn probe_tcp(sa: SocketAddr) -> io::Result<SocketAddr> {
    let probe = tcp_socket(sa)?;
    probe.bind(&sa.into())?;
    local_ip(&probe)
}

/// A listening, non-blocking TCP socket on `sa`, and the address it got.
pub(crate) fn tcp_listener(
    sa: SocketAddr,
    reuse_port: bool,
    backlog: i32,
) -> io::Result<(std::net::TcpListener, SocketAddr)> {
    let sock = tcp_socket(sa)?;
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    if reuse_port {
        sock.set_reuse_port(true)?;
    }
    #[cfg(any(not(unix), target_os = "solaris", target_os = "illumos"))]
    let _ = reuse_port;
    sock.bind(&sa.into())?;
    sock.listen(backlog)?;
    sock.set_nonblocking(true)?;
    let real = local_ip(&sock)?;
    Ok((sock.into(), real))
}

/// A listening, non-blocking unix socket at `path`. A socket file whose server is
/// gone (connecting is refused) is replaced; one with a live listener is
/// `AddrInUse`; anything that is not a socket is left alone (`AlreadyExists`).
pub(crate) fn unix_listener(path: &Path, backlog: i32) -> io::Result<std::os::unix::net::UnixListener> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => match std::os::unix::net::UnixStream::connect(path) {
            Ok(_) => return Err(io::ErrorKind::AddrInUse.into()),
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                tracing::info!(path = %path.display(), "replacing a stale unix socket file");
                std::fs::remove_file(path)?;
            }
            Err(e) => return Err(e),
        },
        Ok(_) => {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, "the path exists and is not a socket"))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let sock = Socket::new(Domain::UNIX, Type::STREAM, None)?;
    sock.bind(&SockAddr::unix(path)?)?;
    sock.listen(backlog)?;
    sock.set_nonblocking(true)?;
    Ok(sock.into())
}
