//! TLS settings: loading errors that name the file, a `tls://` address without a
//! certificate, versions out of order; certificate reload while serving.

mod util;

use std::io::{Read, Write};

use tcpio::tls::{rustls, ClientAuth, Pem, TlsClient, TlsConfigError, TlsServer, TlsVersion};
use tcpio::{BindOptions, Server};
use util::tls::*;
use util::*;

#[test]
fn loading_errors_name_the_file_and_what_is_wrong() {
    let pki = Pki::new();
    let missing = pki.dir.join("missing.pem");
    match TlsServer::new(&missing, &pki.server.key) {
        Err(TlsConfigError::Read { path, .. }) => assert_eq!(path, missing),
        other => panic!("{other:?}"),
    }
    let garbage = pki.dir.join("garbage.pem");
    std::fs::write(&garbage, "-----BEGIN CERTIFICATE-----\nnot base64!\n").unwrap();
    let e = TlsServer::new(&garbage, &pki.server.key).unwrap_err();
    assert!(matches!(&e, TlsConfigError::Pem { source, .. } if source.ends_with("garbage.pem")), "{e}");
    // A certificate file given as the key: no key in it.
    let e = TlsServer::new(&pki.server.cert, &pki.server.cert).unwrap_err();
    assert!(e.to_string().contains("no PRIVATE KEY"), "{e}");
    // Another certificate's key.
    match TlsServer::new(&pki.server.cert, &pki.client.key) {
        Err(TlsConfigError::KeyMismatch { cert, key }) => {
            assert!(cert.ends_with("server.pem") && key.ends_with("client-key.pem"), "{cert} {key}");
        }
        other => panic!("{other:?}"),
    }
    // From memory, and a name for SNI that is not one.
    let tls =
        TlsServer::new(Pem::memory(pki.server.cert_pem.clone()), Pem::memory(pki.server.key_pem.clone()))
            .unwrap();
    let e = tls.clone().sni("not a name", &pki.api.cert, &pki.api.key).unwrap_err();
    assert!(matches!(e, TlsConfigError::ServerName { .. }), "{e}");
    let e = tls.clone().client_auth(ClientAuth::Required, &missing).unwrap_err();
    assert!(matches!(e, TlsConfigError::Read { .. }), "{e}");
    // Versions out of order: named at bind, with the address.
    let e = Server::builder()
        .bind_with("127.0.0.1:0", BindOptions::new().tls(tls.versions(TlsVersion::Tls13, TlsVersion::Tls12)))
        .unwrap_err();
    assert!(e.to_string().contains("127.0.0.1:0") && e.to_string().contains("above the maximum"), "{e}");
    // tls:// needs the certificate.
    let e = Server::builder().bind("tls://127.0.0.1:0").unwrap_err();
    assert!(e.to_string().contains("BindOptions::tls"), "{e}");
    // A client with nothing to trust.
    let e = TlsClient::builder().build().unwrap_err();
    assert!(e.to_string().contains("no certificate authority"), "{e}");
}

/// Collects the messages of warning events.
#[derive(Default, Clone)]
struct Warnings(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl tracing::Subscriber for Warnings {
    fn enabled(&self, m: &tracing::Metadata<'_>) -> bool {
        *m.level() == tracing::Level::WARN
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, e: &tracing::Event<'_>) {
        struct Text(String);
        impl tracing::field::Visit for Text {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0 += &format!("{}={v:?} ", f.name());
            }
        }
        let mut t = Text(String::new());
        e.record(&mut t);
        self.0.lock().unwrap().push(t.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn an_expired_certificate_loads_with_a_warning() {
    // Warned about, not refused: refusing would turn an expiry into an outage.
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.not_before = rcgen::date_time_ymd(2001, 1, 1);
    params.not_after = rcgen::date_time_ymd(2002, 1, 1);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let warnings = Warnings::default();
    let tls = tracing::subscriber::with_default(warnings.clone(), || {
        TlsServer::new(Pem::memory(cert.pem()), Pem::memory(key.serialize_pem()))
    });
    assert!(tls.is_ok());
    let seen = warnings.0.lock().unwrap().join("\n");
    assert!(seen.contains("has expired") && seen.contains("PEM in memory"), "{seen}");
}

/// The DER of the certificate the server presented.
fn presented(s: &TlsStream) -> Vec<u8> {
    s.conn.peer_certificates().unwrap()[0].to_vec()
}

fn der(pem: &str) -> Vec<u8> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).unwrap().to_vec()
}

#[test]
fn a_reload_changes_what_new_handshakes_use_and_leaves_open_connections_alone() {
    let pki = Pki::new();
    let tls = server_tls(&pki);
    let keep = tls.clone();
    let (_h, addr) = start(
        Server::builder().bind_with("127.0.0.1:0", BindOptions::new().tls(tls)).unwrap().loops(2),
        |_| Echo,
    );
    let cfg = pki.client().build();
    let mut old = connect_tls(addr, &cfg, "localhost").unwrap();
    assert_eq!(presented(&old), der(&pki.server.cert_pem));
    let next = pki.another_server("rotated");
    // A bad reload changes nothing.
    assert!(keep.reload(&next.cert, &pki.server.key).is_err());
    let s = connect_tls(addr, &cfg, "localhost").unwrap();
    assert_eq!(presented(&s), der(&pki.server.cert_pem));
    keep.reload(&next.cert, &next.key).unwrap();
    // Every loop: fresh client configurations, so nothing resumes.
    for _ in 0..4 {
        let s = connect_tls(addr, &pki.client().build(), "localhost").unwrap();
        assert_eq!(presented(&s), der(&next.cert_pem));
    }
    // The connection made before still works, on its old session.
    old.write_all(b"still").unwrap();
    let mut buf = [0u8; 5];
    old.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"still");
}

