//! Per-loop buffer pool and the two per-connection buffers built on it.
//!
//! An idle connection owns no heap buffer: [`InBuf`] holds only input the handler
//! left unconsumed and [`OutBuf`] only output the socket did not take, and each goes
//! back to the loop's [`BufferPool`] the moment it empties. Everything here is safe
//! code: pooled input buffers are kept fully initialised (`len == capacity`) so the
//! socket can read straight into their free tail without `MaybeUninit`.

/// Recycled byte vectors of one standard capacity, kept per loop (no locking).
#[derive(Debug)]
pub(crate) struct BufferPool {
    /// Free input buffers: initialised, `len() == size`.
    free_in: Vec<Vec<u8>>,
    /// Free output buffers: empty, `capacity() >= size`.
    free_out: Vec<Vec<u8>>,
    size: usize,
    max_free: usize,
    /// Bytes held by every [`OutBuf`] of the loop: its current queued output.
    pub(crate) queued: usize,
}

impl BufferPool {
    pub(crate) fn new(size: usize, max_free: usize) -> BufferPool {
        BufferPool { free_in: Vec::new(), free_out: Vec::new(), size, max_free, queued: 0 }
    }

    fn take_in(&mut self, min: usize) -> Vec<u8> {
        if min <= self.size {
            if let Some(v) = self.free_in.pop() {
                return v;
            }
        }
        vec![0; min.max(self.size)]
    }

    fn take_out(&mut self) -> Vec<u8> {
        self.free_out.pop().unwrap_or_else(|| Vec::with_capacity(self.size))
    }

    /// Returns a buffer; oversized ones (a connection that once queued megabytes) are
    /// freed instead, so the pool's memory stays `max_free × size` at most.
    fn give_in(&mut self, v: Vec<u8>) {
        if v.len() == self.size && self.free_in.len() < self.max_free {
            self.free_in.push(v);
        }
    }

    fn give_out(&mut self, mut v: Vec<u8>) {
        if v.capacity() <= 2 * self.size && self.free_out.len() < self.max_free {
            v.clear();
            self.free_out.push(v);
        }
    }
}

/// Input the handler has not consumed yet, kept between reads.
///
/// ```text
///  buf: [ consumed | data the handler has not taken | free tail the socket reads into ]
///        0          start                            end                             len
/// ```
#[derive(Debug, Default)]
pub(crate) struct InBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl InBuf {
    pub(crate) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }

    pub(crate) fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    pub(crate) fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buf[self.start..self.end]
    }

    /// A free tail of at least `min` bytes for the socket to read into, compacting or
    /// growing as needed. Growth doubles, to keep appends amortised O(1), but never
    /// past `limit` bytes in all (unless `min` itself needs more): the buffer is
    /// zero-filled as it grows, so every byte of it is memory the connection holds.
    pub(crate) fn spare(&mut self, min: usize, limit: usize, pool: &mut BufferPool) -> &mut [u8] {
        if self.buf.is_empty() {
            self.buf = pool.take_in(min);
            self.start = 0;
            self.end = 0;
        }
        if self.buf.len() - self.end < min {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < min {
                let want = (self.end + min).max((self.buf.len() * 2).min(limit));
                self.buf.resize(want, 0);
            }
        }
        &mut self.buf[self.end..]
    }

    /// Marks `n` bytes of the tail handed out by [`spare`](Self::spare) as filled.
    pub(crate) fn filled(&mut self, n: usize) {
        self.end += n;
        debug_assert!(self.end <= self.buf.len());
    }

    /// Appends bytes (the unconsumed rest of a read that went to the loop's buffer).
    pub(crate) fn append(&mut self, data: &[u8], pool: &mut BufferPool) {
        let n = data.len();
        let limit = self.len() + n;
        self.spare(n, limit, pool)[..n].copy_from_slice(data);
        self.filled(n);
    }

    /// Drops the first `n` bytes; an emptied buffer goes back to the pool.
    pub(crate) fn consume(&mut self, n: usize, pool: &mut BufferPool) {
        self.start += n;
        debug_assert!(self.start <= self.end);
        if self.start == self.end {
            self.release(pool);
        }
    }

    /// Gives the buffer back to the pool, whatever it holds.
    pub(crate) fn release(&mut self, pool: &mut BufferPool) {
        let v = std::mem::take(&mut self.buf);
        self.start = 0;
        self.end = 0;
        if !v.is_empty() {
            pool.give_in(v);
        }
    }

    /// Moves the unconsumed bytes out (for a detached connection).
    pub(crate) fn take_vec(&mut self, pool: &mut BufferPool) -> Vec<u8> {
        let v = self.data().to_vec();
        self.release(pool);
        v
    }
}

/// Output the socket has not taken yet.
///
/// ```text
///  buf: [ already written | pending output ]
///        0                 head             len
/// ```
#[derive(Debug, Default)]
pub(crate) struct OutBuf {
    buf: Vec<u8>,
    head: usize,
}

