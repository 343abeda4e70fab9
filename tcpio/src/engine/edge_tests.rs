//! The engine's edge paths, made to happen exactly where a test puts them: partial
//! writes, `WouldBlock` in the middle of a flush, an error after some bytes, a short
//! read, a read of zero. The connection's stream follows a script
//! (`transport::scripted`, test builds only) instead of calling the kernel, and the
//! loop's own read and flush code runs on it.

use std::sync::Arc;
use std::time::Duration;

use rustix::io::Errno;

use super::config::{BufferLimits, LoopConfig, Timeouts};
use super::core::Core;
use super::deliver::{read_conn, Read};
use super::record::{Record, NOTIFY_DRAINED, SHARED_HELD, WRITE_BLOCKED};
use super::shared::{LoopShared, Shared};
use super::{Action, Balance, CloseReason, Conn, FnHandler, Input};
use crate::backend::Poller;
use crate::transport::scripted::{self, Step};
use crate::transport::{Addr, SocketOptions, Stream};

/// A loop's core, as a callback borrows it, with a read buffer of `read_buffer` bytes.
fn core(read_buffer: usize) -> (Core, Vec<u8>, Poller) {
    let cfg = LoopConfig {
        loops: 1,
        read_buffer,
        pool_buffer: 64,
        pool_max_free: 4,
        read_budget: 16,
        accept_budget: 16,
        max_events: 16,
        linger: Duration::from_secs(1),
        limits: BufferLimits {
            max_input: 1 << 20,
            high_water: 1 << 20,
            low_water: 1 << 18,
            max_output: 1 << 22,
        },
        socket: SocketOptions::default(),
        balance: Balance::RoundRobin,
        timeouts: Timeouts::default(),
        setups: Arc::from(vec![]),
    };
    let poller = Poller::new().unwrap();
    let loops = vec![LoopShared::new(poller.waker().unwrap(), 1 << 20)];
    let admission = super::admission::Admission::new(Default::default());
    let shared = Arc::new(Shared::new(loops, admission, None, None));
    (Core::new(Arc::new(cfg), 0, Arc::from(vec![]), shared), vec![0; read_buffer], poller)
}

/// A connection record over a real (unused) socket, whose reads and writes the
/// script decides.
fn record() -> Record<()> {
    let (a, _b) = mio::net::UnixStream::pair().unwrap();
    Record::new(Stream::Unix(a), 1, 0, 1, 0, Addr::Unnamed, 1, ())
}

/// Echoes every byte (forwarded from the read buffer, not copied).
fn echo() -> impl FnMut(&mut Conn<'_, ()>, &mut Input<'_>) -> Action {
    |conn, input| {
        conn.write(input.bytes());
        input.consume_all();
        Action::Continue
    }
}

#[test]
fn a_short_read_means_drained_and_no_read_follows() {
    let (mut core, mut rbuf, _p) = core(64);
    let mut c = record();
    // One read of 5 bytes into a 64-byte buffer, then the echo's write: a second read
    // would find no step and fail the test.
    scripted::install([Step::Read(b"hello".to_vec()), Step::Take(usize::MAX)]);
    let mut budget = 16;
    let r = read_conn(&mut FnHandler(echo()), &mut core, &mut rbuf, &mut c, &mut budget);
    assert!(matches!(r, Read::Done));
    assert_eq!(scripted::written(), (b"hello".to_vec(), true));
    assert_eq!(budget, 15, "one read");
}

#[test]
fn a_full_read_reads_again_until_a_short_one() {
    let (mut core, mut rbuf, _p) = core(4);
    let mut c = record();
    // The steps run in order: read 4, write, read 4, write, read → would block.
    scripted::install([
        Step::Read(b"abcd".to_vec()),
        Step::Take(usize::MAX),
        Step::Read(b"efgh".to_vec()),
        Step::Take(usize::MAX),
        Step::WouldBlock,
    ]);
    let mut budget = 16;
    let r = read_conn(&mut FnHandler(echo()), &mut core, &mut rbuf, &mut c, &mut budget);
    assert!(matches!(r, Read::Done));
    assert_eq!(scripted::written(), (b"abcdefgh".to_vec(), true));
}

