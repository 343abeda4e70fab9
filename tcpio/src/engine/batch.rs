//! The forwarded-input bookkeeping of the callback in progress.
//!
//! Bytes a handler writes that are part of its current input (an echo, a proxy
//! forwarding what it just read) are *not* copied: [`Batch`] records where they sit in
//! the input and where in the output sequence they belong, and the flush writes them
//! straight from the read buffer (see `flush.rs`).

use super::buffer::OutBuf;

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

    /// How many slices are forwarded.
    #[inline(always)]
    pub(crate) fn count(&self) -> usize {
        self.n
    }

    /// The first forwarded slice (meaningful when [`count`](Self::count) is not 0).
    #[inline(always)]
    pub(crate) fn first(&self) -> InputSeg {
        self.segs[0]
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

/// Total bytes queued: the connection's backlog plus this callback's forwarded input.
pub(crate) fn queued(out: &OutBuf, batch: &Batch) -> usize {
    out.len() + batch.input_bytes
}
