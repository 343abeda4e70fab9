//! Flushing: output queued during a callback, offered to the socket once after it;
//! writable edges and backpressure.
//!
//! A handler's writes land in two places. Bytes it made itself are appended to the
//! connection's [`OutBuf`]. Bytes that are part of its current input (an echo, a
//! proxy forwarding what it just read) are *not* copied: [`Batch`] records where they
//! sit in the input and where in the output sequence they belong. The flush after the
//! callback hands the socket one `write`, or one `writev` over the owned runs and the
//! input slices in order; only what the socket does not take is copied into the
//! connection's queue ([`settle`]). The input slices stay valid until then because
//! the engine neither reads nor consumes input between a callback and its flush.
//!
//! ```text
//!  logical output:  out[head..a] | input[s0] | out[a..b] | input[s1] | out[b..]
//!                   (backlog and owned writes, interleaved with forwarded input)
//! ```

use std::io::{self, IoSlice};
use std::net::Shutdown;

use super::batch::{queued, Batch, MAX_INPUT_SEGS};
use super::buffer::{BufferPool, OutBuf};
use super::core::Core;
use super::record::Record;
use super::record::{
    CONNECTING, NOTIFY_DRAINED, OWN_LIMIT, PRESSURE_PAUSED, SHARED_HELD, SHUTDOWN_WRITE_REQUESTED, TLS,
    WRITE_BLOCKED, WRITE_SHUT,
};
use super::{CloseReason, EventLoop, Handler};
use crate::transport::{IoError, Stream};

impl Core {
    /// Offers the connection's queued output (and the callback's forwarded input) to
    /// the socket once, unless it is known to be full; keeps what it did not take.
    ///
    /// Inlined into each delivery; what happens after a short write is not.
    #[inline(always)]
    pub(crate) fn flush<S>(&mut self, c: &mut Record<S>, input: &[u8]) -> std::io::Result<()> {
        let queued = queued(&c.out, &self.batch);
        if queued == 0 {
            self.batch.clear();
            return Ok(());
        }
        if queued > self.max_output {
            // Only forwarded input gets here: owned writes are checked as they are
            // queued. Nothing of it is written or kept; the connection closes.
            return self.refuse_forwarded(c);
        }
        // One test for both: a TLS connection, or a socket known to be full.
        let sent = if c.any(WRITE_BLOCKED | TLS) {
            if c.flag(TLS) {
                return self.flush_tls(c, input);
            }
            0
        } else {
            // Output moves, or starts waiting now: either way the write timeout
            // counts from here (a stamp, not a clock read).
            c.last_out = self.clock.now_ms();
            match write_once(&mut c.stream, &c.out, &self.batch, input) {
                Ok(n) => n,
                Err(e) => {
                    self.batch.clear();
                    return Err(e);
                }
            }
        };
        self.bytes_out += sent as u64;
        if sent == queued {
            // Everything went out: forwarded input was never copied, and owned bytes
            // give their buffer straight back to the pool.
            if !c.out.is_empty() {
                c.out.release(&mut self.pool);
            }
            self.batch.clear();
            return Ok(());
        }
        self.keep_unsent(c, input, sent, queued);
        Ok(())
    }

    /// Forwarded input passed the hard cap: the connection closes with
    /// [`CloseReason::OutputLimit`](super::CloseReason::OutputLimit), as an owned write
    /// past it would.
    #[cold]
    #[inline(never)]
    fn refuse_forwarded<S>(&mut self, c: &mut Record<S>) -> std::io::Result<()> {
        self.batch.clear();
        c.refuse_output(self.max_output);
        Ok(())
    }
    /// Keeps what the socket did not take (copying forwarded input only now).
    #[inline(never)]
    fn keep_unsent<S>(&mut self, c: &mut Record<S>, input: &[u8], sent: usize, queued: usize) {
        settle(&mut c.out, &mut self.batch, input, sent, &mut self.pool);
        if sent < queued {
            // A short write means the send buffer is full; the kernel signals an edge
            // when it has room again, so no system call is spent on `WouldBlock`.
            c.set_flag(WRITE_BLOCKED, true);
            c.set_flag(NOTIFY_DRAINED, true);
        }
    }
}