#[test]
fn a_read_of_zero_is_the_end_of_stream() {
    let (mut core, mut rbuf, _p) = core(64);
    let mut c = record();
    scripted::install([Step::Eof]);
    let mut budget = 16;
    let r = read_conn(&mut FnHandler(echo()), &mut core, &mut rbuf, &mut c, &mut budget);
    assert!(matches!(r, Read::Eof));
}

#[test]
fn a_read_error_after_some_bytes_delivers_them_then_fails() {
    let (mut core, mut rbuf, _p) = core(4);
    let mut c = record();
    scripted::install([Step::Read(b"abcd".to_vec()), Step::Take(usize::MAX), Step::Fail(Errno::CONNRESET)]);
    let mut budget = 16;
    let r = read_conn(&mut FnHandler(echo()), &mut core, &mut rbuf, &mut c, &mut budget);
    let Read::Failed(e) = r else { panic!("the read error is reported") };
    assert!(matches!(CloseReason::from_io(e.into()), CloseReason::Reset));
    assert_eq!(scripted::written(), (b"abcd".to_vec(), true));
}

#[test]
fn the_budget_bounds_the_reads_of_one_event() {
    let (mut core, mut rbuf, _p) = core(4);
    let mut c = record();
    let mut steps = Vec::new();
    for _ in 0..3 {
        steps.push(Step::Read(b"full".to_vec()));
        steps.push(Step::Take(usize::MAX));
    }
    scripted::install(steps);
    let mut budget = 3;
    let r = read_conn(&mut FnHandler(echo()), &mut core, &mut rbuf, &mut c, &mut budget);
    assert!(matches!(r, Read::Budget), "input may still wait: the loop comes back later");
    assert_eq!(scripted::written(), (b"fullfullfull".to_vec(), true));
}

#[test]
fn a_partial_write_keeps_the_rest_and_waits_for_room() {
    let (mut core, _rbuf, _p) = core(64);
    let mut c = record();
    scripted::install([Step::Take(4)]);
    core.batch.begin(&[]);
    Conn::new(&mut c, &mut core).write(b"0123456789");
    core.flush(&mut c, &[]).unwrap();
    assert_eq!(c.out.pending(), b"456789");
    assert!(c.flag(WRITE_BLOCKED) && c.flag(NOTIFY_DRAINED), "waits for the writable edge");
    assert_eq!(core.bytes_out, 4);
    // While blocked, a flush does not touch the socket (no step is planned for it).
    core.batch.begin(&[]);
    Conn::new(&mut c, &mut core).write(b"AB");
    core.flush(&mut c, &[]).unwrap();
    assert_eq!(c.out.pending(), b"456789AB");
    // The writable edge: the rest goes out whole.
    c.set_flag(WRITE_BLOCKED, false);
    scripted::then([Step::Take(usize::MAX)]);
    core.batch.begin(&[]);
    core.flush(&mut c, &[]).unwrap();
    assert!(c.out.is_empty());
    assert_eq!(scripted::written(), (b"0123456789AB".to_vec(), true));
}

#[test]
fn would_block_in_the_middle_of_a_flush_keeps_exactly_the_unsent_output_in_order() {
    let (mut core, _rbuf, _p) = core(64);
    let mut c = record();
    let input = b"GET a\nGET b\n".to_vec();
    // Forwarded input interleaved with owned bytes: one writev, of which the socket
    // takes 7 bytes; then it would block.
    scripted::install([Step::Take(7)]);
    core.batch.begin(&input);
    {
        let mut conn = Conn::new(&mut c, &mut core);
        conn.write(b"<");
        conn.write(&input[0..6]);
        conn.write(b"|");
        conn.write(&input[6..12]);
        conn.write(b">");
    }
    core.flush(&mut c, &input).unwrap();
    let logical = b"<GET a\n|GET b\n>";
    assert_eq!(c.out.pending(), &logical[7..], "the rest, copied out of the input only now");
    assert_eq!(core.batch.count(), 0);
    assert!(c.flag(WRITE_BLOCKED));
    // A writable edge that finds the socket full again: nothing moves.
    c.set_flag(WRITE_BLOCKED, false);
    scripted::then([Step::WouldBlock]);
    core.batch.begin(&[]);
    core.flush(&mut c, &[]).unwrap();
    assert_eq!(c.out.pending(), &logical[7..]);
    assert!(c.flag(WRITE_BLOCKED));
    c.set_flag(WRITE_BLOCKED, false);
    scripted::then([Step::Take(usize::MAX)]);
    core.batch.begin(&[]);
    core.flush(&mut c, &[]).unwrap();
    assert_eq!(scripted::written(), (logical.to_vec(), true));
}

