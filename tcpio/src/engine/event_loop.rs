//! The event loop: one per thread, owning its connections for their whole life.
//!
//! A pass of the loop waits on the poller, handles each event (connection, listener
//! or wake-up), then reads the connections that still have input waiting (a spent
//! read budget, a resumed pause) and fires due timers. What happens to a connection
//! lives in one file per step, in the order they happen: `accept.rs`, `deliver.rs`
//! (input → handler), `flush.rs` (output), `leave.rs` (close, linger, detach), with
//! `dial.rs`, `apply_staged.rs`, `commands.rs`, `shutdown.rs` and `time.rs` beside.

use std::time::{Duration, Instant};

use slab::Slab;

use super::core::Core;
use super::fanout::Fanout;
use super::guard::guarded;
use super::listeners::Listeners;
use super::mailbox::Inbox;
use super::record::{Leaving, Record};
use super::record::{EOF, IN_READY_LIST, RESUME_PENDING};
use super::shared::bump;
use super::token::{conn_token, key_of, listener_of, next_gen};
use super::{Action, CloseReason, Conn, Handler};
use crate::backend::{Events, Poller, Readiness, Token, WAKER};
use crate::transport::Listener;

/// One event loop.
pub(crate) struct EventLoop<H: Handler> {
    pub(crate) handler: H,
    pub(crate) conns: Slab<Record<H::State>>,
    pub(crate) core: Core,
    /// The loop's shared read buffer: every read lands here first (on a TLS
    /// connection, the plaintext decrypted from it).
    pub(crate) rbuf: Vec<u8>,
    /// Where a TLS connection's ciphertext is read (sized as `rbuf` on the first TLS
    /// read: loops that serve no TLS hold none).
    pub(crate) tls_in: Vec<u8>,
    pub(crate) poller: Poller,
    pub(crate) listeners: Listeners,
    /// Connections to read without waiting for an edge.
    pub(crate) ready: Vec<Token>,
    pub(crate) inbox: Inbox,
    /// Shared messages being written to their recipients (`fanout.rs`).
    pub(crate) fanout: Fanout,
    next_gen: u32,
    /// Applying staged operations (`apply_staged.rs`): callbacks run meanwhile leave theirs
    /// to that run.
    pub(crate) in_deferred: bool,
}

impl<H: Handler> EventLoop<H> {
    pub(crate) fn new(handler: H, poller: Poller, listeners: Vec<Listener>, core: Core) -> Self {
        EventLoop {
            handler,
            conns: Slab::new(),
            rbuf: vec![0; core.cfg.read_buffer],
            tls_in: Vec::new(),
            poller,
            listeners: Listeners::new(listeners, core.loop_id),
            ready: Vec::new(),
            inbox: Inbox::default(),
            fanout: Fanout::default(),
            next_gen: 0,
            in_deferred: false,
            core,
        }
    }

    pub(crate) fn id(&self) -> usize {
        self.core.loop_id
    }

    /// Runs user code that is not a connection callback (a state's `Default` or
    /// destructor, the socket hook): a panic is counted and logged, and costs only
    /// the connection it ran for.
    pub(crate) fn guarded_user<R>(&self, what: &'static str, f: impl FnOnce() -> R) -> Option<R> {
        match guarded(f) {
            Ok(r) => Some(r),
            Err(msg) => {
                bump(&self.core.counters().panics, 1);
                tracing::warn!(loop_id = self.id(), panic = %msg, "{what} panicked");
                None
            }
        }
    }

    /// Sets the configured options on a new socket, then runs the user's hook on it.
    pub(crate) fn prepare_socket(&self, stream: &crate::transport::Stream) -> std::io::Result<()> {
        let socket = &self.core.cfg.socket;
        socket.apply(stream)?;
        if let Some(hook) = &socket.hook {
            match self.guarded_user("the accept-socket hook", || stream.run_hook(hook)) {
                Some(res) => res?,
                None => return Err(std::io::Error::other("the accept-socket hook panicked")),
            }
        }
        Ok(())
    }

    pub(crate) fn next_gen(&mut self) -> u32 {
        self.next_gen = next_gen(self.next_gen);
        self.next_gen
    }

