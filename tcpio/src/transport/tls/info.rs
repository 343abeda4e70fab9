//! What a handler can learn about its connection's TLS session, and why one failed.

use std::fmt;

use rustls::pki_types::CertificateDer;

/// A TLS protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsVersion {
    /// TLS 1.2 (RFC 5246).
    Tls12,
    /// TLS 1.3 (RFC 8446).
    Tls13,
}

impl TlsVersion {
    pub(crate) fn rustls(self) -> &'static rustls::SupportedProtocolVersion {
        match self {
            TlsVersion::Tls12 => &rustls::version::TLS12,
            TlsVersion::Tls13 => &rustls::version::TLS13,
        }
    }

    /// The versions from `min` to `max`, checked.
    pub(crate) fn range(
        min: TlsVersion,
        max: TlsVersion,
    ) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, super::TlsConfigError> {
        if min > max {
            return Err(super::TlsConfigError::Invalid(format!(
                "the minimum TLS version ({min}) is above the maximum ({max})"
            )));
        }
        Ok([TlsVersion::Tls12, TlsVersion::Tls13]
            .into_iter()
            .filter(|v| (min..=max).contains(v))
            .map(TlsVersion::rustls)
            .collect())
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsVersion::Tls12 => "TLS 1.2",
            TlsVersion::Tls13 => "TLS 1.3",
        })
    }
}

/// A TLS connection's negotiated session, as
/// [`Conn::tls`](crate::Conn::tls) shows it once the handshake is done.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TlsInfo {
    /// The protocol version.
    pub version: TlsVersion,
    /// The cipher suite's IANA name, such as `TLS13_AES_128_GCM_SHA256`.
    pub cipher_suite: &'static str,
    /// The application protocol agreed by ALPN, if any (`b"h2"`, `b"redis"`...).
    pub alpn: Option<Vec<u8>>,
    /// On a server, the name the client asked for by SNI (`None` if it sent none);
    /// on a client, the name it verified the server's certificate against.
    pub server_name: Option<String>,
    /// The peer's certificate chain (DER, the leaf first): a client's under mutual
    /// TLS, a server's on a dialed connection; empty when the peer sent none.
    pub peer_certificates: Vec<CertificateDer<'static>>,
    /// Whether the session was resumed (a ticket or the session cache) rather than
    /// made with a full handshake.
    pub resumed: bool,
}

impl TlsInfo {
    /// The subject of the peer's certificate, as `CN=client,O=Example`, if it sent
    /// one (under mutual TLS, the verified client).
    pub fn peer_subject(&self) -> Option<String> {
        self.peer_certificates.first().and_then(|c| super::x509::subject(c))
    }
}

/// Why a TLS connection failed: a bad record, a certificate the other side refused, a
/// protocol mismatch, an alert from the peer. Carried by
/// [`CloseReason::Tls`](crate::CloseReason::Tls).
#[derive(Clone, Debug)]
pub struct TlsError {
    /// Shared: a close reason is cloned (to both ends of a proxied pair) and kept in
    /// every connection's record, where it must stay one word.
    kind: std::sync::Arc<Kind>,
}

#[derive(Clone, Debug)]
enum Kind {
    Rustls(rustls::Error),
    /// `Action::Detach` on a TLS connection.
    Detach,
}

impl TlsError {
    pub(crate) fn rustls(e: rustls::Error) -> TlsError {
        TlsError { kind: std::sync::Arc::new(Kind::Rustls(e)) }
    }

    pub(crate) fn detach() -> TlsError {
        TlsError { kind: std::sync::Arc::new(Kind::Detach) }
    }

    /// The alert the peer sent, if the failure was one (`"BadCertificate"`,
    /// `"HandshakeFailure"`, `"UnknownCA"`...).
    pub fn peer_alert(&self) -> Option<String> {
        match &*self.kind {
            Kind::Rustls(rustls::Error::AlertReceived(a)) => Some(format!("{a:?}")),
            _ => None,
        }
    }

    /// The error as rustls reported it (`None` for a failure tcpio itself decided,
    /// such as a detach of a TLS connection).
    pub fn as_rustls(&self) -> Option<&rustls::Error> {
        match &*self.kind {
            Kind::Rustls(e) => Some(e),
            Kind::Detach => None,
        }
    }

    /// Whether this is the answer to [`Action::Detach`](crate::Action::Detach) on a TLS
    /// connection: the socket cannot be handed over without its TLS session, so the
    /// connection is closed (with close_notify) instead.
    pub fn is_detach(&self) -> bool {
        matches!(*self.kind, Kind::Detach)
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.kind {
            Kind::Rustls(e) => write!(f, "{e}"),
            Kind::Detach => f.write_str("a TLS connection cannot be detached; closed instead"),
        }
    }
}

impl std::error::Error for TlsError {}
