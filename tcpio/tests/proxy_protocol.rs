//! PROXY protocol addresses: the header read in a setup stage before the connection
//! opens, the client's address from it, the bytes after it intact, and every bad
//! header, stall or untrusted source closing only its own connection.

mod util;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

use tcpio::proxy::{Header, Tlv, Version};
use tcpio::{Action, BindOptions, CloseReason, Conn, Handler, Input, Server, ServerEvent};
use util::*;

/// On open, reports the peer it sees (and the socket's); then echoes.
struct Report(mpsc::Sender<String>);

impl Handler for Report {
    type State = ();
    fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
        let alpn = match conn.proxy_header().and_then(|h| h.tlv(tcpio::proxy::tlv_kind::ALPN)) {
            Some(Tlv::Alpn(a)) => String::from_utf8_lossy(a).into_owned(),
            _ => "-".into(),
        };
        let _ = self.0.send(format!("open {} via {} alpn {alpn}", conn.peer_addr(), conn.socket_peer_addr()));
        Action::Continue
    }
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        conn.write(input.bytes());
        input.consume_all();
        Action::Continue
    }
    fn on_close(&mut self, _: &mut Conn<'_, ()>, reason: &CloseReason) {
        let _ = self.0.send(format!("on_close {reason}"));
    }
}

/// A server with one PROXY address (`options`) and one plain address, reporting
/// handler events and observer close events on one channel.
fn server(options: BindOptions) -> (tcpio::ServerHandle, SocketAddr, SocketAddr, mpsc::Receiver<String>) {
    let (tx, rx) = mpsc::channel();
    let events = Mutex::new(tx.clone());
    let tx = Mutex::new(tx);
    let b = Server::builder()
        .bind_with("127.0.0.1:0", options)
        .unwrap()
        .bind("127.0.0.1:0")
        .unwrap()
        .loops(1)
        .on_event(move |e| {
            if let ServerEvent::Closed { reason, .. } = e {
                let _ = events.lock().unwrap().send(format!("closed {reason}"));
            }
        });
    let h = b.start(move |_| Report(tx.lock().unwrap().clone())).unwrap();
    let proxy = h.local_addrs()[0].as_ip().unwrap();
    let plain = h.local_addrs()[1].as_ip().unwrap();
    (h, proxy, plain, rx)
}

fn v2(source: &str, destination: &str) -> Vec<u8> {
    let mut h = Header::proxy(Version::V2, source.parse().unwrap(), destination.parse().unwrap());
    h.tlvs = vec![Tlv::Alpn(b"h2".to_vec()), Tlv::Crc32c(0)];
    let mut wire = Vec::new();
    h.write(&mut wire).unwrap();
    wire
}

#[test]
fn the_client_address_comes_from_the_header_and_the_bytes_after_it_are_intact() {
    let (_server, addr, _, rx) = server(BindOptions::new().proxy_protocol());
    // v1, with the first request in the same packet as the header.
    let mut c = connect(addr);
    c.write_all(b"PROXY TCP4 192.0.2.10 198.51.100.1 40000 443\r\nhello").unwrap();
    assert_eq!(read_n(&mut c, 5), b"hello");
    let open = rx.recv_timeout(LIMIT).unwrap();
    assert!(open.starts_with("open tcp://192.0.2.10:40000 via tcp://127.0.0.1:"), "{open}");
    // v2 with TLVs and a checksum, arriving a byte at a time, then 4 MiB after it.
    let mut c = connect(addr);
    c.set_nodelay(true).unwrap();
    for b in v2("[2001:db8::7]:5555", "[2001:db8::1]:443") {
        c.write_all(&[b]).unwrap();
    }
    let open = rx.recv_timeout(LIMIT).unwrap();
    assert!(open.starts_with("open tcp://[2001:db8::7]:5555 via") && open.ends_with("alpn h2"), "{open}");
    let body = payload(7, 4 << 20);
    let mut reader = c.try_clone().unwrap();
    let expect = body.clone();
    let check = std::thread::spawn(move || read_n(&mut reader, expect.len()) == expect);
    c.write_all(&body).unwrap();
    assert!(check.join().unwrap(), "the 4 MiB after the header came back intact");
}

#[test]
fn a_local_header_keeps_the_socket_peer() {
    let (_server, addr, _, rx) = server(BindOptions::new().proxy_protocol());
    let mut wire = Vec::new();
    Header::local(Version::V2).write(&mut wire).unwrap();
    let mut c = connect(addr);
    c.write_all(&wire).unwrap();
    c.write_all(b"ping").unwrap();
    assert_eq!(read_n(&mut c, 4), b"ping");
    let open = rx.recv_timeout(LIMIT).unwrap();
    let peer = c.local_addr().unwrap();
    assert!(open.starts_with(&format!("open tcp://{peer} via tcp://{peer}")), "{open}");
}

