//! Clients that do not read: the high-water mark pauses reading, the hard cap closes
//! a handler that keeps writing, and nothing is lost once the client reads.

mod util;

use std::io::Write;
use std::sync::mpsc;

use tcpio::{Action, CloseReason, Conn, Handler, Input};
use util::*;

#[test]
fn echo_to_a_client_that_never_reads_pauses_and_loses_nothing() {
    let (server, addr) = start(local().loops(1).high_water(256 * 1024).send_buffer_size(64 * 1024), |_| Echo);
    let mut c = connect(addr);
    socket2::SockRef::from(&c).set_recv_buffer_size(64 * 1024).unwrap();
    // Write from another thread: the writes block once the server stops reading.
    let total = 64 << 20;
    let data = payload(5, total);
    let mut w = c.try_clone().unwrap();
    let sent = data.clone();
    let writer = std::thread::spawn(move || w.write_all(&sent).map(|_| ()));
    // The server reads only until its queue passes the high-water mark, then waits.
    let mut last = 0;
    assert!(wait_for(|| {
        let now = server.stats().total.bytes_in;
        let settled = now == last && now > 0;
        last = now;
        std::thread::sleep(std::time::Duration::from_millis(20));
        settled
    }));
    let stats = server.stats().total;
    assert!(stats.bytes_in < 8 << 20, "reading paused early ({} bytes in)", stats.bytes_in);
    assert_eq!(stats.open, 1, "the connection stays open");
    // Now read: everything arrives, in order.
    let got = read_n(&mut c, total);
    writer.join().unwrap().unwrap();
    assert!(got == data);
}

#[test]
fn unsolicited_writes_past_the_hard_cap_close_the_connection() {
    struct Firehose(mpsc::Sender<CloseReason>);
    impl Handler for Firehose {
        type State = ();
        fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
            let chunk = vec![7u8; 1 << 20];
            for _ in 0..64 {
                conn.write(&chunk); // no request asked for any of this
            }
            Action::Continue
        }
        fn on_data(&mut self, _: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            input.consume_all();
            Action::Continue
        }
        fn on_close(&mut self, _: &mut Conn<'_, ()>, reason: &CloseReason) {
            self.0.send(reason.clone()).unwrap();
        }
    }
    let (tx, rx) = mpsc::channel();
    let (server, addr) =
        start(local().loops(1).high_water(1 << 20).max_output(16 << 20), move |_| Firehose(tx.clone()));
    let _c = connect(addr);
    let reason = rx.recv_timeout(LIMIT).unwrap();
    assert!(matches!(reason, CloseReason::OutputLimit { limit } if limit == 16 << 20), "{reason:?}");
    assert!(reason.to_string().contains("output exceeded the limit"));
    // The server goes on serving others.
    let (tx2, _rx2) = mpsc::channel::<CloseReason>();
    drop(tx2);
    assert_eq!(server.stats().total.closed, 1);
}

#[test]
fn forwarded_input_past_the_hard_cap_closes_the_connection_and_sends_none_of_it() {
    /// Forwards its whole input four times (four separate slices, none copied).
    struct FourTimes(mpsc::Sender<CloseReason>);
    impl Handler for FourTimes {
        type State = ();
        fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            for _ in 0..4 {
                conn.write(input.bytes());
            }
            input.consume_all();
            Action::Continue
        }
        fn on_close(&mut self, _: &mut Conn<'_, ()>, reason: &CloseReason) {
            self.0.send(reason.clone()).unwrap();
        }
    }
    let (tx, rx) = mpsc::channel();
    let cap = 4096;
    let (server, addr) =
        start(local().loops(1).high_water(cap).max_output(cap), move |_| FourTimes(tx.clone()));
    let mut c = connect(addr);
    // Under the cap: four copies come back.
    let small = payload(1, 512);
    c.write_all(&small).unwrap();
    assert_eq!(read_n(&mut c, 4 * 512), small.repeat(4));
    // Over it (2 KiB read, 8 KiB forwarded): closed, and nothing of it goes out.
    c.write_all(&payload(2, 2048)).unwrap();
    let reason = rx.recv_timeout(LIMIT).unwrap();
    assert!(matches!(reason, CloseReason::OutputLimit { limit } if limit == cap), "{reason:?}");
    match read_to_end(&mut c) {
        Ok(rest) => assert!(rest.is_empty(), "{} bytes past the cap went out", rest.len()),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
    assert!(wait_for(|| server.stats().total.closed == 1));
}

#[test]
fn high_water_and_drained_events_reach_the_handler() {
    struct Producer(mpsc::Sender<&'static str>, usize);
    impl Handler for Producer {
        type State = ();
        fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            input.consume_all();
            conn.write(&vec![3u8; self.1]);
            Action::Continue
        }
        fn on_high_water(&mut self, _: &mut Conn<'_, ()>) -> Action {
            self.0.send("high").unwrap();
            Action::Continue
        }
        fn on_drained(&mut self, conn: &mut Conn<'_, ()>) -> Action {
            self.0.send("drained").unwrap();
            conn.write(b"END");
            Action::Continue
        }
    }
    let (tx, rx) = mpsc::channel();
    let n = 8 << 20;
    let (_server, addr) = start(local().loops(1).high_water(1 << 20), move |_| Producer(tx.clone(), n));
    let mut c = connect(addr);
    c.write_all(b"go").unwrap();
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "high");
    let got = read_n(&mut c, n + 3);
    assert!(got[..n].iter().all(|&b| b == 3));
    assert_eq!(&got[n..], b"END");
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), "drained");
}

#[test]
fn pause_and_resume_redeliver_kept_input_and_read_on() {
    /// Answers one line per call with a big reply, pausing until the reply drains.
    struct OneAtATime(usize);
    impl Handler for OneAtATime {
        type State = ();
        fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            assert!(!conn.is_read_paused(), "no input is delivered while paused");
            let b = input.bytes();
            if let Some(end) = b.iter().position(|&x| x == b'\n') {
                conn.write(&vec![b[0]; self.0]);
                input.consume(end + 1);
                conn.pause_read();
            }
            Action::Continue
        }
        fn on_drained(&mut self, conn: &mut Conn<'_, ()>) -> Action {
            conn.resume_read();
            Action::Continue
        }
    }
    let n = 8 << 20;
    let (_server, addr) = start(local().loops(1), move |_| OneAtATime(n));
    let mut c = connect(addr);
    c.write_all(b"a\nb\n").unwrap(); // both lines arrive in one read
    let first = read_n(&mut c, n);
    assert!(first.iter().all(|&x| x == b'a'));
    let second = read_n(&mut c, n);
    assert!(second.iter().all(|&x| x == b'b'), "the kept line was offered again on resume");
    c.write_all(b"c\n").unwrap(); // and the socket is read again after it
    let third = read_n(&mut c, n);
    assert!(third.iter().all(|&x| x == b'c'));
}
