//! Stopping a loop: gracefully (stop accepting, let each connection finish, flush,
//! close, within an optional deadline) or immediately.

use std::time::Instant;

use super::mailbox::Stop;
use super::record::Leaving;
use super::shared::bump;
use super::timers::Timer;
use super::{Action, CloseReason, EventLoop, Handler};

impl<H: Handler> EventLoop<H> {
    /// Starts stopping. Repeating a graceful stop can only bring its deadline closer;
    /// an immediate stop may follow a graceful one.
    pub(crate) fn begin_shutdown(&mut self, stop: Stop) {
        if !self.core.draining {
            self.core.draining = true;
            // Connections still connecting are asked once they open.
            let keys: Vec<usize> = self
                .conns
                .iter()
                .filter(|(_, c)| !c.flag(super::record::CONNECTING))
                .map(|(k, _)| k)
                .collect();
            if let Stop::Graceful { .. } = stop {
                for key in keys {
                    self.ask_to_finish(key);
                }
            }
            // Clients already waiting in the kernel's accept queue are accepted rather
            // than reset when the listener closes, and asked to finish as they open.
            for i in 0..self.listeners.len() {
                self.drain_accept_queue(i);
            }
            self.listeners.close();
        }
        match stop {
            Stop::Graceful { deadline: Some(at) } => {
                // Never earlier than this pass: the deadline timer must still fire.
                self.core.timers.insert(at.max(Instant::now()), Timer::ShutdownDeadline);
            }
            Stop::Graceful { deadline: None } => {}
            Stop::Immediate => self.abort_all(),
        }
    }

    /// Tells a connection's handler that the server is stopping; by default it
    /// flushes and closes with [`CloseReason::Shutdown`].
    pub(crate) fn ask_to_finish(&mut self, key: usize) {
        if !self.conns.contains(key) || self.conns[key].leaving.is_some() {
            return;
        }
        if self.conns[key].flag(super::record::SETUP) {
            // Not open yet: closed, not drained (its handler never saw it).
            return self.setup_failed(key, CloseReason::Shutdown);
        }
        self.callback(key, |h, conn| match h.on_shutdown(conn) {
            Action::Close => {
                conn.close_with(CloseReason::Shutdown);
                Action::Continue
            }
            other => other,
        });
    }

    /// Closes every connection at once, dropping queued output (an immediate stop, or
    /// a graceful one out of time).
    pub(crate) fn abort_all(&mut self) {
        let keys: Vec<usize> = self.conns.iter().map(|(k, _)| k).collect();
        if keys.is_empty() {
            return;
        }
        bump(&self.core.counters().aborted, keys.len() as u64);
        tracing::debug!(loop_id = self.id(), connections = keys.len(), "closing every connection now");
        for key in keys {
            if self.conns.contains(key) {
                let reason = match self.conns[key].leaving.take() {
                    Some(Leaving::Close(reason)) => reason,
                    _ => CloseReason::Shutdown,
                };
                self.finalize(key, reason);
            }
        }
    }
}
