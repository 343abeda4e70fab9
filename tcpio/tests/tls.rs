//! TLS addresses: the handshake as a setup stage, plaintext to the handler, every
//! byte held for the peer counted, close_notify, mutual TLS, SNI, ALPN, resumption,
//! certificate reload, dialed TLS connections; and bad peers closed on their own.

mod util;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tcpio::tls::{rustls, ClientAuth, TlsServer, TlsVersion};
use tcpio::{Action, BindOptions, CloseReason, Conn, Handler, Input, Server, ServerEvent, ServerHandle};
use util::tls::*;
use util::*;

/// Echoes, and reports what it learns of each session.
struct Report(mpsc::Sender<String>);

impl Handler for Report {
    type State = ();
    fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
        let info = conn.tls().expect("a TLS connection opens with its session");
        let _ = self.0.send(format!(
            "open {} {} alpn={} sni={} subject={} resumed={}",
            info.version,
            info.cipher_suite,
            info.alpn.as_deref().map(String::from_utf8_lossy).unwrap_or_default(),
            info.server_name.as_deref().unwrap_or("-"),
            info.peer_subject().unwrap_or_else(|| "-".into()),
            info.resumed,
        ));
        Action::Continue
    }
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        conn.write(input.bytes());
        input.consume_all();
        Action::Continue
    }
    fn on_eof(&mut self, conn: &mut Conn<'_, ()>) -> Action {
        let _ = self.0.send(format!("eof truncated={}", conn.tls_truncated()));
        Action::Close
    }
    fn on_close(&mut self, _: &mut Conn<'_, ()>, reason: &CloseReason) {
        let _ = self.0.send(format!("on_close {reason}"));
    }
}

/// A one-loop server with a TLS address (`tls`) and a plain one, reporting handler
/// events and observer close events on one channel.
fn server_with(tls: TlsServer, loops: usize) -> (ServerHandle, SocketAddr, mpsc::Receiver<String>) {
    let (tx, rx) = mpsc::channel();
    let events = Mutex::new(tx.clone());
    let tx = Mutex::new(tx);
    let h = Server::builder()
        .bind_with("tls://127.0.0.1:0", BindOptions::new().tls(tls))
        .unwrap()
        .loops(loops)
        .on_event(move |e| {
            if let ServerEvent::Closed { reason, .. } = e {
                let _ = events.lock().unwrap().send(format!("closed {reason}"));
            }
        })
        .start(move |_| Report(tx.lock().unwrap().clone()))
        .unwrap();
    let addr = h.local_addrs()[0].as_ip().unwrap();
    (h, addr, rx)
}

fn next(rx: &mpsc::Receiver<String>, prefix: &str) -> String {
    loop {
        let m = rx.recv_timeout(LIMIT).unwrap_or_else(|_| panic!("no event starting {prefix:?}"));
        if m.starts_with(prefix) {
            return m;
        }
    }
}

/// Sends `data` from one thread while reading the echo on this one; checks it.
fn echo_roundtrip(s: TlsStream, data: &[u8]) {
    let (conn, sock) = (s.conn, s.sock);
    let shared = Arc::new(Mutex::new(rustls::StreamOwned::new(conn, sock)));
    // rustls's blocking stream is not split: interleave bounded writes and reads.
    let mut s = shared.lock().unwrap();
    let mut got = Vec::with_capacity(data.len());
    let mut sent = 0;
    let mut buf = vec![0u8; 64 * 1024];
    while got.len() < data.len() {
        if sent < data.len() {
            let n = (data.len() - sent).min(32 * 1024);
            s.write_all(&data[sent..sent + n]).unwrap();
            sent += n;
        }
        // Read what is echoed so far without waiting for more than was sent.
        while got.len() < sent {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "closed after {} of {} bytes", got.len(), data.len());
            got.extend_from_slice(&buf[..n]);
        }
    }
    assert!(got == data, "echo differs");
}

#[test]
fn echo_over_tls12_and_tls13_with_payloads_to_4_mib() {
    let pki = Pki::new();
    let (h, addr, rx) = server_with(server_tls(&pki), 1);
    for (v, name) in [(&rustls::version::TLS12, "TLS 1.2"), (&rustls::version::TLS13, "TLS 1.3")] {
        let cfg = pki.client().only(v).build();
        for len in [1, 100, 16 * 1024, 16 * 1024 + 1, 300_000, 4 << 20] {
            let s = connect_tls(addr, &cfg, "localhost").unwrap();
            let open = next(&rx, "open");
            assert!(open.starts_with(&format!("open {name}")), "{open}");
            echo_roundtrip(s, &payload(len as u64, len));
        }
    }
    assert!(h.shutdown_and_wait(Duration::from_secs(5)).unwrap());
}