#[test]
fn a_write_error_after_some_bytes_fails_the_flush() {
    let (mut core, _rbuf, _p) = core(64);
    let mut c = record();
    scripted::install([Step::Take(3)]);
    core.batch.begin(&[]);
    Conn::new(&mut c, &mut core).write(b"abcdef");
    core.flush(&mut c, &[]).unwrap();
    c.set_flag(WRITE_BLOCKED, false);
    scripted::then([Step::Fail(Errno::PIPE)]);
    core.batch.begin(&[]);
    let e = core.flush(&mut c, &[]).unwrap_err();
    assert!(matches!(CloseReason::from_io(e), CloseReason::Reset));
    assert_eq!(scripted::written(), (b"abc".to_vec(), true));
}

/// A loop over `core` with connections of [`record`]; none is registered with a
/// poller, so only paths that do not wait for events may run on them.
fn event_loop(
    core: Core,
    poller: Poller,
) -> super::EventLoop<FnHandler<impl FnMut(&mut Conn<'_, ()>, &mut Input<'_>) -> Action>> {
    super::EventLoop::new(FnHandler(echo()), poller, Vec::new(), core)
}

#[test]
fn shared_messages_go_out_uncopied_and_a_full_socket_holds_the_rest_uncopied() {
    let (core, _rbuf, poller) = core(64);
    let mut lp = event_loop(core, poller);
    let (k1, k2) = (lp.conns.insert(record()), lp.conns.insert(record()));
    let (a, b): (Arc<[u8]>, Arc<[u8]>) = (vec![b'a'; 1000].into(), vec![b'b'; 1000].into());
    // One `writev` per recipient for both messages: the first takes 1500 bytes, the
    // second all of them.
    scripted::install([Step::Take(1500), Step::Take(usize::MAX)]);
    lp.fan_out(a.clone(), &[k1, k2]);
    lp.fan_out(b.clone(), &[k1, k2]);
    lp.flush_fanout();
    let want = [&a[..], &b[..500], &a[..], &b[..]].concat();
    assert_eq!(scripted::written(), (want, true));
    let c1 = &lp.conns[k1];
    assert!(c1.out.is_empty(), "nothing copied");
    assert_eq!(c1.held_bytes(), 500, "the rest of `b` is held");
    assert!(c1.flag(WRITE_BLOCKED) && c1.flag(SHARED_HELD) && !lp.conns[k2].flag(WRITE_BLOCKED));
    assert!(lp.conns[k2].out.is_empty());
    assert_eq!(lp.core.pool.queued, 500, "held bytes count as queued");

    // A recipient whose socket is full holds later messages too, in order.
    lp.fan_out(a.clone(), &[k1]);
    lp.flush_fanout();
    assert_eq!((lp.conns[k1].held_bytes(), lp.conns[k1].queued_total()), (1500, 1500));
    // A write to it must follow them: they are appended to its queue first.
    Conn::new(&mut lp.conns[k1], &mut lp.core).write(b"!");
    let c1 = &lp.conns[k1];
    assert_eq!(c1.out.pending(), [&b[500..], &a[..], b"!"].concat());
    assert!(!c1.flag(SHARED_HELD) && c1.held_bytes() == 0);
}

#[test]
fn the_writable_edge_writes_held_messages_and_keeps_what_the_socket_leaves() {
    let (core, _rbuf, poller) = core(64);
    let mut lp = event_loop(core, poller);
    let k = lp.conns.insert(record());
    let (a, b): (Arc<[u8]>, Arc<[u8]>) = (vec![b'a'; 100].into(), vec![b'b'; 100].into());
    scripted::install([Step::WouldBlock]);
    lp.fan_out(a.clone(), &[k]);
    lp.fan_out(b.clone(), &[k]);
    lp.flush_fanout();
    assert_eq!(lp.conns[k].held_bytes(), 200);
    // The edge: the socket takes 150, then (next edge) the rest.
    scripted::then([Step::Take(150)]);
    lp.on_writable(k);
    assert_eq!((lp.conns[k].held_bytes(), lp.conns[k].flag(WRITE_BLOCKED)), (50, true));
    scripted::then([Step::Take(usize::MAX)]);
    lp.on_writable(k);
    let c = &lp.conns[k];
    assert!(!c.flag(SHARED_HELD) && !c.flag(WRITE_BLOCKED) && c.queued_total() == 0);
    assert_eq!(scripted::written(), ([&a[..], &b[..]].concat(), true));
    assert_eq!(lp.core.pool.queued, 0);
}

