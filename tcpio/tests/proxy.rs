//! The proxy example: streams both ways through one loop per pair, passes a
//! half-close, reports an upstream that is down, and keeps memory bounded when a
//! client stops reading.

mod util;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tcpio::{Action, Addr, CloseReason, Conn, Handler, Input, ServerEvent, ServerHandle};
use tcpio_examples::proxy;
use util::*;

fn proxy_to(upstream: SocketAddr, b: tcpio::Builder) -> (ServerHandle, SocketAddr) {
    start_with(b, |b| proxy::start(b, upstream, Duration::from_secs(5)))
}

/// FNV-1a, enough to compare streams.
fn checksum(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

#[test]
fn a_hundred_clients_stream_4_mib_each_through_the_proxy() {
    const CLIENTS: usize = 100;
    const SIZE: usize = 4 << 20;
    let (_echo, echo_addr) = start(local().loops(2), |_| Echo);
    let (proxy, addr) = proxy_to(echo_addr, local().loops(2));
    let body = Arc::new(payload(11, SIZE));
    let want = checksum(&body);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let body = body.clone();
            std::thread::spawn(move || {
                let mut c = connect(addr);
                let mut w = c.try_clone().unwrap();
                let writer = std::thread::spawn(move || send_and_finish(&mut w, &body));
                let back = read_to_end(&mut c).expect("the echo, then end of stream");
                writer.join().unwrap();
                (back.len(), checksum(&back))
            })
        })
        .collect();
    for c in clients {
        assert_eq!(c.join().unwrap(), (SIZE, want));
    }
    // Every pair closes once both directions are done.
    assert!(wait_for(|| proxy.open_connections() == 0));
    let t = proxy.stats().total;
    assert_eq!((t.accepted, t.dialed), (CLIENTS as u64, CLIENTS as u64));
}

/// Answers with the byte count it read, once the client has finished sending.
struct CountThenReply;

#[derive(Default)]
struct Count(usize);

impl Handler for CountThenReply {
    type State = Count;
    fn on_data(&mut self, conn: &mut Conn<'_, Count>, input: &mut Input<'_>) -> Action {
        conn.state_mut().0 += input.len();
        input.consume_all();
        Action::Continue
    }
    fn on_eof(&mut self, conn: &mut Conn<'_, Count>) -> Action {
        let n = conn.state().0;
        conn.write(format!("read {n} bytes").as_bytes());
        Action::Close
    }
}

#[test]
fn a_half_close_passes_through_and_the_other_way_keeps_flowing() {
    let (_up, up_addr) = start(local().loops(1), |_| CountThenReply);
    let (_proxy, addr) = proxy_to(up_addr, local().loops(1));
    let mut c = connect(addr);
    send_and_finish(&mut c, &payload(3, 100_000));
    assert_eq!(read_to_end(&mut c).unwrap(), b"read 100000 bytes");
}

/// Close reasons the proxy reports, through the lifecycle callback.
type Seen = Arc<Mutex<Vec<CloseReason>>>;

fn observed(b: tcpio::Builder) -> (tcpio::Builder, Seen) {
    let seen = Seen::default();
    let s2 = seen.clone();
    let b = b.on_event(move |e| {
        if let ServerEvent::Closed { reason, .. } = e {
            s2.lock().unwrap().push((*reason).clone());
        }
    });
    (b, seen)
}

#[test]
fn an_upstream_that_is_down_closes_the_client_with_the_reason() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap();
    drop(dead); // nothing listens there now: connects are refused
    let (b, seen) = observed(local().loops(1));
    let (_proxy, addr) = proxy_to(dead_addr, b);
    let mut c = connect(addr);
    assert_eq!(read_to_end(&mut c).unwrap(), b"", "the client is closed");
    drop(c);
    assert!(wait_for(|| seen.lock().unwrap().len() == 2));
    for reason in seen.lock().unwrap().iter() {
        match reason {
            CloseReason::ConnectFailed(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused),
            other => panic!("closed for {other:?}"),
        }
    }
}

/// Resident set size of a process, in bytes.
fn rss(pid: u32) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<usize>().unwrap() * 1024
}

/// Run by `a_client_that_stops_reading_keeps_the_proxy_bounded` in a child process,
/// so that its resident memory is the proxy's (and its echo upstream's) alone.
#[test]
#[ignore = "run by a_client_that_stops_reading_keeps_the_proxy_bounded"]
fn child_runs_a_proxy() {
    if std::env::var("TCPIO_CHILD_PROXY").is_err() {
        return;
    }
    let (_echo, echo_addr) = start(local().loops(1), |_| Echo);
    let (_proxy, addr) = proxy_to(echo_addr, local().loops(1));
    println!("PORT {}", addr.port());
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line); // until the parent closes stdin
}

#[test]
fn a_client_that_stops_reading_keeps_the_proxy_bounded() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_runs_a_proxy", "--ignored", "--nocapture", "--test-threads", "1"])
        .env("TCPIO_CHILD_PROXY", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let port = loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "the child printed no port");
        // libtest may print the test's name on the same line first.
        if let Some(p) = line.split("PORT ").nth(1) {
            break p.trim().parse::<u16>().unwrap();
        }
    };
    let before = rss(child.id());
    let mut c = connect(SocketAddr::from(([127, 0, 0, 1], port)));
    // Send without ever reading; the echo comes back and has nowhere to go, so the
    // pressure must reach back to this writer instead of piling up in the proxy.
    c.set_write_timeout(Some(Duration::from_millis(500))).unwrap();
    let chunk = vec![0x5a; 256 << 10];
    let mut sent = 0usize;
    while sent < 512 << 20 {
        match c.write(&chunk) {
            Ok(n) => sent += n,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                break
            }
            Err(e) => panic!("the proxy dropped the client after {sent} bytes: {e}"),
        }
    }
    let grown = rss(child.id()).saturating_sub(before);
    assert!(sent < 64 << 20, "the client could push {sent} bytes without reading");
    assert!(grown < 48 << 20, "the proxy's resident memory grew by {grown} bytes");
    // Nothing was lost: reading now brings every byte back.
    c.shutdown(std::net::Shutdown::Write).unwrap();
    c.set_read_timeout(Some(LIMIT)).unwrap();
    let mut back = Vec::new();
    c.read_to_end(&mut back).unwrap();
    assert_eq!(back.len(), sent);
    assert!(back.iter().all(|&b| b == 0x5a));
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}

#[test]
fn the_upstream_can_be_a_unix_socket() {
    let dir = std::env::temp_dir().join(format!("tcpio-proxy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("up.sock");
    let echo = tcpio::Server::builder().bind(path.as_path()).unwrap().loops(1).start(|_| Echo).unwrap();
    let up = Addr::from(path.clone());
    let (_proxy, addr) = start(local().loops(1), move |_| proxy::Proxy {
        upstream: up.clone(),
        connect_timeout: LIMIT,
        send_proxy: None,
    });
    let mut c = connect(addr);
    c.write_all(b"through a unix socket").unwrap();
    assert_eq!(read_n(&mut c, 21), b"through a unix socket");
    drop(c);
    drop(echo);
    std::fs::remove_dir_all(&dir).unwrap();
}
