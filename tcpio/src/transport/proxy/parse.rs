//! Reading a header: [`parse`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::{
    tlv_kind, Addresses, Command, Header, HeaderError, Parsed, Ssl, Tlv, Transport, Version, V1_MAX,
    V2_SIGNATURE,
};

const V1_PREFIX: &[u8] = b"PROXY ";

/// The fixed part of a v2 header: signature, version and command, family and
/// transport, length.
const V2_FIXED: usize = 16;

/// Address block sizes of the v2 families.
const INET_LEN: usize = 12;
const INET6_LEN: usize = 36;
const UNIX_LEN: usize = 216;

/// Reads a PROXY header from the start of `input`, the bytes a connection has
/// received so far. A header longer than `max` bytes is an error (as soon as that is
/// known: a v2 header's length is checked when its fixed 16 bytes are in).
///
/// After [`Parsed::Incomplete`], call again with the same bytes and more appended;
/// the work done per call is bounded by the header (a v1 line is at most 107 bytes, a
/// v2 header is not looked at past its fixed part until all of it is in).
pub fn parse(input: &[u8], max: usize) -> Result<Parsed, HeaderError> {
    if starts_as(input, &V2_SIGNATURE) {
        return if input.len() < V2_SIGNATURE.len() { Ok(Parsed::Incomplete) } else { parse_v2(input, max) };
    }
    if starts_as(input, V1_PREFIX) {
        return if input.len() < V1_PREFIX.len() { Ok(Parsed::Incomplete) } else { parse_v1(input, max) };
    }
    Err(HeaderError::NotAHeader)
}

/// Whether `input` and `prefix` agree on the bytes both have.
fn starts_as(input: &[u8], prefix: &[u8]) -> bool {
    let n = input.len().min(prefix.len());
    input[..n] == prefix[..n]
}

fn parse_v1(input: &[u8], max: usize) -> Result<Parsed, HeaderError> {
    let limit = V1_MAX.min(max.max(V1_PREFIX.len()));
    let window = &input[..input.len().min(limit)];
    let Some(cr) = window.iter().position(|&b| b == b'\r' || b == b'\n') else {
        if input.len() >= limit {
            return Err(too_long(limit, max));
        }
        return Ok(Parsed::Incomplete);
    };
    if input[cr] == b'\n' {
        return Err(HeaderError::V1Malformed("LF without CR"));
    }
    if cr + 2 > limit {
        return Err(too_long(limit, max));
    }
    match input.get(cr + 1) {
        None => return Ok(Parsed::Incomplete),
        Some(b'\n') => {}
        Some(_) => return Err(HeaderError::V1Malformed("CR not followed by LF")),
    }
    let line = std::str::from_utf8(&input[V1_PREFIX.len()..cr])
        .map_err(|_| HeaderError::V1Malformed("not ASCII"))?;
    let header = v1_fields(line)?;
    Ok(Parsed::Complete(header, cr + 2))
}

fn too_long(limit: usize, max: usize) -> HeaderError {
    if limit < V1_MAX {
        HeaderError::TooLarge { length: limit + 1, max }
    } else {
        HeaderError::V1TooLong
    }
}