#[test]
fn a_recipient_that_cannot_take_a_shared_message_within_its_cap_is_closed() {
    let (mut core, _rbuf, poller) = core(64);
    core.max_output = 1200;
    let mut lp = event_loop(core, poller);
    let (k1, k2) = (lp.conns.insert(record()), lp.conns.insert(record()));
    let m: Arc<[u8]> = vec![b'm'; 1000].into();
    scripted::install([Step::Take(100), Step::Take(usize::MAX)]);
    lp.fan_out(m.clone(), &[k1, k2]);
    lp.fan_out(m.clone(), &[k1, k2]);
    lp.flush_fanout();
    assert!(!lp.conns.contains(k1), "900 + 1000 bytes left passes the cap of 1200");
    assert!(lp.conns.contains(k2) && lp.conns[k2].out.is_empty());
    assert_eq!(scripted::written().0.len(), 100 + 2000);
}

#[test]
fn a_message_for_other_recipients_ends_the_run_and_order_holds() {
    let (core, _rbuf, poller) = core(64);
    let mut lp = event_loop(core, poller);
    let (k1, k2) = (lp.conns.insert(record()), lp.conns.insert(record()));
    let message = |m: &[u8]| -> Arc<[u8]> { Arc::from(m) };
    // `a` and `b` to both: one run, one write each; `c` to k1 alone ends it.
    scripted::install([Step::Take(usize::MAX), Step::Take(usize::MAX), Step::Take(usize::MAX)]);
    lp.fan_out(message(b"a"), &[k1, k2]);
    lp.fan_out(message(b"b"), &[k1, k2]);
    lp.fan_out(message(b"c"), &[k1]);
    lp.flush_fanout();
    assert_eq!(scripted::written(), (b"ababc".to_vec(), true));
}

#[test]
fn a_run_ended_by_its_length_leaves_later_messages_behind_the_held_ones() {
    let (core, _rbuf, poller) = core(64);
    let mut lp = event_loop(core, poller);
    let k = lp.conns.insert(record());
    let message = |i: usize| -> Arc<[u8]> { Arc::from(format!("{i:04}").as_bytes()) };
    // The 1,025th message ends the run: the socket takes 100 bytes of it and is full.
    // Every later message must wait behind the held rest, not jump ahead of it (the
    // script fails the test on any further write).
    scripted::install([Step::Take(100)]);
    for i in 0..1100 {
        lp.fan_out(message(i), &[k]);
    }
    lp.flush_fanout();
    assert_eq!(scripted::written(), (b"0000000100020003000400050006000700080009001000110012001300140015001600170018001900200021002200230024".to_vec(), true));
    assert_eq!(lp.conns[k].held_bytes(), 1100 * 4 - 100);
    assert!(lp.conns[k].flag(WRITE_BLOCKED) && lp.conns[k].flag(SHARED_HELD));
}

#[test]
fn a_recipient_closed_by_the_run_before_its_next_message_is_skipped() {
    let (mut core, _rbuf, poller) = core(64);
    core.max_output = 1200;
    let mut lp = event_loop(core, poller);
    let (k1, k2) = (lp.conns.insert(record()), lp.conns.insert(record()));
    let m: Arc<[u8]> = vec![b'm'; 1000].into();
    // k1's socket takes 100 bytes: writing the run closes it at its cap. The message
    // after the run, for k1 alone, ends the run first; k1 is gone by then.
    scripted::install([Step::Take(100), Step::Take(usize::MAX)]);
    lp.fan_out(m.clone(), &[k1, k2]);
    lp.fan_out(m.clone(), &[k1, k2]);
    lp.fan_out(Arc::from(&b"last"[..]), &[k1]);
    lp.flush_fanout();
    assert!(!lp.conns.contains(k1));
    assert!(lp.conns.contains(k2));
    assert_eq!(scripted::written().0.len(), 100 + 2000);
}
