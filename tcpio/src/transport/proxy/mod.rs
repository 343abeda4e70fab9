//! The PROXY protocol header (HAProxy's specification, versions 1 and 2), sans-I/O.
//!
//! A load balancer that owns the client's TCP connection (HAProxy, an L4 balancer)
//! tells the server behind it who the client is by sending a PROXY header first on
//! each connection. This module reads and writes that header; it never touches a
//! socket. [`parse`] looks at the bytes received so far and answers "need more", "a
//! header, which used the first n bytes", or an error, like a codec's `Decoder`; the
//! caller keeps what arrived (at most [`DEFAULT_MAX_HEADER`] bytes, or its own limit)
//! and calls again with more appended. Nothing is reserved for a length the header
//! claims: a v2 length past the limit is an error as soon as the fixed 16 bytes are in.
//!
//! ```text
//!  v1:  "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n"     (text, at most 107 bytes)
//!
//!  v2:  | \r\n\r\n\0\r\nQUIT\n | ver|cmd | fam|proto | length (BE) | addresses | TLVs...|
//!       |    12 bytes          | 1 byte   | 1 byte    | 2 bytes     |  length bytes     |
//! ```
//!
//! ```
//! use tcpio::proxy::{self, Addresses, Parsed};
//!
//! let wire = b"PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\nGET / HTTP/1.1\r\n";
//! match proxy::parse(wire, proxy::DEFAULT_MAX_HEADER)? {
//!     Parsed::Complete(header, used) => {
//!         let Addresses::Ip { source, destination } = header.addresses else { panic!() };
//!         assert_eq!(source.to_string(), "192.0.2.1:56324");
//!         assert_eq!(destination.port(), 443);
//!         assert_eq!(&wire[used..], b"GET / HTTP/1.1\r\n"); // the client's own bytes
//!     }
//!     Parsed::Incomplete => unreachable!("the whole header is here"),
//! }
//! # Ok::<(), tcpio::proxy::HeaderError>(())
//! ```
//!
//! The receiver never guesses whether a header is present (the specification forbids
//! it): on an address that expects one, bytes that do not start a header are an error.

mod encode;
mod parse;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::SocketAddr;

pub use encode::EncodeError;
pub use parse::parse;

/// The largest header accepted by default: 4 KiB (a v1 header is at most 107 bytes;
/// a v2 header is 16 bytes, the addresses and any TLVs).
pub const DEFAULT_MAX_HEADER: usize = 4096;

/// The longest v1 header, CRLF included (the specification's figure).
pub const V1_MAX: usize = 107;

/// The 12 bytes every v2 header starts with.
pub const V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";

/// What [`parse`] found in the bytes so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A whole header, and how many bytes of the input it took; what follows is the
    /// client's own data.
    Complete(Header, usize),
    /// The bytes so far are the start of a header: call again with more.
    Incomplete,
}

/// The header's version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// The text form.
    V1,
    /// The binary form.
    V2,
}

/// What the sender says the connection is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// Relayed for a client: the addresses are the client's and the original
    /// destination's.
    Proxy,
    /// Made by the balancer itself (a health check): the connection's own addresses
    /// stand. Also what a v1 `UNKNOWN` header means.
    Local,
}

/// The transport the original connection used (v2 only; a v1 header is always a
/// stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    /// Not said (`UNSPEC`).
    Unspecified,
    /// A stream (TCP, or a unix stream socket).
    Stream,
    /// Datagrams (UDP, or a unix datagram socket).
    Datagram,
}

/// The original connection's addresses, as the header gives them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Addresses {
    /// Not given: a LOCAL header, a v1 `UNKNOWN`, or the `UNSPEC` family. The
    /// connection's own addresses stand.
    Unknown,
    /// IPv4 or IPv6: the client and the address it connected to.
    Ip {
        /// The client.
        source: SocketAddr,
        /// Where the client connected to (the balancer's listening address).
        destination: SocketAddr,
    },
    /// Unix sockets (v2 `AF_UNIX`): the two paths, as the 108 bytes the header
    /// carries each, cut at the first NUL.
    Unix {
        /// The client's socket path.
        source: Vec<u8>,
        /// The path it connected to.
        destination: Vec<u8>,
    },
}

