//! `Conn::writer` and `Conn::state_and_writer`: appends in order with `Conn::write`
//! (forwarded input included), obeys the hard cap and the write side's state, works as
//! `io::Write`, and lends the connection's state beside it.

mod util;

use std::io::{Read, Write};
use std::sync::mpsc;

use tcpio::{Action, CloseReason, Conn, Handler, Input};
use util::*;

/// Answers each line `L` with `<L>[len]{L}`: `<` and `>` through a writer, the line itself
/// forwarded from the input with `Conn::write`, its length formatted through
/// `io::Write`, the braces through a second writer.
struct Mixed;

impl Handler for Mixed {
    type State = ();
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        let bytes = input.bytes();
        let mut used = 0;
        while let Some(nl) = bytes[used..].iter().position(|&b| b == b'\n') {
            let line = &bytes[used..used + nl];
            conn.writer().put(b"<");
            conn.write(line);
            let mut w = conn.writer();
            w.put(b">");
            write!(w, "[{}]", line.len()).unwrap();
            w.put(b"{");
            drop(w);
            conn.write(line);
            conn.writer().put(b"}\n");
            used += nl + 1;
        }
        input.consume(used);
        Action::Continue
    }
}

#[test]
fn writer_output_interleaves_in_order_with_forwarded_input() {
    let (_server, addr) = start(local().loops(1), |_| Mixed);
    let mut c = connect(addr);
    // Many lines in one send: one callback, many pieces, some of them forwarded input.
    let lines: Vec<String> = (0..200).map(|i| "x".repeat(i % 37)).collect();
    let mut sent = String::new();
    let mut want = String::new();
    for l in &lines {
        sent.push_str(l);
        sent.push('\n');
        want.push_str(&format!("<{l}>[{}]{{{l}}}\n", l.len()));
    }
    c.write_all(sent.as_bytes()).unwrap();
    let got = read_n(&mut c, want.len());
    assert_eq!(String::from_utf8(got).unwrap(), want);
}

/// Puts `each` bytes per `put`, `count` times, then reports what the writer had left.
struct Putter {
    each: usize,
    count: usize,
    rooms: mpsc::Sender<(usize, usize)>,
    closed: mpsc::Sender<CloseReason>,
}

impl Handler for Putter {
    type State = ();
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        input.consume_all();
        let mut w = conn.writer();
        let before = w.room();
        let chunk = vec![7u8; self.each];
        w.put(b"");
        for _ in 0..self.count {
            w.put(&chunk);
        }
        let after = w.room();
        drop(w);
        self.rooms.send((before, after)).unwrap();
        Action::Continue
    }
    fn on_close(&mut self, _: &mut Conn<'_, ()>, reason: &CloseReason) {
        self.closed.send(reason.clone()).unwrap();
    }
}

#[test]
fn writer_past_the_hard_cap_closes_with_output_limit_and_stores_nothing_more() {
    let (rooms, rooms_rx) = mpsc::channel();
    let (closed, closed_rx) = mpsc::channel();
    // Small enough that the first put goes out whole in the flush before the close.
    let cap = 4 * 1024;
    let (server, addr) = start(local().loops(1).high_water(cap).max_output(cap), move |_| Putter {
        each: 3 * 1024,
        count: 3,
        rooms: rooms.clone(),
        closed: closed.clone(),
    });
    let mut c = connect(addr);
    c.write_all(b"go").unwrap();
    let (before, after) = rooms_rx.recv_timeout(LIMIT).unwrap();
    assert_eq!((before, after), (cap, 0), "the second put passes the cap, the third is discarded");
    let reason = closed_rx.recv_timeout(LIMIT).unwrap();
    assert!(matches!(reason, CloseReason::OutputLimit { limit } if limit == cap), "{reason:?}");
    // What was put before the cap was queued and flushed before the (immediate) close.
    let got = read_to_end(&mut c).unwrap();
    assert_eq!(got.len(), 3 * 1024);
    assert!(got.iter().all(|&b| b == 7));
    assert!(wait_for(|| server.stats().total.closed == 1));
}

#[test]
fn writer_output_after_shutdown_write_is_discarded_without_closing() {
    struct HalfClose(mpsc::Sender<usize>);
    impl Handler for HalfClose {
        type State = ();
        fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            input.consume_all();
            conn.writer().put(b"last words");
            conn.shutdown_write();
            let mut w = conn.writer();
            w.put(b"never sent");
            self.0.send(w.room()).unwrap();
            Action::Continue
        }
    }
    let (tx, rx) = mpsc::channel();
    let (server, addr) = start(local().loops(1), move |_| HalfClose(tx.clone()));
    let mut c = connect(addr);
    c.write_all(b"go").unwrap();
    assert_eq!(rx.recv_timeout(LIMIT).unwrap(), 0);
    let mut got = Vec::new();
    c.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"last words");
    // The connection is still open for reading: only the write side was shut.
    assert_eq!(server.stats().total.open, 1);
}

#[test]
fn output_put_through_a_writer_is_counted_as_queued_until_sent() {
    struct Big;
    impl Handler for Big {
        type State = ();
        fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            input.consume_all();
            let mut w = conn.writer();
            for i in 0..64u8 {
                w.put(&[i; 64 * 1024]);
            }
            Action::Continue
        }
    }
    let (server, addr) = start(local().loops(1).send_buffer_size(64 * 1024), |_| Big);
    let mut c = connect(addr);
    socket2::SockRef::from(&c).set_recv_buffer_size(64 * 1024).unwrap();
    c.write_all(b"go").unwrap();
    // 4 MiB cannot all fit in the socket buffers: the rest is queued, and counted.
    assert!(wait_for(|| server.stats().total.queued_bytes > 1 << 20));
    let got = read_n(&mut c, 64 * 64 * 1024);
    for (i, chunk) in got.chunks(64 * 1024).enumerate() {
        assert!(chunk.iter().all(|&b| b == i as u8), "chunk {i}");
    }
    assert!(wait_for(|| server.stats().total.queued_bytes == 0));
}

/// Numbers every line a connection sends, the count kept in the connection's state and
/// changed while the writer is out.
struct Numberer;

impl Handler for Numberer {
    type State = u64;
    fn on_data(&mut self, conn: &mut Conn<'_, u64>, input: &mut Input<'_>) -> Action {
        let (lines, mut out) = conn.state_and_writer();
        let bytes = input.bytes();
        let mut used = 0;
        while let Some(nl) = bytes[used..].iter().position(|&b| b == b'\n') {
            *lines += 1;
            write!(out, "{lines}:").unwrap();
            out.put(&bytes[used..used + nl + 1]);
            used += nl + 1;
        }
        drop(out);
        input.consume(used);
        Action::Continue
    }
}

#[test]
fn state_and_writer_lends_the_state_beside_the_writer_and_keeps_it_across_reads() {
    let (_server, addr) = start(local().loops(1), |_| Numberer);
    let mut c = connect(addr);
    let mut a = connect(addr);
    // Each read's replies are waited for, so the count must carry over from read to
    // read; a second connection keeps its own count.
    for (i, word) in ["a", "bb", "ccc"].iter().enumerate() {
        c.write_all(format!("{word}\n{word}\n").as_bytes()).unwrap();
        let want = format!("{}:{word}\n{}:{word}\n", 2 * i + 1, 2 * i + 2);
        assert_eq!(read_n(&mut c, want.len()), want.as_bytes());
    }
    a.write_all(b"x\n").unwrap();
    assert_eq!(read_n(&mut a, 4), b"1:x\n");
}
