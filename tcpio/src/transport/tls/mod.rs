//! TLS (1.2 and 1.3, with rustls): server settings per bound address
//! ([`TlsServer`], given to [`BindOptions::tls`](crate::BindOptions::tls)), client
//! settings for dialed connections ([`TlsClient`]), and what a handler learns about a
//! session ([`TlsInfo`]).
//!
//! TLS is a transport: a handler sees plaintext and never needs to know whether its
//! connection is encrypted. A connection on a TLS address opens (and `on_open` runs)
//! once its handshake is done; the bind's setup timeout covers the handshake. The loop
//! reads the socket itself and hands the ciphertext to rustls's unbuffered API, which
//! decrypts it; output is encrypted when it is flushed, in records of at most 16 KiB,
//! and only ciphertext the socket did not take is kept. Every byte held for the peer
//! counts toward the connection's output limits, encrypted or not yet.
//!
//! rustls is pinned to one version (its unbuffered API changes in its next major
//! release) and re-exported as [`tls::rustls`](rustls) for the types that appear
//! here ([`rustls::RootCertStore`], [`rustls::Error`]). The crypto provider is *ring*.

mod client;
mod info;
mod load;
mod server;
mod session;
mod tickets;
mod x509;

pub use client::{TlsClient, TlsClientBuilder};
pub use info::{TlsError, TlsInfo, TlsVersion};
pub use load::{Pem, TlsConfigError};
pub use rustls;
pub use server::{ClientAuth, TlsServer, DEFAULT_SESSION_CACHE};
pub(crate) use session::{CipherBuf, TlsConn, ENCRYPT_CHUNK};

/// ALPN protocol names as rustls takes them.
fn alpn_list<I: IntoIterator<Item = P>, P: AsRef<[u8]>>(protocols: I) -> Vec<Vec<u8>> {
    protocols.into_iter().map(|p| p.as_ref().to_vec()).collect()
}

/// Every ALPN protocol name is 1 to 255 bytes (RFC 7301).
fn check_alpn(protocols: &[Vec<u8>]) -> Result<(), TlsConfigError> {
    if protocols.iter().any(|p| p.is_empty() || p.len() > 255) {
        return Err(TlsConfigError::Invalid("an ALPN protocol name must be 1 to 255 bytes".into()));
    }
    Ok(())
}

/// The crypto provider every TLS session uses.
pub(crate) fn provider() -> &'static rustls::crypto::CryptoProvider {
    static PROVIDER: std::sync::OnceLock<rustls::crypto::CryptoProvider> = std::sync::OnceLock::new();
    PROVIDER.get_or_init(rustls::crypto::ring::default_provider)
}
