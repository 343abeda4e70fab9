//! Time passing on a loop: fired timers dispatched, the connections' activity
//! timeouts, the handler's own timers.
//!
//! Timeouts cost nothing per message. Reads and writes only stamp the connection with
//! the loop's coarse clock (read once per pass); one wheel entry per connection comes
//! due at the earliest deadline the stamps allow, and when it fires the stamps are
//! checked: a connection that was active meanwhile is simply re-armed for its new
//! deadline. No timer is moved per message and no pass scans all connections.

use std::time::{Duration, Instant};

use super::guard::guarded;
use super::record::live;
use super::record::Record;
use super::record::{EOF, LINGER_ARMED, WRITE_BLOCKED};
use super::shared::bump;
use super::timers::{deadline, Timer};
use super::token::conn_token;
use super::{Action, CloseReason, EventLoop, Handler, TimerId};
use crate::backend::Token;

fn ms(d: Duration) -> u64 {
    d.as_millis().min(u128::from(u64::MAX / 4)) as u64
}

/// Whether the timeout `limit`, counted from `since`, has passed at `now`; if not,
/// brings `next` forward to when it would.
fn passed(next: &mut u64, now: u64, since: u64, limit: Option<Duration>) -> bool {
    match limit {
        Some(limit) if now >= since + ms(limit) => true,
        Some(limit) => {
            *next = (*next).min(since + ms(limit));
            false
        }
        None => false,
    }
}

/// Which timeout, if any, a connection has passed at `now`; otherwise the next moment
/// one could pass (`u64::MAX`: none can).
fn due<S>(c: &Record<S>, t: &super::config::Timeouts, now: u64) -> Result<u64, CloseReason> {
    let mut next = u64::MAX;
    if c.flag(WRITE_BLOCKED) && passed(&mut next, now, c.last_out, t.write) {
        return Err(CloseReason::WriteTimeout);
    }
    if c.leaving.is_some() {
        // Closing already: only output stuck behind a peer that does not read can
        // hold it (the linger timer bounds the rest).
        return Ok(next);
    }
    if let (false, Some(w)) = (c.flag(WRITE_BLOCKED), t.write) {
        // Not waiting now; look again within one write timeout in case it starts.
        next = next.min(now + ms(w));
    }
    // Outbound connections are not bound by it: an upstream may rightly wait for us.
    if c.last_in == 0 && !c.outbound && passed(&mut next, now, c.opened_ms, t.handshake) {
        return Err(CloseReason::HandshakeTimeout);
    }
    let last_in = c.last_in.max(c.opened_ms);
    // A connection the engine itself is not reading (paused by the handler or by
    // backpressure) is not the peer's silence; after the peer's end of stream no
    // input can come, so there is nothing to wait for.
    if c.wants_input() {
        if passed(&mut next, now, last_in, t.read) {
            return Err(CloseReason::ReadTimeout);
        }
    } else if let (Some(r), false) = (t.read, c.flag(EOF)) {
        next = next.min(now + ms(r));
    }
    // The connection's own idle timeout, if its handler set one.
    let idle = c.ext.as_ref().and_then(|e| e.idle_timeout).unwrap_or(t.idle);
    if passed(&mut next, now, last_in.max(c.last_out), idle) {
        return Err(CloseReason::IdleTimeout);
    }
    Ok(next)
}

impl<H: Handler> EventLoop<H> {
    pub(crate) fn tick(&mut self) {
        match guarded(|| self.handler.on_tick()) {
            Ok(Some(d)) => {
                self.core.timers.insert(super::timers::deadline(Instant::now(), d), Timer::Tick);
            }
            Ok(None) => {}
            Err(msg) => tracing::error!(loop_id = self.id(), panic = %msg, "on_tick panicked; ticking stops"),
        }
    }

    pub(crate) fn run_timers(&mut self) {
        let mut fired = self.core.timers.due(self.core.clock.now());
        for t in fired.drain(..) {
            match t {
                Timer::Tick => {
                    if !self.core.draining {
                        self.tick();
                    }
                }
                Timer::Linger { token, until, step } => self.linger_check(token, until, step),
                Timer::AcceptRetry(i) => {
                    self.listeners.retry_fired(i);
                    self.on_acceptable(i)
                }
                Timer::Activity(tok) => {
                    if let Some(key) = self.live(tok) {
                        self.check_timeouts(key);
                    }
                }
                Timer::User { token, id, .. } => self.fire_user_timer(token, id),
                Timer::ShutdownDeadline => self.abort_all(),
                Timer::Connect(tok) => self.connect_timed_out(tok),
                Timer::Setup(tok) => self.setup_timed_out(tok),
            }
        }
        self.core.timers.done(fired);
        self.sweep_stale_timers();
    }

    /// Arms the activity check of a newly opened connection, when any timeout is set.
    pub(crate) fn arm_activity(&mut self, key: usize) {
        let t = self.core.cfg.timeouts;
        if !t.any() {
            return;
        }
        let now = self.core.clock.now_ms();
        let c = &self.conns[key];
        if let Ok(at) = due(c, &t, now) {
            let token = conn_token(key, c.gen);
            self.core.timers.insert(self.core.clock.instant_of(at.max(now)), Timer::Activity(token));
        }
    }