/// Whether a second connection, to `second`, resumes the session the first made with
/// `first` (one client configuration, so its session cache is shared).
fn resumes_across(
    first: TlsServer,
    second: TlsServer,
    pki: &Pki,
    v: &'static rustls::SupportedProtocolVersion,
) -> bool {
    let (_a, a) =
        start(Server::builder().bind_with("127.0.0.1:0", BindOptions::new().tls(first)).unwrap(), |_| Echo);
    let (_b, b) =
        start(Server::builder().bind_with("127.0.0.1:0", BindOptions::new().tls(second)).unwrap(), |_| Echo);
    let cfg = pki.client().only(v).build();
    let mut s = connect_tls(a, &cfg, "localhost").unwrap();
    // One exchange, so a TLS 1.3 ticket has arrived.
    s.write_all(b"x").unwrap();
    s.read_exact(&mut [0u8; 1]).unwrap();
    let s = connect_tls(b, &cfg, "localhost").unwrap();
    s.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
}

#[test]
fn servers_sharing_a_ticket_key_resume_each_others_sessions() {
    let pki = Pki::new();
    for v in [&rustls::version::TLS13, &rustls::version::TLS12] {
        // Two servers built apart, as two processes behind one balancer would be.
        let key = [7u8; 32];
        let with_key = || server_tls(&pki).ticket_key(&key).session_cache(0);
        assert!(resumes_across(with_key(), with_key(), &pki, v), "{v:?}: same key");
        // Their own random keys: a full handshake on the other.
        assert!(!resumes_across(
            server_tls(&pki).session_cache(0),
            server_tls(&pki).session_cache(0),
            &pki,
            v
        ));
        // After a rotation on the second, the first's tickets still open there.
        let second = with_key();
        second.rotate_ticket_key(&[8u8; 32]).unwrap();
        assert!(resumes_across(with_key(), second, &pki, v), "{v:?}: the key before still opens");
    }
    assert!(server_tls(&pki).rotate_ticket_key(&[1; 32]).is_err());
}

/// Reports the client address and the TLS version each connection opens with.
struct Who(std::sync::mpsc::Sender<String>);

impl tcpio::Handler for Who {
    type State = ();
    fn on_open(&mut self, conn: &mut tcpio::Conn<'_, ()>) -> tcpio::Action {
        let version = conn.tls().map(|t| t.version.to_string()).unwrap_or_default();
        let _ = self.0.send(format!("{} {version}", conn.peer_addr()));
        tcpio::Action::Continue
    }
    fn on_data(&mut self, conn: &mut tcpio::Conn<'_, ()>, input: &mut tcpio::Input<'_>) -> tcpio::Action {
        conn.write(input.bytes());
        input.consume_all();
        tcpio::Action::Continue
    }
}

#[test]
fn a_proxy_header_comes_first_then_the_handshake_on_a_proxy_tls_address() {
    let pki = Pki::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let (_h, addr) = start(
        Server::builder()
            .bind_with("proxy+tls://127.0.0.1:0", BindOptions::new().tls(server_tls(&pki)))
            .unwrap(),
        move |_| Who(tx.lock().unwrap().clone()),
    );
    let client: std::net::SocketAddr = "203.0.113.9:4711".parse().unwrap();
    let header = tcpio::proxy::Header::proxy(tcpio::proxy::Version::V2, client, addr);
    let mut first = Vec::new();
    header.write(&mut first).unwrap();
    // The header in the clear, then the TLS session on the same socket.
    let mut sock = connect(addr);
    sock.write_all(&first).unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(pki.client().build(), name).unwrap();
    let mut s = rustls::StreamOwned::new(conn, sock);
    s.write_all(b"behind a balancer").unwrap();
    let mut buf = [0u8; 17];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"behind a balancer");
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "tcp://203.0.113.9:4711 TLS 1.3");
}
