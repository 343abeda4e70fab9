//! The redis-server example's own options, as Redis has them: `requirepass` (with
//! `AUTH` and `HELLO ... AUTH`), `timeout` (idle clients are closed) and `maxclients`
//! (the client past the limit is told so and closed), in process and through the
//! example binary's command line. The `requirepass` replies are compared with a real
//! `redis-server` started with the same password, when one is installed.

mod redis_diff_util;
mod redis_util;
mod tools;
mod util;

use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use redis_diff_util::{Pair, RealRedis};
use redis_util::exchange;
use tcpio_examples::redis::Options;
use tools::{example, launch, tool};
use util::{connect, local, read_until_closed, start_with, wait_for, LIMIT};

/// The example's server with `options`, on 127.0.0.1 port 0, one loop.
fn start(options: Options) -> (tcpio::ServerHandle, SocketAddr) {
    start_with(local().loops(1), move |b| tcpio_examples::redis::start_with(b, &options))
}

/// `INFO section`'s text, asked through `s`.
fn info(s: &mut TcpStream, section: &str) -> String {
    s.write_all(format!("INFO {section}\r\n").as_bytes()).unwrap();
    let (_, reply) = redis_diff_util::read_reply(&mut BufReader::new(s.try_clone().unwrap()));
    String::from_utf8_lossy(reply.bytes()).to_string()
}

fn with_password(p: &str) -> Options {
    Options { requirepass: Some(p.as_bytes().to_vec()), ..Options::default() }
}

#[test]
fn requirepass_refuses_commands_until_auth() {
    let (_h, addr) = start(with_password("s3cret"));
    let mut s = connect(addr);
    exchange(&mut s, b"GET k\r\n", "-NOAUTH Authentication required.\r\n");
    exchange(&mut s, b"PING\r\n", "-NOAUTH Authentication required.\r\n");
    // Arity and unknown commands are checked first, as in Redis.
    exchange(&mut s, b"GET\r\n", "-ERR wrong number of arguments for 'get' command\r\n");
    exchange(&mut s, b"AUTH wrong\r\n", "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    exchange(
        &mut s,
        b"AUTH nobody s3cret\r\n",
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    exchange(&mut s, b"GET k\r\n", "-NOAUTH Authentication required.\r\n");
    exchange(&mut s, b"AUTH s3cret\r\n", "+OK\r\n");
    exchange(&mut s, b"SET k v\r\nGET k\r\n", "+OK\r\n$1\r\nv\r\n");
    // The two-argument form, on another connection.
    let mut s = connect(addr);
    exchange(&mut s, b"AUTH default s3cret\r\n", "+OK\r\n");
    exchange(&mut s, b"GET k\r\n", "$1\r\nv\r\n");
    // HELLO authenticates too, or refuses without credentials.
    let mut s = connect(addr);
    let hello_noauth = "-NOAUTH HELLO must be called with the client already authenticated, otherwise the \
                        HELLO AUTH <user> <pass> option can be used to authenticate the client and \
                        select the RESP protocol version at the same time\r\n";
    exchange(&mut s, b"HELLO 2\r\n", hello_noauth);
    s.write_all(b"HELLO 2 AUTH default s3cret\r\n").unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let (_, reply) = redis_diff_util::read_reply(&mut r);
    assert_eq!(reply.items().len(), 14);
    s.write_all(b"GET k\r\n").unwrap();
    assert_eq!(redis_diff_util::read_reply(&mut r).0, b"$1\r\nv\r\n");
    // QUIT needs no password.
    let mut s = connect(addr);
    s.write_all(b"QUIT\r\n").unwrap();
    assert_eq!(read_until_closed(&mut s), b"+OK\r\n");
}

#[test]
fn requirepass_replies_match_the_real_server() {
    let Some(bin) = tool("redis-server", "redis-server") else { return };
    let real = RealRedis::start(&bin, &["--requirepass", "pw"]);
    let (_h, addr) = start(with_password("pw"));
    let mut p = Pair::new(addr, real.addr);
    p.lines(&[
        "GET k",
        "PING",
        // A container's unknown subcommand, or one given too few arguments, is that
        // error before NOAUTH, as Redis looks the command up first.
        "CONFIG FOO",
        "CONFIG GET",
        "CONFIG GET x",
        "CLIENT FOO",
        "COMMAND",
        "COMMAND FOO",
        "PUBSUB HELP x",
        "NOSUCH",
        "GET",
        "HELLO 2",
        "HELLO 2 AUTH default nope",
        "HELLO 2 AUTH",
        "AUTH",
        "AUTH a b c",
        "AUTH nope",
        "AUTH default nope",
        "AUTH someone pw",
        "SET k v",
        "AUTH pw",
        "SET k v",
        "GET k",
        "AUTH default pw",
        "AUTH pw",
        "AUTH x",
        "GET k",
    ]);
    // Without a password set, AUTH is an error.
    let open = RealRedis::start(&bin, &[]);
    let (_h2, addr2) = start(Options::default());
    let mut p = Pair::new(addr2, open.addr);
    p.lines(&["AUTH x", "AUTH default x", "AUTH other x", "GET k"]);
}

/// What a server answers to `bytes` sent on a fresh connection, up to its close (or
/// what came within a bounded wait, and whether it closed).
fn answer(addr: SocketAddr, bytes: &[u8]) -> (Vec<u8>, bool) {
    let mut s = connect(addr);
    // The server may close before taking every byte: a failed write is part of the test.
    let _ = s.write_all(bytes);
    s.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let (mut got, mut buf) = (Vec::new(), [0u8; 4096]);
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return (got, true),
            Err(_) => return (got, false),
        }
    }
}

