//! Leaving: closing after a flush (with a linger for the peer's FIN), closing at
//! once, detaching; and the bookkeeping of a connection that has gone.

use std::net::Shutdown;
use std::time::Duration;

use super::guard::guarded;
use super::record::{Leaving, Record};
use super::record::{CLOSED, CONNECTING, ENDING, EOF, FIN_SEEN, LINGER_ARMED, SETUP, TLS, WRITE_SHUT};
use super::shared::{bump, unbump};
use super::timers::{Timer, LINGER_STEP_MAX};
use super::token::conn_token;
use super::{CloseReason, Conn, Detached, EventLoop, Handler, ServerEvent};
use crate::backend::{socket_queue, Token};

impl<H: Handler> EventLoop<H> {
    /// Applies a close decided inside a callback: past the hard cap the output is
    /// dropped and the connection goes at once; any other reason flushes first.
    pub(crate) fn close_as_requested(&mut self, key: usize, reason: CloseReason) {
        if let CloseReason::OutputLimit { .. } = reason {
            self.finalize(key, reason);
        } else {
            self.leave(key, Leaving::Close(reason));
        }
    }

    /// Starts leaving: nothing more is delivered and nothing more written (callbacks
    /// still to come, such as `on_close`, write nothing); the rest waits for the
    /// output. A dialed connection still connecting never opened: it goes at once.
    pub(crate) fn leave(&mut self, key: usize, how: Leaving) {
        let c = &mut self.conns[key];
        if c.leaving.is_some() {
            return;
        }
        if c.flag(SETUP) {
            return self.leave_setup(key, how);
        }
        if c.flag(CONNECTING) {
            let reason = match how {
                Leaving::Close(reason) => reason,
                Leaving::Detach => CloseReason::Local,
            };
            return self.finalize(key, reason);
        }
        let how = match how {
            // A TLS session cannot be handed over with its socket: closed instead,
            // cleanly (close_notify), with a reason that says so.
            Leaving::Detach if c.flag(TLS) => {
                Leaving::Close(CloseReason::Tls(crate::tls::TlsError::detach()))
            }
            how => how,
        };
        c.leaving = Some(how);
        c.set_flag(ENDING | CLOSED, true);
        c.mark_closed_for_handles();
        if c.queued_total() == 0 {
            self.progress_leave(key);
        }
    }

    /// The output of a leaving connection has been written: detach it, or shut the
    /// write side and linger for the peer's FIN so unread input cannot turn the close
    /// into a reset that destroys what was just sent.
    pub(crate) fn progress_leave(&mut self, key: usize) {
        let c = &mut self.conns[key];
        // TLS: close_notify first (even to a peer that has closed: it ends the session
        // cleanly), then the rest once it has gone.
        if c.flag(TLS)
            && matches!(c.leaving, Some(Leaving::Close(_)))
            && !c.flag(WRITE_SHUT)
            && self.send_close_notify(key)
        {
            return;
        }
        let c = &mut self.conns[key];
        match c.leaving {
            Some(Leaving::Detach) => self.detach(key),
            Some(Leaving::Close(_)) if c.flag(EOF) => self.finish_leaving(key),
            Some(Leaving::Close(_)) => {
                if !c.flag(WRITE_SHUT) {
                    c.set_flag(WRITE_SHUT, true);
                    let _ = c.stream.shutdown(Shutdown::Write);
                }
                // Armed here even when the write side was shut earlier (a forwarded
                // half-close): a peer that never closes must not hold it forever.
                if !c.flag(LINGER_ARMED) {
                    c.set_flag(LINGER_ARMED, true);
                    let token = conn_token(key, c.gen);
                    let linger = self.core.cfg.linger.min(super::timers::FAR);
                    let until = self.core.clock.now_ms() + linger.as_millis() as u64;
                    let at = super::timers::deadline(std::time::Instant::now(), Duration::from_millis(1));
                    self.core.timers.insert(at, Timer::Linger { token, until, step: 1 });
                }
                self.drain_linger(key);
            }
            None => {}
        }
    }

    /// Reads and discards input of a lingering connection until the peer closes.
    pub(crate) fn drain_linger(&mut self, key: usize) {
        for _ in 0..self.core.cfg.read_budget {
            let c = &mut self.conns[key];
            match c.stream.read(&mut self.rbuf) {
                Ok(0) => return self.finish_leaving(key),
                Ok(n) => {
                    self.core.bytes_in += n as u64;
                    if n < self.rbuf.len() && !c.flag(FIN_SEEN) {
                        return;
                    }
                }
                Err(e) if e.would_block() => return,
                Err(_) => return self.finish_leaving(key),
            }
        }
        self.push_ready(key);
    }

