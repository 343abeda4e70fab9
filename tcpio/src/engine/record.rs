//! One connection's record in its loop's slab.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::buffer::{BufferPool, InBuf, OutBuf};
use super::conn_handle::HandleShared;
use super::token::{conn_token, key_of, Target};
use super::CloseReason;
use crate::backend::Token;
use crate::tls::TlsConn;
use crate::transport::{Addr, Stream};

/// How a connection is leaving, once something decided it should.
#[derive(Debug)]
pub(crate) enum Leaving {
    /// Flush queued output, shut down the write side, drain input until the peer
    /// closes or the linger timeout passes, then close with the reason.
    Close(CloseReason),
    /// Flush queued output, then hand the socket to the handler.
    Detach,
}

/// A connection's state bits, kept in one word (`Record::flags`) so the hot path
/// tests several with one load and mask. 32 bits: 18 are used; the word shares its
/// alignment slot with the record's small fields, so the spare bits cost nothing.
pub(crate) type Bits = u32;

// What sets, clears and is blocked by each bit is the table in docs/ARCHITECTURE.md
// ("Connection state bits").

/// The handler paused reading.
pub(crate) const USER_PAUSED: Bits = 1 << 0;
/// Output passed the high-water mark (and has not drained to the low-water mark
/// since), so reading is paused unless `keep_reading`.
pub(crate) const PRESSURE_PAUSED: Bits = 1 << 1;
/// The handler keeps reading above the high-water mark (a proxy pauses the other
/// side instead).
pub(crate) const KEEP_READING: Bits = 1 << 2;
/// The socket took less than offered; waiting for a writable edge.
pub(crate) const WRITE_BLOCKED: Bits = 1 << 3;
/// Output had to wait for the socket; tell the handler when it drains.
pub(crate) const NOTIFY_DRAINED: Bits = 1 << 4;
/// The handler resumed reading; the engine reads again after the callback.
pub(crate) const RESUME_PENDING: Bits = 1 << 5;
/// The poller flagged the peer's FIN: a short read does not mean drained.
pub(crate) const FIN_SEEN: Bits = 1 << 6;
/// A read returned end of stream.
pub(crate) const EOF: Bits = 1 << 7;
/// The handler asked to shut the write side once output is flushed.
pub(crate) const SHUTDOWN_WRITE_REQUESTED: Bits = 1 << 8;
/// The FIN has been sent (the write side is shut): with `leaving` set and no output
/// left, the connection is lingering, reading only to discard until the peer closes.
pub(crate) const WRITE_SHUT: Bits = 1 << 9;
/// In the loop's list of connections to read without waiting for an edge.
pub(crate) const IN_READY_LIST: Bits = 1 << 10;
/// Leaving or gone (or past the hard cap): writes are dropped.
pub(crate) const CLOSED: Bits = 1 << 11;
/// An outbound connect still in progress: nothing is read or delivered yet.
pub(crate) const CONNECTING: Bits = 1 << 12;
/// The linger timer of a closing connection is armed.
pub(crate) const LINGER_ARMED: Bits = 1 << 13;
/// A close was requested (`close_requested`) or the connection is leaving
/// (`leaving`). Never cleared: neither leads back to a live connection. Lets the hot
/// path test both with the other bits, in one load and mask.
pub(crate) const ENDING: Bits = 1 << 14;
/// In the connection-setup stage (a PROXY header to read): the loop reads it but
/// delivers nothing; it has not opened (no `on_open`, not reached by broadcasts,
/// closed rather than drained by a graceful stop, no `on_close`).
pub(crate) const SETUP: Bits = 1 << 15;
/// A TLS connection: its session is in `Ext::tls`; reads go through `read_tls` and
/// flushes through `flush_tls`. Tested only where a test already happens (with the
/// bits that send a read or a flush off the common path), so plaintext pays nothing.
pub(crate) const TLS: Bits = 1 << 16;
/// Shared messages its full socket did not take are held in `Ext::held`, after the
/// output queue (only while `WRITE_BLOCKED`). Tested with the bits every write
/// already tests, so a write to such a connection first appends them to the queue.
pub(crate) const SHARED_HELD: Bits = 1 << 17;
/// It has its own output limits (`Ext::output_limit`), checked when output stays
/// queued.
pub(crate) const OWN_LIMIT: Bits = 1 << 18;

