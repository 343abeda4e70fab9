//! Stop modes: graceful (every queued byte delivered), immediate, graceful-and-wait
//! with a deadline; run state; waiting on a loop thread.

mod util;

use std::io::Read;
use std::net::TcpStream;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use tcpio::{Action, Conn, Error, Handler, Input, ServerHandle};
use util::*;

/// Queues a large reply as soon as a client says anything, then waits: the
/// connection's id, then a body shared by all (built once; comparing it is cheap).
struct BigReply(Arc<Vec<u8>>);

fn big_reply(size: usize) -> impl Fn(usize) -> BigReply + Send + Sync + 'static {
    let body = Arc::new(payload(7, size - 8));
    move |_| BigReply(body.clone())
}

impl Handler for BigReply {
    type State = ();
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        input.consume_all();
        conn.write(&conn.id().to_be_bytes());
        conn.write(&self.0);
        Action::Continue
    }
}

#[test]
fn graceful_shutdown_delivers_every_queued_byte_to_200_clients() {
    const CLIENTS: usize = 200;
    const SIZE: usize = 2 << 20;
    let b = local().loops(2).send_buffer_size(64 << 10).max_output(8 << 20).high_water(4 << 20);
    let (server, addr) = start(b, big_reply(SIZE));
    let body = payload(7, SIZE - 8);
    let mut clients: Vec<TcpStream> = (0..CLIENTS).map(|_| connect(addr)).collect();
    for c in &mut clients {
        std::io::Write::write_all(c, b"go").unwrap();
    }
    // Every reply is queued (mostly unsent: nobody reads yet) before the stop.
    assert!(wait_for(|| server.stats().total.queued_bytes > (CLIENTS * SIZE / 2) as u64));
    server.shutdown();
    assert!(server.is_draining() || !server.is_running());
    // Read all clients at once so none waits on another.
    let readers: Vec<_> = clients
        .into_iter()
        .map(|mut c| {
            std::thread::spawn(move || {
                let mut all = Vec::new();
                c.read_to_end(&mut all).expect("a clean end of stream, no reset");
                all
            })
        })
        .collect();
    for r in readers {
        let all = r.join().unwrap();
        assert_eq!(all.len(), SIZE, "the whole reply, then EOF");
        assert!(all[8..] == body[..], "the reply arrived intact");
    }
    server.wait().unwrap();
    assert!(!server.is_running() && !server.is_draining());
    assert_eq!(server.stats().total.aborted, 0);
}

#[test]
fn immediate_shutdown_does_not_wait_for_slow_readers() {
    let b = local().loops(1).send_buffer_size(64 << 10);
    let (server, addr) = start(b, big_reply(16 << 20));
    let mut c = connect(addr);
    std::io::Write::write_all(&mut c, b"go").unwrap();
    assert!(wait_for(|| server.stats().total.queued_bytes > 0));
    let t = Instant::now();
    server.shutdown_now();
    server.wait().unwrap();
    assert!(t.elapsed() < Duration::from_secs(2), "took {:?}", t.elapsed());
    assert_eq!(server.stats().total.aborted, 1);
    let mut all = Vec::new();
    let _ = c.read_to_end(&mut all); // an EOF or a reset: either way, short
    assert!(all.len() < 16 << 20);
}

#[test]
fn graceful_and_wait_reports_false_when_a_client_never_reads() {
    let b = local().loops(1).send_buffer_size(64 << 10);
    let (server, addr) = start(b, big_reply(16 << 20));
    let mut c = connect(addr);
    std::io::Write::write_all(&mut c, b"go").unwrap();
    assert!(wait_for(|| server.stats().total.queued_bytes > 0));
    let t = Instant::now();
    let drained = server.shutdown_and_wait(Duration::from_millis(300)).unwrap();
    assert!(!drained, "a client that never reads cannot drain");
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert!(t.elapsed() < Duration::from_secs(3), "bounded by the deadline: {:?}", t.elapsed());
    assert!(!server.is_running());
    assert_eq!(server.open_connections(), 0);
    drop(c);
}

#[test]
fn graceful_and_wait_reports_true_when_everything_drains() {
    let (server, addr) = start(local().loops(2), big_reply(1 << 20));
    let mut c = connect(addr);
    std::io::Write::write_all(&mut c, b"go").unwrap();
    let reader = std::thread::spawn(move || read_to_end(&mut c).unwrap().len());
    assert!(wait_for(|| server.stats().total.bytes_out > 0));
    assert_eq!(server.open_connections(), 1);
    assert!(server.shutdown_and_wait(Duration::from_secs(10)).unwrap());
    assert_eq!(reader.join().unwrap(), 1 << 20);
}

