//! The running server's handle.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{Error, Stats};
use crate::engine::mailbox::Stop;
use crate::engine::shared::Shared;
use crate::engine::ServerControl;
use crate::transport::Addr;

/// After a graceful stop's deadline the loops close what is left at once; this is how
/// much longer a waiter gives them to finish doing so.
const ABORT_GRACE: Duration = Duration::from_secs(1);

/// A running server: its addresses, its statistics, and the ways to stop it.
///
/// Dropping the handle shuts the server down gracefully and waits for its loops
/// (except on one of the server's own loop threads, where it only asks them to stop).
///
/// Three ways to stop, after xtcp's stop modes:
///
/// | call | accepting | queued output | returns |
/// |---|---|---|---|
/// | [`shutdown_now`](Self::shutdown_now) | stops | dropped | at once |
/// | [`shutdown`](Self::shutdown) | stops | flushed, within [`Builder::shutdown_timeout`](crate::Builder::shutdown_timeout) | at once |
/// | [`shutdown_and_wait`](Self::shutdown_and_wait) | stops | flushed, within the given deadline | when drained or out of time: whether all drained |
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

    /// A cloneable, `Send + Sync` control over this server for other threads.
    pub fn control(&self) -> ServerControl {
        ServerControl { shared: self.shared.clone() }
    }

    /// See [`ServerControl::broadcast`].
    pub fn broadcast(&self, data: &[u8]) {
        self.control().broadcast(data);
    }

    /// Starts a graceful shutdown and returns at once; see [`ServerControl::shutdown`]
    /// (and [`shutdown_and_wait`](Self::shutdown_and_wait) for how long one takes).
    pub fn shutdown(&self) {
        self.shared.shutdown_graceful();
    }

    /// Stops at once, dropping queued output; see [`ServerControl::shutdown_now`].
    pub fn shutdown_now(&self) {
        self.shared.shutdown(Stop::Immediate);
    }

    /// Shuts down gracefully and blocks until every connection has drained and closed
    /// or `deadline` has passed, after which what is left is closed at once. Returns
    /// whether everything drained in time.
    ///
    /// How long it takes: each connection flushes what it has queued, sends its FIN,
    /// then lingers until the peer closes its side too (so that input still arriving
    /// cannot turn the close into a reset that destroys what was just sent), for at
    /// most [`Builder::linger`](crate::Builder::linger) (5 s by default). In a stop on
    /// Linux the linger also ends once the peer has acknowledged everything (the FIN too) and
    /// nothing it sent is left unread. So a client that reads to the end lets the stop
    /// finish in a round trip or two whether or not it closes; one that stops
    /// acknowledging (gone, or its receive buffer full) holds its connection for the
    /// linger. A shorter linger bounds that; `deadline` bounds everything.
    ///
    /// Called on one of this server's own loop threads (from a handler), it would wait
    /// for itself: it returns [`Error::WaitOnLoopThread`] instead.
    pub fn shutdown_and_wait(&self, deadline: Duration) -> Result<bool, Error> {
        if self.shared.on_loop_thread() {
            return Err(Error::WaitOnLoopThread);
        }
        let aborted_before = self.shared.aborted();
        let at = Instant::now() + deadline;
        self.shared.shutdown(Stop::Graceful { deadline: Some(at) });
        let stopped = self.shared.wait_stopped(Some(at + ABORT_GRACE));
        Ok(stopped && self.shared.aborted() == aborted_before)
    }

    /// Blocks until every loop has exited: after a shutdown from another thread, a
    /// signal ([`shutdown_on_signals`](Self::shutdown_on_signals)) or a handler's
    /// [`Action::Shutdown`](crate::Action::Shutdown).
    ///
    /// Called on one of this server's own loop threads, it returns
    /// [`Error::WaitOnLoopThread`] instead of waiting for itself.
    pub fn wait(&self) -> Result<(), Error> {
        if self.shared.on_loop_thread() {
            return Err(Error::WaitOnLoopThread);
        }
        self.shared.wait_stopped(None);
        Ok(())
    }

    /// Whether the server is serving: no shutdown asked for, loops running.
    pub fn is_running(&self) -> bool {
        self.control().is_running()
    }

    /// Whether a shutdown is under way and some loop is still finishing.
    pub fn is_draining(&self) -> bool {
        self.control().is_draining()
    }

    /// Connections open now, over every loop.
    pub fn open_connections(&self) -> u64 {
        self.shared.open()
    }

    /// Dials `addr` (a TCP socket address or a unix socket path) from outside the
    /// loops, xtcp's `DialAndServe`: the connection goes to a loop (the one with the
    /// fewest connections), is served by that loop's handler with a default state,
    /// and gets [`on_open`](crate::Handler::on_open) once connected, or
    /// [`on_close`](crate::Handler::on_close) with
    /// [`CloseReason::ConnectFailed`](crate::CloseReason::ConnectFailed) if the
    /// connect fails or takes longer than `timeout`. Failures known at once are
    /// returned here, as is a dial past
    /// [`Builder::max_connections`](crate::Builder::max_connections), which counts
    /// outbound connections too. See [`Server::client`](crate::Server::client) for an engine that
    /// only dials.
    pub fn connect(&self, addr: impl Into<Addr>, timeout: std::time::Duration) -> Result<(), Error> {
        let peer = addr.into();
        if self.shared.is_stopping() {
            return Err(Error::Connect {
                addr: peer.to_string(),
                source: std::io::ErrorKind::NotConnected.into(),
            });
        }
        let admission = &self.shared.admission;
        if let Err(refusal) = admission.admit_outbound() {
            return Err(Error::Connect {
                addr: peer.to_string(),
                source: std::io::Error::other(refusal.to_string()),
            });
        }
        let stream = crate::transport::Stream::connect(&peer).map_err(|source| {
            admission.release_outbound();
            Error::Connect { addr: peer.to_string(), source }
        })?;
        let target = (0..self.shared.loops.len()).min_by_key(|&l| self.shared.loops[l].open()).unwrap_or(0);
        let dial = crate::engine::mailbox::Command::Dial { stream, peer: peer.clone(), timeout };
        // The server stopped meanwhile: the socket is closed unused, not parked.
        self.shared.loops[target].send(dial).map_err(|_| {
            admission.release_outbound();
            Error::Connect { addr: peer.to_string(), source: std::io::ErrorKind::NotConnected.into() }
        })
    }

    /// Maps SIGINT and SIGTERM to a graceful shutdown (bounded by
    /// [`Builder::shutdown_timeout`](crate::Builder::shutdown_timeout)); a second
    /// signal stops at once. How long the graceful stop takes is said at
    /// [`shutdown_and_wait`](Self::shutdown_and_wait): at most the linger per
    /// connection whose peer has not acknowledged all its output. A thread waits for the signals
    /// until the server stops. The handlers stay installed afterwards: from then on the signals no longer
    /// end the process by themselves (a program that goes on after its server should
    /// know).
    ///
    /// ```no_run
    /// let server = tcpio::Server::builder().bind("127.0.0.1:7000")?.start_fn(|conn, input| {
    ///     conn.write(input.bytes());
    ///     input.consume_all();
    ///     tcpio::Action::Continue
    /// })?;
    /// server.shutdown_on_signals()?;
    /// server.wait()?; // returns once a signal has drained the server
    /// # Ok::<(), tcpio::Error>(())
    /// ```
    pub fn shutdown_on_signals(&self) -> Result<(), Error> {
        super::signals::shutdown_on_signals(&self.shared)
    }

    fn join(&mut self) {
        for t in self.threads.drain(..) {
            if t.join().is_err() {
                tracing::error!("an event loop thread panicked");
            }
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if self.threads.is_empty() {
            return;
        }
        self.shared.shutdown_graceful();
        // On a loop thread the loops are left to finish by themselves.
        if !self.shared.on_loop_thread() {
            self.join();
        }
    }
}
