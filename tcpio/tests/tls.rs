//! TLS addresses: the handshake as a setup stage, plaintext to the handler, every
//! byte held for the peer counted, close_notify, mutual TLS, SNI, ALPN, resumption,
//! certificate reload, dialed TLS connections; and bad peers closed on their own.

mod util;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tcpio::tls::{rustls, ClientAuth, TlsServer};
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

/// A server with a TLS address (`tls`) serving [`Report`], reporting handler events
/// and observer close events on one channel.
fn server_with(tls: TlsServer, loops: usize) -> (ServerHandle, SocketAddr, mpsc::Receiver<String>) {
    reporting_server(tls, loops, Report)
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

/// Whether a TLS client gets nowhere: its handshake fails, or the server's alert
/// (or close) ends the stream before an echo comes back.
fn refused(addr: SocketAddr, cfg: &Arc<rustls::ClientConfig>, name: &str) -> bool {
    let Ok(mut s) = connect_tls(addr, cfg, name) else { return true };
    // TLS 1.3: the client's handshake is done before the server has judged its
    // certificate; the verdict comes with the first read.
    if s.write_all(b"ping").is_err() {
        return true;
    }
    let mut buf = [0u8; 4];
    !matches!(s.read(&mut buf), Ok(n) if n > 0)
}

#[test]
fn mutual_tls_refuses_a_missing_or_foreign_certificate_and_shows_the_right_one() {
    let pki = Pki::new();
    let tls = server_tls(&pki).client_auth(ClientAuth::Required, &pki.ca).unwrap();
    let (h, addr, rx) = server_with(tls, 1);
    for v in [&rustls::version::TLS12, &rustls::version::TLS13] {
        assert!(refused(addr, &pki.client().only(v).build(), "localhost"), "no certificate");
        let closed = next(&rx, "closed TLS");
        assert!(closed.contains("certificate"), "{closed}");
        assert!(refused(addr, &pki.client().only(v).cert(&pki.stranger).build(), "localhost"), "foreign CA");
        let closed = next(&rx, "closed TLS");
        assert!(closed.contains("UnknownIssuer") || closed.contains("issuer"), "{closed}");
        let s = connect_tls(addr, &pki.client().only(v).cert(&pki.client).build(), "localhost").unwrap();
        let open = next(&rx, "open");
        assert!(open.contains("subject=CN=client one,O=tcpio tests"), "{open}");
        echo_roundtrip(s, b"hello");
    }
    assert_eq!(h.stats().total.tls_failed, 4);

    // Optional: a client without a certificate is served, one with a foreign
    // certificate is not.
    let tls = server_tls(&pki).client_auth(ClientAuth::Optional, &pki.ca).unwrap();
    let (_h, addr, rx) = server_with(tls, 1);
    let s = connect_tls(addr, &pki.client().build(), "localhost").unwrap();
    assert!(next(&rx, "open").contains("subject=-"));
    echo_roundtrip(s, b"hello");
    assert!(refused(addr, &pki.client().cert(&pki.stranger).build(), "localhost"));
}

#[test]
fn sni_picks_the_certificate_and_a_client_without_sni_gets_the_default() {
    let pki = Pki::new();
    let tls = server_tls(&pki).sni("api.test", &pki.api.cert, &pki.api.key).unwrap();
    let (_h, addr, rx) = server_with(tls, 1);
    // `api.test` verifies only against the api certificate: it was presented.
    let s = connect_tls(addr, &pki.client().build(), "api.test").unwrap();
    assert!(next(&rx, "open").contains("sni=api.test"));
    echo_roundtrip(s, b"api");
    let s = connect_tls(addr, &pki.client().build(), "localhost").unwrap();
    assert!(next(&rx, "open").contains("sni=localhost"));
    echo_roundtrip(s, b"default");
    let s = connect_tls(addr, &pki.client().no_sni().build(), "localhost").unwrap();
    assert!(next(&rx, "open").contains("sni=-"));
    echo_roundtrip(s, b"no sni");
    // Without SNI, a client that wanted api.test gets the default certificate, which
    // does not name it.
    assert!(refused(addr, &pki.client().no_sni().build(), "api.test"));
}

#[test]
fn alpn_is_negotiated_and_a_client_offering_only_others_is_refused() {
    let pki = Pki::new();
    let (_h, addr, rx) = server_with(server_tls(&pki).alpn(["redis", "http/1.1"]), 1);
    let s = connect_tls(addr, &pki.client().alpn("h2").alpn("http/1.1").build(), "localhost").unwrap();
    assert_eq!(s.conn.alpn_protocol(), Some(&b"http/1.1"[..]));
    assert!(next(&rx, "open").contains("alpn=http/1.1"));
    echo_roundtrip(s, b"x");
    let s = connect_tls(addr, &pki.client().build(), "localhost").unwrap();
    assert!(next(&rx, "open").contains("alpn= "));
    echo_roundtrip(s, b"x");
    assert!(refused(addr, &pki.client().alpn("h2").build(), "localhost"));
    let closed = next(&rx, "closed TLS");
    assert!(closed.contains("protocol"), "{closed}");
}

/// Connects `n` times with one client configuration (so it can resume), echoing once
/// on each connection so TLS 1.3 tickets arrive; returns the `resumed=` of each.
fn resumptions(
    addr: SocketAddr,
    cfg: &Arc<rustls::ClientConfig>,
    rx: &mpsc::Receiver<String>,
    n: usize,
) -> Vec<bool> {
    (0..n)
        .map(|_| {
            let s = connect_tls(addr, cfg, "localhost").unwrap();
            let open = next(rx, "open");
            echo_roundtrip(s, b"ticket please");
            open.ends_with("resumed=true")
        })
        .collect()
}

#[test]
fn sessions_resume_on_every_loop_by_ticket_and_by_session_id() {
    let pki = Pki::new();
    let (h, addr, rx) = server_with(server_tls(&pki), 2);
    for v in [&rustls::version::TLS13, &rustls::version::TLS12] {
        let cfg = pki.client().only(v).build();
        let resumed = resumptions(addr, &cfg, &rx, 8);
        assert!(!resumed[0], "{v:?}: the first connection makes a full handshake");
        assert!(resumed[1..].iter().all(|r| *r), "{v:?}: {resumed:?}");
    }
    let stats = h.stats();
    // With SO_REUSEPORT the kernel spread the connections over both loops, and each
    // resumed sessions the other made.
    assert!(stats.loops.iter().all(|l| l.tls_handshakes > 0), "{:?}", stats.loops);
    assert_eq!(stats.total.tls_handshakes, 16);
    assert_eq!(stats.total.tls_resumed, 14);

    // Tickets and the cache both off: every handshake is a full one.
    let tls = server_tls(&pki).session_tickets(false).session_cache(0);
    let (_h, addr, rx) = server_with(tls, 1);
    for v in [&rustls::version::TLS13, &rustls::version::TLS12] {
        assert!(resumptions(addr, &pki.client().only(v).build(), &rx, 3).iter().all(|r| !r));
    }
}

#[test]
fn plaintext_and_garbage_on_a_tls_address_close_only_their_own_connection() {
    let pki = Pki::new();
    let (h, addr, rx) = server_with(server_tls(&pki), 1);
    let cfg = pki.client().build();
    let good = connect_tls(addr, &cfg, "localhost").unwrap();
    next(&rx, "open");
    let mut good = Some(good);
    for bad in [&b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..], &payload(7, 5000), b"\x16\x03\x01\xff\xff"] {
        let mut s = connect(addr);
        s.write_all(bad).unwrap();
        // An alert, then the close.
        let got = read_until_closed(&mut s);
        assert!(got.len() < 64, "{got:?}");
        next(&rx, "closed TLS:");
        // The good client is served all along.
        let g = good.take().unwrap();
        let (conn, sock) = (g.conn, g.sock);
        let mut g = rustls::StreamOwned::new(conn, sock);
        g.write_all(b"still here").unwrap();
        let mut buf = [0u8; 10];
        g.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"still here");
        good = Some(g);
    }
    assert_eq!(h.stats().total.tls_failed, 3);
    assert_eq!(h.stats().total.open, 1);
}

