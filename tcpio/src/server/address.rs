//! Listen addresses: parsing (`tcp://`, `tcp4://`, `tcp6://`, `tls://`, `unix://`,
//! `host:port`, each optionally `proxy+`) and resolution.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use super::Error;

/// Longest unix socket path: `sun_path` holds 108 bytes on Linux, one for the NUL.
#[cfg(target_os = "linux")]
pub(crate) const MAX_UNIX_PATH: usize = 107;
#[cfg(not(target_os = "linux"))]
pub(crate) const MAX_UNIX_PATH: usize = 103;

/// IP family an address is restricted to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Any,
    V4,
    V6,
}

/// A parsed listen address, not yet resolved or bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindAddr {
    text: String,
    kind: Kind,
    /// Written `proxy+tcp://`, `proxy+unix://`...: the PROXY protocol header is
    /// required on this address.
    proxy: bool,
    /// Written `tls://`: TLS is served on this address.
    tls: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Tcp { host: String, port: u16, family: Family },
    Unix(PathBuf),
}

impl BindAddr {
    /// Parses `tcp://host:port`, `tcp4://…`, `tcp6://…`, `tls://host:port`,
    /// `unix:///path` or a plain `host:port`. A `tls://` address is TCP that serves
    /// TLS: it must be bound with [`BindOptions::tls`](crate::BindOptions::tls), which
    /// carries the certificate. An empty host means every interface; IPv6 hosts are bracketed
    /// (`tcp6://[::1]:0`). Any scheme may be written `proxy+tcp://…`,
    /// `proxy+unix://…`: the address then requires the PROXY protocol header (see
    /// [`is_proxy`](Self::is_proxy)). Options go in the scheme, not after the address,
    /// because a unix path may hold any character but NUL.
    pub fn parse(s: &str) -> Result<BindAddr, Error> {
        if s.trim().is_empty() {
            return Err(Error::EmptyAddress);
        }
        let invalid =
            |reason: &str| Error::InvalidAddress { addr: s.to_string(), reason: reason.to_string() };
        // `proxy+` before a scheme: the address requires the PROXY protocol header.
        // A scheme cannot hold a path's characters, so this is never ambiguous.
        let (proxy, spec) = match s.get(..6) {
            Some(p) if p.eq_ignore_ascii_case("proxy+") && s[6..].contains("://") => (true, &s[6..]),
            _ => (false, s),
        };
        let mut tls = false;
        let kind = match spec.split_once("://") {
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "tcp" => tcp(rest, Family::Any).map_err(invalid)?,
                "tcp4" => tcp(rest, Family::V4).map_err(invalid)?,
                "tcp6" => tcp(rest, Family::V6).map_err(invalid)?,
                "tls" => {
                    tls = true;
                    tcp(rest, Family::Any).map_err(invalid)?
                }
                "unix" => {
                    if rest.is_empty() {
                        return Err(invalid("the unix socket path is empty"));
                    }
                    if rest.as_bytes().contains(&0) {
                        return Err(invalid("the unix socket path contains a NUL byte"));
                    }
                    if rest.len() > MAX_UNIX_PATH {
                        return Err(Error::UnixPathTooLong {
                            addr: s.to_string(),
                            len: rest.len(),
                            max: MAX_UNIX_PATH,
                        });
                    }
                    Kind::Unix(PathBuf::from(rest))
                }
                _ => return Err(Error::UnknownScheme { addr: s.to_string(), scheme: scheme.to_string() }),
            },
            None => tcp(s, Family::Any).map_err(invalid)?,
        };
        Ok(BindAddr { text: s.to_string(), kind, proxy, tls })
    }

    /// The address as the user wrote it (used in error messages).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the address was written with `proxy+` before its scheme
    /// (`proxy+tcp://0.0.0.0:6380`): it then requires the PROXY protocol header, as
    /// [`BindOptions::proxy_protocol`](crate::BindOptions::proxy_protocol) does, trusting
    /// loopback unless [`Builder::bind_with`](crate::Builder::bind_with) says more.
    pub fn is_proxy(&self) -> bool {
        self.proxy
    }

    /// Whether the address was written `tls://` (or `proxy+tls://`).
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    pub(crate) fn kind(&self) -> &Kind {
        &self.kind
    }

    /// Resolves a TCP address to one socket address of its family (IPv4 first for
    /// `tcp://` with a host name that has both).
    pub(crate) fn resolve(&self, host: &str, port: u16, family: Family) -> Result<SocketAddr, Error> {
        let unresolvable = |reason: String| Error::Unresolvable { addr: self.text.clone(), reason };
        if host.is_empty() {
            let ip = match family {
                Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            };
            return Ok(SocketAddr::new(ip, port));
        }
        let candidates: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => (host, port).to_socket_addrs().map_err(|e| unresolvable(e.to_string()))?.collect(),
        };
        let fits = |sa: &&SocketAddr| match family {
            Family::Any | Family::V4 => sa.is_ipv4(),
            Family::V6 => sa.is_ipv6(),
        };
        candidates
            .iter()
            .find(fits)
            .or_else(|| if family == Family::Any { candidates.first() } else { None })
            .copied()
            .ok_or_else(|| {
                let fam = if family == Family::V6 { "IPv6" } else { "IPv4" };
                unresolvable(format!("no {fam} address for host {host:?}"))
            })
    }
}

