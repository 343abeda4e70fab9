//! Connection limits: each refuses (accept, then close at once), is counted and
//! reported, and the server keeps serving everyone else; running out of descriptors
//! neither spins nor sticks.

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tcpio::{Refusal, ServerEvent};
use util::*;

fn echo_ok(c: &mut TcpStream) {
    c.write_all(b"ping").unwrap();
    assert_eq!(read_n(c, 4), b"ping");
}

fn refused(c: &mut TcpStream) {
    let mut buf = [0u8; 8];
    match c.read(&mut buf) {
        Ok(0) => {}
        Ok(n) => panic!("a refused connection got {n} bytes"),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
}

/// Refusals as reported to the lifecycle callback.
fn observed(b: tcpio::Builder) -> (tcpio::Builder, Arc<Mutex<Vec<Refusal>>>) {
    let seen: Arc<Mutex<Vec<Refusal>>> = Arc::default();
    let s2 = seen.clone();
    let b = b.on_event(move |e| {
        if let ServerEvent::Refused { reason, .. } = e {
            s2.lock().unwrap().push(*reason);
        }
    });
    (b, seen)
}

#[test]
fn max_connections_refuses_the_surplus_and_recovers() {
    let (b, seen) = observed(local().loops(2).max_connections(3));
    let (server, addr) = start(b, |_| Echo);
    let mut open: Vec<TcpStream> = (0..3).map(|_| connect(addr)).collect();
    for c in &mut open {
        echo_ok(c);
    }
    let mut extra = connect(addr);
    refused(&mut extra);
    assert_eq!(server.stats().total.refused.max_connections, 1);
    assert_eq!(*seen.lock().unwrap(), [Refusal::MaxConnections]);
    for c in &mut open {
        echo_ok(c);
    }
    drop(open.pop());
    assert!(wait_for(|| server.open_connections() == 2));
    let mut again = connect(addr);
    echo_ok(&mut again);
}

fn connect_from(local_ip: &str, addr: SocketAddr) -> TcpStream {
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    s.bind(&SocketAddr::new(local_ip.parse().unwrap(), 0).into()).unwrap();
    s.connect(&addr.into()).unwrap();
    let s: TcpStream = s.into();
    s.set_read_timeout(Some(LIMIT)).unwrap();
    s
}

#[test]
fn max_connections_per_ip_counts_each_address_apart() {
    let (b, seen) = observed(local().loops(2).max_connections_per_ip(2));
    let (server, addr) = start(b, |_| Echo);
    let mut a1 = connect_from("127.0.0.1", addr);
    let mut a2 = connect_from("127.0.0.1", addr);
    echo_ok(&mut a1);
    echo_ok(&mut a2);
    let mut a3 = connect_from("127.0.0.1", addr);
    refused(&mut a3);
    // Another address (all of 127/8 is loopback) has its own allowance.
    let mut b1 = connect_from("127.0.0.2", addr);
    echo_ok(&mut b1);
    assert_eq!(server.stats().total.refused.per_ip, 1);
    assert_eq!(*seen.lock().unwrap(), [Refusal::PerIp]);
    drop(a1);
    assert!(wait_for(|| server.open_connections() == 2));
    let mut a4 = connect_from("127.0.0.1", addr);
    echo_ok(&mut a4);
}

#[test]
fn accept_rate_admits_a_burst_then_refuses() {
    // One new connection a minute after a burst of two: the third is refused.
    let (b, seen) = observed(local().loops(1).accept_rate(1.0 / 60.0, 2));
    let (server, addr) = start(b, |_| Echo);
    let mut c1 = connect(addr);
    let mut c2 = connect(addr);
    echo_ok(&mut c1);
    echo_ok(&mut c2);
    let mut c3 = connect(addr);
    refused(&mut c3);
    assert_eq!(server.stats().total.refused.rate, 1);
    assert_eq!(*seen.lock().unwrap(), [Refusal::Rate]);
    echo_ok(&mut c1);
}

#[test]
fn bad_limits_are_typed_errors() {
    for (b, option) in [
        (local().max_connections(0), "max_connections"),
        (local().max_connections_per_ip(0), "max_connections_per_ip"),
        (local().accept_rate(0.0, 1), "accept_rate"),
        (local().accept_rate(f64::NAN, 1), "accept_rate"),
        (local().accept_rate(10.0, 0), "accept_rate"),
        (local().idle_timeout(Duration::ZERO), "idle_timeout"),
        (local().write_timeout(Duration::from_secs(400 * 24 * 3600)), "write_timeout"),
        (local().shutdown_timeout(Some(Duration::ZERO)), "shutdown_timeout"),
    ] {
        match b.start(|_| Echo) {
            Err(tcpio::Error::InvalidOption { option: o, .. }) => assert_eq!(o, option),
            other => panic!("{option}: {other:?}"),
        }
    }
}

/// Run by `descriptor_exhaustion_backs_off_and_recovers` in a child process whose
/// descriptor limit it lowers first.
#[test]
#[ignore = "run by descriptor_exhaustion_backs_off_and_recovers"]
fn child_serves_with_few_descriptors() {
    let Ok(limit) = std::env::var("TCPIO_CHILD_NOFILE") else { return };
    let limit: u64 = limit.parse().unwrap();
    let lim = rustix::process::Rlimit { current: Some(limit), maximum: Some(limit) };
    rustix::process::setrlimit(rustix::process::Resource::Nofile, lim).unwrap();
    let (server, addr) = start(local().loops(1), |_| Echo);
    println!("PORT {}", addr.port());
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line); // until the parent closes stdin
    drop(server);
}

