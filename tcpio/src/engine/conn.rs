//! The handler's view of one connection during a callback.

use std::io;

use super::buffer::BufferPool;
use super::config::Limits;
use super::connection::Connection;
use super::output::{self, Batch};
use super::CloseReason;
use crate::transport::Addr;

/// One connection, as a callback sees it.
///
/// Writes are queued and flushed once after the callback returns: many small writes
/// cost one system call. Writing a slice of the callback's own [`Input`](crate::Input)
/// forwards it without a copy (see [`write`](Self::write)).
pub struct Conn<'a, S> {
    pub(crate) c: &'a mut Connection<S>,
    pub(crate) batch: &'a mut Batch,
    pub(crate) pool: &'a mut BufferPool,
    pub(crate) limits: &'a Limits,
    pub(crate) loop_id: usize,
    pub(crate) listen_addrs: &'a [Addr],
}

impl<S: std::fmt::Debug> std::fmt::Debug for Conn<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("id", &self.c.id)
            .field("peer", &self.c.peer)
            .field("queued", &self.queued())
            .field("state", &self.c.state)
            .finish()
    }
}

impl<'a, S> Conn<'a, S> {
    /// The connection's id: unique for the server's whole life, never reused.
    pub fn id(&self) -> u64 {
        self.c.id
    }

    /// The event loop that owns the connection, counting from 0.
    pub fn loop_id(&self) -> usize {
        self.loop_id
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> &Addr {
        &self.c.peer
    }

    /// The local address of this connection (asked of the kernel on each call: for a
    /// listener bound to `0.0.0.0` it tells which local address the peer reached).
    pub fn local_addr(&self) -> io::Result<Addr> {
        self.c.stream.local_addr()
    }

    /// Index of the bound address this connection came through, as listed by
    /// [`ServerHandle::local_addrs`](crate::ServerHandle::local_addrs).
    pub fn listener_index(&self) -> usize {
        self.c.listener
    }

    /// The bound address this connection came through.
    pub fn listener_addr(&self) -> &Addr {
        &self.listen_addrs[self.c.listener]
    }

    /// The connection's state.
    pub fn state(&self) -> &S {
        &self.c.state
    }

    /// The connection's state, mutably.
    pub fn state_mut(&mut self) -> &mut S {
        &mut self.c.state
    }

    /// Queues bytes for the peer; they go out in one write after the callback.
    ///
    /// If `data` is a slice of this callback's input, it is not copied: the flush
    /// writes it straight from the read buffer, and only what the socket does not take
    /// is kept. Bytes written after a close was decided, or in
    /// [`on_close`](crate::Handler::on_close), are discarded. Output past the hard cap
    /// ([`Builder::max_output`](crate::Builder::max_output)) closes the connection
    /// with [`CloseReason::OutputLimit`] and is not stored.
    pub fn write(&mut self, data: &[u8]) {
        if data.is_empty() || self.c.closed || self.c.shutdown_write_requested {
            return;
        }
        if self.queued() + data.len() > self.limits.max_output {
            self.c.closed = true;
            self.c.close_requested = Some(CloseReason::OutputLimit { limit: self.limits.max_output });
            return;
        }
        if !self.batch.try_forward(data, &self.c.out) {
            self.c.out.extend(data, self.pool);
        }
    }

    /// Queues several slices in order, as [`write`](Self::write) does each.
    pub fn write_vectored(&mut self, bufs: &[&[u8]]) {
        for b in bufs {
            self.write(b);
        }
    }

    /// Bytes queued for the peer and not yet taken by the socket.
    pub fn queued(&self) -> usize {
        output::queued(&self.c.out, self.batch)
    }

    /// Stops reading from this connection until [`resume_read`](Self::resume_read).
    /// The kernel's buffer then fills and the peer's sends block: backpressure.
    pub fn pause_read(&mut self) {
        self.c.user_paused = true;
    }

    /// Starts reading again after the callback returns. Input the handler left
    /// unconsumed is offered again at once, then the socket is read: input that
    /// arrived meanwhile is delivered promptly, not at the next edge.
    pub fn resume_read(&mut self) {
        if self.c.user_paused {
            self.c.user_paused = false;
            self.c.resume_pending = true;
        }
    }

    /// Whether the handler has paused reading.
    pub fn is_read_paused(&self) -> bool {
        self.c.user_paused
    }

    /// Shuts down the write side (sends a FIN) once everything queued has been
    /// written; the connection can still read, and later writes are discarded. Used to forward a peer's half-close.
    pub fn shutdown_write(&mut self) {
        self.c.shutdown_write_requested = true;
    }

    /// Closes the connection after the callback, once queued output is flushed (the
    /// same as returning [`Action::Close`](crate::Action::Close)).
    pub fn close(&mut self) {
        if self.c.close_requested.is_none() {
            self.c.close_requested = Some(CloseReason::Local);
        }
    }
}
