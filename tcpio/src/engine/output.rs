//! The write path: output queued during a callback, flushed once after it.
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

use super::buffer::{BufferPool, OutBuf};
use crate::transport::{Errno, Stream};

/// Forwarded input slices per flush before further ones are copied instead; keeps the
/// `writev` array on the stack and well under `IOV_MAX`.
pub(crate) const MAX_INPUT_SEGS: usize = 16;

/// One forwarded slice of the current input.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct InputSeg {
    /// Absolute index in the `OutBuf` vector before which this slice goes.
    pub(crate) at: usize,
    /// Offset of the slice in the current input.
    pub(crate) off: usize,
    pub(crate) len: usize,
}

/// The forwarded-input bookkeeping of the callback in progress (one per loop: only
/// one callback runs at a time).
/// A fixed array rather than a `Vec`: no capacity checks or heap on the hot path.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// Address and length of the current input, to recognise slices of it.
    window: (usize, usize),
    segs: [InputSeg; MAX_INPUT_SEGS],
    n: usize,
    /// Sum of the segments' lengths.
    pub(crate) input_bytes: usize,
}

impl Batch {
    /// Starts a callback over `input` (empty for callbacks without input).
    #[inline]
    pub(crate) fn begin(&mut self, input: &[u8]) {
        self.window = (input.as_ptr() as usize, input.len());
        self.n = 0;
        self.input_bytes = 0;
    }

    /// The forwarded slices, in order.
    #[inline]
    pub(crate) fn segs(&self) -> &[InputSeg] {
        &self.segs[..self.n]
    }

    /// Where `data` starts in the current input, if it lies inside it.
    #[inline]
    pub(crate) fn input_offset(&self, data: &[u8]) -> Option<usize> {
        let (base, len) = self.window;
        let p = data.as_ptr() as usize;
        let off = p.wrapping_sub(base);
        (off <= len && off + data.len() <= len).then_some(off)
    }

    /// If `data` lies inside the current input and there is room for another segment,
    /// records it to go out after the owned bytes queued so far and returns true.
    #[inline]
    pub(crate) fn try_forward(&mut self, data: &[u8], out: &OutBuf) -> bool {
        let (base, len) = self.window;
        let off = (data.as_ptr() as usize).wrapping_sub(base);
        // `off <= len` first, so `len - off` cannot wrap.
        if off > len || len - off < data.len() {
            return false;
        }
        let at = out.end_index();
        if self.n > 0 {
            // Adjacent slices with nothing owned between them merge into one.
            let last = &mut self.segs[self.n - 1];
            if last.at == at && last.off + last.len == off {
                last.len += data.len();
                self.input_bytes += data.len();
                return true;
            }
        }
        if self.n == MAX_INPUT_SEGS {
            return false;
        }
        self.segs[self.n] = InputSeg { at, off, len: data.len() };
        self.n += 1;
        self.input_bytes += data.len();
        true
    }

    /// Forgets the callback's segments (after [`settle`] has dealt with them). The
    /// window stays: nothing forwards again before the next [`begin`](Self::begin),
    /// which every callback starts with.
    #[inline]
    pub(crate) fn clear(&mut self) {
        self.n = 0;
        self.input_bytes = 0;
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

/// Total bytes queued: the connection's backlog plus this callback's forwarded input.
pub(crate) fn queued(out: &OutBuf, batch: &Batch) -> usize {
    out.len() + batch.input_bytes
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
    loop {
        let res = match batch.n {
            0 => stream.write(out.pending()),
            // An echo or a forward: one slice of the input and nothing owned.
            1 if out.is_empty() => {
                let s = batch.segs[0];
                stream.write(&input[s.off..s.off + s.len])
            }
            _ => write_pieces(stream, out, batch, input),
        };
        match res {
            Ok(n) => return Ok(n),
            Err(Errno::AGAIN) => return Ok(0),
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// One `writev` over owned runs and input slices.
#[inline(never)]
fn write_pieces(stream: &mut Stream, out: &OutBuf, batch: &Batch, input: &[u8]) -> Result<usize, Errno> {
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
    if batch.n == 0 {
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