#[test]
fn a_handshake_that_stalls_is_closed_by_the_setup_timeout() {
    let pki = Pki::new();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let h = Server::builder()
        .bind_with(
            "tls://127.0.0.1:0",
            BindOptions::new().tls(server_tls(&pki)).setup_timeout(Duration::from_millis(300)),
        )
        .unwrap()
        .loops(1)
        .on_event(move |e| {
            if let ServerEvent::Closed { reason, .. } = e {
                let _ = tx.lock().unwrap().send(reason.to_string());
            }
        })
        .start(|_| Echo)
        .unwrap();
    let addr = h.local_addrs()[0].as_ip().unwrap();
    let mut s = connect(addr);
    // One byte of a ClientHello, then nothing.
    s.write_all(&[0x16]).unwrap();
    assert!(wait_for(|| h.stats().total.in_setup == 1));
    let reason = rx.recv_timeout(LIMIT).unwrap();
    assert!(reason.contains("setup timeout"), "{reason}");
    assert!(read_until_closed(&mut s).is_empty());
    let t = h.stats().total;
    assert_eq!((t.timed_out.setup, t.in_setup, t.open), (1, 0, 0));
}

/// Writes `n` bytes for each byte of input: replies far larger than what it reads.
struct Amplify(usize);

impl Handler for Amplify {
    type State = ();
    fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
        // Keeps reading past the high-water mark, so the queue can reach the cap.
        conn.set_pause_on_high_water(false);
        Action::Continue
    }
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        for _ in 0..input.len() {
            conn.write(&payload(1, self.0));
        }
        input.consume_all();
        Action::Continue
    }
}

