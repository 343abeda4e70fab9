//! Input: reading a connection until drained and delivering what arrived.

use std::io;

use super::connection::Connection;
use super::connection::{EOF, FIN_SEEN, RESUME_PENDING};
use super::event_loop::{guarded, settled, Core, EventLoop};
use super::{Action, CloseReason, Handler, Input};
use crate::transport::Errno;

/// What a delivery left for the loop to do.
enum Delivered {
    /// Nothing: the common case.
    Settled,
    /// The callback's outcome needs [`EventLoop::after`].
    Pending(Result<Action, String>, io::Result<()>),
    /// Unconsumed input passed the limit.
    TooMuchInput,
}

impl<H: Handler> EventLoop<H> {
    /// The socket may have input (an edge, a FIN, or a place in the ready list).
    pub(crate) fn on_readable(&mut self, key: usize) {
        let c = &mut self.conns[key];
        if c.lingering() {
            return self.drain_linger(key);
        }
        if c.flag(RESUME_PENDING) {
            // Resumed with input still kept: offer it before reading more.
            c.set_flag(RESUME_PENDING, false);
            if !c.inbuf.is_empty() && c.wants_input() {
                let d = deliver_kept(&mut self.handler, c, &mut self.core, 0);
                if !self.finish(key, d, 0) {
                    return;
                }
            }
        }
        let read_size = self.rbuf.len();
        // Reads per event are bounded so one busy connection cannot starve the rest;
        // a connection that spends its budget is read again later in this pass.
        for _ in 0..self.core.cfg.read_budget {
            // Looked up again each time: a callback may have closed the connection (the
            // slot cannot be reused meanwhile: nothing is accepted during this call).
            let Some(c) = self.conns.get_mut(key) else { return };
            if !c.wants_input() {
                return;
            }
            // With input left over, read straight behind it (no copy later); else into
            // the loop's shared buffer, so an idle connection keeps no buffer at all.
            let fresh = c.inbuf.is_empty();
            let res = if fresh {
                c.stream.read(&mut self.rbuf)
            } else {
                c.stream.read(c.inbuf.spare(read_size, &mut self.core.pool))
            };
            match res {
                Ok(0) => {
                    c.set_flag(EOF, true);
                    c.inbuf.release(&mut self.core.pool);
                    return self.callback(key, |h, conn| h.on_eof(conn));
                }
                Ok(n) => {
                    self.core.bytes_in += n as u64;
                    c.last_in = self.core.now_ms;
                    // A short read means the socket is drained for now (epoll(7)):
                    // no system call is spent on the `WouldBlock` that would follow,
                    // unless the peer's FIN is flagged and end of stream is still to
                    // be read.
                    let drained = n < read_size && !c.flag(FIN_SEEN);
                    let d = if fresh {
                        deliver_fresh(&mut self.handler, c, &mut self.core, &self.rbuf[..n])
                    } else {
                        deliver_kept(&mut self.handler, c, &mut self.core, n)
                    };
                    if !self.finish(key, d, if fresh { n } else { 0 }) || drained {
                        return;
                    }
                }
                Err(Errno::AGAIN) => return,
                Err(Errno::INTR) => {}
                Err(e) => return self.finalize(key, CloseReason::from_io(e.into())),
            }
        }
        if self.conns.get(key).is_some_and(|c| c.wants_input()) {
            self.push_ready(key);
        }
    }

    /// Applies what a delivery left to do; false if the connection is gone.
    #[inline(always)]
    fn finish(&mut self, key: usize, d: Delivered, fresh: usize) -> bool {
        match d {
            Delivered::Settled => true,
            Delivered::Pending(res, flushed) => self.finish_pending(key, res, flushed, fresh),
            Delivered::TooMuchInput => {
                // What the callback forwarded to other connections still goes.
                if !self.core.deferred.is_empty() {
                    let token = super::event_loop::conn_token(key, self.conns[key].gen);
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
}

impl<H: Handler> EventLoop<H> {
    /// The rarer half of [`finish`](Self::finish), kept out of the read loop.
    #[inline(never)]
    fn finish_pending(
        &mut self,
        key: usize,
        res: Result<Action, String>,
        flushed: io::Result<()>,
        fresh: usize,
    ) -> bool {
        if !self.core.deferred.is_empty() {
            let token = super::event_loop::conn_token(key, self.conns[key].gen);
            self.run_deferred(fresh);
            if self.live(token).is_none() {
                return false;
            }
        }
        self.after(key, res, flushed);
        self.conns.contains(key)
    }
}

/// Delivers bytes that sit in the loop's read buffer; only what the handler does not
/// consume is copied, into the connection's own buffer.
#[inline]
fn deliver_fresh<H: Handler>(
    handler: &mut H,
    c: &mut Connection<H::State>,
    core: &mut Core,
    data: &[u8],
) -> Delivered {
    core.batch.begin(data);
    let mut input = Input::new(data);
    let res = guarded(|| handler.on_data(&mut core.conn(c), &mut input));
    let consumed = input.consumed();
    let flushed = core.flush(c, data);
    if consumed < data.len() && res.is_ok() && c.leaving.is_none() {
        if data.len() - consumed > core.cfg.limits.max_input {
            return Delivered::TooMuchInput;
        }
        c.inbuf.append(&data[consumed..], &mut core.pool);
    }
    if settled(c, core, &res, &flushed) {
        Delivered::Settled
    } else {
        Delivered::Pending(res, flushed)
    }
}

/// Delivers the connection's kept input after `n` more bytes were read into it.
fn deliver_kept<H: Handler>(
    handler: &mut H,
    c: &mut Connection<H::State>,
    core: &mut Core,
    n: usize,
) -> Delivered {
    c.inbuf.filled(n);
    // The buffer is moved out for the callback so the handler can borrow the
    // connection mutably while reading its input; moving it is a few words.
    let mut inbuf = std::mem::take(&mut c.inbuf);
    let data = inbuf.data();
    core.batch.begin(data);
    let mut input = Input::new(data);
    let res = guarded(|| handler.on_data(&mut core.conn(c), &mut input));
    let consumed = input.consumed();
    let flushed = core.flush(c, data);
    if !core.deferred.is_empty() {
        // The kept input is about to move: copy the slices written to other
        // connections (the read buffer's are used in place).
        keep_input_pieces(core, data);
    }
    inbuf.consume(consumed, &mut core.pool);
    let over = inbuf.len() > core.cfg.limits.max_input;
    c.inbuf = inbuf;
    if over && res.is_ok() {
        Delivered::TooMuchInput
    } else if settled(c, core, &res, &flushed) {
        Delivered::Settled
    } else {
        Delivered::Pending(res, flushed)
    }
}

/// Turns writes to other connections that point into `input` into copies in the
/// loop's scratch buffer, for input that will not outlive this callback.
fn keep_input_pieces(core: &mut Core, input: &[u8]) {
    use super::local::{Op, Piece};
    for d in &mut core.deferred {
        if let Op::Write(Piece::Input { off, len }) = d.op {
            let start = core.scratch.len();
            core.scratch.extend_from_slice(&input[off..off + len]);
            d.op = Op::Write(Piece::Owned { start, len });
        }
    }
}