/// User + system CPU time of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // Fields 14 and 15 of stat(5), counted from the state field (3).
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn descriptor_exhaustion_backs_off_and_recovers() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_serves_with_few_descriptors",
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("TCPIO_CHILD_NOFILE", "48")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let port = loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "the child printed no port");
        // libtest may print the test's name on the same line first.
        if let Some(p) = line.split("PORT ").nth(1) {
            let p = p.trim();
            break p.parse::<u16>().unwrap();
        }
    };
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    // Far more clients than the child has descriptors: the kernel completes every
    // handshake, the server accepts until EMFILE.
    let mut clients: Vec<TcpStream> = (0..120).map(|_| connect(addr)).collect();
    for c in &mut clients {
        c.write_all(b"ping").unwrap();
    }
    assert!(wait_for(|| {
        let fds = std::fs::read_dir(format!("/proc/{}/fd", child.id())).map(|d| d.count()).unwrap_or(0);
        fds >= 46
    }));
    // Stuck at the limit, the accept path waits on a timer instead of spinning.
    let before = cpu_ticks(child.id());
    std::thread::sleep(Duration::from_secs(1)); // a measuring window, not a wait for a condition
    let spent = cpu_ticks(child.id()) - before;
    assert!(spent < 30, "the child spent {spent} ticks of CPU in one second at EMFILE");
    // Freeing descriptors lets the rest in: the last client gets its echo.
    let mut last = clients.pop().unwrap();
    drop(clients);
    assert_eq!(read_n(&mut last, 4), b"ping");
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}

#[test]
fn outbound_dials_count_towards_max_connections() {
    let (_echo, echo) = start(local().loops(1), |_| Echo);
    let client = tcpio::Server::client().loops(1).max_connections(1).start(|_| Echo).unwrap();
    client.connect(echo, LIMIT).unwrap();
    match client.connect(echo, LIMIT) {
        Err(tcpio::Error::Connect { source, .. }) => {
            assert!(source.to_string().contains("too many open connections"), "{source}")
        }
        other => panic!("the second dial passed the limit: {other:?}"),
    }
    assert!(wait_for(|| client.stats().total.open == 1));
}