/// The fields after `PROXY `: `TCP4|TCP6 src dst sport dport`, or `UNKNOWN ...`.
fn v1_fields(line: &str) -> Result<Header, HeaderError> {
    let unknown = Header {
        version: super::Version::V1,
        command: Command::Local,
        transport: Transport::Unspecified,
        addresses: Addresses::Unknown,
        tlvs: Vec::new(),
    };
    if line == "UNKNOWN" || line.starts_with("UNKNOWN ") {
        // The receiver must ignore what follows and use the connection's own addresses.
        return Ok(unknown);
    }
    let mut parts = line.split(' ');
    let v6 = match parts.next() {
        Some("TCP4") => false,
        Some("TCP6") => true,
        _ => return Err(HeaderError::V1Malformed("protocol is not TCP4, TCP6 or UNKNOWN")),
    };
    let mut field = |what| parts.next().filter(|s| !s.is_empty()).ok_or(HeaderError::V1Malformed(what));
    let (src, dst) = (field("missing source address")?, field("missing destination address")?);
    let (sport, dport) = (field("missing source port")?, field("missing destination port")?);
    if parts.next().is_some() {
        return Err(HeaderError::V1Malformed("extra fields"));
    }
    let ip = |s: &str| -> Result<IpAddr, HeaderError> {
        if v6 {
            s.parse::<Ipv6Addr>().map(IpAddr::V6).map_err(|_| HeaderError::V1Malformed("bad IPv6 address"))
        } else {
            s.parse::<Ipv4Addr>().map(IpAddr::V4).map_err(|_| HeaderError::V1Malformed("bad IPv4 address"))
        }
    };
    let source = SocketAddr::new(ip(src)?, port(sport)?);
    let destination = SocketAddr::new(ip(dst)?, port(dport)?);
    let addresses = Addresses::Ip { source, destination };
    Ok(Header { command: Command::Proxy, transport: Transport::Stream, addresses, ..unknown })
}

/// A decimal port, 0 to 65535, without a sign or leading zeros.
fn port(s: &str) -> Result<u16, HeaderError> {
    let bad = HeaderError::V1Malformed("bad port");
    if s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return Err(bad);
    }
    s.parse().map_err(|_| bad)
}

fn parse_v2(input: &[u8], max: usize) -> Result<Parsed, HeaderError> {
    if input.len() < V2_FIXED {
        return Ok(Parsed::Incomplete);
    }
    let len = usize::from(u16::from_be_bytes([input[14], input[15]]));
    let total = V2_FIXED + len;
    if total > max {
        return Err(HeaderError::TooLarge { length: total, max });
    }
    let ver_cmd = input[12];
    if ver_cmd >> 4 != 2 {
        return Err(HeaderError::V2Version(ver_cmd >> 4));
    }
    let command = match ver_cmd & 0x0f {
        0 => Command::Local,
        1 => Command::Proxy,
        c => return Err(HeaderError::V2Command(c)),
    };
    let fam = input[13];
    let transport = match fam & 0x0f {
        0 => Transport::Unspecified,
        1 => Transport::Stream,
        2 => Transport::Datagram,
        _ => return Err(HeaderError::V2Family(fam)),
    };
    let addr_len = match fam >> 4 {
        0 => 0,
        1 => INET_LEN,
        2 => INET6_LEN,
        3 => UNIX_LEN,
        _ => return Err(HeaderError::V2Family(fam)),
    };
    if len < addr_len {
        return Err(HeaderError::V2Length { length: len, needed: addr_len });
    }
    if input.len() < total {
        return Ok(Parsed::Incomplete);
    }
    let header = &input[..total];
    let body = &header[V2_FIXED..];
    let addresses = match (command, fam >> 4) {
        // A LOCAL header's addresses, if any, are to be ignored.
        (Command::Local, _) | (_, 0) => Addresses::Unknown,
        (_, 1) => {
            let ip = |o: usize| IpAddr::V4(Ipv4Addr::new(body[o], body[o + 1], body[o + 2], body[o + 3]));
            Addresses::Ip {
                source: SocketAddr::new(ip(0), u16::from_be_bytes([body[8], body[9]])),
                destination: SocketAddr::new(ip(4), u16::from_be_bytes([body[10], body[11]])),
            }
        }
        (_, 2) => {
            let ip = |o: usize| {
                let mut b = [0u8; 16];
                b.copy_from_slice(&body[o..o + 16]);
                IpAddr::V6(Ipv6Addr::from(b))
            };
            Addresses::Ip {
                source: SocketAddr::new(ip(0), u16::from_be_bytes([body[32], body[33]])),
                destination: SocketAddr::new(ip(16), u16::from_be_bytes([body[34], body[35]])),
            }
        }
        _ => {
            let path = |p: &[u8]| p[..p.iter().position(|&b| b == 0).unwrap_or(p.len())].to_vec();
            Addresses::Unix { source: path(&body[..108]), destination: path(&body[108..216]) }
        }
    };
    let tlvs = tlvs(&body[addr_len..], header)?;
    Ok(Parsed::Complete(Header { version: Version::V2, command, transport, addresses, tlvs }, total))
}

