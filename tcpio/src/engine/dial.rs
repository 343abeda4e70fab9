//! The loop's side of `local.rs`: applying operations recorded during a callback,
//! taking dialed connections in, and completing (or timing out) their connects.

use std::any::Any;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::connection::Connection;
use super::connection::{
    CLOSED, CONNECTING, NOTIFY_DRAINED, RESUME_PENDING, SHUTDOWN_WRITE_REQUESTED, USER_PAUSED, WRITE_BLOCKED,
};
use super::event_loop::{conn_token, EventLoop, Timer};
use super::events::ServerEvent;
use super::local::{Deferred, Op, Piece};
use super::shared::bump;
use super::{CloseReason, Handler};
use crate::backend::Token;
use crate::transport::{Addr, Errno, Stream};

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
            if self.core.deferred.is_empty() {
                return;
            }
            let mut ops = std::mem::take(&mut self.core.deferred);
            // Moved out so the connections can be written to while their bytes are
            // borrowed; each move is three words.
            let rbuf = std::mem::take(&mut self.rbuf);
            let scratch = std::mem::take(&mut self.core.scratch);
            let mut follow = Vec::new();
            for Deferred { id, op } in ops.drain(..) {
                let target = self.core.reach.get(&id).copied().flatten().and_then(|t| self.live(t));
                match (op, target) {
                    (Op::Dial { stream, peer, timeout, state }, _) => {
                        self.adopt_outbound(id, stream, peer, timeout, state)
                    }
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
                        self.conns[key].refuse_output(self.core.max_output);
                        follow.push((key, None));
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
            let mut scratch = scratch;
            scratch.clear();
            self.core.scratch = scratch;
            self.core.deferred = ops;
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
        if c.out.len() + bytes.len() > max {
            c.set_flag(CLOSED, true);
            return Some(CloseReason::OutputLimit { limit: max });
        }
        let mut sent = 0;
        if c.out.is_empty() && !c.flag(WRITE_BLOCKED) {
            c.last_out = self.core.now_ms;
            loop {
                match c.stream.write(bytes) {
                    Ok(n) => sent = n,
                    Err(Errno::AGAIN) => {}
                    Err(Errno::INTR) => continue,
                    Err(e) => return Some(CloseReason::from_io(e.into())),
                }
                break;
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

    /// Takes a dialed connection into the loop; it opens when the connect completes.
    /// The connection limits have counted it already.
    pub(crate) fn adopt_outbound(
        &mut self,
        id: u64,
        mut stream: Stream,
        peer: Addr,
        timeout: Duration,
        state: Box<dyn Any>,
    ) {
        let gen = self.next_gen();
        let key = self.conns.vacant_key();
        let token = conn_token(key, gen);
        if let Err(e) = self.poller.register(&mut stream, token) {
            self.core.shared.admission.release_outbound();
            self.guarded_user("a connection state's destructor", move || drop(state));
            self.core.reach.remove(&id);
            let loop_id = self.id();
            tracing::warn!(loop_id, %peer, error = %e, "registering an outbound connection failed");
            self.core.shared.emit(ServerEvent::Error {
                loop_id,
                context: "registering an outbound connection",
                error: &e,
            });
            return;
        }
        // Always the loop's state type: `Conn::connect` is typed by it.
        let Ok(state) = state.downcast::<H::State>() else { return };
        let mut c = Connection::new(stream, id, key, gen, usize::MAX, peer, self.core.now_ms, *state);
        c.outbound = true;
        c.admitted = true; // by whoever dialed it
        c.set_flag(CONNECTING, true);
        // The writable edge that completes the connect is routed like a blocked write.
        c.set_flag(WRITE_BLOCKED, true);
        c.reachable = true;
        self.conns.insert(c);
        self.core.reach.insert(id, Some(token));
        bump(&self.core.counters().dialed, 1);
        self.core.wheel.insert(super::timers::deadline(Instant::now(), timeout), Timer::Connect(token));
        if self.core.draining {
            // Dialed while stopping: it opens and is asked to finish like the rest.
            tracing::debug!(loop_id = self.id(), conn = id, "dialing while the server stops");
        }
    }

    /// A writable (or error) edge on a connecting socket.
    pub(crate) fn finish_connect(&mut self, key: usize) {
        let c = &mut self.conns[key];
        match c.stream.finish_connect() {
            Ok(false) => {}
            Err(e) => self.finalize(key, CloseReason::ConnectFailed(Arc::new(e))),
            Ok(true) => {
                c.set_flag(CONNECTING, false);
                c.set_flag(WRITE_BLOCKED, false);
                // Its timeouts count from now, not from the dial.
                c.opened_ms = self.core.now_ms;
                c.last_out = self.core.now_ms;
                let token = conn_token(key, c.gen);
                if let Err(e) = self.prepare_socket(&self.conns[key].stream) {
                    return self.finalize(key, CloseReason::ConnectFailed(Arc::new(e)));
                }
                let c = &self.conns[key];
                let loop_id = self.core.loop_id;
                if self.core.shared.observer.is_some() {
                    let id = c.id;
                    let listener = &Addr::Unnamed;
                    self.core.shared.emit(ServerEvent::Opened { id, loop_id, peer: &c.peer, listener });
                }
                tracing::trace!(loop_id = self.id(), conn = self.conns[key].id, "outbound connection opened");
                self.arm_activity(key);
                // Output queued while connecting goes out with whatever on_open adds.
                self.callback(key, |h, conn| h.on_open(conn));
                if self.core.draining && self.live(token).is_some() {
                    self.ask_to_finish(key);
                }
                if let Some(key) = self.live(token) {
                    if self.conns[key].wants_input() {
                        self.push_ready(key);
                    }
                }
            }
        }
    }

    /// The connect timeout passed.
    pub(crate) fn connect_timed_out(&mut self, token: Token) {
        if let Some(key) = self.live(token) {
            if self.conns[key].flag(CONNECTING) {
                let e = io::Error::new(io::ErrorKind::TimedOut, "connect timed out");
                self.finalize(key, CloseReason::ConnectFailed(Arc::new(e)));
            }
        }
    }
}