#[test]
fn connections_accepted_while_stopping_pass_the_limits_too() {
    use std::sync::mpsc;
    use tcpio::{Action, Conn, Handler, Input};
    // The first client holds the loop inside a callback while the test asks for a
    // stop and a second client lands in the accept queue: the loop then sees the stop
    // first and accepts the queue as it stops, through `max_connections` (1).
    struct Holder(mpsc::Sender<()>, mpsc::Receiver<()>);
    impl Handler for Holder {
        type State = ();
        fn on_data(&mut self, _: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            input.consume_all();
            self.0.send(()).unwrap();
            self.1.recv_timeout(LIMIT).unwrap();
            Action::Continue
        }
        fn on_shutdown(&mut self, _: &mut Conn<'_, ()>) -> Action {
            Action::Continue // stays open until its client goes
        }
    }
    let (go, held) = mpsc::channel();
    let (entered_tx, entered) = mpsc::channel();
    let parts = Mutex::new(Some((entered_tx, held)));
    let (server, addr) = start(local().loops(1).max_connections(1), move |_| {
        let (tx, rx) = parts.lock().unwrap().take().unwrap();
        Holder(tx, rx)
    });
    let mut first = connect(addr);
    first.write_all(b"hold").unwrap();
    entered.recv_timeout(LIMIT).unwrap();
    server.shutdown();
    let mut second = connect(addr); // completed by the kernel, waiting in the queue
    go.send(()).unwrap();
    refused(&mut second);
    assert_eq!(server.stats().total.refused.max_connections, 1);
    assert_eq!(server.stats().total.accepted, 1);
    drop(first);
    server.wait().unwrap();
}

#[test]
fn bytes_staged_for_other_connections_are_held_to_the_hard_cap() {
    let (_server, mut target, _source, rx) = stage_past_the_cap(b"target\n");
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "closed: queued output exceeded the limit of 65536 bytes");
    let got = read_to_end(&mut target).unwrap_or_default();
    assert!(got.len() <= 64 << 10, "no more than the cap reached the target ({} bytes)", got.len());
}

#[test]
fn an_over_cap_staged_write_to_a_half_closed_target_is_dropped_not_a_close() {
    // A target whose write side is shut drops every write, so one past the cap is
    // dropped too instead of closing it.
    let (_server, mut target, _source, rx) = stage_past_the_cap(b"shut target\n");
    target.write_all(b"alive?\n").unwrap();
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "alive", "the half-closed target was not closed");
}

/// A [`Stager`] server with a 64 KiB hard cap: a target connection introduces itself
/// with `hello`, then another connection stages 100 KiB for it in one callback.
/// Returns the server (first: dropped last, after its clients), the target's and the
/// source's clients (open, so their handler stays quiet about them), and the
/// handler's reports.
fn stage_past_the_cap(
    hello: &[u8],
) -> (tcpio::ServerHandle, TcpStream, TcpStream, std::sync::mpsc::Receiver<String>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = Mutex::new(tx);
    let b = local().loops(1).high_water(16 << 10).max_output(64 << 10);
    let (server, addr) = start(b, move |_| Stager(tx.lock().unwrap().clone()));
    let mut target = connect(addr);
    target.write_all(hello).unwrap();
    let id = rx.recv_timeout(LIMIT).unwrap();
    let mut source = connect(addr);
    source.write_all(format!("go {}\n", &id[3..]).as_bytes()).unwrap();
    assert_eq!(read_n(&mut source, 6), b"staged", "the writer itself is untouched");
    (server, target, source, rx)
}

/// Stages writes to other connections. "target\n" (or "shut target\n": its write
/// side shut first) makes a connection reachable and reports its id; "go <id>\n"
/// writes 100 KiB of the handler's own bytes to it in one callback; "alive?\n" answers
/// on the channel.
struct Stager(std::sync::mpsc::Sender<String>);

impl tcpio::Handler for Stager {
    type State = ();
    fn on_data(&mut self, conn: &mut tcpio::Conn<'_, ()>, input: &mut tcpio::Input<'_>) -> tcpio::Action {
        let line = String::from_utf8_lossy(input.bytes()).into_owned();
        input.consume_all();
        if line == "target\n" || line == "shut target\n" {
            conn.make_reachable();
            if line.starts_with("shut") {
                conn.shutdown_write();
            }
            let _ = self.0.send(format!("id {}", conn.id()));
        } else if line == "alive?\n" {
            let _ = self.0.send("alive".into());
        } else if let Some(id) = line.strip_prefix("go ").and_then(|s| s.trim().parse().ok()) {
            let mut other = conn.to(id).expect("the target is on this loop");
            for _ in 0..100 {
                other.write(&[b'x'; 1024]);
            }
            conn.write(b"staged");
        }
        tcpio::Action::Continue
    }
    fn on_close(&mut self, _: &mut tcpio::Conn<'_, ()>, reason: &tcpio::CloseReason) {
        let _ = self.0.send(format!("closed: {reason}"));
    }
}
