//! A TLS server's settings ([`TlsServer`]): its certificates (a default one and one per
//! SNI name, replaceable while the server runs), versions, ALPN, client certificates
//! and resumption.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;

use super::load::{certified_key, root_store, Pem, TlsConfigError};
use super::{provider, TlsVersion};

/// Whether a TLS server asks its clients for a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// Every client must present a certificate the CA bundle verifies; one without is
    /// refused in the handshake.
    Required,
    /// Clients are asked for one; a client that sends none is served, and one that
    /// sends a certificate the bundle does not verify is refused.
    Optional,
}

/// Default number of sessions the server remembers for resumption by session id
/// (TLS 1.2 clients, and TLS 1.3 when tickets are off).
pub const DEFAULT_SESSION_CACHE: usize = 4096;

/// The TLS settings of a bound address, given to
/// [`BindOptions::tls`](crate::BindOptions::tls).
///
/// Certificates are checked as they are given: a missing file, bad PEM or a key that
/// does not match its certificate is a [`TlsConfigError`] naming the file. A clone
/// shares the certificates: [`reload`](Self::reload) on any clone changes what new
/// handshakes use, on every address and loop that serves with it, while connections
/// already open keep the session they made.
///
/// ```no_run
/// use tcpio::tls::{ClientAuth, TlsServer, TlsVersion};
///
/// let tls = TlsServer::new("cert.pem", "key.pem")?
///     .sni("api.example.com", "api-cert.pem", "api-key.pem")?
///     .alpn(["h2", "http/1.1"])
///     .versions(TlsVersion::Tls12, TlsVersion::Tls13)
///     .client_auth(ClientAuth::Optional, "clients-ca.pem")?;
/// # drop(tls);
/// # Ok::<(), tcpio::tls::TlsConfigError>(())
/// ```
#[derive(Clone)]
pub struct TlsServer {
    certs: Arc<CertStore>,
    versions: (TlsVersion, TlsVersion),
    alpn: Vec<Vec<u8>>,
    client_auth: Option<(ClientAuth, Arc<rustls::RootCertStore>)>,
    session_cache: usize,
    tickets: bool,
    /// Tickets sealed with a key the operator gives, if one was.
    ticket_key: Option<Arc<super::tickets::SharedTicketer>>,
}

impl fmt::Debug for TlsServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsServer")
            .field("versions", &self.versions)
            .field("alpn", &self.alpn)
            .field("client_auth", &self.client_auth.as_ref().map(|c| c.0))
            .field("session_cache", &self.session_cache)
            .field("tickets", &self.tickets)
            .finish_non_exhaustive()
    }
}

impl TlsServer {
    /// A server presenting `cert` (a PEM chain, the leaf first) with `key`, to every
    /// client (SNI names given with [`sni`](Self::sni) get their own). TLS 1.2 and 1.3,
    /// rustls's default cipher suites and key exchange groups, session tickets and a
    /// session cache on, 0-RTT off, no client certificates, no ALPN.
    pub fn new(cert: impl Into<Pem>, key: impl Into<Pem>) -> Result<TlsServer, TlsConfigError> {
        let key = certified_key(provider(), &cert.into(), &key.into())?;
        Ok(TlsServer {
            certs: Arc::new(CertStore {
                current: RwLock::new(Arc::new(Certs { default: key, names: HashMap::new() })),
            }),
            versions: (TlsVersion::Tls12, TlsVersion::Tls13),
            alpn: Vec::new(),
            client_auth: None,
            session_cache: DEFAULT_SESSION_CACHE,
            tickets: true,
            ticket_key: None,
        })
    }

    /// Presents `cert` to clients that ask for `name` by SNI (a DNS name, or
    /// `*.example.com` for any one label there). Clients asking for a name with no
    /// certificate of its own, or for none, get the default one.
    pub fn sni(
        self,
        name: &str,
        cert: impl Into<Pem>,
        key: impl Into<Pem>,
    ) -> Result<TlsServer, TlsConfigError> {
        let key = certified_key(provider(), &cert.into(), &key.into())?;
        let name = sni_name(name)?;
        self.certs.update(|c| {
            c.names.insert(name, key);
        });
        Ok(self)
    }

