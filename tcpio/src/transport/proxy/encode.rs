//! Writing a header: what a balancer, or a server dialing onwards, sends first.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use super::parse::checksum;
use super::{Addresses, Command, Header, Ssl, Tlv, Transport, Version, V2_SIGNATURE};

/// Why a header cannot be written in the form asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodeError(&'static str);

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot write this PROXY header: {}", self.0)
    }
}

impl std::error::Error for EncodeError {}

impl Header {
    /// A PROXY header for a client at `source` that connected to `destination`,
    /// in the given version, with no extensions.
    pub fn proxy(version: Version, source: SocketAddr, destination: SocketAddr) -> Header {
        Header {
            version,
            command: Command::Proxy,
            transport: Transport::Stream,
            addresses: Addresses::Ip { source, destination },
            tlvs: Vec::new(),
        }
    }

    /// A LOCAL header (the sender's own connection, a health check).
    pub fn local(version: Version) -> Header {
        Header {
            version,
            command: Command::Local,
            transport: Transport::Unspecified,
            addresses: Addresses::Unknown,
            tlvs: Vec::new(),
        }
    }

    /// Appends the header to `out` in its [`version`](Header::version). A v1 header
    /// carries IP addresses of one family, or is `UNKNOWN` (LOCAL, or no addresses);
    /// it has no extensions. A v2 header gets a CRC32C extension computed over it
    /// when its extensions include one (whatever value that one holds).
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self.version {
            Version::V1 => self.write_v1(out),
            Version::V2 => self.write_v2(out),
        }
    }

    fn write_v1(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if !self.tlvs.is_empty() {
            return Err(EncodeError("a v1 header has no extensions"));
        }
        let line = match (&self.command, &self.addresses) {
            (Command::Local, _) | (_, Addresses::Unknown) => "PROXY UNKNOWN\r\n".to_string(),
            (Command::Proxy, Addresses::Ip { source: s, destination: d }) => {
                let proto = match (s.ip(), d.ip()) {
                    (IpAddr::V4(_), IpAddr::V4(_)) => "TCP4",
                    (IpAddr::V6(_), IpAddr::V6(_)) => "TCP6",
                    _ => return Err(EncodeError("source and destination of different IP families")),
                };
                format!("PROXY {proto} {} {} {} {}\r\n", s.ip(), d.ip(), s.port(), d.port())
            }
            (Command::Proxy, Addresses::Unix { .. }) => {
                return Err(EncodeError("a v1 header cannot carry unix addresses"))
            }
        };
        out.extend_from_slice(line.as_bytes());
        Ok(())
    }

    fn write_v2(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.extend_from_slice(&V2_SIGNATURE);
        out.push(0x20 | if self.command == Command::Proxy { 1 } else { 0 });
        let transport = match self.transport {
            Transport::Unspecified => 0,
            Transport::Stream => 1,
            Transport::Datagram => 2,
        };
        let family = match &self.addresses {
            Addresses::Unknown => 0,
            Addresses::Ip { source: s, destination: d } if s.is_ipv4() && d.is_ipv4() => 1,
            Addresses::Ip { source: s, destination: d } if s.is_ipv6() && d.is_ipv6() => 2,
            Addresses::Ip { .. } => {
                out.truncate(start);
                return Err(EncodeError("source and destination of different IP families"));
            }
            Addresses::Unix { .. } => 3,
        };
        out.push(family << 4 | transport);
        out.extend_from_slice(&[0, 0]); // the length, filled in below
        match &self.addresses {
            Addresses::Unknown => {}
            Addresses::Ip { source, destination } => {
                for a in [source, destination] {
                    match a.ip() {
                        IpAddr::V4(ip) => out.extend_from_slice(&ip.octets()),
                        IpAddr::V6(ip) => out.extend_from_slice(&ip.octets()),
                    }
                }
                out.extend_from_slice(&source.port().to_be_bytes());
                out.extend_from_slice(&destination.port().to_be_bytes());
            }
            Addresses::Unix { source, destination } => {
                for p in [source, destination] {
                    if p.len() > 108 {
                        out.truncate(start);
                        return Err(EncodeError("a unix path longer than 108 bytes"));
                    }
                    out.extend_from_slice(p);
                    out.resize(out.len() + 108 - p.len(), 0);
                }
            }
        }
        let mut crc_at = None;
        for tlv in &self.tlvs {
            if let Tlv::Crc32c(_) = tlv {
                crc_at = Some(out.len() + 3 - start);
            }
            if let Err(e) = write_tlv(tlv, out) {
                out.truncate(start);
                return Err(e);
            }
        }
        let Ok(len) = u16::try_from(out.len() - start - 16) else {
            out.truncate(start);
            return Err(EncodeError("longer than a v2 header's 16-bit length"));
        };
        out[start + 14..start + 16].copy_from_slice(&len.to_be_bytes());
        if let Some(at) = crc_at {
            let crc = checksum(&out[start..], at);
            out[start + at..start + at + 4].copy_from_slice(&crc.to_be_bytes());
        }
        Ok(())
    }
}

/// Appends one extension: type, 16-bit length, value.
fn write_tlv(tlv: &Tlv, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let mut value = Vec::new();
    match tlv {
        Tlv::Alpn(v) | Tlv::UniqueId(v) | Tlv::NetNs(v) | Tlv::Other { value: v, .. } => {
            value.extend_from_slice(v)
        }
        Tlv::Authority(s) => value.extend_from_slice(s.as_bytes()),
        Tlv::Crc32c(_) => value.extend_from_slice(&[0; 4]),
        Tlv::Noop(n) => value.resize(*n, 0),
        Tlv::Ssl(ssl) => write_ssl(ssl, &mut value)?,
    }
    if matches!(tlv, Tlv::UniqueId(v) if v.len() > 128) {
        return Err(EncodeError("a unique ID longer than 128 bytes"));
    }
    put(out, tlv.kind(), &value)
}

fn write_ssl(ssl: &Ssl, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    use super::tlv_kind::*;
    out.push(ssl.client);
    out.extend_from_slice(&ssl.verify.to_be_bytes());
    let named = [
        (SSL_VERSION, &ssl.version),
        (SSL_CN, &ssl.common_name),
        (SSL_CIPHER, &ssl.cipher),
        (SSL_SIG_ALG, &ssl.signature_algorithm),
        (SSL_KEY_ALG, &ssl.key_algorithm),
    ];
    for (kind, v) in named {
        if let Some(v) = v {
            put(out, kind, v.as_bytes())?;
        }
    }
    for (kind, v) in &ssl.other {
        put(out, *kind, v)?;
    }
    Ok(())
}

fn put(out: &mut Vec<u8>, kind: u8, value: &[u8]) -> Result<(), EncodeError> {
    let len = u16::try_from(value.len()).map_err(|_| EncodeError("an extension longer than 65,535 bytes"))?;
    out.push(kind);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
    Ok(())
}
