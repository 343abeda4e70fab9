//! The contract between the engine and user code.

use std::fmt;
use std::time::Duration;

use super::{Action, CloseReason, Conn, Input, TimerId};
use crate::transport::{Addr, DetachedStream};

/// Everything a detached connection leaves behind: the socket, the input the
/// handler had not consumed (so nothing is lost), and its state.
///
/// A TLS connection cannot be detached (its session does not travel with the socket):
/// [`Action::Detach`](crate::Action::Detach) on one closes it instead, cleanly, with
/// [`CloseReason::Tls`](crate::CloseReason::Tls) (see
/// [`TlsError::is_detach`](crate::tls::TlsError::is_detach)), and `on_detach` is not
/// called. Non-exhaustive, so what a detach hands over can grow.
#[derive(Debug)]
#[non_exhaustive]
pub struct Detached<S> {
    /// The connection's id.
    pub id: u64,
    /// The peer's address.
    pub peer: Addr,
    /// The socket, now blocking and no longer watched by the loop.
    pub stream: DetachedStream,
    /// Bytes already read from the socket that the handler had not consumed.
    pub unread: Vec<u8>,
    /// The connection's state.
    pub state: S,
}

/// User code that serves connections. One instance per event loop, made by the
/// factory given to [`Builder::serve`](crate::Builder::serve); every callback runs on
/// that loop's thread, so a handler needs no locks for its own fields.
///
/// Only [`on_data`](Handler::on_data) is required. Callbacks never nest: anything a
/// callback causes on its loop (a close, a drained queue) is delivered after it
/// returns.
///
/// # Panics in callbacks
///
/// A panic in a connection's callback closes that connection with
/// [`CloseReason::Panic`], counts it in the stats, and the loop goes on serving every
/// other connection. The handler instance itself is *not* reset: if the panic struck
/// in the middle of updating the handler's own fields, they stay half-updated for the
/// connections that follow. Keep invariants that span several fields simple, or
/// restore them in [`on_close`](Handler::on_close).
pub trait Handler: 'static {
    /// Per-connection state, created with `Default` when a connection opens and
    /// reachable through [`Conn::state`] and [`Conn::state_mut`].
    type State: Default + 'static;

    /// The loop has started; `loop_id` counts from 0.
    fn on_loop_start(&mut self, loop_id: usize) {
        let _ = loop_id;
    }

    /// A connection is ready (its transport is established).
    fn on_open(&mut self, conn: &mut Conn<'_, Self::State>) -> Action {
        let _ = conn;
        Action::Continue
    }

    /// Input arrived. `input` holds every byte not consumed so far; consume what was
    /// handled ([`Input::consume`]) and the rest is offered again, with the next bytes
    /// appended, at the next read. Writes are queued and flushed once after return.
    fn on_data(&mut self, conn: &mut Conn<'_, Self::State>, input: &mut Input<'_>) -> Action;

    /// The peer shut down its write side (end of stream). The connection can still
    /// write: return [`Action::Continue`] to keep it open (a proxy forwards the
    /// half-close with [`Conn::shutdown_write`]). The default closes after flushing.
    fn on_eof(&mut self, conn: &mut Conn<'_, Self::State>) -> Action {
        let _ = conn;
        Action::Close
    }

    /// Queued output passed the high-water mark; the engine has paused reading this
    /// connection until the output drains to the low-water mark.
    fn on_high_water(&mut self, conn: &mut Conn<'_, Self::State>) -> Action {
        let _ = conn;
        Action::Continue
    }

    /// Output that had to wait for the socket has drained to the low-water mark or
    /// below; a producer that streams a large body writes its next part here.
    fn on_drained(&mut self, conn: &mut Conn<'_, Self::State>) -> Action {
        let _ = conn;
        Action::Continue
    }

    /// A timer set with [`Conn::set_timer`] fired; `timer` is the id it returned.
    /// Timers of one connection fire in deadline order.
    fn on_timer(&mut self, conn: &mut Conn<'_, Self::State>, timer: TimerId) -> Action {
        let _ = (conn, timer);
        Action::Continue
    }

    /// Another thread called [`ConnHandle::wake`](crate::ConnHandle::wake) on this
    /// connection (evio's wake): a cue to look at shared state and write what it
    /// holds for this peer.
    fn on_wake(&mut self, conn: &mut Conn<'_, Self::State>) -> Action {
        let _ = conn;
        Action::Continue
    }

    /// An idle, read or handshake timeout passed (`reason` says which): the
    /// connection is about to close with it. What this writes (a goodbye, an error
    /// frame) is flushed before the close. [`Action::Close`] (the default) closes
    /// after that flush, with `reason`; [`Action::CloseNow`] closes without waiting;
    /// [`Action::Continue`] keeps the connection, as if it had just been active. A
    /// write timeout does not come here: its peer is not reading, so nothing more
    /// could reach it.
    fn on_timeout(&mut self, conn: &mut Conn<'_, Self::State>, reason: &CloseReason) -> Action {
        let _ = (conn, reason);
        Action::Close
    }

    /// The server is shutting down gracefully. The default, [`Action::Close`], flushes
    /// what is queued and closes with [`CloseReason::Shutdown`]; a handler may write a
    /// farewell first, or return [`Action::Continue`] to finish the work in hand and
    /// close later (within the shutdown deadline, after which the connection is closed
    /// anyway).
    fn on_shutdown(&mut self, conn: &mut Conn<'_, Self::State>) -> Action {
        let _ = conn;
        Action::Close
    }

    /// The connection has closed. Writes made here are discarded; the state is
    /// dropped after this returns.
    fn on_close(&mut self, conn: &mut Conn<'_, Self::State>, reason: &CloseReason) {
        let _ = (conn, reason);
    }

    /// The connection was detached ([`Action::Detach`]); the socket is now the
    /// handler's. The default drops (closes) it.
    fn on_detach(&mut self, detached: Detached<Self::State>) {
        let _ = detached;
    }

    /// The loop's periodic tick: called once when the loop starts, then after each
    /// delay it returns; `None` stops ticking.
    fn on_tick(&mut self) -> Option<Duration> {
        None
    }
}

/// A [`Handler`] made of one closure over the connection and its input, for the
/// simplest servers (see [`Builder::serve_fn`](crate::Builder::serve_fn)).
#[derive(Clone)]
pub struct FnHandler<F>(pub F);

impl<F> fmt::Debug for FnHandler<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnHandler")
    }
}

impl<F> Handler for FnHandler<F>
where
    F: FnMut(&mut Conn<'_, ()>, &mut Input<'_>) -> Action + 'static,
{
    type State = ();

    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        (self.0)(conn, input)
    }
}