/// The rarely used parts of a connection, boxed so that connections without timers
/// or handles pay one word for them.
#[derive(Debug, Default)]
pub(crate) struct Ext {
    /// Ids of the handler's armed timers: a set, so that arming, cancelling and
    /// firing each cost O(1) however many a connection has.
    pub(crate) timers: std::collections::HashSet<u64>,
    /// Shared with the connection's [`ConnHandle`](crate::ConnHandle)s.
    pub(crate) handle: Option<Arc<HandleShared>>,
    /// The PROXY header the connection began with, and what follows from it.
    pub(crate) proxy: Option<Box<ProxyInfo>>,
    /// The tick of its setup timer while it is in setup (to take the timer out when
    /// setup ends).
    pub(crate) setup_timer: Option<u64>,
    /// The TLS session of a connection with the `TLS` bit.
    pub(crate) tls: Option<Box<TlsIo>>,
    /// The handler's own idle timeout for this connection (`Some(None)`: none),
    /// instead of the server's.
    pub(crate) idle_timeout: Option<Option<std::time::Duration>>,
    /// An activity check was armed for `idle_timeout` (at most one such, however
    /// often it is set).
    pub(crate) own_check: bool,
    /// The groups it is in, by id (left when it goes): a connection may be in very
    /// many (a Redis client subscribed to a hundred thousand channels), so joining
    /// and leaving one does not look through the others.
    pub(crate) groups: std::collections::HashMap<u64, super::group::Group>,
    /// Shared messages held while the socket is full (`SHARED_HELD`).
    pub(crate) held: super::held::Held,
    /// Its own output limits (`OWN_LIMIT`).
    pub(crate) output_limit: Option<super::output_limit::OwnLimit>,
}

/// A TLS connection's session and the ciphertext kept for it.
#[derive(Debug)]
pub(crate) struct TlsIo {
    pub(crate) session: TlsConn,
    /// Ciphertext read but not yet used: a partial record (a pooled buffer, released
    /// when empty, so an idle connection holds none).
    pub(crate) incoming: InBuf,
    /// How many bytes at the front of the output queue are ciphertext.
    pub(crate) cipher_len: usize,
    /// The peer's stream ended without close_notify.
    pub(crate) truncated: bool,
}

impl TlsIo {
    pub(crate) fn new(session: TlsConn) -> TlsIo {
        TlsIo { session, incoming: InBuf::default(), cipher_len: 0, truncated: false }
    }
}

/// The part of a [`Record`] that queuing output changes: the output queue, and the state
/// bits and close reason that refusing output past the hard cap sets. Borrowed apart
/// from the handler's state by [`Record::split_output`].
pub(crate) struct Output<'a> {
    pub(crate) queue: &'a mut OutBuf,
    flags: &'a mut Bits,
    close_requested: &'a mut Option<CloseReason>,
}

impl Output<'_> {
    /// Whether any of the state bits in `mask` is set.
    #[inline(always)]
    pub(crate) fn any(&self, mask: Bits) -> bool {
        *self.flags & mask != 0
    }

    /// Output would pass the hard cap of `limit` bytes: writes stop (they are not
    /// stored) and the connection closes with [`CloseReason::OutputLimit`].
    #[cold]
    pub(crate) fn refuse(&mut self, limit: usize) {
        *self.flags |= CLOSED | ENDING;
        *self.close_requested = Some(CloseReason::OutputLimit { limit });
    }
}

impl<S> Record<S> {
    /// The TLS session of a connection with the `TLS` bit.
    pub(crate) fn tls(&self) -> Option<&TlsIo> {
        self.ext.as_ref().and_then(|e| e.tls.as_deref())
    }
}

/// What a connection's PROXY header said, kept for its life.
#[derive(Debug)]
pub(crate) struct ProxyInfo {
    pub(crate) header: crate::proxy::Header,
    /// The client the header names (what `Conn::peer_addr` reports); `None` for a
    /// LOCAL header, whose connection keeps the socket's peer. `Record::peer` stays
    /// the socket's.
    pub(crate) client: Option<Addr>,
    /// The per-IP limit counted `client`: released by that same address.
    pub(crate) counted: bool,
}

impl<S> Record<S> {
    /// The client's address: from the PROXY header if it named one, else the socket's.
    pub(crate) fn client(&self) -> &Addr {
        self.ext.as_ref().and_then(|e| e.proxy.as_ref()).and_then(|p| p.client.as_ref()).unwrap_or(&self.peer)
    }
}