#[test]
fn a_bad_header_closes_only_its_connection_which_never_opened() {
    let (server, addr, plain, rx) = server(BindOptions::new().proxy_protocol());
    let mut good = connect(plain);
    good.write_all(b"a").unwrap();
    assert_eq!(read_n(&mut good, 1), b"a");
    assert!(rx.recv_timeout(LIMIT).unwrap().starts_with("open"));
    for garbage in [&b"GET / HTTP/1.1\r\n\r\n"[..], b"PROXY TCP4 1.2.3.4 nope 1 2\r\n"] {
        let mut bad = connect(addr);
        bad.write_all(garbage).unwrap();
        let got = read_to_end(&mut bad).unwrap_or_default();
        assert!(got.is_empty(), "nothing is answered to a bad header");
        let closed = rx.recv_timeout(LIMIT).unwrap();
        assert!(closed.starts_with("closed bad PROXY header"), "{closed}");
    }
    // A corrupted checksum.
    let mut wire = v2("10.0.0.1:1", "10.0.0.2:2");
    wire[20] ^= 1;
    let mut bad = connect(addr);
    bad.write_all(&wire).unwrap();
    let _ = read_to_end(&mut bad);
    assert!(rx.recv_timeout(LIMIT).unwrap().contains("CRC32C mismatch"));
    // No on_open and no on_close for any of them; the plain connection is untouched.
    good.write_all(b"b").unwrap();
    assert_eq!(read_n(&mut good, 1), b"b");
    assert!(rx.try_recv().is_err(), "the handler heard nothing of the bad ones");
    assert!(wait_for(|| server.stats().total.in_setup == 0));
}

#[test]
fn a_header_that_stalls_is_closed_at_the_setup_timeout() {
    let options = BindOptions::new().proxy_protocol().setup_timeout(Duration::from_millis(200));
    let (server, addr, _, rx) = server(options);
    let mut stall = connect(addr);
    stall.write_all(b"P").unwrap(); // one byte of a header, then nothing
    assert!(wait_for(|| server.stats().total.in_setup == 1));
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "closed setup timeout: not open in time");
    assert_eq!(read_to_end(&mut stall).unwrap_or_default(), b"");
    assert!(wait_for(|| server.stats().total.timed_out.setup == 1));
    assert!(wait_for(|| server.stats().total.in_setup == 0));
}

#[test]
fn an_untrusted_source_is_refused_before_a_byte_is_read() {
    let (server, addr, plain, _rx) = server(BindOptions::new().proxy_protocol().trust("10.0.0.0/8"));
    let mut c = connect(addr);
    let _ = c.write_all(b"PROXY TCP4 192.0.2.10 198.51.100.1 40000 443\r\n");
    let mut buf = [0u8; 8];
    assert!(matches!(c.read(&mut buf), Ok(0) | Err(_)), "closed unserved");
    assert!(wait_for(|| server.stats().total.refused.untrusted == 1));
    // The plain address next to it serves the same source.
    let mut p = connect(plain);
    p.write_all(b"ok").unwrap();
    assert_eq!(read_n(&mut p, 2), b"ok");
}

#[test]
fn a_header_on_a_plain_address_is_just_data() {
    let (_server, _, plain, _rx) = server(BindOptions::new().proxy_protocol());
    let mut c = connect(plain);
    let line = b"PROXY TCP4 192.0.2.10 198.51.100.1 40000 443\r\n";
    c.write_all(line).unwrap();
    assert_eq!(read_n(&mut c, line.len()), line);
}

#[test]
fn a_graceful_stop_closes_connections_still_in_setup_and_broadcasts_pass_them_by() {
    let (server, addr, plain, rx) = server(BindOptions::new().proxy_protocol());
    let mut waiting = connect(addr);
    waiting.write_all(b"PROXY TCP4").unwrap();
    let mut open = connect(plain);
    open.write_all(b"x").unwrap();
    assert_eq!(read_n(&mut open, 1), b"x");
    assert!(wait_for(|| server.stats().total.in_setup == 1));
    server.broadcast(b"news");
    assert_eq!(read_n(&mut open, 4), b"news");
    server.shutdown();
    // The one in setup gets nothing: not the broadcast, not a drain.
    assert_eq!(read_to_end(&mut waiting).unwrap_or_default(), b"");
    drop(open);
    server.wait().unwrap();
    let seen: Vec<String> = rx.try_iter().collect();
    assert!(seen.iter().any(|s| s == "closed server shutdown"), "{seen:?}");
    assert_eq!(seen.iter().filter(|s| s.starts_with("open")).count(), 1, "{seen:?}");
}