fn closes_with(b: tcpio::Builder, expect: &str, pki: &Pki) -> ServerHandle {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let h = b
        .loops(1)
        .on_event(move |e| {
            if let ServerEvent::Closed { reason, .. } = e {
                let _ = tx.lock().unwrap().send(reason.to_string());
            }
        })
        .start(|_| Amplify(256 * 1024))
        .unwrap();
    let addr = h.local_addrs()[0].as_ip().unwrap();
    let mut s = connect_tls(addr, &pki.client().build(), "localhost").unwrap();
    // Asks for 256 KiB per byte, 8 MiB in all, and never reads.
    for _ in 0..32 {
        let _ = s.write_all(b"x");
        let _ = s.flush();
    }
    let reason = rx.recv_timeout(LIMIT).unwrap();
    assert!(reason.contains(expect), "{reason}");
    h
}

#[test]
fn the_hard_cap_and_the_write_timeout_count_ciphertext() {
    let pki = Pki::new();
    let b = || {
        Server::builder()
            .bind_with("127.0.0.1:0", BindOptions::new().tls(server_tls(&pki)))
            .unwrap()
            .send_buffer_size(64 * 1024)
    };
    // 8 MiB asked for, against a 1 MiB cap: what the kernel does not take passes it,
    // ciphertext and plaintext alike.
    let h = closes_with(b().max_output(1 << 20), "output exceeded the limit", &pki);
    // Everything it held, ciphertext included, is let go (the gauge is published
    // on the loop's next pass).
    assert!(wait_for(|| h.stats().total.queued_bytes == 0));
    // Under the cap, but the peer does not read: the write timeout.
    closes_with(b().max_output(64 << 20).write_timeout(Duration::from_millis(300)), "write timeout", &pki);
}

/// Closes on "close", closes at once on "now", echoes anything else.
struct Closer;

