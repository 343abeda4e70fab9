//! Applying what a callback staged for other connections of its loop, in order,
//! right after it returns: no lock, no mailbox, no cross-thread hop.

use super::record::{
    CLOSED, NOTIFY_DRAINED, RESUME_PENDING, SHUTDOWN_WRITE_REQUESTED, USER_PAUSED, WRITE_BLOCKED,
};
use super::staged::{Deferred, Op, Piece};
use super::token::conn_token;
use super::{CloseReason, EventLoop, Handler};
use crate::backend::Token;

/// Rounds of follow-up work (callbacks that record more operations) applied in one go.
const MAX_ROUNDS: usize = 64;

impl<H: Handler> EventLoop<H> {
    /// Applies the operations the last callback recorded. `fresh` is how many bytes of
    /// the loop's read buffer were that callback's input (0 if it had none there).
    pub(crate) fn run_deferred(&mut self, fresh: usize) {
        if self.in_deferred {
            return; // the run in progress takes them in its next round
        }
        self.in_deferred = true;
        self.run_deferred_rounds(fresh);
        self.in_deferred = false;
    }

    fn run_deferred_rounds(&mut self, fresh: usize) {
        let mut fresh = fresh;
        for _ in 0..MAX_ROUNDS {
            if self.core.staged.is_empty() {
                return;
            }
            // Moved out so the connections can be written to while their bytes are
            // borrowed; each move is three words.
            let (mut ops, scratch) = self.core.staged.take();
            let rbuf = std::mem::take(&mut self.rbuf);
            let mut follow = Vec::new();
            for Deferred { id, op } in ops.drain(..) {
                let target = self.core.staged.target(id).and_then(|t| self.live(t));
                match (op, target) {
                    (Op::Dial(dial), _) => self.adopt_outbound(id, dial),
                    (_, None) => {}
                    (Op::Write(piece), Some(key)) => {
                        let bytes = match piece {
                            Piece::Input { off, len } => rbuf[..fresh].get(off..off + len),
                            Piece::Owned { start, len } => scratch.get(start..start + len),
                        };
                        // Always present: kept input is copied before it moves.
                        let Some(bytes) = bytes else { continue };
                        if let Some(reason) = self.write_other(key, bytes) {
                            follow.push((key, Some(reason)));
                        } else {
                            follow.push((key, None));
                        }
                    }
                    (Op::PauseRead, Some(key)) => self.conns[key].set_flag(USER_PAUSED, true),
                    (Op::ResumeRead, Some(key)) => {
                        let c = &mut self.conns[key];
                        if c.flag(USER_PAUSED) {
                            c.set_flag(USER_PAUSED, false);
                            if !c.inbuf.is_empty() {
                                c.set_flag(RESUME_PENDING, true);
                            }
                            if c.wants_input() {
                                self.push_ready(key);
                            }
                        }
                    }
                    (Op::ShutdownWrite, Some(key)) => {
                        self.conns[key].set_flag(SHUTDOWN_WRITE_REQUESTED, true);
                        follow.push((key, None));
                    }
                    (Op::OverCap, Some(key)) => {
                        // Only a target that would have taken the write: one leaving or
                        // with its write side shut drops it, as it drops any write.
                        let c = &mut self.conns[key];
                        if !c.any(CLOSED | SHUTDOWN_WRITE_REQUESTED) && c.leaving.is_none() {
                            c.refuse_output(self.core.max_output);
                            follow.push((key, None));
                        }
                    }
                    (Op::Close(reason), Some(key)) => {
                        if self.conns[key].leaving.is_none() {
                            self.conns[key].close_requested.get_or_insert(reason);
                        }
                        follow.push((key, None));
                    }
                }
            }
            self.rbuf = rbuf;
            self.core.staged.done(ops, scratch);
            fresh = 0; // what follows runs callbacks of its own, with no input here
                       // With the bytes placed, the follow-up work may run callbacks.
            let tokens: Vec<(Token, Option<CloseReason>)> =
                follow.into_iter().map(|(k, r)| (conn_token(k, self.conns[k].gen), r)).collect();
            for (token, fatal) in tokens {
                let Some(key) = self.live(token) else { continue };
                if let Some(reason) = fatal {
                    self.finalize(key, reason);
                    continue;
                }
                if let Some(reason) = self.conns[key].close_requested.take() {
                    self.close_as_requested(key, reason);
                    continue;
                }
                self.conns[key].publish_queued();
                self.after_output(key);
            }
        }
        tracing::warn!(
            loop_id = self.id(),
            "callbacks kept acting on each other; the rest waits for the next event"
        );
    }

    /// Writes to a connection other than the callback's: straight to its socket when
    /// nothing is queued before, the rest into its queue. Returns a reason to close
    /// it at once, if the write failed or passed the hard cap.
    fn write_other(&mut self, key: usize, bytes: &[u8]) -> Option<CloseReason> {
        let max = self.core.cfg.limits.max_output;
        let c = &mut self.conns[key];
        if c.flag(CLOSED) || c.leaving.is_some() || c.flag(SHUTDOWN_WRITE_REQUESTED) {
            return None;
        }
        if c.flag(super::record::SHARED_HELD) {
            c.unhold(&mut self.core.pool);
        }
        if c.out.len() + bytes.len() > max {
            c.set_flag(CLOSED, true);
            return Some(CloseReason::OutputLimit { limit: max });
        }
        if c.flag(super::record::TLS) {
            // Through the connection's TLS session, never raw to its socket.
            c.out.extend(bytes, &mut self.core.pool);
            return self.core.flush(c, &[]).err().map(CloseReason::from_io);
        }
        let mut sent = 0;
        if c.out.is_empty() && !c.flag(WRITE_BLOCKED) {
            c.last_out = self.core.clock.now_ms();
            match c.stream.write(bytes) {
                Ok(n) => sent = n,
                Err(e) if e.would_block() => {}
                Err(e) => return Some(CloseReason::from_io(e.into())),
            }
            self.core.bytes_out += sent as u64;
        }
        if sent < bytes.len() {
            c.out.extend(&bytes[sent..], &mut self.core.pool);
            c.set_flag(WRITE_BLOCKED, true);
            c.set_flag(NOTIFY_DRAINED, true);
        }
        None
    }
}