#[test]
fn a_client_without_the_password_may_not_send_a_big_request() {
    // Redis 7.0's limits for a client that must authenticate and has not: ten
    // arguments, 16 KiB each; past them the request is refused and the connection
    // closed, before the rest of it arrives.
    let (_h, addr) = start(with_password("pw"));
    let big = [b"*1\r\n$16385\r\n".as_slice(), &[b'a'; 16385], b"\r\n"].concat();
    let cases: [(&[u8], &[u8]); 4] = [
        (b"*11\r\n", b"-ERR Protocol error: unauthenticated multibulk length\r\n"),
        (b"*1\r\n$16385\r\n", b"-ERR Protocol error: unauthenticated bulk length\r\n"),
        (&big, b"-ERR Protocol error: unauthenticated bulk length\r\n"),
        (b"*1\r\n$536870912\r\n", b"-ERR Protocol error: unauthenticated bulk length\r\n"),
    ];
    for (sent, reply) in cases {
        assert_eq!(
            answer(addr, sent),
            (reply.to_vec(), true),
            "{}",
            String::from_utf8_lossy(&sent[..20.min(sent.len())])
        );
    }
    // At the limits, the request is served (refused for want of the password).
    let at_limit = [b"*2\r\n$3\r\nGET\r\n$16384\r\n".as_slice(), &[b'k'; 16384], b"\r\n"].concat();
    let ten = b"*10\r\n$4\r\nMGET\r\n".iter().copied().chain(b"$1\r\nk\r\n".repeat(9)).collect::<Vec<u8>>();
    for sent in [&at_limit, &ten] {
        assert_eq!(answer(addr, sent), (b"-NOAUTH Authentication required.\r\n".to_vec(), false));
    }
    // After AUTH, in the same batch: no limits.
    let after = [b"AUTH pw\r\n".as_slice(), &big].concat();
    assert_eq!(answer(addr, &after).0, b"+OK\r\n-ERR unknown command 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', with args beginning with: \r\n".to_vec());
    // Without a password, nobody has these limits.
    let (_h2, open) = start(Options::default());
    assert!(answer(open, &big).0.starts_with(b"-ERR unknown command"));
    // The same answers as Redis's.
    let Some(bin) = tool("redis-server", "redis-server") else { return };
    let real = RealRedis::start(&bin, &["--requirepass", "pw"]);
    for sent in [&b"*11\r\n"[..], b"*1\r\n$16385\r\n", &big, &at_limit, &ten, &after] {
        assert_eq!(
            answer(addr, sent),
            answer(real.addr, sent),
            "{}",
            String::from_utf8_lossy(&sent[..20.min(sent.len())])
        );
    }
}

