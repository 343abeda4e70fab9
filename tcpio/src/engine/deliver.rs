//! Delivering input: reading a connection until drained and handing what arrived to
//! the handler, then flushing its replies (`flush.rs`).
//!
//! The common case (a read, a callback whose output went out whole, a short read that
//! says the socket is drained) runs in [`read_conn`] on the connection the event's
//! dispatch already looked up: one slab lookup per event. Everything else (end of
//! stream, an error, a callback outcome that needs the loop, a spent budget) leaves
//! it for [`EventLoop::read_slow`], which re-looks the connection up as it needs.

use std::io;

use super::core::{Core, Unsettled};
use super::guard::guarded;
use super::record::Record;
use super::record::{
    ENDING, EOF, FIN_SEEN, NOTIFY_DRAINED, PRESSURE_PAUSED, RESUME_PENDING, SHUTDOWN_WRITE_REQUESTED,
    WRITE_BLOCKED, WRITE_SHUT,
};
use super::token::{conn_token, key_of};
use super::{Action, CloseReason, Conn, EventLoop, Handler, Input};
use crate::backend::Readiness;
use crate::transport::IoError;

/// Where [`read_conn`] stopped.
pub(crate) enum Read {
    /// Drained for now, would block, or no longer wants input: nothing more to do.
    Done,
    /// The peer closed its side.
    Eof,
    /// The read failed.
    Failed(IoError),
    /// A delivery needs the loop (what for is in [`Core::unsettled`]); `fresh`: bytes
    /// of it that sit in the loop's read buffer; `drained`: the read that brought them
    /// left the socket empty.
    Delivered { fresh: usize, drained: bool },
    /// The read budget ran out with input possibly still waiting.
    Budget,
}

/// Bits that send a readable event to [`EventLoop::on_readable`] rather than straight
/// to [`read_conn`]: a possibly lingering connection, or kept input to offer first.
pub(crate) const READ_SPECIAL: super::record::Bits =
    WRITE_SHUT | RESUME_PENDING | super::record::SETUP | super::record::TLS;

/// Reads `c` and delivers its input until the socket is drained, the budget is spent
/// or something needs the loop. Works on split borrows of the loop, so the caller's
/// lookup of the connection is the only one.
#[inline(always)]
pub(crate) fn read_conn<H: Handler>(
    handler: &mut H,
    core: &mut Core,
    rbuf: &mut [u8],
    c: &mut Record<H::State>,
    budget: &mut usize,
) -> Read {
    // Reads per event are bounded so one busy connection cannot starve the rest; a
    // connection that spends its budget is read again later in this pass.
    while *budget > 0 {
        *budget -= 1;
        if !c.wants_input() {
            return Read::Done;
        }
        // With input left over, read straight behind it (no copy later); else into
        // the loop's shared buffer, so an idle connection keeps no buffer at all.
        let read_size = rbuf.len();
        let fresh = c.inbuf.is_empty();
        let res = if fresh {
            c.stream.read(rbuf)
        } else {
            // Kept input is at most `max_input` (past it the connection closes), so
            // the buffer never needs more than that plus one read.
            let limit = core.cfg.limits.max_input.saturating_add(read_size);
            c.stream.read(c.inbuf.spare(read_size, limit, &mut core.pool))
        };
        match res {
            Ok(0) => return Read::Eof,
            Ok(n) => {
                core.bytes_in += n as u64;
                c.last_in = core.clock.now_ms();
                // A short read means the socket is drained for now (epoll(7)): no
                // system call is spent on the `WouldBlock` that would follow, unless
                // the peer's FIN is flagged and end of stream is still to be read.
                let drained = n < read_size && !c.flag(FIN_SEEN);
                let (settled, fresh) = if fresh {
                    (deliver_fresh(handler, c, core, &rbuf[..n]), n)
                } else {
                    (deliver_kept(handler, c, core, n), 0)
                };
                if !settled {
                    return Read::Delivered { fresh, drained };
                }
                if drained {
                    return Read::Done;
                }
            }
            Err(e) if e.would_block() => return Read::Done,
            Err(e) => return Read::Failed(e),
        }
    }
    Read::Budget
}

