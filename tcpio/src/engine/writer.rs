//! [`ConnWriter`]: appending straight to a connection's output queue.

use super::buffer::BufferPool;
use super::record::{Output, CLOSED, SHUTDOWN_WRITE_REQUESTED};

/// Appends to a connection's output queue with less bookkeeping per call than
/// [`Conn::write`](crate::Conn::write), for a handler that answers a pipeline with many small replies.
///
/// [`Conn::write`](crate::Conn::write) checks, on every call, whether the bytes are a slice of the input
/// to forward without a copy, and re-reads the connection's state. A writer does those
/// checks once, when [`Conn::writer`](crate::Conn::writer) makes it; each [`put`](Self::put) is then a length
/// check and an append to the queue's buffer. Nothing is written to the socket until
/// the callback returns, as with `Conn::write`: the flush after the callback sends
/// everything in one system call.
///
/// The writer borrows the connection; drop it (or let it go out of scope) to use the
/// connection again. To read and change the connection's state while writing, take
/// both at once with [`Conn::state_and_writer`](crate::Conn::state_and_writer).
/// Dropping it settles the loop's count of queued bytes and gives an unused buffer back
/// to the pool.
///
/// The rules are those of [`Conn::write`](crate::Conn::write): output past the hard cap
/// ([`Builder::max_output`](crate::Builder::max_output)) is not stored and closes the
/// connection with [`CloseReason::OutputLimit`](crate::CloseReason::OutputLimit), and
/// bytes put once the connection is leaving or its write side is shut are discarded.
/// Input slices put through a writer are copied (use `Conn::write` to forward them).
///
/// ```
/// use tcpio::{Action, Conn, Input};
///
/// // Answers every line with its length, all answers of a read in one writer.
/// fn on_data(conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
///     let mut out = conn.writer();
///     let mut used = 0;
///     while let Some(nl) = input.bytes()[used..].iter().position(|&b| b == b'\n') {
///         out.put(nl.to_string().as_bytes());
///         out.put(b"\n");
///         used += nl + 1;
///     }
///     input.consume(used);
///     Action::Continue
/// }
/// # let _ = on_data;
/// ```
pub struct ConnWriter<'w> {
    // The output side of the connection and the pool themselves, not the `Conn` that
    // holds them: a put then reaches the output buffer through one pointer.
    c: Output<'w>,
    pool: &'w mut BufferPool,
    /// The hard cap, for the close reason.
    limit: usize,
    /// Bytes that may still be put before the hard cap; 0 when discarding.
    room: usize,
    /// The output queue's end when the writer was made: what lies past it on drop was
    /// put through the writer, and is added to the loop's queued-bytes count then.
    start: usize,
}

impl std::fmt::Debug for ConnWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnWriter").field("room", &self.room).finish()
    }
}

impl<'w> ConnWriter<'w> {
    /// A writer for the connection whose output side is `c`, which has `queued` bytes
    /// queued (forwarded input and held messages included) against a hard cap of
    /// `limit`. Held messages must already be in the queue: they go first.
    #[inline]
    pub(crate) fn new(c: Output<'w>, pool: &'w mut BufferPool, queued: usize, limit: usize) -> Self {
        let room = if c.any(CLOSED | SHUTDOWN_WRITE_REQUESTED) { 0 } else { limit.saturating_sub(queued) };
        // The buffer is taken now, so that a put is a plain append; an unused one goes
        // back on drop.
        c.queue.ensure_buffer(pool);
        let start = c.queue.end_index();
        ConnWriter { c, pool, limit, room, start }
    }

    /// Queues `bytes` for the peer, after everything queued before.
    #[inline]
    pub fn put(&mut self, bytes: &[u8]) {
        if bytes.len() > self.room {
            return self.over_cap(bytes.len());
        }
        self.room -= bytes.len();
        self.c.queue.push(bytes);
    }

    /// Bytes that may still be put before the connection's hard cap.
    pub fn room(&self) -> usize {
        self.room
    }

    /// `put` of more than the room left (or of anything while discarding).
    #[cold]
    fn over_cap(&mut self, len: usize) {
        if len > 0 && !self.c.any(CLOSED | SHUTDOWN_WRITE_REQUESTED) {
            self.c.refuse(self.limit);
        }
        self.room = 0;
    }
}

impl Drop for ConnWriter<'_> {
    #[inline]
    fn drop(&mut self) {
        self.pool.queued += self.c.queue.end_index() - self.start;
        if self.c.queue.is_empty() {
            self.c.queue.release(self.pool);
        }
    }
}

impl std::io::Write for ConnWriter<'_> {
    /// Queues all of `buf` (or, past the hard cap, discards it and closes the
    /// connection); never a short write.
    #[inline]
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.put(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
