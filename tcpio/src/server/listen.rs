//! Turning checked addresses into listening sockets, one set per loop.

use std::io;
use std::sync::Arc;

use super::address::{BindAddr, Kind};
use super::Error;
use crate::engine::Balance;
use crate::transport::{bind, Addr, Listener, UnixSocketFile};

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
        let err = |e| bind_error(a, e);
        match a.kind() {
            Kind::Tcp { host, port, family } => {
                let sa = a.resolve(host, *port, *family)?;
                if plan.balance == Balance::ReusePort {
                    // Skipped when sharing the port with other processes is allowed
                    // (unless the port is still to be picked).
                    let real = if plan.share_port && sa.port() != 0 {
                        sa
                    } else {
                        bind::probe_tcp(sa).map_err(err)?
                    };
                    for listeners in per_loop.iter_mut() {
                        let (sock, _) = bind::tcp_listener(real, true, plan.backlog).map_err(err)?;
                        listeners.push(Listener::tcp(sock, index));
                    }
                    bound.push(Addr::Ip(real));
                } else {
                    let (sock, real) = bind::tcp_listener(sa, false, plan.backlog).map_err(err)?;
                    per_loop[0].push(Listener::tcp(sock, index));
                    bound.push(Addr::Ip(real));
                }
            }
            Kind::Unix(path) => {
                let sock = bind::unix_listener(path, plan.backlog).map_err(err)?;
                let file = Arc::new(UnixSocketFile::new(path));
                per_loop[0].push(Listener::unix(sock, index, file));
                bound.push(Addr::Unix(Arc::from(path.as_path())));
            }
        }
    }
    Ok((bound, per_loop))
}

/// A binding failure, naming the address: a taken port or live unix socket is
/// [`Error::AddrInUse`].
fn bind_error(a: &BindAddr, e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::AddrInUse {
        Error::AddrInUse { addr: a.to_string() }
    } else {
        Error::Bind { addr: a.to_string(), source: e }
    }
}
