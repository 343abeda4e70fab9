//! One connection's record in its loop's slab.

use super::buffer::{InBuf, OutBuf};
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

/// Everything the loop knows about one connection.
#[derive(Debug)]
pub(crate) struct Connection<S> {
    pub(crate) stream: Stream,
    pub(crate) id: u64,
    /// Generation of the slab slot, also carried in the poller token.
    pub(crate) gen: u32,
    /// Index of the bound address it came through.
    pub(crate) listener: usize,
    pub(crate) peer: Addr,
    pub(crate) state: S,
    pub(crate) inbuf: InBuf,
    pub(crate) out: OutBuf,
    pub(crate) leaving: Option<Leaving>,
    /// The handler paused reading.
    pub(crate) user_paused: bool,
    /// Output passed the high-water mark, so reading is paused.
    pub(crate) pressure_paused: bool,
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
    pub(crate) fn new(stream: Stream, id: u64, gen: u32, listener: usize, peer: Addr) -> Self {
        Connection {
            stream,
            id,
            gen,
            listener,
            peer,
            state: S::default(),
            inbuf: InBuf::default(),
            out: OutBuf::default(),
            leaving: None,
            user_paused: false,
            pressure_paused: false,
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
    /// Whether the engine should read from the socket now and deliver the input.
    pub(crate) fn wants_input(&self) -> bool {
        !self.user_paused && !self.pressure_paused && !self.eof && self.leaving.is_none()
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
