//! Timeouts (idle, read, write, handshake) and handler timers: each timeout closes
//! the stalled connection with its own reason and leaves the active one alone.

mod util;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tcpio::{Action, Addr, Builder, CloseReason, Conn, Handler, Input, ServerEvent, TimerId};
use util::*;

const T: Duration = Duration::from_millis(300);

/// Close reasons by peer address, collected through the lifecycle callback.
#[derive(Clone, Default)]
struct Closes(Arc<Mutex<Vec<(SocketAddr, CloseReason)>>>);

impl Closes {
    fn observe(&self, b: Builder) -> Builder {
        let me = self.clone();
        b.on_event(move |e| {
            if let ServerEvent::Closed { peer: Addr::Ip(peer), reason, .. } = e {
                me.0.lock().unwrap().push((*peer, (*reason).clone()));
            }
        })
    }

    fn of(&self, client: &TcpStream) -> Option<CloseReason> {
        let me = client.local_addr().unwrap();
        self.0.lock().unwrap().iter().find(|(p, _)| *p == me).map(|(_, r)| r.clone())
    }

    /// The first close reason recorded (for a client already dropped).
    fn wait_any(&self) -> CloseReason {
        assert!(wait_for(|| !self.0.lock().unwrap().is_empty()), "nothing was closed");
        self.0.lock().unwrap()[0].1.clone()
    }

    fn wait(&self, client: &TcpStream) -> CloseReason {
        assert!(wait_for(|| self.of(client).is_some()), "the connection was never closed");
        self.of(client).unwrap()
    }
}

/// Sends a byte every 50 ms for `span`, reading each echo back: an active client.
fn keep_busy(c: &mut TcpStream, span: Duration) {
    let end = Instant::now() + span;
    while Instant::now() < end {
        c.write_all(b"x").unwrap();
        assert_eq!(read_n(c, 1), b"x", "an active connection stays open");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn assert_eof(c: &mut TcpStream) {
    let mut rest = Vec::new();
    match c.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "closed: {e}"),
    }
}

#[test]
fn idle_timeout_closes_the_silent_connection_only() {
    let closes = Closes::default();
    let (_server, addr) = start(closes.observe(local().loops(1).idle_timeout(T)), |_| Echo);
    let mut silent = connect(addr);
    let mut busy = connect(addr);
    keep_busy(&mut busy, 3 * T);
    // The server sends its FIN, then waits for ours before it calls the close done.
    assert_eof(&mut silent);
    drop(silent);
    assert!(matches!(closes.wait_any(), CloseReason::IdleTimeout));
    assert!(closes.of(&busy).is_none(), "the active connection was not closed");
    keep_busy(&mut busy, Duration::ZERO);
}

/// Writes a byte to every connection every 50 ms from a handler timer, whatever
/// the peer does.
struct Ticker;

impl Handler for Ticker {
    type State = ();
    fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
        conn.set_timer(Duration::from_millis(50));
        Action::Continue
    }
    fn on_timer(&mut self, conn: &mut Conn<'_, ()>, _: TimerId) -> Action {
        conn.write(b"t");
        conn.set_timer(Duration::from_millis(50));
        Action::Continue
    }
    fn on_data(&mut self, _conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        input.consume_all();
        Action::Continue
    }
}

#[test]
fn output_alone_keeps_a_connection_from_idling_but_not_from_the_read_timeout() {
    let closes = Closes::default();
    // Idle only: the server's ticks count as activity.
    let (_s1, addr1) = start(closes.observe(local().loops(1).idle_timeout(T)), |_| Ticker);
    let mut fed = connect(addr1);
    let end = Instant::now() + 3 * T;
    while Instant::now() < end {
        assert_eq!(read_n(&mut fed, 1), b"t");
    }
    assert!(closes.of(&fed).is_none(), "output counts as activity for the idle timeout");
    // Read timeout: the same ticks do not save a peer that sends nothing...
    let (_s2, addr2) = start(closes.observe(local().loops(1).read_timeout(T)), |_| Ticker);
    let mut mute = connect(addr2);
    let mut chatty = connect(addr2);
    let end = Instant::now() + 3 * T;
    while Instant::now() < end {
        chatty.write_all(b"hi").unwrap();
        assert_eq!(read_n(&mut chatty, 1), b"t");
    }
    let mut all = Vec::new();
    let _ = mute.read_to_end(&mut all);
    assert!(all.iter().all(|&b| b == b't'));
    drop(mute);
    assert!(matches!(closes.wait_any(), CloseReason::ReadTimeout));
    // ...while one that keeps sending stays.
    assert!(closes.of(&chatty).is_none());
}

