//! TLS connections the server dials ([`Conn::connect_tls`]), writes to TLS
//! connections from elsewhere (another connection, a handle, a broadcast), and a
//! TLS front to a plaintext upstream through the proxy example.

mod util;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

use tcpio::tls::TlsClient;
use tcpio::{Action, BindOptions, CloseReason, Conn, Handler, Input, Server};
use util::tls::*;
use util::*;

/// On a plain connection, a line names a server to dial over TLS ("localhost" or a
/// wrong name); what the dialed connection receives is passed back to the client.
struct Dialer {
    upstream: SocketAddr,
    client: TlsClient,
    events: mpsc::Sender<String>,
}

#[derive(Default)]
struct Peer(Option<u64>);

impl Handler for Dialer {
    type State = Peer;
    fn on_open(&mut self, conn: &mut Conn<'_, Peer>) -> Action {
        if conn.is_outbound() {
            let info = conn.tls().expect("opens after the handshake");
            let _ = self.events.send(format!(
                "open {} name={} server_cert={}",
                info.version,
                info.server_name.as_deref().unwrap_or("-"),
                info.peer_subject().unwrap_or_default()
            ));
            conn.write(b"ping");
        }
        Action::Continue
    }
    fn on_data(&mut self, conn: &mut Conn<'_, Peer>, input: &mut Input<'_>) -> Action {
        if conn.is_outbound() {
            if let Some(mut client) = conn.state().0.and_then(|id| conn.to(id)) {
                client.write(input.bytes());
            }
        } else {
            let name = String::from_utf8_lossy(input.bytes()).trim().to_string();
            let me = Peer(Some(conn.id()));
            let id =
                conn.connect_tls(self.upstream, Duration::from_secs(5), me, &self.client, &name).unwrap();
            conn.state_mut().0 = Some(id);
        }
        input.consume_all();
        Action::Continue
    }
    fn on_close(&mut self, conn: &mut Conn<'_, Peer>, reason: &CloseReason) {
        if conn.is_outbound() {
            let _ = self.events.send(format!("outbound closed {reason}"));
        }
    }
}

#[test]
fn a_dialed_tls_connection_opens_after_its_handshake_and_verifies_the_name() {
    let pki = Pki::new();
    let (_up, upstream) = start(
        Server::builder().bind_with("127.0.0.1:0", BindOptions::new().tls(server_tls(&pki))).unwrap(),
        |_| Echo,
    );
    let client = TlsClient::builder().ca(&pki.ca).unwrap().build().unwrap();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let (_h, addr) = start(local().loops(1), move |_| Dialer {
        upstream,
        client: client.clone(),
        events: tx.lock().unwrap().clone(),
    });
    let mut s = connect(addr);
    s.write_all(b"localhost").unwrap();
    let open = rx.recv_timeout(LIMIT).unwrap();
    assert!(open.starts_with("open TLS 1.3 name=localhost server_cert=CN=tcpio test server"), "{open}");
    let mut buf = [0u8; 4];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping", "through TLS both ways");
    // A name the certificate does not carry: closed in the handshake, never opened.
    let mut s = connect(addr);
    s.write_all(b"other.test").unwrap();
    let closed = rx.recv_timeout(LIMIT).unwrap();
    assert!(closed.starts_with("outbound closed TLS:") && closed.contains("not valid for name"), "{closed}");
}

#[test]
fn the_connect_timeout_covers_the_handshake() {
    let pki = Pki::new();
    // Accepts, and never answers the ClientHello.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream = silent.local_addr().unwrap();
    let client = TlsClient::builder().ca(&pki.ca).unwrap().build().unwrap();
    let (tx, rx) = mpsc::channel();
    struct Once(SocketAddr, TlsClient, mpsc::Sender<String>);
    impl Handler for Once {
        type State = ();
        fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
            if !conn.is_outbound() {
                conn.connect_tls(self.0, Duration::from_millis(300), (), &self.1, "localhost").unwrap();
            } else {
                let _ = self.2.send("opened".into());
            }
            Action::Continue
        }
        fn on_data(&mut self, _: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            input.consume_all();
            Action::Continue
        }
        fn on_close(&mut self, conn: &mut Conn<'_, ()>, reason: &CloseReason) {
            if conn.is_outbound() {
                let _ = self.2.send(format!("closed {reason}"));
            }
        }
    }
    let tx = Mutex::new(tx);
    let (_h, addr) =
        start(local().loops(1), move |_| Once(upstream, client.clone(), tx.lock().unwrap().clone()));
    let _s = connect(addr);
    let (_peer, _) = silent.accept().unwrap();
    let got = rx.recv_timeout(LIMIT).unwrap();
    assert!(got.contains("connect failed") && got.contains("TLS handshake"), "{got}");
}

#[test]
fn a_broadcast_reaches_tls_clients_through_their_sessions() {
    let pki = Pki::new();
    let (h, addr) = start(
        Server::builder()
            .bind_with("127.0.0.1:0", BindOptions::new().tls(server_tls(&pki)))
            .unwrap()
            .loops(2),
        |_| Echo,
    );
    let cfg = pki.client().build();
    let mut clients: Vec<TlsStream> = (0..4).map(|_| connect_tls(addr, &cfg, "localhost").unwrap()).collect();
    assert!(wait_for(|| h.stats().total.open == 4));
    h.broadcast(b"to everyone");
    for c in &mut clients {
        let mut buf = [0u8; 11];
        c.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"to everyone");
    }
}

#[test]
fn a_tls_front_to_a_plain_upstream_keeps_4_mib_intact_even_with_a_tiny_read_buffer() {
    let pki = Pki::new();
    let (_up, upstream) = start(local(), |_| Echo);
    for read_buffer in [64 * 1024, 512] {
        let front = Server::builder()
            .bind_with("127.0.0.1:0", BindOptions::new().tls(server_tls(&pki)))
            .unwrap()
            .loops(1)
            .read_buffer_size(read_buffer);
        let (_h, addr) =
            start_with(front, |b| tcpio_examples::proxy::start(b, upstream, Duration::from_secs(5)));
        let s = connect_tls(addr, &pki.client().build(), "localhost").unwrap();
        let data = payload(read_buffer as u64, 4 << 20);
        let got = pump(s, &data);
        assert!(
            got == data,
            "read buffer {read_buffer}: {} of {} bytes, or different",
            got.len(),
            data.len()
        );
    }
}

/// Writes `data` and reads the echo, interleaved (rustls's blocking stream cannot be
/// split between threads).
fn pump(mut s: TlsStream, data: &[u8]) -> Vec<u8> {
    let mut got = Vec::with_capacity(data.len());
    let mut buf = vec![0u8; 64 * 1024];
    for chunk in data.chunks(64 * 1024) {
        s.write_all(chunk).unwrap();
        let target = (got.len() + chunk.len()).min(data.len());
        while got.len() < target {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0);
            got.extend_from_slice(&buf[..n]);
        }
    }
    got
}