/// Everything the loop knows about one connection.
#[derive(Debug)]
pub(crate) struct Record<S> {
    pub(crate) stream: Stream,
    pub(crate) id: u64,
    /// Generation of the slab slot, also carried in the poller token.
    pub(crate) gen: u32,
    /// The slab slot.
    pub(crate) key: u32,
    /// When it opened, when input last arrived (0: never) and when output last moved
    /// or started waiting, in the loop's coarse milliseconds (see `Clock::now_ms`).
    pub(crate) opened_ms: u64,
    pub(crate) last_in: u64,
    pub(crate) last_out: u64,
    pub(crate) ext: Option<Box<Ext>>,
    /// Counted by the server's connection limits, to be released when it goes.
    pub(crate) admitted: bool,
    /// Dialed out rather than accepted.
    pub(crate) outbound: bool,
    /// Listed in the loop's id map (`Staged::reach`), to be removed when it goes.
    pub(crate) reachable: bool,
    /// Index of the bound address it came through.
    pub(crate) listener: usize,
    pub(crate) peer: Addr,
    pub(crate) state: S,
    pub(crate) inbuf: InBuf,
    pub(crate) out: OutBuf,
    pub(crate) leaving: Option<Leaving>,
    /// State bits: the `const`s above. Private: they change only through
    /// [`set_flag`](Self::set_flag), the methods below and [`Output::refuse`].
    flags: Bits,
    /// A close decided inside a callback, applied after it returns.
    pub(crate) close_requested: Option<CloseReason>,
}

impl<S> Record<S> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        stream: Stream,
        id: u64,
        key: usize,
        gen: u32,
        listener: usize,
        peer: Addr,
        now_ms: u64,
        state: S,
    ) -> Self {
        Record {
            stream,
            id,
            gen,
            key: key as u32,
            opened_ms: now_ms,
            last_in: 0,
            last_out: now_ms,
            ext: None,
            admitted: false,
            outbound: false,
            reachable: false,
            listener,
            peer,
            state,
            inbuf: InBuf::default(),
            out: OutBuf::default(),
            leaving: None,
            flags: 0,
            close_requested: None,
        }
    }

    /// Whether state bit `f` is set.
    #[inline(always)]
    pub(crate) fn flag(&self, f: Bits) -> bool {
        self.flags & f != 0
    }

    /// Whether any of the state bits in `mask` is set: one load and one test.
    #[inline(always)]
    pub(crate) fn any(&self, mask: Bits) -> bool {
        self.flags & mask != 0
    }

    /// Sets or clears state bit `f`.
    #[inline(always)]
    pub(crate) fn set_flag(&mut self, f: Bits, on: bool) {
        if on {
            self.flags |= f;
        } else {
            self.flags &= !f;
        }
    }

    /// Output would pass the hard cap of `limit` bytes: writes stop (they are not
    /// stored) and the connection closes with [`CloseReason::OutputLimit`].
    #[cold]
    pub(crate) fn refuse_output(&mut self, limit: usize) {
        self.split_output().1.refuse(limit);
    }

    /// The handler's state and the output side, borrowed apart, so that a handler can
    /// keep using its state while a [`ConnWriter`](super::ConnWriter) appends replies.
    #[inline(always)]
    pub(crate) fn split_output(&mut self) -> (&mut S, Output<'_>) {
        let output = Output {
            queue: &mut self.out,
            flags: &mut self.flags,
            close_requested: &mut self.close_requested,
        };
        (&mut self.state, output)
    }
    pub(crate) fn ext_mut(&mut self) -> &mut Ext {
        self.ext.get_or_insert_with(Default::default)
    }

    /// The handle state, if a handle was ever made.
    pub(crate) fn handle(&self) -> Option<&HandleShared> {
        self.ext.as_ref().and_then(|e| e.handle.as_deref())
    }

    /// Tells the connection's handles that it is closing (once it starts leaving).
    pub(crate) fn mark_closed_for_handles(&self) {
        if let Some(h) = self.handle() {
            h.closed.store(true, Ordering::Release);
        }
    }

    /// Publishes the queued output size to the handles, for their
    /// [`SendError::Full`](crate::SendError::Full) check.
    pub(crate) fn publish_queued(&self) {
        if let Some(h) = self.handle() {
            h.publish(self.queued_total());
        }
    }

    /// Bytes of shared messages held after the output queue.
    #[inline]
    pub(crate) fn held_bytes(&self) -> usize {
        match self.flag(SHARED_HELD) {
            true => self.ext.as_ref().map_or(0, |e| e.held.bytes()),
            false => 0,
        }
    }

    /// Everything waiting for the socket: the output queue and held messages.
    #[inline]
    pub(crate) fn queued_total(&self) -> usize {
        self.out.len() + self.held_bytes()
    }

    /// Appends held messages to the output queue, before a write that must follow
    /// them.
    #[cold]
    pub(crate) fn unhold(&mut self, pool: &mut BufferPool) {
        self.set_flag(SHARED_HELD, false);
        if let Some(e) = self.ext.as_mut() {
            e.held.append_to(&mut self.out, pool);
        }
    }

    /// Drops the output queue and held messages (a connection that goes).
    pub(crate) fn release_output(&mut self, pool: &mut BufferPool) {
        self.out.release(pool);
        if self.flag(SHARED_HELD) {
            self.set_flag(SHARED_HELD, false);
            if let Some(e) = self.ext.as_mut() {
                e.held.clear(pool);
            }
        }
    }

    /// Whether the engine should read from the socket now and deliver the input.
    #[inline(always)]
    pub(crate) fn wants_input(&self) -> bool {
        // Paused by backpressure counts only when the handler did not choose to keep
        // reading: one mask test for the bits, one for the pressure pair. A connection
        // asked to close or leaving (`ENDING`) reads nothing more.
        self.flags & (USER_PAUSED | EOF | CONNECTING | ENDING) == 0
            && self.flags & (PRESSURE_PAUSED | KEEP_READING) != PRESSURE_PAUSED
    }

    /// Whether anything waits on the output queue: backpressure, a drain notice, a
    /// requested FIN, or a connection leaving once it is flushed.
    #[inline(always)]
    pub(crate) fn output_watch(&self) -> bool {
        self.flags & (PRESSURE_PAUSED | NOTIFY_DRAINED | SHUTDOWN_WRITE_REQUESTED) != 0
            || self.leaving.is_some()
    }

    /// Closing after a flush, with the output gone and the write side shut: reads
    /// are only drained and discarded until the peer closes.
    pub(crate) fn lingering(&self) -> bool {
        // The bit first: it is clear on every live connection.
        self.flag(WRITE_SHUT) && matches!(self.leaving, Some(Leaving::Close(_))) && self.queued_total() == 0
    }
}

