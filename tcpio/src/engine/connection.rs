//! One connection's record in its loop's slab.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::buffer::{InBuf, OutBuf};
use super::handle::HandleShared;
use super::CloseReason;
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

/// The rarely used parts of a connection, boxed so that connections without timers
/// or handles pay one word for them.
#[derive(Debug, Default)]
pub(crate) struct Ext {
    /// Ids of the handler's armed timers.
    pub(crate) timers: Vec<u64>,
    /// Shared with the connection's [`ConnHandle`](crate::ConnHandle)s.
    pub(crate) handle: Option<Arc<HandleShared>>,
}

/// Everything the loop knows about one connection.
#[derive(Debug)]
pub(crate) struct Connection<S> {
    pub(crate) stream: Stream,
    pub(crate) id: u64,
    /// Generation of the slab slot, also carried in the poller token.
    pub(crate) gen: u32,
    /// The slab slot.
    pub(crate) key: u32,
    /// When it opened, when input last arrived (0: never) and when output last moved
    /// or started waiting, in the loop's coarse milliseconds (see `Core::now_ms`).
    pub(crate) opened_ms: u64,
    pub(crate) last_in: u64,
    pub(crate) last_out: u64,
    pub(crate) ext: Option<Box<Ext>>,
    /// Counted by the server's connection limits, to be released when it goes.
    pub(crate) admitted: bool,
    /// Dialed out rather than accepted.
    pub(crate) outbound: bool,
    /// An outbound connect still in progress: nothing is read or delivered yet.
    pub(crate) connecting: bool,
    /// Listed in the loop's id map (`Core::reach`), to be removed when it goes.
    pub(crate) reachable: bool,
    /// Index of the bound address it came through.
    pub(crate) listener: usize,
    pub(crate) peer: Addr,
    pub(crate) state: S,
    pub(crate) inbuf: InBuf,
    pub(crate) out: OutBuf,
    pub(crate) leaving: Option<Leaving>,
    /// The handler paused reading.
    pub(crate) user_paused: bool,
    /// Output passed the high-water mark (and has not drained to the low-water mark
    /// since), so reading is paused unless `keep_reading`.
    pub(crate) pressure_paused: bool,
    /// The handler keeps reading above the high-water mark (a proxy pauses the other
    /// side instead).
    pub(crate) keep_reading: bool,
    /// The socket took less than offered; waiting for a writable edge.
    pub(crate) write_blocked: bool,
    /// Output had to wait for the socket; tell the handler when it drains.
    pub(crate) notify_drained: bool,
    /// The handler resumed reading; the engine reads again after the callback.
    pub(crate) resume_pending: bool,
    /// The poller flagged the peer's FIN: a short read does not mean drained.
    pub(crate) fin_seen: bool,
    /// A read returned end of stream.
    pub(crate) eof: bool,
    /// The handler asked to shut the write side once output is flushed.
    pub(crate) shutdown_write_requested: bool,
    pub(crate) write_shut: bool,
    /// In the loop's list of connections to read without waiting for an edge.
    pub(crate) in_ready_list: bool,
    /// Gone from the engine's point of view: writes are dropped.
    pub(crate) closed: bool,
    /// A close decided inside a callback, applied after it returns.
    pub(crate) close_requested: Option<CloseReason>,
}

impl<S: Default> Connection<S> {
    pub(crate) fn new(
        stream: Stream,
        id: u64,
        key: usize,
        gen: u32,
        listener: usize,
        peer: Addr,
        now_ms: u64,
    ) -> Self {
        Connection {
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
            connecting: false,
            reachable: false,
            listener,
            peer,
            state: S::default(),
            inbuf: InBuf::default(),
            out: OutBuf::default(),
            leaving: None,
            user_paused: false,
            pressure_paused: false,
            keep_reading: false,
            write_blocked: false,
            resume_pending: false,
            notify_drained: false,
            fin_seen: false,
            eof: false,
            shutdown_write_requested: false,
            write_shut: false,
            in_ready_list: false,
            closed: false,
            close_requested: None,
        }
    }
}

impl<S> Connection<S> {
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
            h.queued.store(self.out.len(), Ordering::Relaxed);
        }
    }

    /// Whether the engine should read from the socket now and deliver the input.
    pub(crate) fn wants_input(&self) -> bool {
        !self.user_paused
            && (!self.pressure_paused || self.keep_reading)
            && !self.eof
            && !self.connecting
            && self.leaving.is_none()
    }

    /// Whether anything waits on the output queue: backpressure, a drain notice, a
    /// requested FIN, or a connection leaving once it is flushed.
    pub(crate) fn output_watch(&self) -> bool {
        self.pressure_paused || self.notify_drained || self.shutdown_write_requested || self.leaving.is_some()
    }

    /// Closing after a flush, with the output gone and the write side shut: reads
    /// are only drained and discarded until the peer closes.
    pub(crate) fn lingering(&self) -> bool {
        matches!(self.leaving, Some(Leaving::Close(_))) && self.write_shut && self.out.is_empty()
    }
}