/// Splits `bytes` into (type, value) pairs; an entry that runs past the end is an error.
fn entries(mut bytes: &[u8]) -> impl Iterator<Item = Result<(u8, &[u8]), HeaderError>> {
    std::iter::from_fn(move || {
        if bytes.is_empty() {
            return None;
        }
        let kind = bytes[0];
        if bytes.len() < 3 {
            bytes = &[];
            return Some(Err(HeaderError::Tlv(kind)));
        }
        let len = usize::from(u16::from_be_bytes([bytes[1], bytes[2]]));
        let Some(value) = bytes.get(3..3 + len) else {
            bytes = &[];
            return Some(Err(HeaderError::Tlv(kind)));
        };
        bytes = &bytes[3 + len..];
        Some(Ok((kind, value)))
    })
}

/// The extensions of a v2 header; `header` is the whole header, for the checksum.
fn tlvs(bytes: &[u8], header: &[u8]) -> Result<Vec<Tlv>, HeaderError> {
    let mut out = Vec::new();
    for entry in entries(bytes) {
        let (kind, value) = entry?;
        let bad = || HeaderError::Tlv(kind);
        out.push(match kind {
            tlv_kind::ALPN => Tlv::Alpn(value.to_vec()),
            tlv_kind::AUTHORITY => Tlv::Authority(String::from_utf8(value.to_vec()).map_err(|_| bad())?),
            tlv_kind::CRC32C => {
                let carried = u32::from_be_bytes(value.try_into().map_err(|_| bad())?);
                let computed = checksum(header, value.as_ptr() as usize - header.as_ptr() as usize);
                if carried != computed {
                    return Err(HeaderError::Checksum { carried, computed });
                }
                Tlv::Crc32c(carried)
            }
            tlv_kind::NOOP => Tlv::Noop(value.len()),
            tlv_kind::UNIQUE_ID if value.len() <= 128 => Tlv::UniqueId(value.to_vec()),
            tlv_kind::UNIQUE_ID => return Err(bad()),
            tlv_kind::SSL => Tlv::Ssl(ssl(value).ok_or_else(bad)?),
            tlv_kind::NETNS => Tlv::NetNs(value.to_vec()),
            _ => Tlv::Other { kind, value: value.to_vec() },
        });
    }
    Ok(out)
}

/// The CRC32C of `header` with the four checksum bytes at `at` taken as zero.
pub(super) fn checksum(header: &[u8], at: usize) -> u32 {
    let crc = crc32c::crc32c(&header[..at]);
    let crc = crc32c::crc32c_append(crc, &[0; 4]);
    crc32c::crc32c_append(crc, &header[at + 4..])
}

/// The SSL extension: client bits, verify result, then sub-extensions.
fn ssl(value: &[u8]) -> Option<Ssl> {
    if value.len() < 5 {
        return None;
    }
    let mut ssl = Ssl {
        client: value[0],
        verify: u32::from_be_bytes([value[1], value[2], value[3], value[4]]),
        ..Ssl::default()
    };
    for entry in entries(&value[5..]) {
        let (kind, v) = entry.ok()?;
        let text = || String::from_utf8(v.to_vec()).ok();
        match kind {
            tlv_kind::SSL_VERSION => ssl.version = Some(text()?),
            tlv_kind::SSL_CN => ssl.common_name = Some(text()?),
            tlv_kind::SSL_CIPHER => ssl.cipher = Some(text()?),
            tlv_kind::SSL_SIG_ALG => ssl.signature_algorithm = Some(text()?),
            tlv_kind::SSL_KEY_ALG => ssl.key_algorithm = Some(text()?),
            _ => ssl.other.push((kind, v.to_vec())),
        }
    }
    Some(ssl)
}