/// Queues 16 MiB on open.
struct Flood;

impl Handler for Flood {
    type State = ();
    fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
        conn.write(&vec![7u8; 16 << 20]);
        Action::Continue
    }
    fn on_data(&mut self, _conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        input.consume_all();
        Action::Continue
    }
}

#[test]
fn write_timeout_closes_a_peer_that_stops_reading_and_spares_a_slow_steady_one() {
    let closes = Closes::default();
    let b = local().loops(1).write_timeout(T).send_buffer_size(64 << 10);
    let (server, addr) = start(closes.observe(b), |_| Flood);
    let stalled = TcpStream::connect(addr).unwrap();
    stalled.set_read_buffer_size_for_test();
    let mut steady = connect(addr);
    // Reads in small steps with pauses well under the timeout: slow, but moving.
    let mut got = 0usize;
    let mut buf = vec![0u8; 256 << 10];
    while got < 16 << 20 {
        let n = steady.read(&mut buf).unwrap();
        assert!(n > 0, "steady reader cut off after {got} bytes: {:?}", closes.of(&steady));
        got += n;
        if got % (4 << 20) < n {
            std::thread::sleep(T / 3);
        }
    }
    assert!(matches!(closes.wait(&stalled), CloseReason::WriteTimeout));
    assert!(closes.of(&steady).is_none() || matches!(closes.of(&steady), Some(CloseReason::PeerClosed)));
    assert_eq!(server.stats().total.timed_out.write, 1);
}

/// Small receive buffers so that a client that does not read blocks the server soon.
trait SmallBuf {
    fn set_read_buffer_size_for_test(&self);
}

impl SmallBuf for TcpStream {
    fn set_read_buffer_size_for_test(&self) {
        socket2::SockRef::from(self).set_recv_buffer_size(16 << 10).unwrap();
    }
}

#[test]
fn handshake_timeout_closes_a_connection_that_sends_nothing() {
    let closes = Closes::default();
    let (server, addr) = start(closes.observe(local().loops(1).handshake_timeout(T)), |_| Echo);
    let mut lurker = connect(addr);
    let mut talker = connect(addr);
    talker.write_all(b"hello").unwrap();
    assert_eq!(read_n(&mut talker, 5), b"hello");
    assert_eof(&mut lurker);
    drop(lurker);
    assert!(matches!(closes.wait_any(), CloseReason::HandshakeTimeout));
    // The one that spoke up is not bound by it, however quiet it is now; poll until
    // well past the timeout.
    let end = Instant::now() + 2 * T;
    while Instant::now() < end {
        assert!(closes.of(&talker).is_none());
        std::thread::sleep(Duration::from_millis(10));
    }
    talker.write_all(b"still here").unwrap();
    assert_eq!(read_n(&mut talker, 10), b"still here");
    assert_eq!(server.stats().total.timed_out.handshake, 1);
}

/// Arms timers out of order on open (one of them cancelled at once) and reports each
/// as it fires. `a2` is armed before `a1` and due 4 ms after it, often in the same 5 ms
/// tick: the order holds unless the loop is held up for 4 ms between the two calls
/// (each deadline counts from its own call; with 1 ms apart, a busy CI machine once
/// preempted the loop long enough to make `a2` due first).
struct Timers;

#[derive(Default)]
struct Labels(Vec<(TimerId, &'static str)>);

impl Handler for Timers {
    type State = Labels;
    fn on_open(&mut self, conn: &mut Conn<'_, Labels>) -> Action {
        for (ms, label) in [(60, "c"), (14, "a2"), (30, "x"), (10, "a1"), (40, "b")] {
            let id = conn.set_timer(Duration::from_millis(ms));
            conn.state_mut().0.push((id, label));
        }
        let x = conn.state().0.iter().find(|(_, l)| *l == "x").unwrap().0;
        assert!(conn.cancel_timer(x));
        assert!(!conn.cancel_timer(x), "a second cancel finds nothing");
        Action::Continue
    }
    fn on_timer(&mut self, conn: &mut Conn<'_, Labels>, t: TimerId) -> Action {
        let label = conn.state().0.iter().find(|(id, _)| *id == t).unwrap().1;
        conn.write(label.as_bytes());
        conn.write(b" ");
        if label == "c" {
            return Action::Close;
        }
        Action::Continue
    }
    fn on_data(&mut self, _conn: &mut Conn<'_, Labels>, input: &mut Input<'_>) -> Action {
        input.consume_all();
        Action::Continue
    }
}

#[test]
fn handler_timers_fire_in_deadline_order_and_cancel() {
    let (_server, addr) = start(local().loops(1), |_| Timers);
    let clients: Vec<TcpStream> = (0..20).map(|_| connect(addr)).collect();
    for mut c in clients {
        let got = read_to_end(&mut c).unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), "a1 a2 b c ");
    }
}