#[test]
fn bind_option_mistakes_name_the_address() {
    let bad = |o: BindOptions| match Server::builder().bind_with("127.0.0.1:0", o) {
        Err(tcpio::Error::InvalidAddress { addr, reason }) => format!("{addr}: {reason}"),
        other => panic!("{other:?}"),
    };
    assert!(bad(BindOptions::new().proxy_protocol().trust("10.0.0.0/33")).contains("127.0.0.1:0"));
    assert!(bad(BindOptions::new().trust("10.0.0.0/8")).contains("need proxy_protocol"));
    assert!(bad(BindOptions::new().proxy_protocol().max_header(10)).contains("max_header"));
    assert!(bad(BindOptions::new().proxy_protocol().setup_timeout(Duration::ZERO)).contains("setup_timeout"));
}

#[test]
fn the_bytes_after_a_header_are_forwarded_intact_through_the_proxy_example() {
    // The proxy example behind a PROXY address: what follows the header (kept in the
    // connection's buffer while the header completes) is forwarded to the upstream
    // byte for byte, and what comes back reaches the client.
    let upstream = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let up = upstream.local_addr().unwrap();
    let proxy = tcpio_examples::proxy::start(proxy_local(), up, LIMIT).unwrap();
    let addr = proxy.local_addrs()[0].as_ip().unwrap();
    let mut c = connect(addr);
    let body = payload(3, 1 << 20);
    let mut first = v2("192.0.2.99:1234", "198.51.100.1:80");
    first.extend_from_slice(&body[..1000]); // the header and the start of the data in one write
    c.write_all(&first).unwrap();
    let (mut u, _) = upstream.accept().unwrap();
    u.set_read_timeout(Some(LIMIT)).unwrap();
    let mut rest = c.try_clone().unwrap();
    let tail = body[1000..].to_vec();
    let writer = std::thread::spawn(move || rest.write_all(&tail).unwrap());
    assert!(read_n(&mut u, body.len()) == body, "the upstream got exactly the bytes after the header");
    writer.join().unwrap();
    u.write_all(b"reply").unwrap();
    assert_eq!(read_n(&mut c, 5), b"reply");
}

#[test]
fn the_per_ip_limit_counts_the_clients_behind_the_balancer_and_not_its_health_checks() {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let (server, addr) =
        start(proxy_local().max_connections_per_ip(1), move |_| Report(tx.lock().unwrap().clone()));
    // Every connection comes from 127.0.0.1 (the "balancer"); the headers name the
    // clients. One connection per client is allowed.
    let client = |ip: &str| {
        let mut c = connect(addr);
        c.write_all(format!("PROXY TCP4 {ip} 198.51.100.1 40000 443\r\nping").as_bytes()).unwrap();
        c
    };
    let mut a = client("192.0.2.1");
    assert_eq!(read_n(&mut a, 4), b"ping");
    let mut b = client("192.0.2.2");
    assert_eq!(read_n(&mut b, 4), b"ping", "another client behind the same balancer is let in");
    let mut again = client("192.0.2.1");
    assert_eq!(
        read_to_end(&mut again).unwrap_or_default(),
        b"",
        "a second connection of one client is refused"
    );
    assert!(wait_for(|| server.stats().total.refused.per_ip == 1));
    // Health checks (LOCAL headers) are not clients: never refused, counted apart.
    let mut local = Vec::new();
    Header::local(Version::V2).write(&mut local).unwrap();
    let checks: Vec<_> = (0..3)
        .map(|_| {
            let mut c = connect(addr);
            c.write_all(&local).unwrap();
            c.write_all(b"hc").unwrap();
            assert_eq!(read_n(&mut c, 2), b"hc");
            c
        })
        .collect();
    assert!(wait_for(|| server.stats().total.proxy_local == 3));
    // Closing a client gives its place back, by the address its header named.
    drop(a);
    assert!(wait_for(|| {
        let mut c = client("192.0.2.1");
        c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut buf = [0u8; 4];
        c.read_exact(&mut buf).is_ok()
    }));
    drop((b, checks));
    let _: Vec<String> = rx.try_iter().collect();
}

#[test]
fn the_proxy_example_sends_a_header_naming_the_client_first() {
    // client → proxy example (--send-proxy v1/v2) → a PROXY address: the upstream sees
    // the client's own address, and the bytes after the header are the client's.
    for version in [Version::V1, Version::V2] {
        let (_up, upstream, _, rx) = server(BindOptions::new().proxy_protocol());
        let proxy = tcpio_examples::proxy::Proxy {
            upstream: tcpio::Addr::Ip(upstream),
            connect_timeout: LIMIT,
            send_proxy: Some(version),
        };
        let front = tcpio_examples::proxy::serve(local().loops(1), proxy).unwrap();
        let mut c = connect(front.local_addrs()[0].as_ip().unwrap());
        c.write_all(b"through").unwrap();
        assert_eq!(read_n(&mut c, 7), b"through");
        let open = rx.recv_timeout(LIMIT).unwrap();
        let me = c.local_addr().unwrap();
        assert!(open.starts_with(&format!("open tcp://{me} via tcp://127.0.0.1:")), "{version:?}: {open}");
    }
}
