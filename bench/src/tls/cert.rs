//! The benchmark's certificate: ECDSA P-256, self-signed for `localhost`, made once
//! and shared by every server process through two files; and the client settings
//! both servers are measured with.

use crate::Res;
use std::path::PathBuf;
use std::sync::Arc;
use tcpio::tls::rustls;

/// Where the certificate and key live.
fn dir() -> PathBuf {
    PathBuf::from("/tmp/tcpio-bench/tls")
}

/// The certificate and key files, made on first use.
pub fn files() -> Res<(PathBuf, PathBuf)> {
    let (cert, key) = (dir().join("cert.pem"), dir().join("key.pem"));
    if !cert.is_file() || !key.is_file() {
        std::fs::create_dir_all(dir())?;
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])?;
        std::fs::write(&key, made.signing_key.serialize_pem())?;
        std::fs::write(&cert, made.cert.pem())?;
    }
    Ok((cert, key))
}

/// The one provider both servers and the client use: *ring*, offering only
/// TLS13_AES_128_GCM_SHA256 and X25519, so both servers negotiate the same session.
pub fn provider() -> rustls::crypto::CryptoProvider {
    let mut p = rustls::crypto::ring::default_provider();
    p.cipher_suites.retain(|s| s.suite() == rustls::CipherSuite::TLS13_AES_128_GCM_SHA256);
    p.kx_groups.retain(|g| g.name() == rustls::NamedGroup::X25519);
    p
}

/// The load generator's client: TLS 1.3, no resumption (every handshake is a full
/// one), and no certificate checks (the generator shares the machine with the server
/// it measures: verifying would only slow it, the same for both servers).
pub fn client() -> Arc<rustls::ClientConfig> {
    let mut cfg = rustls::ClientConfig::builder_with_provider(Arc::new(provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3 with ring")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(TrustAnything))
        .with_no_client_auth();
    cfg.resumption = rustls::client::Resumption::disabled();
    Arc::new(cfg)
}

/// Accepts any server (bench only).
#[derive(Debug)]
struct TrustAnything;

impl rustls::client::danger::ServerCertVerifier for TrustAnything {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        provider().signature_verification_algorithms.supported_schemes()
    }
}
