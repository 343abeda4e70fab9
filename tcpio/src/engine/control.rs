//! [`ServerControl`]: the parts of a running server any thread (or a handler) may use.

use std::sync::Arc;

use super::mailbox::Stop;
use super::shared::Shared;

/// Control over a running server from any thread or from inside a handler:
/// broadcast, stop, and read its state. `Send + Sync`; cloning it is one
/// reference-count increment. Get one from
/// [`ServerHandle::control`](crate::ServerHandle::control) or
/// [`Conn::server`](crate::Conn::server).
#[derive(Clone)]
pub struct ServerControl {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for ServerControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerControl")
            .field("running", &self.is_running())
            .field("draining", &self.is_draining())
            .finish()
    }
}

impl ServerControl {
    /// A snapshot of the server's counters, per loop and in total, as
    /// [`ServerHandle::stats`](crate::ServerHandle::stats) gives it.
    pub fn stats(&self) -> crate::Stats {
        crate::Stats::collect(&self.shared)
    }

    /// Queues `data` for every open connection on every loop (one command per loop,
    /// one copy of the bytes in all). Like any output it counts towards each
    /// connection's high-water mark and hard cap: a connection whose peer does not
    /// read is closed at the cap rather than left to grow.
    ///
    /// Bounded: a loop's mailbox holds at most a hard cap's worth
    /// ([`Builder::max_output`](crate::Builder::max_output)) of broadcast bytes that
    /// it has not taken in yet; a broadcast past that is not queued for that loop and
    /// is counted in [`LoopStats::broadcasts_dropped`](crate::LoopStats::broadcasts_dropped).
    /// After the server has stopped, broadcasts are dropped at once.
    pub fn broadcast(&self, data: &[u8]) {
        self.broadcast_inner(data, None);
    }

    /// [`broadcast`](Self::broadcast) to every connection but the one with this id
    /// (the sender of a chat message, say).
    pub fn broadcast_except(&self, data: &[u8], except: u64) {
        self.broadcast_inner(data, Some(except));
    }

    fn broadcast_inner(&self, data: &[u8], except: Option<u64>) {
        if data.is_empty() {
            return;
        }
        let data: Arc<[u8]> = data.into();
        for l in &self.shared.loops {
            l.broadcast(&data, except);
        }
    }

    /// Starts a graceful shutdown and returns at once: accepting stops (clients
    /// already in the kernel's accept queue are still accepted), each connection's
    /// handler is told ([`Handler::on_shutdown`](crate::Handler::on_shutdown)), queued
    /// output is flushed and connections close. Whatever is still open after
    /// [`Builder::shutdown_timeout`](crate::Builder::shutdown_timeout) is closed at once.
    pub fn shutdown(&self) {
        self.shared.shutdown_graceful();
    }

    /// Stops at once: every connection is closed now, queued output is dropped.
    pub fn shutdown_now(&self) {
        self.shared.shutdown(Stop::Immediate);
    }

    /// Whether the server is serving: started, and no shutdown asked for.
    pub fn is_running(&self) -> bool {
        !self.shared.is_stopping() && self.shared.running() > 0
    }

    /// Whether a shutdown was asked for and some loop is still finishing its
    /// connections.
    pub fn is_draining(&self) -> bool {
        self.shared.is_stopping() && self.shared.running() > 0
    }

    /// Connections open now, over every loop.
    pub fn open_connections(&self) -> u64 {
        self.shared.open()
    }
}