impl Handler for Closer {
    type State = ();
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        let action = match input.bytes() {
            b"close" => Action::Close,
            b"now" => Action::CloseNow,
            b"detach" => Action::Detach,
            other => {
                conn.write(other);
                Action::Continue
            }
        };
        conn.write(b"bye");
        input.consume_all();
        action
    }
}

#[test]
fn close_sends_close_notify_and_close_now_does_not() {
    let pki = Pki::new();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let h = Server::builder()
        .bind_with("127.0.0.1:0", BindOptions::new().tls(server_tls(&pki)))
        .unwrap()
        .on_event(move |e| {
            if let ServerEvent::Closed { reason, .. } = e {
                let _ = tx.lock().unwrap().send(reason.to_string());
            }
        })
        .start(|_| Closer)
        .unwrap();
    let addr = h.local_addrs()[0].as_ip().unwrap();
    let cfg = pki.client().build();
    // Close: what was written, then close_notify (a clean end of stream to rustls).
    let mut s = connect_tls(addr, &cfg, "localhost").unwrap();
    s.write_all(b"close").unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).expect("a clean close_notify");
    assert_eq!(got, b"bye");
    rx.recv_timeout(LIMIT).unwrap();
    // CloseNow: no close_notify; rustls reports the stream cut short.
    let mut s = connect_tls(addr, &cfg, "localhost").unwrap();
    s.write_all(b"now").unwrap();
    let err = s.read_to_end(&mut Vec::new()).expect_err("no close_notify");
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err}");
    rx.recv_timeout(LIMIT).unwrap();
    // Detach: a TLS connection cannot be; closed cleanly instead, with a reason.
    let mut s = connect_tls(addr, &cfg, "localhost").unwrap();
    s.write_all(b"detach").unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).expect("a clean close_notify");
    assert_eq!(got, b"bye");
    let reason = rx.recv_timeout(LIMIT).unwrap();
    assert!(reason.contains("cannot be detached"), "{reason}");
}

#[test]
fn a_fin_without_close_notify_is_reported_as_possibly_truncated() {
    let pki = Pki::new();
    let (_h, addr, rx) = server_with(server_tls(&pki), 1);
    let cfg = pki.client().build();
    let mut s = connect_tls(addr, &cfg, "localhost").unwrap();
    next(&rx, "open");
    s.write_all(b"x").unwrap();
    s.sock.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(next(&rx, "eof"), "eof truncated=true");
    // With close_notify first: a clean end.
    let mut s = connect_tls(addr, &cfg, "localhost").unwrap();
    next(&rx, "open");
    s.conn.send_close_notify();
    s.flush().unwrap();
    assert_eq!(next(&rx, "eof"), "eof truncated=false");
    let mut got = Vec::new();
    s.read_to_end(&mut got).expect("the server's close_notify");
}

/// Writes `n` bytes as soon as the connection opens.
struct Flood(usize);

impl Handler for Flood {
    type State = ();
    fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
        conn.write(&payload(3, self.0));
        Action::Continue
    }
    fn on_data(&mut self, _: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        input.consume_all();
        Action::Continue
    }
}

#[test]
fn a_graceful_stop_delivers_every_queued_byte_encrypted() {
    let pki = Pki::new();
    let len = 6 << 20;
    let h = Server::builder()
        .bind_with("127.0.0.1:0", BindOptions::new().tls(server_tls(&pki)))
        .unwrap()
        .loops(1)
        .max_output(16 << 20)
        .start(move |_| Flood(len))
        .unwrap();
    let addr = h.local_addrs()[0].as_ip().unwrap();
    let mut s = connect_tls(addr, &pki.client().build(), "localhost").unwrap();
    assert!(wait_for(|| h.stats().total.queued_bytes > 0), "the peer is not reading: output waits");
    h.shutdown();
    let mut got = Vec::new();
    s.read_to_end(&mut got).expect("everything, then close_notify");
    assert!(got == payload(3, len), "{} of {len} bytes", got.len());
    h.wait().unwrap();
}