/// The slab key of the connection `token` names, if it is still there.
#[inline]
pub(crate) fn live<S>(conns: &slab::Slab<Record<S>>, token: Token) -> Option<usize> {
    let key = key_of(token);
    conns.get(key).filter(|c| conn_token(key, c.gen) == token).map(|_| key)
}

impl Target {
    /// The slab key of the connection this names, if it is still there.
    pub(crate) fn find<S>(self, conns: &slab::Slab<Record<S>>) -> Option<usize> {
        conns.get(self.key).filter(|c| c.id == self.id).map(|_| self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{Addr, Stream};

    fn record(id: u64, gen: u32) -> Record<()> {
        let (a, _b) = mio::net::UnixStream::pair().unwrap();
        Record::new(Stream::Unix(a), id, 0, gen, 0, Addr::Unnamed, 1, ())
    }

    #[test]
    fn a_command_reaches_only_the_connection_it_was_made_for() {
        let mut conns = slab::Slab::new();
        let key = conns.insert(record(7, 5));
        let target = Target { key, id: 7 };
        assert_eq!(target.find(&conns), Some(key));
        conns.remove(key);
        assert_eq!(target.find(&conns), None);
        // A stranger in the same slot, even with the same slot generation (as after
        // 2^31 connections through it), is not reached.
        assert_eq!(conns.insert(record(7 + (1 << 40), 5)), key);
        assert_eq!(target.find(&conns), None);
    }
}

#[cfg(test)]
mod size {
    /// What one connection's record takes in the loop's slab (an idle connection's
    /// whole cost but for the kernel's socket): the 32-bit state word fits the slot
    /// a 16-bit one took, 240 bytes either way on 64-bit targets.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_record_takes_240_bytes() {
        assert_eq!(std::mem::size_of::<super::Record<()>>(), 240);
    }
}
