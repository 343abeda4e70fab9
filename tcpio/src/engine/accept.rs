//! Accepting connections and spreading them over the loops.

use std::io;
use std::time::Duration;

use socket2::SockRef;

use super::config::Balance;
use super::connection::{Connection, Leaving};
use super::event_loop::{conn_token, EventLoop, Timer};
use super::shared::{bump, Command};
use super::{CloseReason, Handler};
use crate::transport::Accepted;

/// How long to wait before accepting again after a resource error (EMFILE, ENOBUFS).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

impl<H: Handler> EventLoop<H> {
    /// A listener is readable: accept up to the budget, then yield to the other
    /// events and come back later in this pass.
    pub(crate) fn on_acceptable(&mut self, i: usize) {
        for _ in 0..self.core.cfg.accept_budget {
            let Some(Some(l)) = self.listeners.get(i) else { return };
            match l.accept() {
                Ok(acc) => self.place(acc),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if is_transient(&e) => {}
                Err(e) => {
                    // Out of descriptors or memory: the queue keeps its connections,
                    // and no new edge may come, so retry on a timer instead of spinning.
                    tracing::warn!(loop_id = self.id(), error = %e, "accept failed; retrying shortly");
                    self.wheel.insert(std::time::Instant::now() + ACCEPT_RETRY, Timer::AcceptRetry(i));
                    return;
                }
            }
        }
        self.accept_pending.push(i);
    }

    /// Accepts everything already queued on listener `i` (at shutdown).
    pub(crate) fn drain_accept_queue(&mut self, i: usize) {
        for _ in 0..65_536 {
            let Some(Some(l)) = self.listeners.get(i) else { return };
            match l.accept() {
                Ok(acc) => self.adopt(acc),
                Err(e) if is_transient(&e) => {}
                Err(_) => return,
            }
        }
    }

    /// Sends an accepted connection to the loop that should serve it.
    fn place(&mut self, acc: Accepted) {
        let cfg = &self.core.cfg;
        let loops = &self.core.shared.loops;
        let target = match cfg.balance {
            Balance::ReusePort if acc.stream.is_tcp() => self.id(),
            Balance::LeastConnections => (0..cfg.loops).min_by_key(|&l| loops[l].open()).unwrap_or(0),
            Balance::ReusePort | Balance::RoundRobin => {
                self.round_robin = (self.round_robin + 1) % cfg.loops;
                self.round_robin
            }
        };
        if target == self.id() {
            self.adopt(acc);
        } else {
            loops[target].send(Command::Adopt(acc));
        }
    }

    /// Takes an accepted connection into this loop and opens it.
    pub(crate) fn adopt(&mut self, acc: Accepted) {
        let Accepted { mut stream, peer, listener } = acc;
        if let Err(e) = self.core.cfg.socket.apply(SockRef::from(&stream), stream.is_tcp()) {
            tracing::warn!(loop_id = self.id(), %peer, error = %e, "setting socket options failed; dropping the connection");
            return;
        }
        let gen = self.next_gen();
        let key = self.conns.vacant_key();
        if let Err(e) = self.poller.register(&mut stream, conn_token(key, gen)) {
            tracing::warn!(loop_id = self.id(), %peer, error = %e, "registering a connection failed");
            return;
        }
        let id = self.next_id * self.core.cfg.loops as u64 + self.id() as u64;
        self.next_id += 1;
        let inserted = self.conns.insert(Connection::new(stream, id, gen, listener, peer));
        debug_assert_eq!(inserted, key);
        bump(&self.core.counters().accepted, 1);
        tracing::trace!(loop_id = self.id(), conn = id, "connection opened");
        self.callback(key, |h, conn| h.on_open(conn));
        if self.draining && self.conns.get(key).is_some_and(|c| c.gen == gen && c.leaving.is_none()) {
            self.leave(key, Leaving::Close(CloseReason::Shutdown));
        }
    }
}

/// Accept errors that concern one connection only; the next accept may succeed.
fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted
    ) || e.raw_os_error() == Some(libc::EPROTO)
}