#[test]
fn config_set_requirepass_applies_to_new_connections() {
    let (_h, addr) = start(Options::default());
    let mut first = connect(addr);
    exchange(&mut first, b"CONFIG SET requirepass pw\r\n", "+OK\r\n");
    exchange(&mut first, b"CONFIG GET requirepass\r\n", "*2\r\n$11\r\nrequirepass\r\n$2\r\npw\r\n");
    // The connection that was open stays authenticated, as in Redis.
    exchange(&mut first, b"PING\r\n", "+PONG\r\n");
    let mut second = connect(addr);
    exchange(&mut second, b"PING\r\n", "-NOAUTH Authentication required.\r\n");
    exchange(&mut second, b"AUTH pw\r\n", "+OK\r\n");
    exchange(&mut second, b"CONFIG SET requirepass \"\"\r\n", "+OK\r\n");
    let mut third = connect(addr);
    exchange(&mut third, b"PING\r\n", "+PONG\r\n");
}

#[test]
fn timeout_closes_idle_clients_only() {
    let (_h, addr) = start(Options { timeout: 1, ..Options::default() });
    let mut idle = connect(addr);
    exchange(&mut idle, b"PING\r\n", "+PONG\r\n");
    let began = Instant::now();
    // The read blocks (bounded by the socket's time-out) until the server closes it.
    assert_eq!(read_until_closed(&mut idle), b"");
    let waited = began.elapsed();
    assert!(waited >= Duration::from_millis(900), "closed after {waited:?}");
    assert!(waited < LIMIT);
    // A client that keeps talking stays.
    let mut busy = connect(addr);
    let end = Instant::now() + Duration::from_millis(2500);
    while Instant::now() < end {
        exchange(&mut busy, b"PING\r\n", "+PONG\r\n");
        // Paces the loop; the assertion is that no exchange fails.
        std::thread::sleep(Duration::from_millis(100));
    }
    exchange(&mut busy, b"CONFIG GET timeout\r\n", "*2\r\n$7\r\ntimeout\r\n$1\r\n1\r\n");
}