fn tcp(rest: &str, family: Family) -> Result<Kind, &'static str> {
    let (host, port) = if let Some(after) = rest.strip_prefix('[') {
        let (h, tail) = after.split_once(']').ok_or("missing ']' after an IPv6 address")?;
        if h.parse::<Ipv6Addr>().is_err() {
            return Err("the bracketed host is not an IPv6 address");
        }
        let port = tail.strip_prefix(':').ok_or("missing ':port' after the host")?;
        (h, port)
    } else {
        let (h, port) = rest.rsplit_once(':').ok_or("missing ':port'")?;
        if h.contains(':') {
            return Err("an IPv6 host must be in brackets, as in [::1]:5000");
        }
        (h, port)
    };
    if host.contains(['/', ' ', '@']) {
        return Err("the host contains characters a host cannot have");
    }
    if family == Family::V4 && host.parse::<Ipv6Addr>().is_ok() {
        return Err("tcp4 with an IPv6 host");
    }
    if family == Family::V6 && host.parse::<Ipv4Addr>().is_ok() {
        return Err("tcp6 with an IPv4 host");
    }
    let port = port.parse::<u16>().map_err(|_| "the port is not a number from 0 to 65535")?;
    Ok(Kind::Tcp { host: host.to_string(), port, family })
}

impl fmt::Display for BindAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Anything [`Builder::bind`](crate::Builder::bind) accepts: a string in one of the
/// forms of [`BindAddr::parse`], a [`SocketAddr`], or a unix socket [`Path`].
pub trait ToBindAddr {
    /// Parses or converts into a [`BindAddr`].
    fn to_bind_addr(&self) -> Result<BindAddr, Error>;
}

impl ToBindAddr for str {
    fn to_bind_addr(&self) -> Result<BindAddr, Error> {
        BindAddr::parse(self)
    }
}

impl ToBindAddr for &str {
    fn to_bind_addr(&self) -> Result<BindAddr, Error> {
        BindAddr::parse(self)
    }
}

impl ToBindAddr for String {
    fn to_bind_addr(&self) -> Result<BindAddr, Error> {
        BindAddr::parse(self)
    }
}

impl ToBindAddr for SocketAddr {
    fn to_bind_addr(&self) -> Result<BindAddr, Error> {
        let family = if self.is_ipv4() { Family::V4 } else { Family::V6 };
        Ok(BindAddr {
            text: format!("tcp://{self}"),
            kind: Kind::Tcp { host: self.ip().to_string(), port: self.port(), family },
            proxy: false,
            tls: false,
        })
    }
}

impl ToBindAddr for Path {
    fn to_bind_addr(&self) -> Result<BindAddr, Error> {
        BindAddr::parse(&format!("unix://{}", self.display()))
    }
}

impl ToBindAddr for BindAddr {
    fn to_bind_addr(&self) -> Result<BindAddr, Error> {
        Ok(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Kind {
        BindAddr::parse(s).unwrap().kind
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(
            kind("tcp://127.0.0.1:80"),
            Kind::Tcp { host: "127.0.0.1".into(), port: 80, family: Family::Any }
        );
        assert_eq!(kind("tcp4://:0"), Kind::Tcp { host: "".into(), port: 0, family: Family::V4 });
        assert_eq!(kind("tcp6://[::1]:9"), Kind::Tcp { host: "::1".into(), port: 9, family: Family::V6 });
        assert_eq!(
            kind("localhost:5000"),
            Kind::Tcp { host: "localhost".into(), port: 5000, family: Family::Any }
        );
        assert_eq!(kind("TCP://a:1"), Kind::Tcp { host: "a".into(), port: 1, family: Family::Any });
        assert_eq!(kind("unix:///tmp/x.sock"), Kind::Unix("/tmp/x.sock".into()));
        // `proxy+` asks for the PROXY header; a `?` or `#` in a unix path is a path.
        let p = BindAddr::parse("proxy+tcp://0.0.0.0:6380").unwrap();
        assert!(p.is_proxy() && p.to_string() == "proxy+tcp://0.0.0.0:6380");
        assert_eq!(kind("PROXY+unix:///tmp/a?b#c"), Kind::Unix("/tmp/a?b#c".into()));
        assert!(!BindAddr::parse("unix:///tmp/proxy+x").unwrap().is_proxy());
        assert!(matches!(BindAddr::parse("proxy+udp://1.2.3.4:5"), Err(Error::UnknownScheme { .. })));
    }

    #[test]
    fn rejects_with_the_right_error() {
        assert!(matches!(BindAddr::parse(""), Err(Error::EmptyAddress)));
        assert!(matches!(BindAddr::parse("  "), Err(Error::EmptyAddress)));
        assert!(matches!(BindAddr::parse("udp://1.2.3.4:5"), Err(Error::UnknownScheme { .. })));
        for bad in [
            "tcp://1.2.3.4",
            "tcp://1.2.3.4:99999",
            "tcp://::1:5",
            "tcp://[::1:5",
            "tcp4://[::1]:5",
            "tcp6://1.2.3.4:5",
            "unix://",
            "nonsense",
        ] {
            match BindAddr::parse(bad) {
                Err(Error::InvalidAddress { addr, .. }) => assert_eq!(addr, bad),
                other => panic!("{bad}: {other:?}"),
            }
        }
        let long = format!("unix:///{}", "x".repeat(200));
        assert!(matches!(BindAddr::parse(&long), Err(Error::UnixPathTooLong { len: 201, .. })));
    }

    #[test]
    fn resolves_by_family() {
        let a = BindAddr::parse("tcp4://localhost:7").unwrap();
        let Kind::Tcp { host, port, family } = a.kind().clone() else { unreachable!() };
        assert_eq!(a.resolve(&host, port, family).unwrap(), "127.0.0.1:7".parse().unwrap());
        let e = BindAddr::parse("tcp://no-such-host.invalid:7").unwrap();
        let Kind::Tcp { host, port, family } = e.kind().clone() else { unreachable!() };
        assert!(matches!(e.resolve(&host, port, family), Err(Error::Unresolvable { .. })));
    }
}
