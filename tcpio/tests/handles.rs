//! Cross-thread handles: send, close and wake from other threads; stale handles;
//! the output cap applied to handle sends; broadcast.

mod util;

use std::collections::HashMap;
use std::io::Write;
use std::net::TcpStream;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tcpio::{Action, Conn, ConnHandle, Handler, Input, SendError};
use util::*;

/// Hands every connection's handle out on open; the first line a client sends is
/// its name, so the test can tell which handle is whose.
struct Registry {
    tx: mpsc::Sender<(String, ConnHandle)>,
}

#[derive(Default)]
struct Named {
    named: bool,
    wakes: u32,
}

impl Handler for Registry {
    type State = Named;
    fn on_data(&mut self, conn: &mut Conn<'_, Named>, input: &mut Input<'_>) -> Action {
        if !conn.state().named {
            if let Some(end) = input.bytes().iter().position(|&b| b == b'\n') {
                let name = String::from_utf8_lossy(&input.bytes()[..end]).into_owned();
                input.consume(end + 1);
                conn.state_mut().named = true;
                let h = conn.handle();
                assert_eq!(h.id(), conn.id());
                let _ = self.tx.send((name, h));
            }
            return Action::Continue;
        }
        input.consume_all();
        Action::Continue
    }
    fn on_wake(&mut self, conn: &mut Conn<'_, Named>) -> Action {
        conn.state_mut().wakes += 1;
        let n = conn.state().wakes;
        conn.write(format!("W{n};").as_bytes());
        Action::Continue
    }
}

fn registry(
    b: tcpio::Builder,
) -> (tcpio::ServerHandle, std::net::SocketAddr, mpsc::Receiver<(String, ConnHandle)>) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let (server, addr) = start(b, move |_| Registry { tx: tx.lock().unwrap().clone() });
    (server, addr, rx)
}

fn register(rx: &mpsc::Receiver<(String, ConnHandle)>, clients: &mut [TcpStream]) -> Vec<ConnHandle> {
    for (i, c) in clients.iter_mut().enumerate() {
        c.write_all(format!("{i}\n").as_bytes()).unwrap();
    }
    let mut by_name = HashMap::new();
    for _ in 0..clients.len() {
        let (name, h) = rx.recv_timeout(LIMIT).expect("every client registers");
        by_name.insert(name.parse::<usize>().unwrap(), h);
    }
    (0..clients.len()).map(|i| by_name.remove(&i).unwrap()).collect()
}

