//! The running server's handle.

use std::sync::Arc;
use std::thread::JoinHandle;

use super::Stats;
use crate::engine::shared::Shared;
use crate::transport::Addr;

/// A running server: its addresses, its statistics, and the way to stop it.
///
/// Dropping the handle shuts the server down gracefully and waits for its loops.
#[derive(Debug)]
pub struct ServerHandle {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    addrs: Vec<Addr>,
}

impl ServerHandle {
    pub(crate) fn new(shared: Arc<Shared>, threads: Vec<JoinHandle<()>>, addrs: Vec<Addr>) -> Self {
        ServerHandle { shared, threads, addrs }
    }

    /// The bound addresses, in the order they were given to
    /// [`Builder::bind`](crate::Builder::bind), with real ports for port 0.
    pub fn local_addrs(&self) -> &[Addr] {
        &self.addrs
    }

    /// A snapshot of the counters, per loop and in total.
    pub fn stats(&self) -> Stats {
        Stats::collect(&self.shared)
    }

    /// Starts a graceful shutdown and returns at once: every loop stops accepting
    /// (clients already in the kernel's accept queue are accepted and closed
    /// cleanly), flushes what each connection has queued, closes it, and exits.
    pub fn shutdown(&self) {
        self.shared.shutdown();
    }

    /// Blocks until every loop has exited: after [`shutdown`](Self::shutdown) from
    /// another thread, or a handler's [`Action::Shutdown`](crate::Action::Shutdown).
    /// Connections still open at shutdown are waited for up to the linger timeout.
    pub fn wait(mut self) {
        self.join();
    }

    fn join(&mut self) {
        let me = std::thread::current().id();
        for t in self.threads.drain(..) {
            // A handle dropped on one of its own loops cannot wait for itself.
            if t.thread().id() == me {
                continue;
            }
            if t.join().is_err() {
                tracing::error!("an event loop thread panicked");
            }
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            self.shared.shutdown();
            self.join();
        }
    }
}
