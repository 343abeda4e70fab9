//! How connections end: half-close, reset, close after flush, close now, detach.

mod util;

use std::io::{Read, Write};
use std::net::Shutdown;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tcpio::{Action, CloseReason, Conn, Detached, DetachedStream, Handler, Input};
use util::*;

/// Echo that reports how each connection closed.
struct Reporting(mpsc::Sender<CloseReason>);

impl Handler for Reporting {
    type State = ();
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        conn.write(input.bytes());
        input.consume_all();
        Action::Continue
    }
    fn on_close(&mut self, _: &mut Conn<'_, ()>, reason: &CloseReason) {
        self.0.send(reason.clone()).unwrap();
    }
}

#[test]
fn half_close_by_the_peer_gets_every_reply_then_eof() {
    let (tx, rx) = mpsc::channel();
    let (_server, addr) = start(local().loops(1), move |_| Reporting(tx.clone()));
    let mut c = connect(addr);
    let data = payload(1, 3 << 20);
    let mut r = c.try_clone().unwrap();
    let reader = std::thread::spawn(move || read_to_end(&mut r).unwrap());
    send_and_finish(&mut c, &data);
    assert!(reader.join().unwrap() == data);
    assert!(matches!(rx.recv_timeout(LIMIT).unwrap(), CloseReason::PeerClosed));
}

#[test]
fn reset_by_the_peer_is_reported_and_others_keep_going() {
    let (tx, rx) = mpsc::channel();
    let (_server, addr) = start(local().loops(1), move |_| Reporting(tx.clone()));
    let mut other = connect(addr);
    let c = connect(addr);
    socket2::SockRef::from(&c).set_linger(Some(Duration::ZERO)).unwrap();
    (&c).write_all(b"hi").unwrap();
    let mut buf = [0; 2];
    (&c).read_exact(&mut buf).unwrap();
    drop(c); // linger 0: an RST, not a FIN
    let reason = rx.recv_timeout(LIMIT).unwrap();
    assert!(matches!(reason, CloseReason::Reset), "{reason:?}");
    other.write_all(b"still here").unwrap();
    assert_eq!(read_n(&mut other, 10), b"still here");
}

/// Replies to the first bytes with a large body, then closes, leaving the rest of the
/// client's input unread.
struct BigReplyThen(Action, usize);

impl Handler for BigReplyThen {
    type State = ();
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, _input: &mut Input<'_>) -> Action {
        conn.write(&payload(9, self.1));
        self.0 // input deliberately not consumed
    }
}

#[test]
fn close_after_flush_delivers_everything_despite_unread_input() {
    let n = 8 << 20;
    let (_server, addr) = start(local().loops(1), move |_| BigReplyThen(Action::Close, n));
    let mut c = connect(addr);
    c.write_all(b"request").unwrap();
    // More input the server will never read; without a lingering close this would
    // turn the close into a reset and destroy queued output.
    c.write_all(&vec![b'z'; 256 * 1024]).unwrap();
    let mut got = vec![0; n];
    c.read_exact(&mut got).expect("the whole reply");
    assert!(got == payload(9, n));
    let mut rest = Vec::new();
    c.shutdown(Shutdown::Write).unwrap();
    c.read_to_end(&mut rest).expect("a clean end of stream, not a reset");
    assert!(rest.is_empty());
}

#[test]
fn close_now_does_not_wait_for_the_client() {
    let n = 32 << 20;
    let (tx, rx) = mpsc::channel();
    struct Now(mpsc::Sender<CloseReason>, usize);
    impl Handler for Now {
        type State = ();
        fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            conn.write(&vec![1; self.1]);
            input.consume_all();
            Action::CloseNow
        }
        fn on_close(&mut self, _: &mut Conn<'_, ()>, reason: &CloseReason) {
            self.0.send(reason.clone()).unwrap();
        }
    }
    let (_server, addr) = start(local().loops(1), move |_| Now(tx.clone(), n));
    let mut c = connect(addr);
    c.write_all(b"go").unwrap();
    // The server closes at once although the client has read nothing.
    let t = Instant::now();
    assert!(matches!(rx.recv_timeout(LIMIT).unwrap(), CloseReason::Local));
    assert!(t.elapsed() < LIMIT);
    let got = read_to_end(&mut c).map(|v| v.len()).unwrap_or(0);
    assert!(got < n, "close-now dropped queued output ({got} of {n} arrived)");
}

#[test]
fn detach_hands_out_a_working_stream_with_nothing_lost() {
    type Out = (DetachedStream, Vec<u8>, u32);
    struct Greeter(mpsc::Sender<Out>);
    impl Handler for Greeter {
        type State = u32;
        fn on_data(&mut self, conn: &mut Conn<'_, u32>, input: &mut Input<'_>) -> Action {
            let b = input.bytes();
            match b.iter().position(|&x| x == b'\n') {
                Some(end) => {
                    *conn.state_mut() = 42;
                    conn.write(b"WELCOME\n");
                    input.consume(end + 1);
                    Action::Detach
                }
                None => Action::Continue,
            }
        }
        fn on_detach(&mut self, d: Detached<u32>) {
            self.0.send((d.stream, d.unread, d.state)).unwrap();
        }
    }
    let (tx, rx) = mpsc::channel();
    let (server, addr) = start(local().loops(1), move |_| Greeter(tx.clone()));
    let mut c = connect(addr);
    c.write_all(b"HELLO\nextra bytes").unwrap();
    assert_eq!(read_n(&mut c, 8), b"WELCOME\n");
    let (stream, unread, state) = rx.recv_timeout(LIMIT).unwrap();
    assert_eq!(state, 42);
    let DetachedStream::Tcp(mut s) = stream else { panic!("a TCP stream") };
    s.set_read_timeout(Some(LIMIT)).unwrap();
    // Bytes that were in flight may still be in the socket rather than in `unread`.
    let mut all = unread;
    while all.len() < b"extra bytes".len() {
        let mut buf = [0; 64];
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0);
        all.extend_from_slice(&buf[..n]);
    }
    assert_eq!(all, b"extra bytes");
    s.write_all(b"direct").unwrap();
    assert_eq!(read_n(&mut c, 6), b"direct");
    assert!(wait_for(|| server.stats().total.closed == 1), "a detached connection counts as closed");
}

#[test]
fn detach_from_on_eof_hands_over_the_unconsumed_input() {
    // The handler consumes nothing until the peer's end of stream, then detaches:
    // what it left unconsumed is `Detached::unread`, as documented.
    struct Collector(mpsc::Sender<Vec<u8>>);
    impl Handler for Collector {
        type State = ();
        fn on_data(&mut self, _: &mut Conn<'_, ()>, _: &mut Input<'_>) -> Action {
            Action::Continue
        }
        fn on_eof(&mut self, _: &mut Conn<'_, ()>) -> Action {
            Action::Detach
        }
        fn on_detach(&mut self, d: Detached<()>) {
            self.0.send(d.unread).unwrap();
        }
    }
    let (tx, rx) = mpsc::channel();
    let (_server, addr) = start(local().loops(1), move |_| Collector(tx.clone()));
    let mut c = connect(addr);
    send_and_finish(&mut c, b"the whole request");
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), b"the whole request");
}
