//! Redis's pub/sub output limits in the redis-server example: a subscriber that stops
//! reading is disconnected at the hard limit (32 MiB), or after staying above the soft
//! limit for its seconds, while the publisher and the other subscribers carry on; the
//! same scenario run against a real `redis-server` ends the same way, and
//! `CONFIG GET/SET client-output-buffer-limit` answer as it does (skipped, with a
//! message, without `redis-server`, except under `CI=true`).

mod redis_diff_util;
mod redis_util;
mod tools;
mod util;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use redis_diff_util::{servers, show_args, Conn, Pair};
use redis_util::{exchange, request};
use util::{connect, wait_for, LIMIT};

/// A subscriber of `channel` on a raw socket, its confirmation read; `small` gives it
/// a small receive buffer (one that stops reading fills up sooner).
fn subscriber(addr: SocketAddr, channel: &str, small: bool) -> TcpStream {
    let mut s = connect(addr);
    if small {
        socket2::SockRef::from(&s).set_recv_buffer_size(16 << 10).unwrap();
    }
    let want = format!("*3\r\n$9\r\nsubscribe\r\n${}\r\n{channel}\r\n:1\r\n", channel.len());
    exchange(&mut s, &request(&[b"SUBSCRIBE", channel.as_bytes()]), &want);
    s
}

/// `PUBSUB NUMSUB channel`.
fn numsub(c: &mut Conn, channel: &str) -> i64 {
    let (raw, _) = c.call(&[b"PUBSUB", b"NUMSUB", channel.as_bytes()]);
    let text = String::from_utf8(raw).unwrap();
    text.rsplit(':').next().unwrap().trim().parse().unwrap()
}

/// The message frame a subscriber of `channel` gets for `payload`.
fn message(channel: &str, payload: &[u8]) -> Vec<u8> {
    let mut m = request(&[b"message", channel.as_bytes(), payload]);
    m.shrink_to_fit();
    m
}