impl<H: Handler> EventLoop<H> {
    /// A connection's readiness event: output waiting for room goes first (its
    /// socket had said it was full), then input. The common case (readable, nothing
    /// special) reads on the connection looked up here: one slab lookup per event.
    #[inline(always)]
    pub(crate) fn on_conn_event(&mut self, r: Readiness) {
        let key = key_of(r.token);
        let Some(c) = self.conns.get_mut(key) else { return };
        if conn_token(key, c.gen) != r.token {
            return; // a stale event for a slot that has since been reused
        }
        if r.read_closed {
            c.set_flag(FIN_SEEN, true);
        }
        if r.write && c.flag(WRITE_BLOCKED) {
            self.on_writable(key);
            // Writing may have closed it (and a callback reused the slot).
            if r.read && self.live(r.token).is_some() {
                self.on_readable(key);
            }
        } else if r.read {
            if c.any(READ_SPECIAL) {
                return self.on_readable(key);
            }
            // The common case, on the connection looked up above.
            let mut budget = self.core.read_budget;
            let res = read_conn(&mut self.handler, &mut self.core, &mut self.rbuf, c, &mut budget);
            if !matches!(res, Read::Done) {
                self.read_slow(key, res, budget);
            }
        }
    }

    /// The socket may have input (an edge, a FIN, or a place in the ready list): the
    /// entry that looks the connection up itself and handles the special cases first.
    pub(crate) fn on_readable(&mut self, key: usize) {
        let c = &self.conns[key];
        if c.flag(super::record::SETUP) {
            return match c.flag(super::record::TLS) {
                true => self.read_tls(key),
                false => self.read_setup(key),
            };
        }
        let c = &mut self.conns[key];
        if c.lingering() {
            return self.drain_linger(key);
        }
        if c.flag(RESUME_PENDING) {
            // Resumed with input still kept: offer it before reading more.
            c.set_flag(RESUME_PENDING, false);
            if !c.inbuf.is_empty() && c.wants_input() {
                let token = conn_token(key, c.gen);
                if !deliver_kept(&mut self.handler, c, &mut self.core, 0) && !self.finish(key, 0, token) {
                    return;
                }
            }
        }
        if self.conns[key].flag(super::record::TLS) {
            return self.read_tls(key);
        }
        let mut budget = self.core.read_budget;
        let c = &mut self.conns[key];
        let r = read_conn(&mut self.handler, &mut self.core, &mut self.rbuf, c, &mut budget);
        self.read_slow(key, r, budget);
    }

    /// Applies where [`read_conn`] stopped and reads on while the connection wants
    /// input and the budget lasts.
    #[inline(never)]
    pub(crate) fn read_slow(&mut self, key: usize, mut r: Read, mut budget: usize) {
        let token = conn_token(key, self.conns[key].gen);
        loop {
            match r {
                Read::Done => return,
                Read::Eof => {
                    self.conns[key].set_flag(EOF, true);
                    self.callback(key, |h, conn| h.on_eof(conn));
                    // Nothing more is delivered, so kept input goes back to the pool,
                    // unless `on_eof` detached: then it was handed over as `unread`.
                    if self.live(token).is_some() {
                        let c = &mut self.conns[key];
                        if !matches!(c.leaving, Some(super::record::Leaving::Detach)) {
                            c.inbuf.release(&mut self.core.pool);
                        }
                    }
                    return;
                }
                Read::Failed(e) => return self.finalize(key, CloseReason::from_io(e.into())),
                Read::Delivered { fresh, drained } => {
                    if !self.finish(key, fresh, token) || drained {
                        return;
                    }
                }
                Read::Budget => {
                    if self.conns[key].wants_input() {
                        self.push_ready(key);
                    }
                    return;
                }
            }
            let c = &mut self.conns[key];
            r = read_conn(&mut self.handler, &mut self.core, &mut self.rbuf, c, &mut budget);
        }
    }

    /// Applies what an unsettled delivery left to do; false if the connection is gone.
    pub(crate) fn finish(&mut self, key: usize, fresh: usize, token: crate::backend::Token) -> bool {
        match self.core.unsettled.take() {
            // Not reached: `read_conn` reports a delivery only after it unsettled.
            None => true,
            Some(Unsettled::Pending(res, flushed)) => self.finish_pending(key, res, flushed, fresh, token),
            Some(Unsettled::TooMuchInput) => {
                // What the callback forwarded to other connections still goes.
                if !self.core.staged.is_empty() {
                    self.run_deferred(fresh);
                    if self.live(token).is_none() {
                        return false;
                    }
                }
                let limit = self.core.cfg.limits.max_input;
                self.finalize(key, CloseReason::InputLimit { limit });
                false
            }
        }
    }