impl OutBuf {
    /// Bytes waiting for the socket.
    pub(crate) fn len(&self) -> usize {
        self.buf.len() - self.head
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pending bytes.
    pub(crate) fn pending(&self) -> &[u8] {
        &self.buf[self.head..]
    }

    /// Index in the underlying vector where the next appended byte lands; used to mark
    /// where forwarded input goes between owned bytes.
    pub(crate) fn end_index(&self) -> usize {
        self.buf.len()
    }

    /// The underlying bytes from absolute index `from` to `to`.
    pub(crate) fn range(&self, from: usize, to: usize) -> &[u8] {
        &self.buf[from..to]
    }

    /// Absolute index of the first pending byte.
    pub(crate) fn head(&self) -> usize {
        self.head
    }

    #[inline]
    pub(crate) fn extend(&mut self, data: &[u8], pool: &mut BufferPool) {
        self.ensure_buffer(pool);
        self.push(data);
        pool.queued += data.len();
    }

    /// Takes a buffer from the pool if there is none, for [`push`](Self::push).
    #[inline]
    pub(crate) fn ensure_buffer(&mut self, pool: &mut BufferPool) {
        if self.buf.capacity() == 0 {
            self.buf = pool.take_out();
        }
    }

    /// Appends without the pool's accounting, which the caller settles once for a run
    /// of pushes (a `ConnWriter` does on drop).
    #[inline]
    pub(crate) fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Marks `n` pending bytes as written; an emptied buffer goes back to the pool.
    pub(crate) fn advance(&mut self, n: usize, pool: &mut BufferPool) {
        self.head += n;
        pool.queued -= n;
        debug_assert!(self.head <= self.buf.len());
        if self.head == self.buf.len() {
            self.release(pool);
        }
    }

    /// Replaces the contents with `v` (already holding exactly the pending bytes).
    pub(crate) fn replace(&mut self, v: Vec<u8>, pool: &mut BufferPool) {
        self.release(pool);
        if !v.is_empty() {
            pool.queued += v.len();
            self.buf = v;
        } else {
            pool.give_out(v);
        }
    }

    /// A fresh, empty vector from the pool to build a replacement in.
    pub(crate) fn scratch(pool: &mut BufferPool) -> Vec<u8> {
        pool.take_out()
    }

    pub(crate) fn release(&mut self, pool: &mut BufferPool) {
        pool.queued -= self.len();
        let v = std::mem::take(&mut self.buf);
        self.head = 0;
        if v.capacity() != 0 {
            pool.give_out(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbuf_appends_consumes_and_returns_to_pool() {
        let mut pool = BufferPool::new(16, 4);
        let mut b = InBuf::default();
        b.append(b"hello", &mut pool);
        b.append(b" world", &mut pool);
        assert_eq!(b.data(), b"hello world");
        b.consume(6, &mut pool);
        assert_eq!(b.data(), b"world");
        b.consume(5, &mut pool);
        assert!(b.is_empty());
        assert_eq!(pool.free_in.len(), 1, "emptied buffer went back");
    }

    #[test]
    fn inbuf_grows_and_compacts() {
        let mut pool = BufferPool::new(8, 4);
        let mut b = InBuf::default();
        b.append(b"abcdefgh", &mut pool);
        b.consume(4, &mut pool);
        let spare = b.spare(4, usize::MAX, &mut pool);
        assert!(spare.len() >= 4);
        spare[..4].copy_from_slice(b"ijkl");
        b.filled(4);
        assert_eq!(b.data(), b"efghijkl");
        b.append(&[b'x'; 20], &mut pool);
        assert_eq!(b.len(), 28);
        assert_eq!(&b.data()[..8], b"efghijkl");
        b.release(&mut pool);
        assert!(pool.free_in.is_empty(), "a grown buffer is not pooled");
    }

    #[test]
    fn kept_input_never_holds_more_than_the_limit_plus_one_read() {
        // A handler that consumes nothing: the engine keeps reading behind the kept
        // input until it passes `max_input`, then closes the connection.
        let read = 64 * 1024;
        for max_input in [1000, 100_000, 600_000, 1 << 20, 3 << 20] {
            let mut pool = BufferPool::new(16 * 1024, 4);
            let mut b = InBuf::default();
            b.append(&[1; 100], &mut pool);
            while b.len() <= max_input {
                let got = b.spare(read, max_input + read, &mut pool).len();
                assert!(got >= read);
                b.filled(read);
                assert!(
                    b.buf.len() <= max_input + read,
                    "{} bytes held for {} kept (limit {max_input} + one read of {read})",
                    b.buf.len(),
                    b.len()
                );
            }
        }
    }

    #[test]
    fn outbuf_advances_and_releases() {
        let mut pool = BufferPool::new(16, 4);
        let mut o = OutBuf::default();
        o.extend(b"0123456789", &mut pool);
        o.advance(4, &mut pool);
        assert_eq!(o.pending(), b"456789");
        o.advance(6, &mut pool);
        assert!(o.is_empty());
        assert_eq!(pool.free_out.len(), 1);
    }
}