/// A timer left armed on a connection that closes does not fire into a newcomer
/// that takes its slot.
#[test]
fn timers_of_a_closed_connection_never_fire() {
    struct Quit;
    impl Handler for Quit {
        type State = ();
        fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
            conn.set_timer(Duration::from_millis(100));
            Action::Continue
        }
        fn on_timer(&mut self, conn: &mut Conn<'_, ()>, _: TimerId) -> Action {
            conn.write(b"timer");
            Action::Continue
        }
        fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            // The first byte says whether to go at once (q) or to wait for the timer.
            let quit = input.bytes()[0] == b'q';
            input.consume_all();
            if quit {
                Action::CloseNow
            } else {
                conn.write(b"ok");
                Action::Continue
            }
        }
    }
    let (_server, addr) = start(local().loops(1), |_| Quit);
    let mut first = connect(addr);
    first.write_all(b"q").unwrap();
    assert_eq!(read_to_end(&mut first).unwrap(), b"");
    // The newcomer takes the freed slot; it must see its own timer only, once.
    let mut second = connect(addr);
    second.write_all(b"w").unwrap();
    assert_eq!(read_n(&mut second, 2), b"ok");
    assert_eq!(read_n(&mut second, 5), b"timer");
    second.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let mut more = [0u8; 8];
    let extra = second.read(&mut more);
    assert!(extra.is_err(), "nothing else arrives: {extra:?}");
}

/// Replies, shuts its write side, and closes from a timer: the peer reads to the end
/// but never closes its own side, and the linger bounds the wait all the same.
#[test]
fn a_close_after_an_earlier_half_close_is_still_bounded_by_the_linger() {
    struct HalfThenClose;
    impl Handler for HalfThenClose {
        type State = ();
        fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            input.consume_all();
            conn.write(b"bye");
            conn.shutdown_write();
            conn.set_timer(Duration::from_millis(20));
            Action::Continue
        }
        fn on_timer(&mut self, _conn: &mut Conn<'_, ()>, _: TimerId) -> Action {
            Action::Close
        }
    }
    let (server, addr) = start(local().loops(1).linger(Duration::from_millis(200)), |_| HalfThenClose);
    let mut c = connect(addr);
    c.write_all(b"x").unwrap();
    assert_eq!(read_to_end(&mut c).unwrap(), b"bye");
    // `c` stays open: the server must let go by itself.
    assert!(wait_for(|| server.stats().total.closed == 1));
    drop(c);
}

#[test]
fn an_idle_timeout_on_a_peer_that_does_not_read_closes_at_once() {
    let closes = Closes::default();
    let b = local().loops(1).idle_timeout(T).send_buffer_size(64 << 10);
    let (server, addr) = start(closes.observe(b), |_| Flood);
    let c = TcpStream::connect(addr).unwrap();
    c.set_read_buffer_size_for_test();
    // Nothing is read, so the flood cannot drain and no byte moves either way.
    assert!(matches!(closes.wait(&c), CloseReason::IdleTimeout));
    assert_eq!(server.open_connections(), 0);
    // The queued-bytes gauge is published at the end of the loop's pass, which may
    // still be running when the close is observed.
    assert!(wait_for(|| server.stats().total.queued_bytes == 0));
}