    /// A callback's outcome that needs the loop: its operations on other connections,
    /// then [`after`](Self::after). False if the connection is gone (its slot may hold
    /// another connection by then: a deferred dial can reuse it).
    fn finish_pending(
        &mut self,
        key: usize,
        res: Result<Action, String>,
        flushed: io::Result<()>,
        fresh: usize,
        token: crate::backend::Token,
    ) -> bool {
        if !self.core.staged.is_empty() {
            self.run_deferred(fresh);
            if self.live(token).is_none() {
                return false;
            }
        }
        self.after(key, res, flushed);
        self.live(token).is_some()
    }
}

/// Delivers bytes that sit in the loop's read buffer; only what the handler does not
/// consume is copied, into the connection's own buffer. True if the delivery settled;
/// else what is left to do is in [`Core::unsettled`].
#[inline]
pub(crate) fn deliver_fresh<H: Handler>(
    handler: &mut H,
    c: &mut Record<H::State>,
    core: &mut Core,
    data: &[u8],
) -> bool {
    core.batch.begin(data);
    let mut input = Input::new(data);
    let res = guarded(|| handler.on_data(&mut Conn::new(c, core), &mut input));
    let consumed = input.consumed();
    let flushed = core.flush(c, data);
    if consumed < data.len() && res.is_ok() && c.leaving.is_none() {
        if data.len() - consumed > core.cfg.limits.max_input {
            return core.unsettle(Unsettled::TooMuchInput);
        }
        c.inbuf.append(&data[consumed..], &mut core.pool);
    }
    settled(c, core, &res, &flushed) || core.unsettle(Unsettled::Pending(res, flushed))
}

/// Delivers the connection's kept input after `n` more bytes were read into it. True
/// if the delivery settled, as [`deliver_fresh`].
pub(crate) fn deliver_kept<H: Handler>(
    handler: &mut H,
    c: &mut Record<H::State>,
    core: &mut Core,
    n: usize,
) -> bool {
    c.inbuf.filled(n);
    // The buffer is moved out for the callback so the handler can borrow the
    // connection mutably while reading its input; moving it is a few words.
    let mut inbuf = std::mem::take(&mut c.inbuf);
    let data = inbuf.data();
    core.batch.begin(data);
    let mut input = Input::new(data);
    let res = guarded(|| handler.on_data(&mut Conn::new(c, core), &mut input));
    let consumed = input.consumed();
    let flushed = core.flush(c, data);
    if !core.staged.is_empty() {
        // The kept input is about to move: copy the slices written to other
        // connections (the read buffer's are used in place).
        core.staged.keep_input(data);
    }
    inbuf.consume(consumed, &mut core.pool);
    let over = inbuf.len() > core.cfg.limits.max_input;
    c.inbuf = inbuf;
    if over && res.is_ok() {
        core.unsettle(Unsettled::TooMuchInput)
    } else {
        settled(c, core, &res, &flushed) || core.unsettle(Unsettled::Pending(res, flushed))
    }
}

/// Whether a callback's outcome needs no further work: it continued, its output went
/// out whole, and nothing waits on the connection. The hot path's common case.
#[inline]
pub(crate) fn settled<S>(
    c: &Record<S>,
    core: &Core,
    res: &Result<Action, String>,
    flushed: &std::io::Result<()>,
) -> bool {
    matches!(res, Ok(Action::Continue))
        && core.staged.is_empty()
        && flushed.is_ok()
        // Nothing resumed, paused by pressure, waiting to drain or to send a FIN, asked
        // to close or leaving...
        && !c.any(RESUME_PENDING | PRESSURE_PAUSED | NOTIFY_DRAINED | SHUTDOWN_WRITE_REQUESTED | ENDING)
        && {
            debug_assert!(c.close_requested.is_none() && c.leaving.is_none());
            // A flush that leaves output behind always flags it (NOTIFY_DRAINED), and
            // the callback's flush has just run: no separate look at the buffer.
            debug_assert!(c.out.is_empty() || c.any(NOTIFY_DRAINED));
            true
        }
}