    /// Runs until the server shuts down and every connection has closed.
    pub(crate) fn run(mut self) {
        self.listeners.register(&self.poller, self.core.loop_id);
        let id = self.id();
        if let Err(msg) = guarded(|| self.handler.on_loop_start(id)) {
            tracing::error!(loop_id = id, panic = %msg, "on_loop_start panicked");
        }
        self.tick();
        tracing::debug!(loop_id = id, "event loop started");
        let timeouts = self.core.cfg.timeouts.any();
        // Kept out of `self` so each event can be handled with `&mut self`.
        let mut events = Events::with_capacity(self.core.cfg.max_events);
        while !(self.core.draining && self.conns.is_empty()) {
            let timeout = if !self.ready.is_empty() || self.listeners.has_pending() {
                Some(Duration::ZERO)
            } else if self.core.timers.is_empty() {
                None
            } else {
                self.core.timers.next_timeout(Instant::now())
            };
            if let Err(e) = self.poller.wait(timeout, &mut events) {
                tracing::error!(loop_id = id, error = %e, "poll failed; stopping the loop");
                break;
            }
            // One clock read per pass, and none at all while nothing is timed: every
            // activity stamp of this pass is this reading.
            let timed = timeouts || !self.core.timers.is_empty();
            if timed {
                self.core.clock.read();
            } else {
                self.core.clock.skip();
            }
            for e in events.iter() {
                self.dispatch(Readiness::of(e));
            }
            self.run_ready();
            if timed {
                self.run_timers();
            }
            self.core.publish();
        }
        // A poll failure: whatever is still open goes now.
        self.abort_all();
        // Commands that came too late: close what they carry, give back its place.
        self.core.shared.close_mailbox(self.core.loop_id);
        self.core.publish();
        tracing::debug!(loop_id = id, "event loop stopped");
    }

    fn dispatch(&mut self, r: Readiness) {
        if r.token == WAKER {
            self.run_commands();
        } else if let Some(i) = listener_of(r.token) {
            self.on_acceptable(i);
        } else {
            self.on_conn_event(r);
        }
    }

    /// Queues a connection to be read in this pass without waiting for an edge.
    pub(crate) fn push_ready(&mut self, key: usize) {
        let c = &mut self.conns[key];
        if !c.flag(IN_READY_LIST) {
            c.set_flag(IN_READY_LIST, true);
            self.ready.push(conn_token(key, c.gen));
        }
    }

    fn run_ready(&mut self) {
        if self.ready.is_empty() {
            return;
        }
        let mut list = std::mem::take(&mut self.ready);
        for t in list.drain(..) {
            let key = key_of(t);
            match self.conns.get_mut(key) {
                Some(c) if conn_token(key, c.gen) == t => c.set_flag(IN_READY_LIST, false),
                _ => continue,
            }
            self.on_readable(key);
        }
        if self.ready.is_empty() {
            self.ready = list;
        }
        for i in self.listeners.take_pending() {
            self.on_acceptable(i);
        }
    }

    /// The slab key of a connection if `token` still names it.
    pub(crate) fn live(&self, token: Token) -> Option<usize> {
        super::record::live(&self.conns, token)
    }

    /// Handles a callback's outcome: a panic, a failed flush, a requested close or
    /// the returned action; then the output-side bookkeeping. Callers skip it when
    /// [`settled`] says there is nothing to do.
    #[inline(never)]
    pub(crate) fn after(&mut self, key: usize, res: Result<Action, String>, flushed: std::io::Result<()>) {
        let action = match res {
            Ok(a) => a,
            Err(msg) => {
                bump(&self.core.counters().panics, 1);
                tracing::warn!(loop_id = self.id(), conn = self.conns[key].id, panic = %msg, "handler panicked; closing its connection");
                return self.finalize(key, CloseReason::Panic(msg));
            }
        };
        if let Err(e) = flushed {
            return self.finalize(key, CloseReason::from_io(e));
        }
        let c = &mut self.conns[key];
        if let Some(reason) = c.close_requested.take() {
            return self.close_as_requested(key, reason);
        }
        if action != Action::Continue {
            let local = if c.flag(EOF) { CloseReason::PeerClosed } else { CloseReason::Local };
            match action {
                Action::Close => return self.leave(key, Leaving::Close(local)),
                Action::CloseNow => return self.finalize(key, local),
                Action::Detach => return self.leave(key, Leaving::Detach),
                Action::Shutdown => self.core.shared.shutdown_graceful(),
                Action::Continue => {}
            }
        }
        let c = &mut self.conns[key];
        if c.flag(RESUME_PENDING) && c.wants_input() {
            self.push_ready(key);
        }
        // The common case: everything went out and nothing waits on the output.
        let c = &self.conns[key];
        // (Held shared messages need no test: a connection holding some is waiting
        // for its socket, so `NOTIFY_DRAINED` is set and `output_watch` is true.)
        if c.out.is_empty() && !c.output_watch() {
            return;
        }
        self.after_output(key);
    }

    /// Runs a connection callback that has no input, then flushes and applies it.
    pub(crate) fn callback(&mut self, key: usize, f: impl FnOnce(&mut H, &mut Conn<'_, H::State>) -> Action) {
        let c = &mut self.conns[key];
        self.core.batch.begin(&[]);
        let handler = &mut self.handler;
        let core = &mut self.core;
        let res = guarded(|| f(handler, &mut Conn::new(c, core)));
        let flushed = self.core.flush(&mut self.conns[key], &[]);
        if !self.core.staged.is_empty() && !self.in_deferred {
            let token = conn_token(key, self.conns[key].gen);
            self.run_deferred(0);
            if self.live(token).is_none() {
                return;
            }
        }
        self.after(key, res, flushed);
    }
}
