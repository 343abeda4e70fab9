//! A TLS client's settings ([`TlsClient`]), for connections the server dials out.

use std::fmt;
use std::sync::Arc;

use super::load::{certified_key, root_store, Pem, TlsConfigError};
use super::{provider, TlsVersion};

/// The TLS settings of dialed connections
/// ([`Conn::connect_tls`](crate::Conn::connect_tls)): whom to trust, the client's own
/// certificate for mutual TLS, versions, ALPN. Built once and shared (it is an `Arc`
/// inside): its session cache is what lets later connections resume.
///
/// ```no_run
/// use tcpio::tls::TlsClient;
///
/// let client = TlsClient::builder()
///     .ca("ca.pem")?
///     .client_cert("client.pem", "client-key.pem")?
///     .alpn(["redis"])
///     .build()?;
/// # drop(client);
/// # Ok::<(), tcpio::tls::TlsConfigError>(())
/// ```
#[derive(Clone)]
pub struct TlsClient {
    pub(crate) config: Arc<rustls::ClientConfig>,
}

impl fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsClient").field("alpn", &self.config.alpn_protocols).finish_non_exhaustive()
    }
}

impl TlsClient {
    /// Settings to build a client from.
    pub fn builder() -> TlsClientBuilder {
        TlsClientBuilder {
            roots: rustls::RootCertStore::empty(),
            identity: None,
            versions: (TlsVersion::Tls12, TlsVersion::Tls13),
            alpn: Vec::new(),
            resumption: true,
        }
    }
}

/// Builds a [`TlsClient`].
pub struct TlsClientBuilder {
    roots: rustls::RootCertStore,
    identity: Option<Arc<rustls::sign::CertifiedKey>>,
    versions: (TlsVersion, TlsVersion),
    alpn: Vec<Vec<u8>>,
    resumption: bool,
}

impl fmt::Debug for TlsClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsClientBuilder").field("roots", &self.roots.len()).finish_non_exhaustive()
    }
}

impl TlsClientBuilder {
    /// Trusts the CA certificates in `ca` to sign servers' certificates. Repeatable.
    pub fn ca(mut self, ca: impl Into<Pem>) -> Result<Self, TlsConfigError> {
        let roots = root_store(&ca.into())?;
        self.roots.roots.extend(roots.roots);
        Ok(self)
    }

    /// Trusts the roots in `roots` (for example the Mozilla set from the
    /// `webpki-roots` crate, or the system's from `rustls-native-certs`).
    pub fn roots(mut self, roots: rustls::RootCertStore) -> Self {
        self.roots.roots.extend(roots.roots);
        self
    }

    /// Presents `cert` with `key` to servers that ask for a client certificate.
    pub fn client_cert(mut self, cert: impl Into<Pem>, key: impl Into<Pem>) -> Result<Self, TlsConfigError> {
        self.identity = Some(certified_key(provider(), &cert.into(), &key.into())?);
        Ok(self)
    }

    /// The protocols offered to ALPN, in order of preference.
    pub fn alpn<I, P>(mut self, protocols: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        self.alpn = super::alpn_list(protocols);
        self
    }

    /// The lowest and highest protocol versions offered (default TLS 1.2 to 1.3).
    pub fn versions(mut self, min: TlsVersion, max: TlsVersion) -> Self {
        self.versions = (min, max);
        self
    }

    /// Whether to remember sessions and resume them on later connections to the
    /// same server name (default on).
    pub fn resumption(mut self, on: bool) -> Self {
        self.resumption = on;
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<TlsClient, TlsConfigError> {
        if self.roots.is_empty() {
            return Err(TlsConfigError::Invalid(
                "no certificate authority to verify servers with: give one with ca() or roots()".into(),
            ));
        }
        super::check_alpn(&self.alpn)?;
        let versions = TlsVersion::range(self.versions.0, self.versions.1)?;
        let builder = rustls::ClientConfig::builder_with_provider(Arc::new(provider().clone()))
            .with_protocol_versions(&versions)
            .map_err(|e| TlsConfigError::Invalid(e.to_string()))?
            .with_root_certificates(self.roots);
        let mut config = match self.identity {
            Some(key) => builder.with_client_cert_resolver(Arc::new(Identity(key))),
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = self.alpn;
        if !self.resumption {
            config.resumption = rustls::client::Resumption::disabled();
        }
        config.enable_early_data = false;
        Ok(TlsClient { config: Arc::new(config) })
    }
}

/// The client's one certificate, offered whenever a server asks.
#[derive(Debug)]
struct Identity(Arc<rustls::sign::CertifiedKey>);

impl rustls::client::ResolvesClientCert for Identity {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}