#[test]
fn many_timers_on_one_connection_arm_cancel_and_fire_each_once() {
    // 40,000 timers on one connection, every other one cancelled: each operation is
    // O(1) (a set of armed ids), so this is quick, and exactly the others fire.
    const N: u64 = 40_000;
    #[derive(Default)]
    struct Many {
        fired: u64,
    }
    struct Arm;
    impl Handler for Arm {
        type State = Many;
        fn on_open(&mut self, conn: &mut Conn<'_, Many>) -> Action {
            let ids: Vec<TimerId> = (0..N).map(|i| conn.set_timer(Duration::from_millis(i % 50))).collect();
            for id in ids.iter().step_by(2) {
                assert!(conn.cancel_timer(*id));
            }
            Action::Continue
        }
        fn on_timer(&mut self, conn: &mut Conn<'_, Many>, _: TimerId) -> Action {
            conn.state_mut().fired += 1;
            if conn.state().fired == N / 2 {
                conn.write(b"done");
                return Action::Close;
            }
            Action::Continue
        }
        fn on_data(&mut self, _conn: &mut Conn<'_, Many>, input: &mut Input<'_>) -> Action {
            input.consume_all();
            Action::Continue
        }
    }
    let (_server, addr) = start(local().loops(1), |_| Arm);
    let mut c = connect(addr);
    assert_eq!(read_to_end(&mut c).unwrap(), b"done");
}

/// On a timeout: "bye" and close, or (for a connection that said "sub") a reprieve
/// the first time; "sub" also exempts the connection from the idle timeout, and
/// "short" gives it one of 100 ms of its own.
struct Polite(std::sync::mpsc::Sender<String>);

impl Handler for Polite {
    type State = u32;
    fn on_data(&mut self, conn: &mut Conn<'_, u32>, input: &mut Input<'_>) -> Action {
        match input.bytes() {
            b"sub\n" => conn.set_idle_timeout(None),
            b"short\n" => conn.set_idle_timeout(Some(Duration::from_millis(100))),
            b"patient\n" => *conn.state_mut() = 1,
            other => conn.write(other),
        }
        input.consume_all();
        Action::Continue
    }
    fn on_timeout(&mut self, conn: &mut Conn<'_, u32>, reason: &CloseReason) -> Action {
        let _ = self.0.send(format!("timeout {reason}"));
        if *conn.state() == 1 {
            *conn.state_mut() = 2;
            return Action::Continue;
        }
        conn.write(b"bye\n");
        Action::Close
    }
    fn on_close(&mut self, _: &mut Conn<'_, u32>, reason: &CloseReason) {
        let _ = self.0.send(format!("closed {reason}"));
    }
}

fn polite(
    b: tcpio::Builder,
) -> (tcpio::ServerHandle, std::net::SocketAddr, std::sync::mpsc::Receiver<String>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let (h, addr) = start(b.loops(1), move |_| Polite(tx.lock().unwrap().clone()));
    (h, addr, rx)
}

#[test]
fn a_handler_says_goodbye_before_an_idle_close_or_grants_a_reprieve() {
    let (_h, addr, rx) = polite(local().idle_timeout(Duration::from_millis(200)));
    let mut s = connect(addr);
    assert_eq!(read_to_end(&mut s).unwrap(), b"bye\n", "the goodbye, then the end of the stream");
    drop(s);
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "timeout idle timeout");
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "closed idle timeout");
    // A reprieve: the first timeout is let go, the second is not.
    let mut s = connect(addr);
    s.write_all(b"patient\n").unwrap();
    assert_eq!(read_to_end(&mut s).unwrap(), b"bye\n");
    drop(s);
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "timeout idle timeout");
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "timeout idle timeout");
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "closed idle timeout");
}

#[test]
fn a_connection_can_be_exempt_from_the_idle_timeout_or_have_its_own() {
    let (h, addr, rx) = polite(local().idle_timeout(Duration::from_millis(200)));
    let mut subscriber = connect(addr);
    subscriber.write_all(b"sub\n").unwrap();
    let mut other = connect(addr);
    assert_eq!(read_to_end(&mut other).unwrap(), b"bye\n", "the server's idle timeout");
    drop(other); // our FIN ends the server's linger
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "timeout idle timeout");
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "closed idle timeout");
    // Another whole idle timeout, measured by a connection made only now: the
    // subscriber has been silent for two by then.
    let mut late = connect(addr);
    assert_eq!(read_to_end(&mut late).unwrap(), b"bye\n");
    drop(late);
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "timeout idle timeout");
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "closed idle timeout");
    // The subscriber is still served.
    subscriber.write_all(b"ping").unwrap();
    assert_eq!(read_n(&mut subscriber, 4), b"ping");
    assert_eq!(h.stats().total.open, 1);
    // A timeout of its own on a server that has none.
    let (_h, addr, rx) = polite(local());
    let mut s = connect(addr);
    s.write_all(b"short\n").unwrap();
    assert_eq!(read_to_end(&mut s).unwrap(), b"bye\n");
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "timeout idle timeout");
}
