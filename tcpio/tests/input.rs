//! Partial consumption: a handler that takes only whole frames gets the rest again
//! with the next bytes appended; limits on unconsumed input.

mod util;

use std::io::Write;
use std::sync::mpsc;

use rand::{Rng, SeedableRng};
use tcpio::{Action, CloseReason, Conn, Handler, Input};
use util::*;

/// Frames are a 2-byte big-endian length and a body; the reply to each is its body
/// reversed. Consumes whole frames only.
struct Frames {
    /// (total bytes offered, bytes that were already offered before) per call
    seen: mpsc::Sender<(usize, usize)>,
}

#[derive(Default)]
struct Kept {
    left_over: usize,
}

impl Handler for Frames {
    type State = Kept;
    fn on_data(&mut self, conn: &mut Conn<'_, Kept>, input: &mut Input<'_>) -> Action {
        let offered = input.len();
        let kept = conn.state().left_over;
        self.seen.send((offered, kept)).unwrap();
        while input.len() >= 2 {
            let b = input.bytes();
            let n = u16::from_be_bytes([b[0], b[1]]) as usize;
            if b.len() < 2 + n {
                break;
            }
            let mut body = b[2..2 + n].to_vec();
            body.reverse();
            conn.write(&body);
            input.consume(2 + n);
        }
        conn.state_mut().left_over = input.len();
        Action::Continue
    }
}

#[test]
fn remainder_is_offered_again_with_the_next_bytes_appended() {
    let (tx, rx) = mpsc::channel();
    let (_server, addr) = start(local().loops(1), move |_| Frames { seen: tx.clone() });
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut wire = Vec::new();
    let mut want = Vec::new();
    for i in 0..500 {
        let body = payload(i, rng.random_range(0..3000));
        wire.extend_from_slice(&(body.len() as u16).to_be_bytes());
        wire.extend_from_slice(&body);
        want.extend(body.iter().rev());
    }
    let mut c = connect(addr);
    let mut r = c.try_clone().unwrap();
    let n = want.len();
    let reader = std::thread::spawn(move || read_n(&mut r, n));
    let mut off = 0;
    while off < wire.len() {
        let k = rng.random_range(1..=700).min(wire.len() - off);
        c.write_all(&wire[off..off + k]).unwrap();
        off += k;
    }
    assert_eq!(reader.join().unwrap(), want);
    // Every call offered at least what was left over from the call before.
    let calls: Vec<_> = rx.try_iter().collect();
    assert!(calls.iter().any(|&(_, kept)| kept > 0), "some frame straddled reads");
    for &(offered, kept) in &calls {
        assert!(offered > kept, "new bytes come after the kept ones ({offered} vs {kept})");
    }
}

#[test]
fn input_past_the_limit_closes_only_that_connection() {
    struct Hoard(mpsc::Sender<CloseReason>);
    impl Handler for Hoard {
        type State = ();
        fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
            if input.bytes().starts_with(b"PING") {
                conn.write(b"PONG");
                input.consume(4);
            }
            Action::Continue // never consumes anything else
        }
        fn on_close(&mut self, _: &mut Conn<'_, ()>, reason: &CloseReason) {
            self.0.send(reason.clone()).unwrap();
        }
    }
    let (tx, rx) = mpsc::channel();
    let (_server, addr) = start(local().loops(1).max_input(64 * 1024), move |_| Hoard(tx.clone()));
    let mut good = connect(addr);
    let mut bad = connect(addr);
    let _ = bad.write_all(&vec![b'x'; 512 * 1024]);
    let reason = rx.recv_timeout(LIMIT).unwrap();
    assert!(matches!(reason, CloseReason::InputLimit { limit: 65536 }), "{reason:?}");
    good.write_all(b"PING").unwrap();
    assert_eq!(read_n(&mut good, 4), b"PONG");
}

#[test]
fn an_unbounded_max_input_keeps_input_without_overflow() {
    // `max_input(usize::MAX)` is how a user says "no limit": the kept-input buffer's
    // growth limit (max_input plus one read) must not overflow. Lines are answered
    // once whole; each arrives in pieces, so the rest is kept between reads.
    let b = local().loops(1).max_input(usize::MAX);
    let (server, addr) = start(b, |_| {
        tcpio::FnHandler(|conn: &mut Conn<'_, ()>, input: &mut Input<'_>| {
            if let Some(end) = input.bytes().iter().position(|&b| b == b'\n') {
                let n = input.bytes()[..end].len();
                conn.write(format!("{n}\n").as_bytes());
                input.consume(end + 1);
            }
            Action::Continue
        })
    });
    let mut c = connect(addr);
    let mut sent = 0;
    for piece in [&b"abc"[..], b"def", b"ghi\n"] {
        c.write_all(piece).unwrap();
        sent += piece.len() as u64;
        // Wait until the server has read this piece, so the next one arrives apart.
        assert!(wait_for(|| server.stats().total.bytes_in >= sent));
    }
    assert_eq!(read_n(&mut c, 2), b"9\n");
    assert!(server.is_running());
}