#[test]
fn sends_and_wakes_from_eight_threads_to_a_thousand_connections_lose_nothing() {
    const CONNS: usize = 1000;
    const THREADS: usize = 8;
    const MSGS: usize = 20;
    let (_server, addr, rx) = registry(local().loops(2));
    let mut clients: Vec<TcpStream> = (0..CONNS).map(|_| connect(addr)).collect();
    let handles = Arc::new(register(&rx, &mut clients));
    // Every thread sends MSGS numbered messages to every connection and wakes it;
    // once all have done so, each thread closes its share of the connections.
    let all_sent = Arc::new(std::sync::Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (handles, all_sent) = (handles.clone(), all_sent.clone());
            std::thread::spawn(move || {
                for m in 0..MSGS {
                    for h in handles.iter() {
                        h.send(format!("{t}.{m};")).expect("send to an open connection");
                    }
                }
                for h in handles.iter() {
                    h.wake().expect("wake an open connection");
                }
                all_sent.wait();
                for h in handles.iter().skip(t).step_by(THREADS) {
                    h.close().expect("close an open connection");
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    for (i, c) in clients.iter_mut().enumerate() {
        let text = String::from_utf8(read_to_end(c).unwrap()).unwrap();
        let mut next = [0usize; THREADS];
        let mut wakes = 0;
        for item in text.split_terminator(';') {
            if let Some(n) = item.strip_prefix('W') {
                wakes += 1;
                assert_eq!(n.parse::<usize>().unwrap(), wakes);
                continue;
            }
            let (t, m) = item.split_once('.').unwrap();
            let (t, m): (usize, usize) = (t.parse().unwrap(), m.parse().unwrap());
            assert_eq!(m, next[t], "connection {i}: thread {t}'s messages in order");
            next[t] += 1;
        }
        assert_eq!(next, [MSGS; THREADS], "connection {i} got every message");
        assert!(wakes >= 1, "connection {i} was woken");
    }
    assert!(handles.iter().all(ConnHandle::is_closed));
}

#[test]
fn a_stale_handle_reports_closed_after_its_slot_is_reused() {
    let (_server, addr, rx) = registry(local().loops(1));
    let mut first = vec![connect(addr)];
    let old = register(&rx, &mut first).remove(0);
    old.close().unwrap();
    assert_eq!(read_to_end(&mut first[0]).unwrap(), b"");
    assert!(wait_for(|| old.is_closed()));
    // A newcomer takes the slot the first one left.
    let mut second = vec![connect(addr)];
    let new = register(&rx, &mut second).remove(0);
    assert_ne!(new.id(), old.id());
    assert_eq!(old.send("for the old one"), Err(SendError::Closed));
    assert_eq!(old.wake(), Err(SendError::Closed));
    assert_eq!(old.close(), Err(SendError::Closed));
    new.send("for the new one").unwrap();
    assert_eq!(read_n(&mut second[0], 15), b"for the new one");
}

#[test]
fn handle_sends_count_towards_the_output_cap() {
    // The peer never reads: sends are refused as Full before the queue can pass the
    // cap, and the connection stays open.
    let b = local().loops(1).high_water(256 << 10).max_output(1 << 20).send_buffer_size(32 << 10);
    let (server, addr, rx) = registry(b);
    let mut c = vec![connect(addr)];
    socket2::SockRef::from(&c[0]).set_recv_buffer_size(16 << 10).unwrap();
    let h = register(&rx, &mut c).remove(0);
    let chunk = vec![b'z'; 64 << 10];
    let mut accepted = 0usize;
    let mut full = false;
    for _ in 0..1000 {
        match h.send(chunk.clone()) {
            Ok(()) => accepted += chunk.len(),
            Err(SendError::Full) => {
                full = true;
                break;
            }
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert!(full, "a flood is refused ({accepted} bytes accepted)");
    // What the loop holds stays under the cap; beyond it only what the kernel's
    // socket buffers took (a few hundred KiB at most here).
    assert!(accepted <= (1 << 20) + (512 << 10), "accepted {accepted} bytes against a 1 MiB cap");
    assert!(!h.is_closed(), "refusing sends does not close the connection");
    assert!(wait_for(|| server.stats().total.queued_bytes > 0));
    assert!(server.stats().total.queued_bytes <= 1 << 20);
    // Which cause: once the loop has taken everything in, the queue it holds for a
    // peer that does not read stays up.
    assert!(wait_for(|| h.in_flight() == 0));
    assert!(h.queued() > 0 && h.queued() <= 1 << 20, "queued {}", h.queued());
}

#[test]
fn a_sender_outrunning_the_loop_learns_it_from_in_flight_and_gets_through_after() {
    // A peer that reads everything, and a sender in a tight loop: a refusal, if one
    // comes, is the loop not having taken the burst in yet, and it clears.
    let b = local().loops(1).high_water(64 << 10).max_output(256 << 10);
    let (_server, addr, rx) = registry(b);
    let mut c = vec![connect(addr)];
    let h = register(&rx, &mut c).remove(0);
    let mut reader = c.remove(0);
    let total = 8usize << 20;
    let drain = std::thread::spawn(move || read_n(&mut reader, total).len());
    let chunk = vec![b'y'; 16 << 10];
    let mut sent = 0;
    while sent < total {
        match h.send(chunk.clone()) {
            Ok(()) => sent += chunk.len(),
            Err(SendError::Full) => {
                // The two counts say when there is room again; the peer reads, so
                // there soon is.
                assert!(wait_for(|| h.in_flight() + h.queued() + chunk.len() <= 256 << 10));
            }
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(drain.join().unwrap(), total, "a reading peer gets everything; nobody was dropped");
}

#[test]
fn broadcast_reaches_every_connection_on_every_loop() {
    let (server, addr, rx) = registry(local().loops(3));
    let mut clients: Vec<TcpStream> = (0..30).map(|_| connect(addr)).collect();
    let handles = register(&rx, &mut clients);
    server.broadcast(b"to all;");
    let except = handles[0].id();
    server.control().broadcast_except(b"to the rest;", except);
    for h in &handles {
        h.close().unwrap();
    }
    for (i, c) in clients.iter_mut().enumerate() {
        let got = read_to_end(c).unwrap();
        let want: &[u8] = if i == 0 { b"to all;" } else { b"to all;to the rest;" };
        assert_eq!(got, want, "client {i}");
    }
}

#[test]
fn handles_work_from_inside_handlers_on_other_loops() {
    // A relay: each line from one connection goes to the other through its handle,
    // whichever loop it is on.
    #[derive(Default)]
    struct Peer;
    let board: Arc<Mutex<Vec<ConnHandle>>> = Arc::default();
    struct Relay(Arc<Mutex<Vec<ConnHandle>>>);
    impl Handler for Relay {
        type State = Peer;
        fn on_open(&mut self, conn: &mut Conn<'_, Peer>) -> Action {
            self.0.lock().unwrap().push(conn.handle());
            Action::Continue
        }
        fn on_data(&mut self, conn: &mut Conn<'_, Peer>, input: &mut Input<'_>) -> Action {
            for h in self.0.lock().unwrap().iter().filter(|h| h.id() != conn.id()) {
                let _ = h.send(input.bytes());
            }
            input.consume_all();
            Action::Continue
        }
    }
    let b2 = board.clone();
    let (_server, addr) = start(local().loops(2), move |_| Relay(b2.clone()));
    let mut a = connect(addr);
    let mut b = connect(addr);
    assert!(wait_for(|| board.lock().unwrap().len() == 2));
    a.write_all(b"ping").unwrap();
    assert_eq!(read_n(&mut b, 4), b"ping");
    b.write_all(b"pong").unwrap();
    assert_eq!(read_n(&mut a, 4), b"pong");
    drop(a);
    assert!(wait_for(|| board.lock().unwrap().iter().filter(|h| h.is_closed()).count() == 1));
}

#[test]
fn senders_that_respect_full_never_push_a_connection_past_its_cap() {
    let b = local().loops(1).high_water(128 << 10).max_output(256 << 10).send_buffer_size(32 << 10);
    let (server, addr, rx) = registry(b);
    let mut c = vec![connect(addr)];
    socket2::SockRef::from(&c[0]).set_recv_buffer_size(16 << 10).unwrap();
    let h = register(&rx, &mut c).remove(0);
    let senders: Vec<_> = (0..2)
        .map(|_| {
            let h = h.clone();
            std::thread::spawn(move || {
                let mut full = 0;
                while full < 200 {
                    match h.send(vec![b'q'; 60 << 10]) {
                        Ok(()) => {}
                        Err(SendError::Full) => {
                            full += 1;
                            std::thread::yield_now();
                        }
                        Err(SendError::Closed) => return false,
                        Err(e) => panic!("{e}"),
                    }
                }
                true
            })
        })
        .collect();
    for s in senders {
        assert!(s.join().unwrap(), "the connection was closed");
    }
    assert!(!h.is_closed());
    assert_eq!(server.stats().total.closed, 0);
}

#[test]
fn a_handle_first_made_in_on_close_reports_closed() {
    struct Late(mpsc::Sender<ConnHandle>);
    impl Handler for Late {
        type State = ();
        fn on_data(&mut self, _: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            input.consume_all();
            Action::Close
        }
        fn on_close(&mut self, conn: &mut Conn<'_, ()>, _: &tcpio::CloseReason) {
            self.0.send(conn.handle()).unwrap();
        }
    }
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let (_server, addr) = start(local().loops(1), move |_| Late(tx.lock().unwrap().clone()));
    let mut c = connect(addr);
    c.write_all(b"bye").unwrap();
    let h = rx.recv_timeout(LIMIT).unwrap();
    assert!(h.is_closed());
    assert_eq!(h.send("too late"), Err(SendError::Closed));
    assert_eq!(h.wake(), Err(SendError::Closed));
    assert_eq!(h.close(), Err(SendError::Closed));
}

#[test]
fn after_the_server_stops_handles_and_broadcasts_queue_nothing() {
    let (server, addr, rx) = registry(local().loops(2));
    let mut clients = vec![connect(addr)];
    let h = register(&rx, &mut clients).remove(0);
    server.shutdown();
    server.wait().unwrap();
    assert_eq!(h.send("after the stop"), Err(SendError::Closed));
    assert_eq!(h.wake(), Err(SendError::Closed));
    for _ in 0..1000 {
        server.broadcast(&[7; 1024]);
    }
    assert!(server.connect(addr, LIMIT).is_err(), "a dial after the stop is refused, not parked");
}

/// Sends "handle" through its own handle, then writes "own" in the same callback.
struct SendThenWrite;

impl Handler for SendThenWrite {
    type State = ();
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        input.consume_all();
        conn.handle().send(&b"handle;"[..]).unwrap();
        conn.write(b"own;");
        Action::Continue
    }
}

#[test]
fn a_handles_bytes_follow_the_callbacks_own_writes() {
    let (_h, addr) = start(local().loops(1), |_| SendThenWrite);
    let mut s = connect(addr);
    s.write_all(b"x").unwrap();
    assert_eq!(read_n(&mut s, 11), b"own;handle;", "the documented order");
}