/// A parsed PROXY header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Which form it came in.
    pub version: Version,
    /// Relayed for a client, or the balancer's own connection.
    pub command: Command,
    /// The original connection's transport.
    pub transport: Transport,
    /// The original connection's addresses ([`Addresses::Unknown`] for a LOCAL
    /// header, whatever it carried).
    pub addresses: Addresses,
    /// The v2 extensions, in the order they came (empty for v1). A CRC32C extension,
    /// when present, has been verified.
    pub tlvs: Vec<Tlv>,
}

impl Header {
    /// The client's address, if the header gives one: what a server behind a
    /// balancer reports as the peer.
    pub fn source(&self) -> Option<SocketAddr> {
        match self.addresses {
            Addresses::Ip { source, .. } => Some(source),
            _ => None,
        }
    }

    /// The value of the first extension of this kind.
    pub fn tlv(&self, kind: u8) -> Option<&Tlv> {
        self.tlvs.iter().find(|t| t.kind() == kind)
    }
}

/// Extension types of the v2 header (`PP2_TYPE_*`).
pub mod tlv_kind {
    /// Application-Layer Protocol Negotiation: the protocol the client chose.
    pub const ALPN: u8 = 0x01;
    /// The host name the client asked for (SNI, or a `Host`).
    pub const AUTHORITY: u8 = 0x02;
    /// A CRC32C checksum of the whole header.
    pub const CRC32C: u8 = 0x03;
    /// Padding, to be ignored.
    pub const NOOP: u8 = 0x04;
    /// An opaque identifier of the connection, at most 128 bytes.
    pub const UNIQUE_ID: u8 = 0x05;
    /// The client's TLS session, with sub-extensions.
    pub const SSL: u8 = 0x20;
    /// The TLS version (an SSL sub-extension).
    pub const SSL_VERSION: u8 = 0x21;
    /// The client certificate's common name (an SSL sub-extension).
    pub const SSL_CN: u8 = 0x22;
    /// The cipher (an SSL sub-extension).
    pub const SSL_CIPHER: u8 = 0x23;
    /// The certificate's signature algorithm (an SSL sub-extension).
    pub const SSL_SIG_ALG: u8 = 0x24;
    /// The certificate's key algorithm (an SSL sub-extension).
    pub const SSL_KEY_ALG: u8 = 0x25;
    /// The network namespace the connection was accepted in.
    pub const NETNS: u8 = 0x30;
}

/// One v2 extension (a TLV: type, length, value).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Tlv {
    /// [`tlv_kind::ALPN`].
    Alpn(Vec<u8>),
    /// [`tlv_kind::AUTHORITY`]: a host name (UTF-8 per the specification).
    Authority(String),
    /// [`tlv_kind::CRC32C`]: the checksum, already verified.
    Crc32c(u32),
    /// [`tlv_kind::NOOP`]: padding of this many bytes.
    Noop(usize),
    /// [`tlv_kind::UNIQUE_ID`].
    UniqueId(Vec<u8>),
    /// [`tlv_kind::SSL`].
    Ssl(Ssl),
    /// [`tlv_kind::NETNS`]: the namespace's name.
    NetNs(Vec<u8>),
    /// Any other kind (application-specific `0xE0..=0xEF`, experimental, future).
    Other {
        /// The type byte.
        kind: u8,
        /// The value.
        value: Vec<u8>,
    },
}