    /// A connection's activity check came due: close it if a timeout passed, else
    /// re-arm for the next possible deadline.
    pub(crate) fn check_timeouts(&mut self, key: usize) {
        let t = self.core.cfg.timeouts;
        let now = self.core.clock.now_ms();
        match due(&self.conns[key], &t, now) {
            Ok(u64::MAX) => {}
            Ok(at) => {
                let token = conn_token(key, self.conns[key].gen);
                self.core.timers.insert(self.core.clock.instant_of(at), Timer::Activity(token));
            }
            Err(reason) => {
                let counters = self.core.counters();
                let counter = match reason {
                    CloseReason::IdleTimeout => &counters.timed_out_idle,
                    CloseReason::ReadTimeout => &counters.timed_out_read,
                    CloseReason::WriteTimeout => &counters.timed_out_write,
                    _ => &counters.timed_out_handshake,
                };
                bump(counter, 1);
                tracing::debug!(loop_id = self.id(), conn = self.conns[key].id, %reason, "connection timed out");
                let c = &self.conns[key];
                let stuck = matches!(reason, CloseReason::WriteTimeout) || c.flag(WRITE_BLOCKED);
                if !stuck && c.leaving.is_none() {
                    // The handler hears it first: a goodbye, or a reprieve.
                    let token = conn_token(key, c.gen);
                    let mut verdict = Action::Close;
                    self.callback(key, |h, conn| {
                        verdict = h.on_timeout(conn, &reason);
                        Action::Continue
                    });
                    let Some(key) = self.live(token) else { return };
                    let c = &mut self.conns[key];
                    if c.leaving.is_some() {
                        return; // it closed itself meanwhile
                    }
                    match verdict {
                        Action::Continue => {
                            // As if it had just been active: the next check from now.
                            let now = self.core.clock.now_ms();
                            c.last_in = now;
                            c.last_out = now;
                            if let Ok(at) = due(c, &t, now) {
                                if at != u64::MAX {
                                    let at = self.core.clock.instant_of(at);
                                    self.core.timers.insert(at, Timer::Activity(token));
                                }
                            }
                            return;
                        }
                        Action::CloseNow => return self.finalize(key, reason),
                        _ => {}
                    }
                }
                let c = &self.conns[key];
                if stuck || c.leaving.is_some() {
                    // The output cannot drain (the peer is not reading): flushing
                    // first could wait forever.
                    self.finalize(key, reason);
                } else {
                    // Arm the next check before leaving, so a close that waits on
                    // output is still bounded by the write timeout.
                    let token = conn_token(key, self.conns[key].gen);
                    if let Some(w) = t.write {
                        self.core.timers.insert(deadline(self.core.clock.now(), w), Timer::Activity(token));
                    }
                    self.leave(key, super::record::Leaving::Close(reason));
                }
            }
        }
    }

    /// A handler timer came due.
    pub(crate) fn fire_user_timer(&mut self, token: Token, id: u64) {
        let Some(key) = self.live(token) else { return };
        let c = &mut self.conns[key];
        let Some(ext) = c.ext.as_mut() else { return };
        if !ext.timers.remove(&id) {
            return; // cancelled
        }
        if c.leaving.is_some() {
            return;
        }
        self.callback(key, |h, conn| h.on_timer(conn, TimerId(id)));
    }

    /// Drops dead entries from the wheel once they are many: cancelled timers and
    /// closed connections' checks otherwise wait for their slot to come round.
    pub(crate) fn sweep_stale_timers(&mut self) {
        let conns = &self.conns;
        self.core.timers.sweep(|t| timer_live(conns, t));
    }

    /// Counts the wheel entries a departing connection leaves behind.
    pub(crate) fn count_stale<S>(&mut self, c: &Record<S>) {
        let timers = c.ext.as_ref().map_or(0, |e| e.timers.len());
        let own = c.ext.as_ref().is_some_and(|e| e.own_check);
        let activity = usize::from(self.core.cfg.timeouts.any()) + usize::from(own);
        let linger = usize::from(c.flag(LINGER_ARMED));
        self.core.timers.stale(timers + activity + linger);
    }
}

/// Whether a wheel entry still means something: its connection is still there (and,
/// for a handler timer, the timer is still armed).
fn timer_live<S>(conns: &slab::Slab<Record<S>>, t: &Timer) -> bool {
    match *t {
        Timer::Linger { token: tok, .. } | Timer::Activity(tok) | Timer::Connect(tok) | Timer::Setup(tok) => {
            live(conns, tok).is_some()
        }
        Timer::User { token, id, .. } => live(conns, token)
            .is_some_and(|key| conns[key].ext.as_ref().is_some_and(|e| e.timers.contains(&id))),
        Timer::Tick | Timer::AcceptRetry(_) | Timer::ShutdownDeadline => true,
    }
}
