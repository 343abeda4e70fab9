//! Turning checked addresses into listening sockets, one set per loop.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use socket2::{Domain, SockAddr, Socket, Type};

use super::address::{BindAddr, Kind};
use super::Error;
use crate::engine::Balance;
use crate::transport::{Addr, Listener, UnixSocketFile};

/// How the listeners are to be laid out.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ListenPlan {
    pub(crate) loops: usize,
    pub(crate) balance: Balance,
    pub(crate) backlog: i32,
    /// Skip the check that no other process listens on a `SO_REUSEPORT` port.
    pub(crate) share_port: bool,
}

/// The bound addresses (ports filled in) and each loop's listeners.
pub(crate) type Bound = (Vec<Addr>, Vec<Vec<Listener>>);

/// Binds every address. Loop 0 holds the unix listeners and, unless the kernel
/// spreads connections through `SO_REUSEPORT`, the TCP ones too.
pub(crate) fn bind_all(addrs: &[BindAddr], plan: ListenPlan) -> Result<Bound, Error> {
    let mut bound = Vec::with_capacity(addrs.len());
    let mut per_loop: Vec<Vec<Listener>> = (0..plan.loops).map(|_| Vec::new()).collect();
    for (index, a) in addrs.iter().enumerate() {
        match a.kind() {
            Kind::Tcp { host, port, family } => {
                let sa = a.resolve(host, *port, *family)?;
                if plan.balance == Balance::ReusePort {
                    let real = probe_port(a, sa, plan.share_port)?;
                    for listeners in per_loop.iter_mut() {
                        let sock = tcp_listener(a, real, true, plan.backlog)?;
                        listeners.push(Listener::tcp(sock.into(), index));
                    }
                    bound.push(Addr::Ip(real));
                } else {
                    let sock = tcp_listener(a, sa, false, plan.backlog)?;
                    let real = local_ip(a, &sock)?;
                    per_loop[0].push(Listener::tcp(sock.into(), index));
                    bound.push(Addr::Ip(real));
                }
            }
            Kind::Unix(path) => {
                let sock = unix_listener(a, path, plan.backlog)?;
                let file = Arc::new(UnixSocketFile::new(path));
                per_loop[0].push(Listener::unix(sock.into(), index, file));
                bound.push(Addr::Unix(Arc::from(path.as_path())));
            }
        }
    }
    Ok((bound, per_loop))
}

fn bind_error(a: &BindAddr, e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::AddrInUse {
        Error::AddrInUse { addr: a.to_string() }
    } else {
        Error::Bind { addr: a.to_string(), source: e }
    }
}

fn local_ip(a: &BindAddr, sock: &Socket) -> Result<SocketAddr, Error> {
    let local = sock.local_addr().map_err(|e| bind_error(a, e))?;
    local.as_socket().ok_or_else(|| Error::Bind {
        addr: a.to_string(),
        source: io::Error::other("bound socket has no IP address"),
    })
}

/// With `SO_REUSEPORT` the kernel would let our listeners join a port that another
/// process of the same user already serves, and split its traffic. Binding once
/// without the option first tells whether the port is free (and picks the port for
/// port 0); the probe is closed before the real listeners bind.
fn probe_port(a: &BindAddr, sa: SocketAddr, share: bool) -> Result<SocketAddr, Error> {
    if share && sa.port() != 0 {
        return Ok(sa);
    }
    let probe = Socket::new(Domain::for_address(sa), Type::STREAM, None).map_err(|e| bind_error(a, e))?;
    probe.set_reuse_address(true).map_err(|e| bind_error(a, e))?;
    if sa.is_ipv6() {
        probe.set_only_v6(true).map_err(|e| bind_error(a, e))?;
    }
    probe.bind(&sa.into()).map_err(|e| bind_error(a, e))?;
    local_ip(a, &probe)
}

fn tcp_listener(a: &BindAddr, sa: SocketAddr, reuse_port: bool, backlog: i32) -> Result<Socket, Error> {
    let err = |e| bind_error(a, e);
    let sock = Socket::new(Domain::for_address(sa), Type::STREAM, None).map_err(err)?;
    sock.set_reuse_address(true).map_err(err)?;
    if sa.is_ipv6() {
        sock.set_only_v6(true).map_err(err)?;
    }
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    if reuse_port {
        sock.set_reuse_port(true).map_err(err)?;
    }
    sock.bind(&sa.into()).map_err(err)?;
    sock.listen(backlog).map_err(err)?;
    sock.set_nonblocking(true).map_err(err)?;
    Ok(sock)
}

/// Binds a unix socket. A socket file whose server is gone (connecting is refused)
/// is replaced; one with a live listener is "in use"; anything that is not a socket
/// is left alone and reported.
fn unix_listener(a: &BindAddr, path: &Path, backlog: i32) -> Result<Socket, Error> {
    use std::os::unix::fs::FileTypeExt;
    let err = |e| bind_error(a, e);
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => match std::os::unix::net::UnixStream::connect(path) {
            Ok(_) => return Err(Error::AddrInUse { addr: a.to_string() }),
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                tracing::info!(path = %path.display(), "replacing a stale unix socket file");
                std::fs::remove_file(path).map_err(err)?;
            }
            Err(e) => return Err(err(e)),
        },
        Ok(_) => {
            return Err(Error::Bind {
                addr: a.to_string(),
                source: io::Error::new(io::ErrorKind::AlreadyExists, "the path exists and is not a socket"),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    let sock = Socket::new(Domain::UNIX, Type::STREAM, None).map_err(err)?;
    sock.bind(&SockAddr::unix(path).map_err(err)?).map_err(err)?;
    sock.listen(backlog).map_err(err)?;
    sock.set_nonblocking(true).map_err(err)?;
    Ok(sock)
}
