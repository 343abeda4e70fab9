//! The redis-server example on the wire: pipelining, requests cut anywhere, the inline
//! protocol, malformed and oversized requests, several loops sharing the keyspace, and
//! expiry by the periodic sweep.

mod redis_util;
mod util;

use std::io::Write;
use std::time::{Duration, Instant};

use redis_util::{client, exchange, read_len, request, start};
use util::{connect, read_until_closed, LIMIT};

#[test]
fn a_pipeline_in_one_write_gets_every_reply_in_order() {
    let server = start(1);
    let mut s = connect(server.addr);
    let mut req = Vec::new();
    let mut want = String::new();
    for i in 0..1000 {
        req.extend(request(&[b"SET", format!("key{i}").as_bytes(), format!("v{i}").as_bytes()]));
        req.extend(request(&[b"GET", format!("key{i}").as_bytes()]));
        want += &format!("+OK\r\n${}\r\nv{i}\r\n", format!("v{i}").len());
    }
    exchange(&mut s, &req, &want);
}

#[test]
fn requests_cut_at_every_byte_are_answered_once_complete() {
    let server = start(1);
    let mut s = connect(server.addr);
    s.set_nodelay(true).unwrap();
    let req = [request(&[b"SET", b"k", b"a value"]), request(&[b"GET", b"k"]), b"PING\r\n".to_vec()].concat();
    for b in &req {
        s.write_all(std::slice::from_ref(b)).unwrap();
    }
    let want = "+OK\r\n$7\r\na value\r\n+PONG\r\n";
    assert_eq!(String::from_utf8_lossy(&read_len(&mut s, want.len())), want);
}

#[test]
fn inline_requests_as_redis_benchmark_sends_them() {
    let server = start(1);
    let mut s = connect(server.addr);
    exchange(&mut s, b"PING\r\nPING\r\nset k \"a b\"\nget k\r\n", "+PONG\r\n+PONG\r\n+OK\r\n$3\r\na b\r\n");
}

#[test]
fn a_malformed_request_is_answered_with_an_error_then_closed() {
    let cases: [(&[u8], &str); 4] = [
        (b"*1\r\n$4\r\nPING\r\n*1\r\nfoo\r\n", "+PONG\r\n-ERR Protocol error: expected '$', got 'f'\r\n"),
        (b"*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n"),
        (b"SET \"k v\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"),
        (b"*2\r\n$3\r\nGET\r\n$-3\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
    ];
    let server = start(1);
    for (req, want) in cases {
        let mut s = connect(server.addr);
        s.write_all(req).unwrap();
        assert_eq!(String::from_utf8_lossy(&read_until_closed(&mut s)), want);
    }
    // The server goes on serving others.
    exchange(&mut connect(server.addr), b"PING\r\n", "+PONG\r\n");
}

#[test]
fn oversized_claims_are_refused_without_reserving_them() {
    let server = start(1);
    // Past the limits: refused as soon as the header arrives.
    for (req, want) in [
        (&b"*1\r\n$536870913\r\n"[..], "-ERR Protocol error: invalid bulk length\r\n"),
        (b"*99999999999\r\n", "-ERR Protocol error: invalid multibulk length\r\n"),
    ] {
        let mut s = connect(server.addr);
        s.write_all(req).unwrap();
        assert_eq!(String::from_utf8_lossy(&read_until_closed(&mut s)), want);
    }
    // Within the limits but absurd: two billion arguments and a 512 MiB bulk are
    // announced, a few bytes sent. Nothing is reserved for them, so the server stays
    // responsive to everyone, and the claiming connection just waits for its bytes.
    let mut greedy = Vec::new();
    for _ in 0..8 {
        let mut s = connect(server.addr);
        s.write_all(b"*2147483647\r\n$536870912\r\nsome bytes").unwrap();
        greedy.push(s);
    }
    let rss_kib = || {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap().to_string();
        line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap()
    };
    exchange(&mut connect(server.addr), b"PING\r\n", "+PONG\r\n");
    assert!(rss_kib() < 512 * 1024, "8 claims of 512 MiB did not turn into resident memory");
    // A long inline line without an end is refused at 64 KiB.
    let mut s = connect(server.addr);
    s.write_all(&vec![b'a'; 70_000]).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&read_until_closed(&mut s)),
        "-ERR Protocol error: too big inline request\r\n"
    );
}

#[test]
fn quit_replies_then_closes_and_ignores_the_rest() {
    let server = start(1);
    let mut s = connect(server.addr);
    s.write_all(b"PING\r\nQUIT\r\nSET after quit\r\n").unwrap();
    assert_eq!(String::from_utf8_lossy(&read_until_closed(&mut s)), "+PONG\r\n+OK\r\n");
    exchange(&mut connect(server.addr), b"EXISTS after\r\n", ":0\r\n");
}

#[test]
fn loops_share_one_sharded_keyspace() {
    let server = start(4);
    // Connections land on different loops; every one sees every other's writes.
    let mut conns: Vec<_> = (0..16).map(|_| connect(server.addr)).collect();
    for (i, s) in conns.iter_mut().enumerate() {
        exchange(s, &request(&[b"INCR", b"shared"]), &format!(":{}\r\n", i + 1));
        exchange(s, &request(&[b"SET", format!("own{i}").as_bytes(), b"x"]), "+OK\r\n");
    }
    for s in &mut conns {
        exchange(s, b"DBSIZE\r\n", ":17\r\n");
    }
}

#[test]
fn expired_keys_are_swept_without_being_touched() {
    let server = start(2);
    let mut s = connect(server.addr);
    let mut req = Vec::new();
    for i in 0..200 {
        req.extend(request(&[b"SET", format!("t{i}").as_bytes(), b"v", b"PX", b"30"]));
    }
    req.extend(request(&[b"SET", b"stays", b"v"]));
    exchange(&mut s, &req, &"+OK\r\n".repeat(201));
    // DBSIZE counts keys not yet removed, so it drops only through the sweep.
    let mut con = client(server.addr);
    let end = Instant::now() + LIMIT;
    while redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap() != 1 {
        assert!(Instant::now() < end, "expired keys were not swept within {LIMIT:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    exchange(&mut s, b"GET stays\r\n", "$1\r\nv\r\n");
    // `INFO stats` counts them, and one removed when touched; `CONFIG RESETSTAT` and
    // not `FLUSHALL` zeroes the count.
    let expired = |con: &mut redis::Connection| {
        let info: String = redis::cmd("INFO").arg("stats").query(con).unwrap();
        let line = info.lines().find(|l| l.starts_with("expired_keys:")).unwrap().to_string();
        line["expired_keys:".len()..].parse::<u64>().unwrap()
    };
    assert_eq!(expired(&mut con), 200);
    exchange(&mut s, b"SET soon v PX 1\r\n", "+OK\r\n");
    // Touched until it is gone (a millisecond's deadline; a few polls at most).
    assert!(util::wait_for(|| redis::cmd("GET")
        .arg("soon")
        .query::<Option<String>>(&mut con)
        .unwrap()
        .is_none()));
    assert_eq!(expired(&mut con), 201);
    exchange(&mut s, b"FLUSHALL\r\n", "+OK\r\n");
    assert_eq!(expired(&mut con), 201);
    exchange(&mut s, b"CONFIG RESETSTAT\r\n", "+OK\r\n");
    assert_eq!(expired(&mut con), 0);
}