/// Calls `f` on each piece of the logical output, in order.
fn for_each_piece<'a>(out: &'a OutBuf, batch: &Batch, input: &'a [u8], mut f: impl FnMut(&'a [u8])) {
    let mut cursor = out.head();
    for s in batch.segs() {
        if s.at > cursor {
            f(out.range(cursor, s.at));
            cursor = s.at;
        }
        f(&input[s.off..s.off + s.len]);
    }
    let end = out.end_index();
    if end > cursor {
        f(out.range(cursor, end));
    }
}

/// Offers the logical output to the socket once. Returns the bytes taken; a result
/// below [`queued`] means the socket is full (the caller waits for a writable edge).
#[inline(always)]
pub(crate) fn write_once(
    stream: &mut Stream,
    out: &OutBuf,
    batch: &Batch,
    input: &[u8],
) -> io::Result<usize> {
    let res = match batch.count() {
        0 => stream.write(out.pending()),
        // An echo or a forward: one slice of the input and nothing owned.
        1 if out.is_empty() => {
            let s = batch.first();
            stream.write(&input[s.off..s.off + s.len])
        }
        _ => write_pieces(stream, out, batch, input),
    };
    match res {
        Ok(n) => Ok(n),
        Err(e) if e.would_block() => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// One `writev` over owned runs and input slices.
#[inline(never)]
fn write_pieces(stream: &mut Stream, out: &OutBuf, batch: &Batch, input: &[u8]) -> Result<usize, IoError> {
    let mut iov = [IoSlice::new(&[]); 2 * MAX_INPUT_SEGS + 1];
    let mut n = 0;
    for_each_piece(out, batch, input, |p| {
        iov[n] = IoSlice::new(p);
        n += 1;
    });
    stream.write_vectored(&iov[..n])
}

/// After `sent` bytes of the logical output went out, leaves exactly the unsent rest
/// in `out` as owned bytes (copying forwarded input only now, and only what is left)
/// and clears `batch`.
pub(crate) fn settle(out: &mut OutBuf, batch: &mut Batch, input: &[u8], sent: usize, pool: &mut BufferPool) {
    if batch.count() == 0 {
        if sent > 0 {
            out.advance(sent, pool);
        }
        return;
    }
    let total = queued(out, batch);
    if sent == total {
        if !out.is_empty() {
            out.release(pool);
        }
    } else {
        let mut rest = OutBuf::scratch(pool);
        let mut skip = sent;
        for_each_piece(out, batch, input, |p| {
            if skip >= p.len() {
                skip -= p.len();
            } else {
                rest.extend_from_slice(&p[skip..]);
                skip = 0;
            }
        });
        out.replace(rest, pool);
    }
    batch.clear();
}

impl<H: Handler> EventLoop<H> {
    /// The socket has room again for a connection whose output was waiting.
    pub(crate) fn on_writable(&mut self, key: usize) {
        let c = &mut self.conns[key];
        if c.flag(CONNECTING) {
            return self.finish_connect(key);
        }
        c.set_flag(WRITE_BLOCKED, false);
        let flushed = match c.flag(SHARED_HELD) {
            true => self.core.flush_held(c),
            false => self.core.flush(c, &[]),
        };
        if let Err(e) = flushed {
            return self.finalize(key, CloseReason::from_io(e));
        }
        self.after_output(key);
    }

    /// After output moved (or grew): backpressure, drain notices, a requested FIN,
    /// and the next step of a connection that is leaving.
    pub(crate) fn after_output(&mut self, key: usize) {
        let limits = &self.core.cfg.limits;
        let (low, high) = (limits.low_water, limits.high_water);
        let c = &mut self.conns[key];
        let queued = c.queued_total();
        c.publish_queued();
        if c.flag(PRESSURE_PAUSED) && queued <= low {
            c.set_flag(PRESSURE_PAUSED, false);
            if c.wants_input() {
                self.push_ready(key);
            }
        }
        let c = &mut self.conns[key];
        if queued != 0 && c.flag(OWN_LIMIT) && self.over_own_limit(key, queued) {
            return;
        }
        let c = &mut self.conns[key];
        if c.flag(NOTIFY_DRAINED) && !c.flag(WRITE_BLOCKED) && queued <= low && c.leaving.is_none() {
            c.set_flag(NOTIFY_DRAINED, false);
            return self.callback(key, |h, conn| h.on_drained(conn));
        }
        if queued > high && !c.flag(PRESSURE_PAUSED) && c.leaving.is_none() {
            c.set_flag(PRESSURE_PAUSED, true);
            return self.callback(key, |h, conn| h.on_high_water(conn));
        }
        // A connect in progress has nothing to finish yet (a FIN would abort it);
        // `finish_connect` comes back here.
        if queued == 0 && !c.flag(CONNECTING) {
            if c.flag(SHUTDOWN_WRITE_REQUESTED) && !c.flag(WRITE_SHUT) {
                // TLS: close_notify first, then the FIN once it has gone.
                if c.flag(TLS) && self.send_close_notify(key) {
                    return;
                }
                let c = &mut self.conns[key];
                c.set_flag(WRITE_SHUT, true);
                if let Err(e) = c.stream.shutdown(Shutdown::Write) {
                    return self.finalize(key, CloseReason::from_io(e));
                }
            }
            if self.conns[key].leaving.is_some() {
                self.progress_leave(key);
            }
        }
    }
}

impl<H: Handler> EventLoop<H> {
    /// Checks connection `key`'s own limits against `queued` bytes; past one, closes
    /// it (its output is dropped) and returns true.
    #[cold]
    #[inline(never)]
    pub(crate) fn over_own_limit(&mut self, key: usize, queued: usize) -> bool {
        // The pass's clock, read now if nothing timed read it this pass.
        let now = self.core.clock.pass_now();
        let now = self.core.clock.ms_of(now);
        let c = &mut self.conns[key];
        let broken = match c.ext.as_mut().and_then(|e| e.output_limit.as_mut()) {
            Some(own) => own.broken(queued, now),
            None => {
                c.set_flag(OWN_LIMIT, false);
                None
            }
        };
        match broken {
            Some(limit) => {
                self.finalize(key, CloseReason::OutputLimit { limit });
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logical(out: &OutBuf, batch: &Batch, input: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        for_each_piece(out, batch, input, |p| v.extend_from_slice(p));
        v
    }

    #[test]
    fn forwarded_input_interleaves_with_owned_writes() {
        let mut pool = BufferPool::new(64, 4);
        let input = b"GET a\nGET b\n".to_vec();
        let mut out = OutBuf::default();
        out.extend(b"old|", &mut pool);
        let mut batch = Batch::default();
        batch.begin(&input);
        assert!(batch.try_forward(&input[0..6], &out));
        out.extend(b"+", &mut pool);
        assert!(batch.try_forward(&input[6..12], &out));
        assert!(!batch.try_forward(b"not input", &out));
        out.extend(b"!", &mut pool);
        assert_eq!(logical(&out, &batch, &input), b"old|GET a\n+GET b\n!");
        assert_eq!(queued(&out, &batch), 18);
        settle(&mut out, &mut batch, &input, 7, &mut pool);
        assert_eq!(out.pending(), b" a\n+GET b\n!");
        assert!(batch.segs().is_empty());
    }

    #[test]
    fn adjacent_slices_merge_and_full_send_releases() {
        let mut pool = BufferPool::new(64, 4);
        let input = b"abcdef".to_vec();
        let mut out = OutBuf::default();
        let mut batch = Batch::default();
        batch.begin(&input);
        assert!(batch.try_forward(&input[0..2], &out));
        assert!(batch.try_forward(&input[2..6], &out));
        assert_eq!(batch.segs().len(), 1);
        settle(&mut out, &mut batch, &input, 6, &mut pool);
        assert!(out.is_empty());
    }

    #[test]
    fn segment_limit_falls_back_to_copy() {
        let out = OutBuf::default();
        let input = vec![0u8; 100];
        let mut batch = Batch::default();
        batch.begin(&input);
        // Non-adjacent slices each take a segment until the array is full.
        for i in 0..MAX_INPUT_SEGS {
            assert!(batch.try_forward(&input[i * 2..i * 2 + 1], &out));
        }
        assert_eq!(batch.segs().len(), MAX_INPUT_SEGS);
        assert!(!batch.try_forward(&input[90..91], &out), "the caller copies instead");
        // A slice adjacent to the last one still merges.
        let last = 2 * (MAX_INPUT_SEGS - 1);
        assert!(batch.try_forward(&input[last + 1..last + 2], &out));
    }
}
