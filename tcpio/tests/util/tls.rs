//! Certificates made in the test (a CA, a server certificate for `localhost` and
//! 127.0.0.1, client certificates from that CA and from another), and a blocking
//! rustls client to talk to a TLS address with.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tcpio::tls::rustls;

/// A certificate and its key, as PEM text and as files.
pub struct Identity {
    pub cert_pem: String,
    pub key_pem: String,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A test PKI in a directory of its own (removed on drop).
pub struct Pki {
    pub dir: PathBuf,
    pub ca: PathBuf,
    pub ca_pem: String,
    /// For `localhost` and 127.0.0.1, signed by the CA.
    pub server: Identity,
    /// For `api.test`, signed by the CA.
    pub api: Identity,
    /// A client certificate `CN=client one`, signed by the CA.
    pub client: Identity,
    /// A client certificate from another CA.
    pub stranger: Identity,
    issuer: Issuer<'static, KeyPair>,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn ca(name: &str) -> (CertificateParams, KeyPair, String) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    (params, key, pem)
}

impl Pki {
    pub fn new() -> Pki {
        let dir = std::env::temp_dir().join(format!(
            "tcpio-tls-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let (ca_params, ca_key, ca_pem) = ca("tcpio test CA");
        let issuer = Issuer::new(ca_params, ca_key);
        let (other_params, other_key, _) = ca("another CA");
        let other = Issuer::new(other_params, other_key);
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, &ca_pem).unwrap();
        let server = identity(&dir, "server", &issuer, &["localhost", "127.0.0.1"], "tcpio test server");
        let api = identity(&dir, "api", &issuer, &["api.test"], "api");
        let client = identity(&dir, "client", &issuer, &[], "client one");
        let stranger = identity(&dir, "stranger", &other, &[], "stranger");
        Pki { dir, ca, ca_pem, server, api, client, stranger, issuer }
    }

    /// Another certificate for `localhost` from the same CA (for a reload).
    pub fn another_server(&self, tag: &str) -> Identity {
        identity(&self.dir, tag, &self.issuer, &["localhost", "127.0.0.1"], tag)
    }

    /// A client configuration trusting this CA.
    pub fn client(&self) -> ClientBuilder<'_> {
        ClientBuilder { pki: self, versions: None, alpn: Vec::new(), identity: None, sni: true }
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn identity(
    dir: &std::path::Path,
    name: &str,
    issuer: &Issuer<'_, KeyPair>,
    sans: &[&str],
    cn: &str,
) -> Identity {
    let mut params = CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.distinguished_name.push(DnType::OrganizationName, "tcpio tests");
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    let (cert_pem, key_pem) = (cert.pem(), key.serialize_pem());
    let cert = dir.join(format!("{name}.pem"));
    let keyf = dir.join(format!("{name}-key.pem"));
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&keyf, &key_pem).unwrap();
    Identity { cert_pem, key_pem, cert, key: keyf }
}

/// Builds a rustls client configuration.
pub struct ClientBuilder<'a> {
    pki: &'a Pki,
    versions: Option<&'static rustls::SupportedProtocolVersion>,
    alpn: Vec<Vec<u8>>,
    identity: Option<&'a Identity>,
    sni: bool,
}

impl<'a> ClientBuilder<'a> {
    pub fn only(mut self, v: &'static rustls::SupportedProtocolVersion) -> Self {
        self.versions = Some(v);
        self
    }
    pub fn alpn(mut self, p: &str) -> Self {
        self.alpn.push(p.as_bytes().to_vec());
        self
    }
    pub fn cert(mut self, id: &'a Identity) -> Self {
        self.identity = Some(id);
        self
    }
    pub fn no_sni(mut self) -> Self {
        self.sni = false;
        self
    }
    pub fn build(self) -> Arc<rustls::ClientConfig> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from_pem_slice(self.pki.ca_pem.as_bytes()).unwrap()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions = match self.versions {
            Some(v) => vec![v],
            None => vec![&rustls::version::TLS12, &rustls::version::TLS13],
        };
        let b = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&versions)
            .unwrap()
            .with_root_certificates(roots);
        let mut cfg = match self.identity {
            Some(id) => b
                .with_client_auth_cert(
                    vec![CertificateDer::from_pem_slice(id.cert_pem.as_bytes()).unwrap()],
                    PrivateKeyDer::from_pem_slice(id.key_pem.as_bytes()).unwrap(),
                )
                .unwrap(),
            None => b.with_no_client_auth(),
        };
        cfg.alpn_protocols = self.alpn;
        cfg.enable_sni = self.sni;
        Arc::new(cfg)
    }
}

/// A blocking TLS stream.
pub type TlsStream = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// Connects and completes the handshake (verifying the server as `name`).
pub fn connect_tls(addr: SocketAddr, cfg: &Arc<rustls::ClientConfig>, name: &str) -> io::Result<TlsStream> {
    let sock = super::connect(addr);
    let server = rustls::pki_types::ServerName::try_from(name.to_string()).unwrap();
    let conn = rustls::ClientConnection::new(cfg.clone(), server).map_err(io::Error::other)?;
    let mut s = rustls::StreamOwned::new(conn, sock);
    while s.conn.is_handshaking() {
        s.conn.complete_io(&mut s.sock)?;
    }
    Ok(s)
}

/// A TLS server setting with the PKI's server certificate.
pub fn server_tls(pki: &Pki) -> tcpio::tls::TlsServer {
    tcpio::tls::TlsServer::new(&pki.server.cert, &pki.server.key).unwrap()
}

/// A server with one TLS address (`tls`) on `loops` loops, serving the handler
/// `make` builds around a sender; observer close events come on the same channel as
/// `closed <reason>`.
pub fn reporting_server<H, F>(
    tls: tcpio::tls::TlsServer,
    loops: usize,
    make: F,
) -> (tcpio::ServerHandle, SocketAddr, std::sync::mpsc::Receiver<String>)
where
    H: tcpio::Handler,
    F: Fn(std::sync::mpsc::Sender<String>) -> H + Send + Sync + 'static,
{
    use std::sync::Mutex;
    let (tx, rx) = std::sync::mpsc::channel();
    let events = Mutex::new(tx.clone());
    let tx = Mutex::new(tx);
    let h = tcpio::Server::builder()
        .bind_with("tls://127.0.0.1:0", tcpio::BindOptions::new().tls(tls))
        .unwrap()
        .loops(loops)
        .on_event(move |e| {
            if let tcpio::ServerEvent::Closed { reason, .. } = e {
                let _ = events.lock().unwrap().send(format!("closed {reason}"));
            }
        })
        .start(move |_| make(tx.lock().unwrap().clone()))
        .unwrap();
    let addr = h.local_addrs()[0].as_ip().unwrap();
    (h, addr, rx)
}
