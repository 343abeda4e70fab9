//! Certificates and keys from PEM, in files or in memory, and the typed errors that
//! name where a bad one came from.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;

/// Where PEM text comes from: a file (read when the setting is made) or bytes in
/// memory. Made from a path (`&str`, `String`, `&Path`, `PathBuf`) or with
/// [`Pem::memory`].
#[derive(Clone, Debug)]
pub enum Pem {
    /// A file holding PEM text.
    File(PathBuf),
    /// PEM text in memory.
    Memory(Vec<u8>),
}

impl Pem {
    /// PEM text held in memory (a certificate baked into the binary, or fetched from a
    /// secret store).
    pub fn memory(pem: impl Into<Vec<u8>>) -> Pem {
        Pem::Memory(pem.into())
    }

    /// How errors name this source: the file's path, or "PEM in memory".
    pub fn name(&self) -> String {
        match self {
            Pem::File(p) => p.display().to_string(),
            Pem::Memory(_) => "PEM in memory".to_string(),
        }
    }

    fn read(&self) -> Result<std::borrow::Cow<'_, [u8]>, TlsConfigError> {
        match self {
            Pem::File(path) => std::fs::read(path)
                .map(std::borrow::Cow::Owned)
                .map_err(|error| TlsConfigError::Read { path: path.clone(), error }),
            Pem::Memory(bytes) => Ok(std::borrow::Cow::Borrowed(bytes)),
        }
    }
}

impl From<&str> for Pem {
    fn from(path: &str) -> Pem {
        Pem::File(path.into())
    }
}
impl From<String> for Pem {
    fn from(path: String) -> Pem {
        Pem::File(path.into())
    }
}
impl From<&std::path::Path> for Pem {
    fn from(path: &std::path::Path) -> Pem {
        Pem::File(path.into())
    }
}
impl From<PathBuf> for Pem {
    fn from(path: PathBuf) -> Pem {
        Pem::File(path)
    }
}
impl From<&PathBuf> for Pem {
    fn from(path: &PathBuf) -> Pem {
        Pem::File(path.clone())
    }
}

/// A TLS setting that cannot be used: each names the file (or setting) at fault.
/// Returned when the setting is made, so a server never starts with it.
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsConfigError {
    /// A file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// PEM text that does not parse, or that holds none of what was asked for.
    Pem {
        /// The file, or "PEM in memory".
        source: String,
        /// What is wrong.
        reason: String,
    },
    /// The private key does not belong to the certificate.
    KeyMismatch {
        /// The certificate's source.
        cert: String,
        /// The key's source.
        key: String,
    },
    /// A key of a kind the crypto provider cannot sign with.
    UnsupportedKey {
        /// The key's source.
        source: String,
        /// What the provider said.
        reason: String,
    },
    /// A CA bundle that cannot be used to verify peers.
    CaBundle {
        /// The bundle's source.
        source: String,
        /// What is wrong.
        reason: String,
    },
    /// A name given for SNI or for a server to verify is not a valid DNS name or IP
    /// address.
    ServerName {
        /// The name as given.
        name: String,
    },
    /// Settings that do not go together (a minimum version above the maximum, an
    /// empty ALPN protocol name, no certificate for clients without SNI...).
    Invalid(String),
}

impl fmt::Display for TlsConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsConfigError::Read { path, error } => write!(f, "cannot read {}: {error}", path.display()),
            TlsConfigError::Pem { source, reason } => write!(f, "{source}: {reason}"),
            TlsConfigError::KeyMismatch { cert, key } => {
                write!(f, "the private key in {key} does not match the certificate in {cert}")
            }
            TlsConfigError::UnsupportedKey { source, reason } => {
                write!(f, "{source}: unsupported private key: {reason}")
            }
            TlsConfigError::CaBundle { source, reason } => write!(f, "CA bundle {source}: {reason}"),
            TlsConfigError::ServerName { name } => {
                write!(f, "{name:?} is not a valid DNS name or IP address")
            }
            TlsConfigError::Invalid(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for TlsConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TlsConfigError::Read { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Every certificate in `pem`, in order (a chain: the leaf first).
pub(crate) fn certificates(pem: &Pem) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let bytes = pem.read()?;
    let bad = |reason: String| TlsConfigError::Pem { source: pem.name(), reason };
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("bad PEM: {e}")))?;
    if certs.is_empty() {
        return Err(bad("no CERTIFICATE section found".into()));
    }
    Ok(certs)
}

/// The one private key in `pem` (PKCS#8, PKCS#1 or SEC1).
fn private_key(pem: &Pem) -> Result<PrivateKeyDer<'static>, TlsConfigError> {
    let bytes = pem.read()?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsConfigError::Pem {
        source: pem.name(),
        reason: match e {
            rustls::pki_types::pem::Error::NoItemsFound => "no PRIVATE KEY section found".into(),
            e => format!("bad PEM: {e}"),
        },
    })
}

/// A certificate chain and its key, checked to belong together. An expired (or not
/// yet valid) leaf certificate is loaded with a warning: rotating it is the fix, and a
/// server that refused to start over it would turn an expiry into an outage.
pub(crate) fn certified_key(
    provider: &CryptoProvider,
    cert: &Pem,
    key: &Pem,
) -> Result<Arc<CertifiedKey>, TlsConfigError> {
    let chain = certificates(cert)?;
    let der = private_key(key)?;
    let signer = provider
        .key_provider
        .load_private_key(der)
        .map_err(|e| TlsConfigError::UnsupportedKey { source: key.name(), reason: e.to_string() })?;
    let certified = CertifiedKey::new(chain, signer);
    if certified.keys_match().is_err() {
        return Err(TlsConfigError::KeyMismatch { cert: cert.name(), key: key.name() });
    }
    warn_if_out_of_date(&certified.cert[0], &cert.name());
    Ok(Arc::new(certified))
}

/// Logs a warning for a certificate outside its validity period.
pub(crate) fn warn_if_out_of_date(cert: &[u8], source: &str) {
    let Some((from, to)) = super::x509::validity(cert) else { return };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    if now > to {
        tracing::warn!(certificate = source, "the certificate has expired; clients will refuse it");
    } else if now < from {
        tracing::warn!(certificate = source, "the certificate is not valid yet; clients will refuse it");
    }
}

/// A root store holding every certificate in `pem`.
pub(crate) fn root_store(pem: &Pem) -> Result<rustls::RootCertStore, TlsConfigError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in certificates(pem)? {
        roots
            .add(cert)
            .map_err(|e| TlsConfigError::CaBundle { source: pem.name(), reason: e.to_string() })?;
    }
    Ok(roots)
}
