//! Dialing out: from a handler (see also tests/proxy.rs) and from outside the loops
//! through a client-only engine; connects that are refused or time out.

mod util;

use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tcpio::{Action, CloseReason, Conn, Handler, Input, Server};
use util::*;

/// A client: says hello on open, reports what comes back and how it ends.
struct Greeter(mpsc::Sender<String>);

impl Handler for Greeter {
    type State = ();
    fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
        assert!(conn.is_outbound());
        conn.write(b"hello");
        Action::Continue
    }
    fn on_data(&mut self, _conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        if input.len() < 5 {
            return Action::Continue;
        }
        let _ = self.0.send(String::from_utf8_lossy(input.bytes()).into_owned());
        input.consume_all();
        Action::Close
    }
    fn on_close(&mut self, _conn: &mut Conn<'_, ()>, reason: &CloseReason) {
        let _ = self.0.send(match reason {
            CloseReason::ConnectFailed(e) => format!("failed: {:?}", e.kind()),
            other => format!("closed: {other}"),
        });
    }
}

fn client() -> (tcpio::ServerHandle, mpsc::Receiver<String>) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let h = Server::client().loops(2).start(move |_| Greeter(tx.lock().unwrap().clone())).unwrap();
    (h, rx)
}

#[test]
fn a_client_only_engine_dials_and_serves_with_the_same_contract() {
    let (_echo, addr) = start(local().loops(1), |_| Echo);
    let (client, rx) = client();
    assert!(client.local_addrs().is_empty());
    for _ in 0..3 {
        client.connect(addr, LIMIT).unwrap();
    }
    for _ in 0..3 {
        let got = rx.recv_timeout(LIMIT).unwrap();
        assert!(got == "hello" || got.starts_with("closed"), "{got}");
    }
    assert!(wait_for(|| client.stats().total.dialed == 3 && client.open_connections() == 0));
}

#[test]
fn a_refused_connect_reports_its_reason() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = dead.local_addr().unwrap();
    drop(dead);
    let (client, rx) = client();
    client.connect(addr, LIMIT).unwrap();
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "failed: ConnectionRefused");
}

#[test]
fn a_connect_that_gets_no_answer_times_out() {
    // A listener that never accepts, with its queue already full: the kernel drops
    // further handshakes, so a connect waits for an answer that never comes.
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    s.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into()).unwrap();
    s.listen(0).unwrap();
    let addr = s.local_addr().unwrap().as_socket().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        let f = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        f.set_nonblocking(true).unwrap();
        let _ = f.connect(&addr.into());
        fillers.push(f);
    }
    let (client, rx) = client();
    let t = Instant::now();
    client.connect(addr, Duration::from_millis(300)).unwrap();
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "failed: TimedOut");
    assert!(t.elapsed() >= Duration::from_millis(300));
    drop(s);
}

#[test]
fn dialing_a_missing_unix_socket_fails_at_once() {
    let (client, _rx) = client();
    let path = std::env::temp_dir().join(format!("tcpio-missing-{}.sock", std::process::id()));
    match client.connect(path, LIMIT) {
        Err(tcpio::Error::Connect { source, .. }) => assert_eq!(source.kind(), std::io::ErrorKind::NotFound),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_handler_reaches_the_connection_it_dialed_by_id() {
    // Each accepted connection dials the echo server and relays one line through it;
    // the echo comes back on the dialed connection and is written to the first one.
    #[derive(Default)]
    struct Pair(Option<u64>);
    struct Relay(SocketAddr);
    impl Handler for Relay {
        type State = Pair;
        fn on_open(&mut self, conn: &mut Conn<'_, Pair>) -> Action {
            if !conn.is_outbound() {
                let me = conn.id();
                let id = conn.connect(self.0, LIMIT, Pair(Some(me))).unwrap();
                assert!(conn.to(id).is_some(), "reachable at once, before it connects");
                conn.state_mut().0 = Some(id);
            }
            Action::Continue
        }
        fn on_data(&mut self, conn: &mut Conn<'_, Pair>, input: &mut Input<'_>) -> Action {
            let other = conn.state().0.unwrap();
            let Some(mut o) = conn.to(other) else { return Action::Close };
            o.write(input.bytes());
            input.consume_all();
            Action::Continue
        }
    }
    let (_echo, echo) = start(local().loops(1), |_| Echo);
    let (_relay, addr) = start(local().loops(2), move |_| Relay(echo));
    let mut c = connect(addr);
    std::io::Write::write_all(&mut c, b"round trip").unwrap();
    assert_eq!(read_n(&mut c, 10), b"round trip");
    assert!(tcpio::Server::builder().start(|_| Echo).is_err(), "a server still needs an address");
}

#[test]
fn a_client_that_redials_from_on_close_still_stops() {
    struct Redial(SocketAddr);
    impl Handler for Redial {
        type State = ();
        fn on_data(&mut self, _conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            input.consume_all();
            Action::Continue
        }
        fn on_close(&mut self, conn: &mut Conn<'_, ()>, _: &CloseReason) {
            let _ = conn.connect(self.0, LIMIT, ());
        }
    }
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = dead.local_addr().unwrap();
    drop(dead);
    let client = Server::client().loops(1).start(move |_| Redial(addr)).unwrap();
    client.connect(addr, LIMIT).unwrap();
    assert!(wait_for(|| client.stats().total.dialed >= 3), "it keeps redialing while it runs");
    client.shutdown_now();
    assert!(client.shutdown_and_wait(LIMIT).is_ok());
    assert!(!client.is_running() && client.open_connections() == 0);
}

#[test]
fn a_dial_closed_before_it_connects_never_opens_and_sends_nothing() {
    // An accepted connection dials the upstream and closes the dialed one in the same
    // callback, before its connect can complete: the dialed one must not get
    // `on_open`, and what `on_open` would write must not reach the upstream.
    #[derive(Default)]
    struct Dialed(bool);
    struct Dialer(SocketAddr, mpsc::Sender<String>);
    impl Handler for Dialer {
        type State = Dialed;
        fn on_open(&mut self, conn: &mut Conn<'_, Dialed>) -> Action {
            if conn.is_outbound() {
                let _ = self.1.send("opened".into());
                conn.write(b"must not be sent");
            } else {
                let id = conn.connect(self.0, LIMIT, Dialed(true)).unwrap();
                conn.to(id).unwrap().close();
            }
            Action::Continue
        }
        fn on_data(&mut self, _: &mut Conn<'_, Dialed>, input: &mut Input<'_>) -> Action {
            input.consume_all();
            Action::Continue
        }
        fn on_close(&mut self, conn: &mut Conn<'_, Dialed>, reason: &CloseReason) {
            if conn.state().0 {
                let _ = self.1.send(format!("closed: {reason}"));
            }
        }
    }
    let upstream = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let up = upstream.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let (_server, addr) = start(local().loops(1), move |_| Dialer(up, tx.lock().unwrap().clone()));
    let _client = connect(addr);
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "closed: closed by the handler");
    // The upstream may have seen the connect, but never a byte of it.
    upstream.set_nonblocking(false).unwrap();
    let (mut s, _) = upstream.accept().unwrap();
    s.set_read_timeout(Some(LIMIT)).unwrap();
    assert_eq!(read_to_end(&mut s).unwrap_or_default(), b"", "nothing was sent");
    assert!(rx.try_recv().is_err(), "no on_open for the closed dial");
}