impl Tlv {
    /// The type byte (see [`tlv_kind`]).
    pub fn kind(&self) -> u8 {
        match self {
            Tlv::Alpn(_) => tlv_kind::ALPN,
            Tlv::Authority(_) => tlv_kind::AUTHORITY,
            Tlv::Crc32c(_) => tlv_kind::CRC32C,
            Tlv::Noop(_) => tlv_kind::NOOP,
            Tlv::UniqueId(_) => tlv_kind::UNIQUE_ID,
            Tlv::Ssl(_) => tlv_kind::SSL,
            Tlv::NetNs(_) => tlv_kind::NETNS,
            Tlv::Other { kind, .. } => *kind,
        }
    }
}

/// The client's TLS session, as the balancer saw it ([`tlv_kind::SSL`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ssl {
    /// `PP2_CLIENT_*` bits: 0x01 the client connected over TLS, 0x02 it sent a
    /// certificate on this connection, 0x04 it sent one on this session.
    pub client: u8,
    /// 0 if the client's certificate was verified, non-zero otherwise.
    pub verify: u32,
    /// The TLS version, e.g. `TLSv1.3`.
    pub version: Option<String>,
    /// The client certificate's common name.
    pub common_name: Option<String>,
    /// The cipher, e.g. `ECDHE-RSA-AES128-GCM-SHA256`.
    pub cipher: Option<String>,
    /// The certificate's signature algorithm.
    pub signature_algorithm: Option<String>,
    /// The certificate's key algorithm.
    pub key_algorithm: Option<String>,
    /// Sub-extensions of other kinds, in order.
    pub other: Vec<(u8, Vec<u8>)>,
}

/// Why bytes are not a valid PROXY header. The connection that sent them is to be
/// closed; nothing else is affected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// The bytes do not start a v1 or v2 header.
    NotAHeader,
    /// A v1 header with no CRLF within its 107 bytes.
    V1TooLong,
    /// A v1 header that does not follow the grammar (what is wrong is said).
    V1Malformed(&'static str),
    /// A v2 header whose version nibble is not 2.
    V2Version(u8),
    /// A v2 command other than LOCAL or PROXY.
    V2Command(u8),
    /// A v2 address family or transport that does not exist.
    V2Family(u8),
    /// A v2 length too short for the addresses of its family.
    V2Length {
        /// The length the header gives.
        length: usize,
        /// What its family needs at least.
        needed: usize,
    },
    /// A header longer than the limit (the v2 length is checked as soon as the fixed
    /// 16 bytes are in).
    TooLarge {
        /// The header's whole length.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// An extension that runs past the end of the header, or whose value breaks its
    /// kind's rules (a CRC32C not 4 bytes long, a unique ID over 128 bytes, an
    /// authority that is not UTF-8, a truncated SSL extension).
    Tlv(u8),
    /// The CRC32C extension does not match the header.
    Checksum {
        /// The checksum the header carries.
        carried: u32,
        /// The checksum of the header as received.
        computed: u32,
    },
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::NotAHeader => f.write_str("not a PROXY protocol header"),
            HeaderError::V1TooLong => write!(f, "PROXY v1 header without CRLF in {V1_MAX} bytes"),
            HeaderError::V1Malformed(what) => write!(f, "malformed PROXY v1 header: {what}"),
            HeaderError::V2Version(v) => write!(f, "PROXY v2 header with version {v}"),
            HeaderError::V2Command(c) => write!(f, "PROXY v2 header with unknown command {c:#x}"),
            HeaderError::V2Family(b) => {
                write!(f, "PROXY v2 header with unknown family/transport byte {b:#04x}")
            }
            HeaderError::V2Length { length, needed } => {
                write!(f, "PROXY v2 header length {length} is below the {needed} bytes of its addresses")
            }
            HeaderError::TooLarge { length, max } => {
                write!(f, "PROXY header of {length} bytes is over the limit of {max}")
            }
            HeaderError::Tlv(kind) => write!(f, "malformed PROXY v2 extension of type {kind:#04x}"),
            HeaderError::Checksum { carried, computed } => {
                write!(f, "PROXY v2 CRC32C mismatch: the header carries {carried:#010x}, its bytes give {computed:#010x}")
            }
        }
    }
}

impl std::error::Error for HeaderError {}
