//! [`Held`]: shared messages (broadcasts, group publishes) a connection's full socket
//! did not take, kept as the shared buffers themselves rather than copied.
//!
//! They come after everything in the connection's output queue (`Record::out`): a
//! connection holds some only while its socket is full (`WRITE_BLOCKED`), and any
//! other write to it first appends them to the queue (the one copy, made only then),
//! so its output stays in order. The `SHARED_HELD` bit says a connection has some;
//! the writable edge writes them (`fanout.rs`).

use std::collections::VecDeque;
use std::sync::Arc;

use super::buffer::{BufferPool, OutBuf};

/// Messages kept for one connection, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Held {
    messages: VecDeque<Arc<[u8]>>,
    /// Bytes of the first message already written.
    head: usize,
    /// Bytes not yet written, over all messages.
    bytes: usize,
}

impl Held {
    /// Bytes not yet written.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Keeps `message`, of which the first `sent` bytes were written already.
    pub(crate) fn push(&mut self, message: Arc<[u8]>, sent: usize, pool: &mut BufferPool) {
        let left = message.len() - sent;
        if self.messages.is_empty() {
            self.head = sent;
        } else {
            debug_assert_eq!(sent, 0, "only the first message held can be partly written");
        }
        self.bytes += left;
        pool.queued += left;
        self.messages.push_back(message);
    }

    /// The unwritten bytes, in order.
    pub(crate) fn slices(&self) -> impl Iterator<Item = &[u8]> {
        let head = self.head;
        self.messages.iter().enumerate().map(move |(i, m)| if i == 0 { &m[head..] } else { &m[..] })
    }

    /// Marks `n` bytes as written.
    pub(crate) fn advance(&mut self, mut n: usize, pool: &mut BufferPool) {
        debug_assert!(n <= self.bytes);
        self.bytes -= n;
        pool.queued -= n;
        while n > 0 {
            let left = self.messages[0].len() - self.head;
            if n < left {
                self.head += n;
                return;
            }
            n -= left;
            self.messages.pop_front();
            self.head = 0;
        }
        self.release_if_empty();
    }

    /// Appends what is held to `out` (the copy a write to the connection needs, so
    /// its bytes follow these) and holds nothing more.
    pub(crate) fn append_to(&mut self, out: &mut OutBuf, pool: &mut BufferPool) {
        for m in self.slices() {
            out.extend(m, pool);
        }
        self.clear(pool);
    }

    /// Drops everything held (a connection that goes).
    pub(crate) fn clear(&mut self, pool: &mut BufferPool) {
        pool.queued -= self.bytes;
        self.bytes = 0;
        self.head = 0;
        self.messages.clear();
        self.release_if_empty();
    }

    /// An emptied queue that once held many gives its memory back.
    fn release_if_empty(&mut self) {
        if self.messages.is_empty() && self.messages.capacity() > 64 {
            self.messages = VecDeque::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_messages_advance_across_boundaries_and_append_in_order() {
        let mut pool = BufferPool::new(64, 4);
        let mut held = Held::default();
        held.push(Arc::from(&b"abcd"[..]), 1, &mut pool);
        held.push(Arc::from(&b"ef"[..]), 0, &mut pool);
        held.push(Arc::from(&b"ghi"[..]), 0, &mut pool);
        assert_eq!((held.bytes(), pool.queued), (8, 8));
        held.advance(4, &mut pool);
        assert_eq!(held.slices().collect::<Vec<_>>(), [&b"f"[..], b"ghi"]);
        let mut out = OutBuf::default();
        out.extend(b"<", &mut pool);
        held.append_to(&mut out, &mut pool);
        assert_eq!(out.pending(), b"<fghi");
        assert_eq!((held.bytes(), pool.queued), (0, 5));
    }
}