#[test]
fn timeout_spares_subscribers_and_blocked_clients() {
    // As Redis: a subscriber (either protocol) and a client blocked in `BLPOP` are not
    // idle. They outlive twice the timeout, then still answer.
    let (_h, addr) = start(Options { timeout: 1, ..Options::default() });
    let mut sub = connect(addr);
    exchange(&mut sub, b"SUBSCRIBE ch\r\n", "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
    let mut sub3 = connect(addr);
    sub3.write_all(b"HELLO 3\r\n").unwrap();
    redis_diff_util::read_reply(&mut BufReader::new(sub3.try_clone().unwrap()));
    exchange(&mut sub3, b"PSUBSCRIBE p*\r\n", ">3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:1\r\n");
    let mut blocked = connect(addr);
    blocked.write_all(b"BLPOP list 0\r\n").unwrap();
    let mut idle = connect(addr);
    exchange(&mut idle, b"PING\r\n", "+PONG\r\n");
    // The idle one goes after about a second; by then the others have been idle as long.
    assert_eq!(read_until_closed(&mut idle), b"");
    for s in [&mut sub, &mut sub3, &mut blocked] {
        s.set_read_timeout(Some(Duration::from_millis(1500))).unwrap();
        let mut buf = [0u8; 1];
        let err = s.read(&mut buf).expect_err("neither data nor a close");
        assert!(matches!(err.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut), "{err}");
    }
    exchange(&mut sub, b"PING\r\n", "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    exchange(&mut sub3, b"PING\r\n", "+PONG\r\n");
    let mut pusher = connect(addr);
    exchange(&mut pusher, b"RPUSH list v\r\n", ":1\r\n");
    exchange(&mut blocked, b"", "*2\r\n$4\r\nlist\r\n$1\r\nv\r\n");
}

#[test]
fn maxclients_counts_a_client_the_server_closed_out_at_once() {
    // A client that sent QUIT but holds its socket open is no longer counted; nor is
    // a refused one.
    let (_h, addr) = start(Options { maxclients: 2, ..Options::default() });
    let mut a = connect(addr);
    exchange(&mut a, b"PING\r\n", "+PONG\r\n");
    let mut b = connect(addr);
    exchange(&mut b, b"QUIT\r\n", "+OK\r\n");
    let mut c = connect(addr);
    exchange(&mut c, b"PING\r\n", "+PONG\r\n");
    let mut refused = connect(addr);
    assert_eq!(read_until_closed(&mut refused), b"-ERR max number of clients reached\r\n");
    // `b` and `refused` still hold their sockets.
    let info = info(&mut c, "clients");
    assert!(info.contains("connected_clients:2\r\n"), "{info}");
    drop((a, b, refused));
}

#[test]
fn no_timeout_by_default() {
    let (_h, addr) = start(Options::default());
    let mut s = connect(addr);
    exchange(&mut s, b"CONFIG GET timeout\r\n", "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n");
    s.set_read_timeout(Some(Duration::from_millis(1500))).unwrap();
    let mut buf = [0u8; 1];
    let err = s.read(&mut buf).expect_err("no data and no close");
    assert!(matches!(err.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut), "{err}");
}

#[test]
fn maxclients_refuses_the_client_past_the_limit() {
    let (_h, addr) = start(Options { maxclients: 2, ..Options::default() });
    let mut a = connect(addr);
    let mut b = connect(addr);
    // Both are open (the server answered them) before the third arrives.
    exchange(&mut a, b"PING\r\n", "+PONG\r\n");
    exchange(&mut b, b"PING\r\n", "+PONG\r\n");
    let mut c = connect(addr);
    assert_eq!(read_until_closed(&mut c), b"-ERR max number of clients reached\r\n");
    let info = info(&mut a, "stats");
    assert!(info.contains("rejected_connections:1\r\n"), "{info}");
    assert!(info.contains("total_connections_received:2\r\n"), "{info}");
    // Once one leaves, another may come in (the server notices the close soon).
    drop(b);
    let mut d = None;
    assert!(wait_for(|| {
        let mut s = connect(addr);
        s.write_all(b"PING\r\n").unwrap();
        let mut got = [0u8; 7];
        let ok = s.read_exact(&mut got).is_ok() && &got == b"+PONG\r\n";
        if ok {
            d = Some(s);
        }
        ok
    }));
    exchange(&mut a, b"CONFIG GET maxclients\r\n", "*2\r\n$10\r\nmaxclients\r\n$1\r\n2\r\n");
}

#[test]
fn the_binary_takes_the_options_on_its_command_line() {
    let Some(bin) = example("redis-server") else { return };
    // `--port`, as redis-server takes it: the default address (127.0.0.1) on that port.
    let args = ["--port", "0", "--loops", "1", "--requirepass", "pw", "--maxclients", "1", "--timeout", "30"];
    let (_server, addr) = launch(&bin, &args, "tcp://");
    let mut s = connect(addr);
    exchange(&mut s, b"PING\r\n", "-NOAUTH Authentication required.\r\n");
    exchange(&mut s, b"AUTH pw\r\n", "+OK\r\n");
    exchange(&mut s, b"CONFIG GET timeout\r\n", "*2\r\n$7\r\ntimeout\r\n$2\r\n30\r\n");
    let mut refused = TcpStream::connect(addr).unwrap();
    refused.set_read_timeout(Some(LIMIT)).unwrap();
    assert_eq!(read_until_closed(&mut refused), b"-ERR max number of clients reached\r\n");
    // Bad values are refused with the usage, status 2.
    for bad in [
        &["--maxclients", "0"][..],
        &["--timeout", "x"],
        &["--requirepass"],
        &["--port", "70000"],
        &["--port", "0", "--bind", "tcp://127.0.0.1:0"],
    ] {
        let out = tools::run_bounded(
            {
                let mut c = Command::new(&bin);
                c.args(bad);
                c
            },
            LIMIT,
        );
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("usage: redis-server"), "{bad:?}");
    }
}

#[test]
fn config_set_timeout_reaches_open_connections() {
    let (_h, addr) = start(Options::default());
    let mut s = connect(addr);
    exchange(&mut s, b"CONFIG SET timeout 1\r\n", "+OK\r\n");
    // The next exchange applies it to this connection, which is then closed when idle.
    exchange(&mut s, b"PING\r\n", "+PONG\r\n");
    let began = Instant::now();
    assert_eq!(read_until_closed(&mut s), b"");
    assert!(began.elapsed() >= Duration::from_millis(900));
}