/// A handler that writes a farewell on shutdown and hands the server's handle out to
/// test waiting from a loop thread.
struct Farewell {
    server: Arc<Mutex<Option<Arc<ServerHandle>>>>,
    waited: mpsc::Sender<String>,
}

impl Handler for Farewell {
    type State = ();
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        input.consume_all();
        let server = self.server.lock().unwrap().clone().unwrap();
        let outcome = match (server.wait(), server.shutdown_and_wait(Duration::from_secs(1))) {
            (Err(Error::WaitOnLoopThread), Err(Error::WaitOnLoopThread)) => "refused".to_string(),
            other => format!("{other:?}"),
        };
        let _ = self.waited.send(outcome);
        conn.write(b"asked;");
        Action::Continue
    }
    fn on_shutdown(&mut self, conn: &mut Conn<'_, ()>) -> Action {
        conn.write(b"bye;");
        Action::Close
    }
}

#[test]
fn waiting_on_a_loop_thread_is_an_error_and_handlers_hear_of_the_shutdown() {
    let slot = Arc::new(Mutex::new(None));
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let s2 = slot.clone();
    let (server, addr) =
        start(local().loops(1), move |_| Farewell { server: s2.clone(), waited: tx.lock().unwrap().clone() });
    let server = Arc::new(server);
    *slot.lock().unwrap() = Some(server.clone());
    let mut c = connect(addr);
    std::io::Write::write_all(&mut c, b"x").unwrap();
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "refused");
    assert_eq!(read_n(&mut c, 6), b"asked;");
    slot.lock().unwrap().take();
    server.shutdown();
    assert_eq!(read_to_end(&mut c).unwrap(), b"bye;");
    server.wait().unwrap();
}

#[test]
fn clients_waiting_in_the_accept_queue_are_not_reset() {
    // One loop busy in a callback while clients connect: they wait in the kernel's
    // queue, and the shutdown that follows accepts and closes them cleanly.
    let (tx, rx) = mpsc::channel::<()>();
    let rx = Arc::new(Mutex::new(rx));
    struct Stall(Arc<Mutex<mpsc::Receiver<()>>>);
    impl Handler for Stall {
        type State = ();
        fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            input.consume_all();
            let _ = self.0.lock().unwrap().recv_timeout(LIMIT);
            conn.write(b"done");
            Action::Continue
        }
    }
    let (server, addr) = start(local().loops(1), move |_| Stall(rx.clone()));
    let mut first = connect(addr);
    std::io::Write::write_all(&mut first, b"x").unwrap();
    assert!(wait_for(|| server.stats().total.bytes_in == 1 || server.open_connections() == 1));
    let queued: Vec<TcpStream> = (0..20).map(|_| connect(addr)).collect();
    server.shutdown();
    tx.send(()).unwrap();
    assert_eq!(read_to_end(&mut first).unwrap(), b"done");
    for mut q in queued {
        assert_eq!(read_to_end(&mut q).expect("end of stream, not a reset"), b"");
    }
    server.wait().unwrap();
    assert_eq!(server.stats().total.accepted, 21);
}

/// A client that has everything but keeps its socket open: with a linger of a minute,
/// the stop still ends as soon as the peer has acknowledged all the output (the FIN
/// too) and nothing it sent is left unread, not at the linger.
#[test]
fn a_graceful_stop_does_not_wait_out_the_linger_once_the_peer_has_everything() {
    let linger = Duration::from_secs(60);
    let (server, addr) = start(local().loops(1).linger(linger), big_reply(256 << 10));
    let mut c = connect(addr);
    std::io::Write::write_all(&mut c, b"go").unwrap();
    let mut got = vec![0u8; 256 << 10];
    c.read_exact(&mut got).unwrap();
    let started = Instant::now();
    assert!(server.shutdown_and_wait(LIMIT).unwrap(), "everything drained");
    assert!(started.elapsed() < linger / 4, "the stop took {:?}", started.elapsed());
    let mut rest = [0u8; 1];
    assert_eq!(c.read(&mut rest).unwrap(), 0, "then the FIN, and no reset");
    drop(c); // open until after the stop
}

/// A client that reads nothing before the stop still gets everything: what its kernel
/// has acknowledged is in its receive buffer, so an early close loses none of it.
#[test]
fn a_client_that_reads_only_after_the_stop_still_gets_every_byte() {
    let (server, addr) = start(local().loops(1).linger(Duration::from_secs(60)), big_reply(64 << 10));
    let mut c = connect(addr);
    std::io::Write::write_all(&mut c, b"go").unwrap();
    assert!(wait_for(|| server.stats().total.bytes_out == 64 << 10));
    assert!(server.shutdown_and_wait(LIMIT).unwrap());
    assert_eq!(read_to_end(&mut c).unwrap().len(), 64 << 10);
}
