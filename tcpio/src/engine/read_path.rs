//! Input: reading a connection until drained and delivering what arrived.

use std::io;

use super::event_loop::{guarded, settled, EventLoop};
use super::{CloseReason, Handler, Input};

impl<H: Handler> EventLoop<H> {
    /// The socket may have input (an edge, a FIN, or a place in the ready list).
    pub(crate) fn on_readable(&mut self, key: usize) {
        let c = &self.conns[key];
        if c.lingering() {
            return self.drain_linger(key);
        }
        let gen = c.gen;
        let read_size = self.rbuf.len();
        if c.resume_pending {
            // Resumed with input still kept: offer it before reading more.
            self.conns[key].resume_pending = false;
            if !self.conns[key].inbuf.is_empty() && self.conns[key].wants_input() {
                self.deliver_kept(key, 0);
            }
        }
        // Reads per event are bounded so one busy connection cannot starve the rest;
        // a connection that spends its budget is read again later in this pass.
        for _ in 0..self.core.cfg.read_budget {
            let Some(c) = self.conns.get_mut(key) else { return };
            if c.gen != gen || !c.wants_input() {
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
                    c.eof = true;
                    c.inbuf.release(&mut self.core.pool);
                    return self.callback(key, |h, conn| h.on_eof(conn));
                }
                Ok(n) => {
                    self.core.bytes_in += n as u64;
                    let fin_seen = c.fin_seen;
                    if fresh {
                        self.deliver_fresh(key, n);
                    } else {
                        self.deliver_kept(key, n);
                    }
                    // A short read means the socket is drained for now (epoll(7)):
                    // no system call is spent on the `WouldBlock` that would follow,
                    // unless the peer's FIN is flagged and end of stream is still to
                    // be read.
                    if n < read_size && !fin_seen {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return self.finalize(key, CloseReason::from_io(e)),
            }
        }
        if self.conns.get(key).is_some_and(|c| c.gen == gen && c.wants_input()) {
            self.push_ready(key);
        }
    }

    /// Delivers `n` bytes that sit in the loop's read buffer; only what the handler
    /// does not consume is copied, into the connection's own buffer.
    fn deliver_fresh(&mut self, key: usize, n: usize) {
        let c = &mut self.conns[key];
        let data = &self.rbuf[..n];
        self.core.batch.begin(data);
        let mut input = Input::new(data);
        let handler = &mut self.handler;
        let core = &mut self.core;
        let res = guarded(|| handler.on_data(&mut core.conn(c), &mut input));
        let consumed = input.consumed();
        let flushed = self.core.flush(c, data);
        if consumed < n && res.is_ok() && c.leaving.is_none() {
            if n - consumed > self.core.cfg.limits.max_input {
                let limit = self.core.cfg.limits.max_input;
                return self.finalize(key, CloseReason::InputLimit { limit });
            }
            c.inbuf.append(&data[consumed..], &mut self.core.pool);
        }
        if !settled(c, &res, &flushed) {
            self.after(key, res, flushed);
        }
    }

    /// Delivers the connection's kept input after `n` more bytes were read into it.
    fn deliver_kept(&mut self, key: usize, n: usize) {
        let c = &mut self.conns[key];
        c.inbuf.filled(n);
        // The buffer is moved out for the callback so the handler can borrow the
        // connection mutably while reading its input; moving it is a few words.
        let mut inbuf = std::mem::take(&mut c.inbuf);
        let data = inbuf.data();
        self.core.batch.begin(data);
        let mut input = Input::new(data);
        let handler = &mut self.handler;
        let core = &mut self.core;
        let res = guarded(|| handler.on_data(&mut core.conn(c), &mut input));
        let consumed = input.consumed();
        let flushed = self.core.flush(c, data);
        inbuf.consume(consumed, &mut self.core.pool);
        let over = inbuf.len() > self.core.cfg.limits.max_input;
        c.inbuf = inbuf;
        if over && res.is_ok() {
            let limit = self.core.cfg.limits.max_input;
            return self.finalize(key, CloseReason::InputLimit { limit });
        }
        if !settled(c, &res, &flushed) {
            self.after(key, res, flushed);
        }
    }
}