    /// Replaces the default certificate and key (certificate rotation): handshakes
    /// that start after this returns use them; open connections are untouched. On an
    /// error nothing changes.
    pub fn reload(&self, cert: impl Into<Pem>, key: impl Into<Pem>) -> Result<(), TlsConfigError> {
        let key = certified_key(provider(), &cert.into(), &key.into())?;
        self.certs.update(|c| c.default = key);
        Ok(())
    }

    /// Replaces (or adds) the certificate for one SNI name, as [`reload`](Self::reload).
    pub fn reload_sni(
        &self,
        name: &str,
        cert: impl Into<Pem>,
        key: impl Into<Pem>,
    ) -> Result<(), TlsConfigError> {
        let key = certified_key(provider(), &cert.into(), &key.into())?;
        let name = sni_name(name)?;
        self.certs.update(|c| {
            c.names.insert(name, key);
        });
        Ok(())
    }

    /// The protocols offered to ALPN, in order of preference (`["h2", "http/1.1"]`).
    /// A client that offers only others is refused (`no_application_protocol`); one
    /// that offers none is served.
    pub fn alpn<I, P>(mut self, protocols: I) -> TlsServer
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        self.alpn = super::alpn_list(protocols);
        self
    }

    /// The lowest and highest protocol versions accepted (default TLS 1.2 to 1.3).
    pub fn versions(mut self, min: TlsVersion, max: TlsVersion) -> TlsServer {
        self.versions = (min, max);
        self
    }

    /// Asks clients for a certificate, verified against the CA certificates in `ca`.
    /// The handler reads the verified chain and its subject from
    /// [`Conn::tls`](crate::Conn::tls).
    pub fn client_auth(mut self, mode: ClientAuth, ca: impl Into<Pem>) -> Result<TlsServer, TlsConfigError> {
        let ca = ca.into();
        let roots = root_store(&ca)?;
        self.client_auth = Some((mode, Arc::new(roots)));
        // Built once now, so a bundle the verifier cannot use names its file here.
        self.verifier(&ca.name())?;
        Ok(self)
    }

    /// How many sessions to remember for resumption by session id, shared by every
    /// loop (default [`DEFAULT_SESSION_CACHE`]; 0 turns the cache off).
    pub fn session_cache(mut self, sessions: usize) -> TlsServer {
        self.session_cache = sessions;
        self
    }

    /// Whether to issue session tickets (default on): a client resumes with one on
    /// any loop of this server, since the loops share the ticket key. Unless a key is
    /// given with [`ticket_key`](Self::ticket_key), it is made at random when the
    /// server is built and rotated every 6 hours: tickets from another process (or
    /// from before a restart) are not accepted, and those clients make a full
    /// handshake.
    pub fn session_tickets(mut self, on: bool) -> TlsServer {
        self.tickets = on;
        self
    }

    /// Seals session tickets with `key` (32 random bytes, kept secret), so that every
    /// server given the same key resumes the others' sessions: the instances behind
    /// one balancer, or this server after a restart. Rotate it (daily, say) with
    /// [`rotate_ticket_key`](Self::rotate_ticket_key) on every instance: a leaked key
    /// decrypts the sessions its tickets hold. Tickets live 24 hours.
    pub fn ticket_key(mut self, key: &[u8; 32]) -> TlsServer {
        self.ticket_key = Some(Arc::new(super::tickets::SharedTicketer::new(key)));
        self.tickets = true;
        self
    }

    /// Makes `key` the one that seals new tickets; tickets sealed with the key before
    /// still open, older ones do not. An error without a
    /// [`ticket_key`](Self::ticket_key) given first.
    pub fn rotate_ticket_key(&self, key: &[u8; 32]) -> Result<(), TlsConfigError> {
        match &self.ticket_key {
            Some(t) => {
                t.rotate(key);
                Ok(())
            }
            None => Err(TlsConfigError::Invalid(
                "rotate_ticket_key needs a ticket_key given before the server was built".into(),
            )),
        }
    }

    fn verifier(
        &self,
        source: &str,
    ) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>, TlsConfigError> {
        let Some((mode, roots)) = &self.client_auth else {
            return Ok(WebPkiClientVerifier::no_client_auth());
        };
        let builder =
            WebPkiClientVerifier::builder_with_provider(roots.clone(), Arc::new(provider().clone()));
        let builder = match mode {
            ClientAuth::Required => builder,
            ClientAuth::Optional => builder.allow_unauthenticated(),
        };
        builder
            .build()
            .map_err(|e| TlsConfigError::CaBundle { source: source.to_string(), reason: e.to_string() })
    }

    /// The rustls configuration every connection of the address shares.
    pub(crate) fn config(&self) -> Result<Arc<rustls::ServerConfig>, TlsConfigError> {
        let versions = TlsVersion::range(self.versions.0, self.versions.1)?;
        super::check_alpn(&self.alpn)?;
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(provider().clone()))
            .with_protocol_versions(&versions)
            .map_err(|e| TlsConfigError::Invalid(e.to_string()))?
            .with_client_cert_verifier(self.verifier("the client CA bundle")?)
            .with_cert_resolver(self.certs.clone());
        config.alpn_protocols = self.alpn.clone();
        config.session_storage = if self.session_cache > 0 {
            rustls::server::ServerSessionMemoryCache::new(self.session_cache)
        } else {
            Arc::new(rustls::server::NoServerSessionStorage {})
        };
        if let Some(shared) = &self.ticket_key {
            config.ticketer = shared.clone();
        } else if self.tickets {
            config.ticketer =
                rustls::crypto::ring::Ticketer::new().map_err(|e| TlsConfigError::Invalid(e.to_string()))?;
        } else {
            config.send_tls13_tickets = 0;
        }
        config.max_early_data_size = 0;
        Ok(Arc::new(config))
    }
}