    /// A lingering connection's check. In a graceful stop it closes once the peer has
    /// acknowledged all its output (its FIN too) and nothing it received is left
    /// unread: closing then sends no reset, and what it sent is in the peer's kernel
    /// (the server is exiting, so the linger's last protection, reading what a peer
    /// sends after our FIN so that our reset cannot make some peers' kernels drop
    /// unread data, gives way). At `until` it closes anyway. Else it is checked again,
    /// less often each time.
    pub(crate) fn linger_check(&mut self, token: Token, until: u64, step: u32) {
        let Some(key) = self.live(token) else { return };
        let c = &self.conns[key];
        if !matches!(c.leaving, Some(Leaving::Close(_))) {
            return;
        }
        let now = self.core.clock.now_ms();
        let stopping = self.core.draining && c.lingering();
        if now >= until || (stopping && socket_queue::settled(&c.stream)) {
            // This entry has fired: none is left in the wheel for it.
            self.conns[key].set_flag(LINGER_ARMED, false);
            return self.finish_leaving(key);
        }
        let step = (step * 2).min(LINGER_STEP_MAX);
        let wait = (step as u64).min(until - now);
        let at = super::timers::deadline(std::time::Instant::now(), Duration::from_millis(wait));
        self.core.timers.insert(at, Timer::Linger { token, until, step });
    }

    /// Closes a leaving connection with the reason it is leaving for.
    fn finish_leaving(&mut self, key: usize) {
        if let Some(Leaving::Close(reason)) = self.conns[key].leaving.take() {
            self.finalize(key, reason);
        }
    }

    /// Removes a connection, tells the handler why, and closes the socket.
    pub(crate) fn finalize(&mut self, key: usize, reason: CloseReason) {
        let mut c = self.conns.remove(key);
        if c.flag(SETUP) {
            // Counted out first, so whoever sees it close sees it gone from the gauge.
            unbump(&self.core.counters().in_setup, 1);
        }
        c.set_flag(CLOSED, true);
        c.inbuf.release(&mut self.core.pool);
        c.release_output(&mut self.core.pool);
        self.gone(&c);
        tracing::trace!(loop_id = self.id(), conn = c.id, %reason, "connection closed");
        if self.core.shared.observer.is_some() {
            let (id, loop_id) = (c.id, self.id());
            self.core.shared.emit(ServerEvent::Closed { id, loop_id, peer: c.client(), reason: &reason });
        }
        // A dialed connection hears why it failed even if it never opened (its dial
        // promised `on_open` or `on_close`); an accepted one that never opened does not.
        if !c.flag(SETUP) || c.outbound {
            self.core.batch.begin(&[]);
            let handler = &mut self.handler;
            let core = &mut self.core;
            if let Err(msg) = guarded(|| handler.on_close(&mut Conn::new(&mut c, core), &reason)) {
                bump(&self.core.counters().panics, 1);
                tracing::warn!(loop_id = self.id(), conn = c.id, panic = %msg, "on_close panicked");
            }
            self.core.batch.clear();
        }
        // The state's destructor is user code too.
        self.guarded_user("a connection state's destructor", move || drop(c));
        self.run_deferred(0);
    }

    /// The bookkeeping of a connection leaving the loop, closed or detached.
    fn gone(&mut self, c: &Record<H::State>) {
        bump(&self.core.counters().closed, 1);
        if let Some(ext) = c.ext.as_ref() {
            let me = super::token::Target { key: c.key as usize, id: c.id };
            for g in ext.groups.values() {
                self.core.memberships.leave(g.id(), me);
                g.count_out(self.core.loop_id);
            }
        }
        c.mark_closed_for_handles();
        if c.reachable {
            self.core.staged.forget(c.id);
        }
        if c.admitted && c.outbound {
            self.core.shared.admission.release_outbound();
        } else if c.admitted && self.proxy_bind(c.listener) {
            // Counted in total at accept, and per IP by the client its header named.
            let admission = &self.core.shared.admission;
            admission.release_total();
            if let Some(p) = c.ext.as_ref().and_then(|e| e.proxy.as_ref()).filter(|p| p.counted) {
                if let Some(client) = &p.client {
                    admission.release_client(client);
                }
            }
        } else if c.admitted {
            self.core.shared.admission.release(&c.peer);
        }
        self.count_stale(c);
    }

    /// Hands a flushed connection's socket to the handler.
    fn detach(&mut self, key: usize) {
        let mut c = self.conns.remove(key);
        self.gone(&c);
        if let Err(e) = self.poller.deregister(&mut c.stream) {
            tracing::warn!(conn = c.id, error = %e, "deregistering a detached socket failed");
        }
        let unread = c.inbuf.take_vec(&mut self.core.pool);
        c.release_output(&mut self.core.pool);
        let (id, peer, state) = (c.id, c.peer, c.state);
        match c.stream.into_std() {
            Ok(stream) => {
                let d = Detached { id, peer, stream, unread, state };
                if let Err(msg) = guarded(|| self.handler.on_detach(d)) {
                    bump(&self.core.counters().panics, 1);
                    tracing::warn!(conn = id, panic = %msg, "on_detach panicked");
                }
            }
            Err(e) => {
                tracing::warn!(conn = id, error = %e, "could not detach a connection");
                self.guarded_user("a connection state's destructor", move || drop(state));
            }
        }
    }
}