/// Whether the peer has closed `s`: reads (and drops) whatever is still queued, up
/// to the end, within [`LIMIT`].
fn closed_by_peer(s: &mut TcpStream) -> bool {
    s.set_read_timeout(Some(LIMIT)).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

/// The hard limit: 48 MiB published while one subscriber reads nothing. It is cut
/// off; the reading subscriber gets every message; every PUBLISH is answered.
fn hard_limit_scenario(addr: SocketAddr, server: &str) {
    let mut slow = subscriber(addr, "feed", true);
    let fast = subscriber(addr, "feed", false);
    let payload = vec![b'p'; 1 << 20];
    let frame = message("feed", &payload);
    let count = 48;
    let reader = std::thread::spawn(move || {
        let mut fast = fast;
        let mut got = vec![0u8; frame.len() * count];
        fast.read_exact(&mut got).expect("the reading subscriber gets everything");
        assert!(got.chunks(frame.len()).all(|m| m == frame), "every message whole");
        fast
    });
    let mut publisher = Conn::new(addr);
    let mut receivers = Vec::new();
    for _ in 0..count {
        let (_, reply) = publisher.call(&[b"PUBLISH", b"feed", &payload]);
        receivers.push(reply.int());
    }
    let _fast = reader.join().unwrap();
    assert_eq!(receivers[0], 2, "{server}: both subscribers at first");
    assert_eq!(*receivers.last().unwrap(), 1, "{server}: the slow one was cut off: {receivers:?}");
    assert!(closed_by_peer(&mut slow), "{server}: the slow subscriber's connection is closed");
    assert!(wait_for(|| numsub(&mut publisher, "feed") == 1), "{server}");
}

#[test]
fn a_subscriber_that_stops_reading_is_cut_off_at_32_mib_as_redis_does() {
    let ours = redis_util::start(4);
    hard_limit_scenario(ours.addr, "example");
    // The same against the real server, when it is installed.
    if let Some((_, real)) = servers() {
        hard_limit_scenario(real.addr, "redis-server");
    }
}

/// The soft limit, set to 1 MiB for 1 s: a subscriber 8 MiB behind (more than the
/// kernel's socket buffers take) stays connected for at least the period, then is
/// cut off at the next message.
fn soft_limit_scenario(addr: SocketAddr, server: &str) {
    let mut admin = Conn::new(addr);
    let (ok, _) = admin.call(&[b"CONFIG", b"SET", b"client-output-buffer-limit", b"pubsub 0 1mb 1"]);
    assert_eq!(ok, b"+OK\r\n", "{server}");
    let mut slow = subscriber(addr, "soft", true);
    let payload = vec![b's'; 1 << 20];
    let mut publisher = Conn::new(addr);
    let started = Instant::now();
    for _ in 0..8 {
        assert_eq!(publisher.call(&[b"PUBLISH", b"soft", &payload]).1.int(), 1, "{server}");
    }
    // Small messages keep the checks coming until it is cut off.
    let cut = loop {
        assert!(started.elapsed() < LIMIT, "{server}: never cut off");
        if publisher.call(&[b"PUBLISH", b"soft", b"tick"]).1.int() == 0 {
            break started.elapsed();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(cut >= Duration::from_secs(1), "{server}: cut off after {cut:?}, within the soft period");
    assert!(closed_by_peer(&mut slow), "{server}");
    let (ok, _) = admin.call(&[b"CONFIG", b"SET", b"client-output-buffer-limit", b"pubsub 32mb 8mb 60"]);
    assert_eq!(ok, b"+OK\r\n");
}

#[test]
fn a_subscriber_above_the_soft_limit_for_its_seconds_is_cut_off_as_redis_does() {
    let ours = redis_util::start(2);
    soft_limit_scenario(ours.addr, "example");
    if let Some((_, real)) = servers() {
        soft_limit_scenario(real.addr, "redis-server");
    }
}

/// A client with a small receive buffer that has sent `gets` pipelined `GET big` and
/// read nothing yet.
fn lazy_getter(addr: SocketAddr, gets: usize) -> TcpStream {
    let mut s = connect(addr);
    socket2::SockRef::from(&s).set_recv_buffer_size(16 << 10).unwrap();
    s.write_all(&request(&[b"GET", b"big"]).repeat(gets)).unwrap();
    s
}

#[test]
fn a_normal_client_gets_the_normal_class_limit() {
    // No limit by default: a client reading nothing gets a 4 MiB reply queued. With
    // `normal 1mb 0 0` the next such client is cut off.
    let server = redis_util::start(1);
    let mut admin = Conn::new(server.addr);
    let value = vec![b'v'; 4 << 20];
    assert_eq!(admin.call(&[b"SET", b"big", &value]).0, b"+OK\r\n");
    let mut lazy = lazy_getter(server.addr, 4);
    // Its replies have begun: its commands ran before the change below.
    let mut got = vec![0u8; (value.len() + "$4194304\r\n".len() + 2) * 4];
    lazy.read_exact(&mut got[..1024]).unwrap();
    assert_eq!(
        admin.call(&[b"CONFIG", b"SET", b"client-output-buffer-limit", b"normal 1mb 0 0"]).0,
        b"+OK\r\n"
    );
    // The lazy client took its (unlimited) class when it last ran a command: it gets
    // every byte.
    lazy.read_exact(&mut got[1024..]).unwrap();
    // A new client over the limit is cut off, with its replies dropped.
    let mut cut = lazy_getter(server.addr, 4);
    let mut total = 0;
    let mut buf = vec![0u8; 1 << 16];
    cut.set_read_timeout(Some(LIMIT)).unwrap();
    while let Ok(n @ 1..) = cut.read(&mut buf) {
        total += n;
    }
    assert!(total < 4 << 20, "cut off after {total} bytes");
    assert_eq!(admin.call(&[b"PING"]).0, b"+PONG\r\n", "the others carry on");
}

#[test]
fn a_normal_client_may_have_more_than_64_mib_queued() {
    // Redis's normal class has no limit; the server's bound for it is 1 GiB
    // (`MAX_OUTPUT`), above the 64 MiB tcpio sets by default. Eighty pipelined GETs
    // of a 1 MiB value, sent before reading anything, all arrive.
    let server = redis_util::start(1);
    let mut admin = Conn::new(server.addr);
    let value = vec![b'v'; 1 << 20];
    assert_eq!(admin.call(&[b"SET", b"big", &value]).0, b"+OK\r\n");
    let mut lazy = lazy_getter(server.addr, 80);
    let reply = [b"$1048576\r\n".as_slice(), &value, b"\r\n"].concat();
    let mut got = vec![0u8; reply.len()];
    for i in 0..80 {
        lazy.read_exact(&mut got).unwrap_or_else(|e| panic!("reply {i}: {e}"));
        assert!(got == reply, "reply {i}");
    }
    assert_eq!(admin.call(&[b"PING"]).0, b"+PONG\r\n");
}

/// Sends `args` to both servers and compares the replies byte for byte.
fn both(p: &mut Pair, args: &[&str]) {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    let req = request(&args);
    p.real.send(&req);
    p.ours.send(&req);
    let (real, ours) = (p.real.read().0, p.ours.read().0);
    assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&real), "{}", show_args(&args));
}

#[test]
fn config_client_output_buffer_limit_matches_redis() {
    let Some((ours, real)) = servers() else { return };
    let mut p = Pair::new(ours.addr, real.addr);
    let name = "client-output-buffer-limit";
    both(&mut p, &["CONFIG", "GET", name]);
    both(&mut p, &["CONFIG", "GET", "client-output*"]);
    for value in [
        "pubsub 1mb 512k 1",
        "pubsub 1mb 512k",
        "bogus 1 1 1",
        "master 1 1 1",
        "pubsub x 1 1",
        "pubsub 1 1 -1",
        "pubsub 1 1 x",
        "pubsub  1 1 1",
        "pubsub 1 1 1 ",
        "",
        "replica 1 2 3",
        "normal 1 2 3 normal 4 5 6",
        "Pubsub 1KB 1 +1",
        "pubsub 1 2 99999999999999",
        "slave 1gb 2GB 3",
        "pubsub 32mb 8mb 60 normal 0 0 0",
    ] {
        both(&mut p, &["CONFIG", "SET", name, value]);
        both(&mut p, &["CONFIG", "GET", name]);
    }
    both(&mut p, &["CONFIG", "SET", name, "normal 0 0 0", name, "pubsub 1 1 1"]);
    both(&mut p, &["CONFIG", "SET", name, "normal 0 0 0", "timeout", "x"]);
    both(&mut p, &["CONFIG", "GET", name]);
}