/// An SNI name, lowercased; checked to be a DNS name (or a `*.` wildcard of one).
fn sni_name(name: &str) -> Result<String, TlsConfigError> {
    let bare = name.strip_prefix("*.").unwrap_or(name);
    match rustls::pki_types::DnsName::try_from(bare) {
        Ok(_) => Ok(name.to_ascii_lowercase()),
        Err(_) => Err(TlsConfigError::ServerName { name: name.to_string() }),
    }
}

/// The certificates a server presents: read on every handshake, replaced whole on a
/// reload (readers never see half a change).
struct CertStore {
    current: RwLock<Arc<Certs>>,
}

#[derive(Clone)]
struct Certs {
    default: Arc<CertifiedKey>,
    names: HashMap<String, Arc<CertifiedKey>>,
}

impl CertStore {
    fn update(&self, f: impl FnOnce(&mut Certs)) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        let mut next = Certs::clone(&current);
        f(&mut next);
        *current = Arc::new(next);
    }
}

impl fmt::Debug for CertStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CertStore")
    }
}

thread_local! {
    /// The SNI name of the ClientHello the resolver last saw on this thread. rustls's
    /// unbuffered server connection does not expose the name it received, and a loop
    /// handshakes one connection at a time, so the engine reads it right after the
    /// processing that ran the resolver.
    static LAST_SNI: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Takes the SNI name the resolver saw last on this thread.
pub(crate) fn take_sni() -> Option<String> {
    LAST_SNI.with(|s| s.borrow_mut().take())
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = hello.server_name().map(|n| n.to_ascii_lowercase());
        let certs = self.current.read().unwrap_or_else(|e| e.into_inner()).clone();
        let key = name
            .as_deref()
            .and_then(|n| {
                certs.names.get(n).or_else(|| {
                    let (_, parent) = n.split_once('.')?;
                    certs.names.get(&format!("*.{parent}"))
                })
            })
            .unwrap_or(&certs.default)
            .clone();
        LAST_SNI.with(|s| *s.borrow_mut() = name);
        Some(key)
    }
}
