//! The event loop: one per thread, owning its connections for their whole life.
//!
//! A pass of the loop waits on the poller, handles each event (connection, listener
//! or wake-up), then reads the connections that still have input waiting (a spent
//! read budget, a resumed pause) and fires due timers. Connection work lives in
//! `read_path.rs` (input), `write_path.rs` (output and closing) and `accept.rs`.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use slab::Slab;

use super::buffer::BufferPool;
use super::config::LoopConfig;
use super::connection::{Connection, Leaving};
use super::connection::{
    ENDING, EOF, FIN_SEEN, IN_READY_LIST, NOTIFY_DRAINED, PRESSURE_PAUSED, RESUME_PENDING,
    SHUTDOWN_WRITE_REQUESTED, WRITE_BLOCKED,
};
use super::local::Deferred;
use super::output::{self, Batch};
use super::read_path::{read_conn, Read, Unsettled, READ_SPECIAL};
use super::shared::{bump, Command, Counters, Shared};
use super::timer_wheel::TimerWheel;
use super::{Action, CloseReason, Conn, Handler};
use crate::backend::{Events, Poller, Readiness, Token, WAKER};
use crate::transport::{Addr, Listener};

/// Connection tokens: slab key in the low 32 bits, slot generation (31 bits) above.
/// Listener tokens count down from just below the waker's and never meet them.
const KEY_BITS: u32 = 32;
const KEY_MASK: usize = (1 << KEY_BITS) - 1;
const GEN_MASK: u32 = (1 << 31) - 1;

pub(crate) fn conn_token(key: usize, gen: u32) -> Token {
    Token(((gen as usize) << KEY_BITS) | key)
}

pub(crate) fn listener_token(i: usize) -> Token {
    Token(WAKER.0 - 1 - i)
}

/// What a timer entry is for; checked for staleness when it fires.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Timer {
    Tick,
    /// A closing connection has waited long enough for the peer's FIN.
    Linger(Token),
    /// Retry accepting on a listener after a resource error.
    AcceptRetry(usize),
    /// Check a connection's timeouts against its activity stamps.
    Activity(Token),
    /// A handler's timer (`at`: its deadline in coarse milliseconds, for ordering).
    User {
        token: Token,
        id: u64,
        at: u64,
    },
    /// A graceful shutdown ran out of time.
    ShutdownDeadline,
    /// An outbound connect ran out of time.
    Connect(Token),
}

impl Timer {
    /// Order among timers that fire in the same pass: handler timers by deadline,
    /// after the engine's own.
    fn order(&self) -> u64 {
        match self {
            Timer::User { at, .. } => *at,
            _ => 0,
        }
    }
}

/// The parts of a loop that a [`Conn`] borrows during a callback.
pub(crate) struct Core {
    pub(crate) pool: BufferPool,
    pub(crate) batch: Batch,
    pub(crate) cfg: Arc<LoopConfig>,
    /// The hard cap on queued output and the reads per event, copied out of `cfg`
    /// to be one load away on the hot path.
    pub(crate) max_output: usize,
    pub(crate) read_budget: usize,
    pub(crate) loop_id: usize,
    pub(crate) listen_addrs: Arc<[Addr]>,
    pub(crate) shared: Arc<Shared>,
    /// This loop's counters in `shared`, held directly: published every pass.
    counters: Arc<Counters>,
    /// Byte counts kept locally and published once per loop pass: the hot path pays
    /// a plain add, not an atomic per read and write.
    pub(crate) bytes_in: u64,
    pub(crate) bytes_out: u64,
    pub(crate) wheel: TimerWheel<Timer>,
    /// The loop's coarse clock: read once per pass (only while timers or timeouts are
    /// in use), as milliseconds since `origin`, plus one so that 0 can mean "never".
    pub(crate) origin: Instant,
    pub(crate) now: Instant,
    pub(crate) now_ms: u64,
    pub(crate) next_timer: u64,
    /// Wheel entries known to be dead (cancelled timers, closed connections' checks);
    /// past a threshold the wheel is swept, so cancelling stays O(1) amortised and
    /// dead entries cannot pile up.
    pub(crate) stale_timers: usize,
    /// The loop is stopping: no new outbound connections.
    pub(crate) draining: bool,
    /// What the last delivery left to do when it did not settle (`read_path.rs`):
    /// taken at once by the loop.
    pub(crate) unsettled: Option<Unsettled>,
    /// Operations on other connections recorded during a callback (`local.rs`).
    pub(crate) deferred: Vec<Deferred>,
    /// Bytes those operations write, when they are not the callback's input.
    pub(crate) scratch: Vec<u8>,
    /// Connections other connections of this loop may reach by id (`None`: being
    /// dialed, not in the slab yet).
    pub(crate) reach: HashMap<u64, Option<Token>>,
    /// Counter behind connection ids (ids are `n * loops + loop_id`: unique in the
    /// server, never reused).
    pub(crate) next_id: u64,
    #[cfg(feature = "metrics")]
    metrics: super::metrics_export::LoopMetrics,
}

impl Core {
    pub(crate) fn new(
        cfg: Arc<LoopConfig>,
        loop_id: usize,
        listen_addrs: Arc<[Addr]>,
        shared: Arc<Shared>,
    ) -> Core {
        let now = Instant::now();
        let counters = shared.loops[loop_id].counters.clone();
        Core {
            counters,
            pool: BufferPool::new(cfg.pool_buffer, cfg.pool_max_free),
            batch: Batch::default(),
            max_output: cfg.limits.max_output,
            read_budget: cfg.read_budget,
            cfg,
            loop_id,
            listen_addrs,
            shared,
            bytes_in: 0,
            bytes_out: 0,
            wheel: TimerWheel::new(now),
            origin: now,
            now,
            now_ms: 1,
            next_timer: 0,
            stale_timers: 0,
            draining: false,
            unsettled: None,
            deferred: Vec::new(),
            scratch: Vec::new(),
            reach: HashMap::new(),
            next_id: 0,
            #[cfg(feature = "metrics")]
            metrics: super::metrics_export::LoopMetrics::new(loop_id),
        }
    }

    pub(crate) fn conn<'a, S>(&'a mut self, c: &'a mut Connection<S>) -> Conn<'a, S> {
        Conn { c, core: self }
    }

    /// A new connection id.
    pub(crate) fn new_id(&mut self) -> u64 {
        let id = self.next_id * self.cfg.loops as u64 + self.loop_id as u64;
        self.next_id += 1;
        id
    }

    /// `t` on the coarse millisecond clock.
    pub(crate) fn ms_of(&self, t: Instant) -> u64 {
        t.saturating_duration_since(self.origin).as_millis() as u64 + 1
    }

    /// The instant of a coarse millisecond.
    pub(crate) fn instant_of(&self, ms: u64) -> Instant {
        self.origin + Duration::from_millis(ms.saturating_sub(1))
    }

    /// Reads the clock (once per loop pass).
    pub(crate) fn read_clock(&mut self) {
        self.now = Instant::now();
        self.now_ms = self.ms_of(self.now);
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Makes the byte counts visible to [`ServerHandle::stats`](crate::ServerHandle::stats).
    fn publish(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        let c = self.counters();
        c.bytes_in.store(self.bytes_in, Relaxed);
        c.bytes_out.store(self.bytes_out, Relaxed);
        c.queued.store(self.pool.queued as u64, Relaxed);
        #[cfg(feature = "metrics")]
        self.metrics.publish(c);
    }

    /// Offers the connection's queued output (and the callback's forwarded input) to
    /// the socket once, unless it is known to be full; keeps what it did not take.
    ///
    /// Inlined into each delivery; what happens after a short write is not.
    #[inline(always)]
    pub(crate) fn flush<S>(&mut self, c: &mut Connection<S>, input: &[u8]) -> std::io::Result<()> {
        let queued = output::queued(&c.out, &self.batch);
        if queued == 0 {
            self.batch.clear();
            return Ok(());
        }
        if queued > self.max_output {
            // Only forwarded input gets here: owned writes are checked as they are
            // queued. Nothing of it is written or kept; the connection closes.
            return self.refuse_forwarded(c);
        }
        let sent = if c.flag(WRITE_BLOCKED) {
            0
        } else {
            // Output moves, or starts waiting now: either way the write timeout
            // counts from here (a stamp, not a clock read).
            c.last_out = self.now_ms;
            match output::write_once(&mut c.stream, &c.out, &self.batch, input) {
                Ok(n) => n,
                Err(e) => {
                    self.batch.clear();
                    return Err(e);
                }
            }
        };
        self.bytes_out += sent as u64;
        if sent == queued {
            // Everything went out: forwarded input was never copied, and owned bytes
            // give their buffer straight back to the pool.
            if !c.out.is_empty() {
                c.out.release(&mut self.pool);
            }
            self.batch.clear();
            return Ok(());
        }
        self.keep_unsent(c, input, sent, queued);
        Ok(())
    }

    /// Forwarded input passed the hard cap: the connection closes with
    /// [`CloseReason::OutputLimit`](super::CloseReason::OutputLimit), as an owned write
    /// past it would.
    #[cold]
    #[inline(never)]
    fn refuse_forwarded<S>(&mut self, c: &mut Connection<S>) -> std::io::Result<()> {
        self.batch.clear();
        c.refuse_output(self.max_output);
        Ok(())
    }

    /// Records what an unsettled delivery leaves to do; returns false (not settled).
    #[cold]
    #[inline(never)]
    pub(crate) fn unsettle(&mut self, what: Unsettled) -> bool {
        self.unsettled = Some(what);
        false
    }

    /// Keeps what the socket did not take (copying forwarded input only now).
    #[inline(never)]
    fn keep_unsent<S>(&mut self, c: &mut Connection<S>, input: &[u8], sent: usize, queued: usize) {
        output::settle(&mut c.out, &mut self.batch, input, sent, &mut self.pool);
        if sent < queued {
            // A short write means the send buffer is full; the kernel signals an edge
            // when it has room again, so no system call is spent on `WouldBlock`.
            c.set_flag(WRITE_BLOCKED, true);
            c.set_flag(NOTIFY_DRAINED, true);
        }
    }
}

/// Whether a callback's outcome needs no further work: it continued, its output went
/// out whole, and nothing waits on the connection. The hot path's common case.
#[inline]
pub(crate) fn settled<S>(
    c: &Connection<S>,
    core: &Core,
    res: &Result<Action, String>,
    flushed: &std::io::Result<()>,
) -> bool {
    matches!(res, Ok(Action::Continue))
        && core.deferred.is_empty()
        && flushed.is_ok()
        // Nothing resumed, paused by pressure, waiting to drain or to send a FIN, asked
        // to close or leaving...
        && c.flags & (RESUME_PENDING | PRESSURE_PAUSED | NOTIFY_DRAINED | SHUTDOWN_WRITE_REQUESTED | ENDING) == 0
        && {
            debug_assert!(c.close_requested.is_none() && c.leaving.is_none());
            // A flush that leaves output behind always flags it (NOTIFY_DRAINED), and
            // the callback's flush has just run: no separate look at the buffer.
            debug_assert!(c.out.is_empty() || c.flags & NOTIFY_DRAINED != 0);
            true
        }
}

/// Runs user code, turning a panic into its message.
pub(crate) fn guarded<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        if let Some(s) = p.downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = p.downcast_ref::<String>() {
            s.clone()
        } else {
            "non-string panic payload".to_string()
        }
    })
}

/// One event loop.
pub(crate) struct EventLoop<H: Handler> {
    pub(crate) handler: H,
    pub(crate) conns: Slab<Connection<H::State>>,
    pub(crate) core: Core,
    /// The loop's shared read buffer: every read lands here first.
    pub(crate) rbuf: Vec<u8>,
    pub(crate) poller: Poller,
    pub(crate) listeners: Vec<Option<Listener>>,
    /// Connections to read without waiting for an edge.
    pub(crate) ready: Vec<Token>,
    /// Listeners whose accept budget ran out with connections still queued.
    pub(crate) accept_pending: Vec<usize>,
    /// Listeners with an accept retry armed (after EMFILE and the like).
    pub(crate) accept_retry: Vec<bool>,
    fired: Vec<Timer>,
    pub(crate) commands: Vec<Command>,
    /// Connections given output by commands, flushed once after the batch.
    pub(crate) touched: Vec<Token>,
    next_gen: u32,
    pub(crate) round_robin: usize,
    /// Applying recorded operations (`dial.rs`): callbacks run meanwhile leave theirs
    /// to that run.
    pub(crate) in_deferred: bool,
}

impl<H: Handler> EventLoop<H> {
    pub(crate) fn new(handler: H, poller: Poller, listeners: Vec<Listener>, core: Core) -> Self {
        EventLoop {
            handler,
            conns: Slab::new(),
            rbuf: vec![0; core.cfg.read_buffer],
            poller,
            listeners: listeners.into_iter().map(Some).collect(),
            ready: Vec::new(),
            accept_pending: Vec::new(),
            accept_retry: Vec::new(),
            fired: Vec::new(),
            commands: Vec::new(),
            touched: Vec::new(),
            next_gen: 0,
            round_robin: core.loop_id,
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
        use socket2::SockRef;
        let socket = &self.core.cfg.socket;
        socket.apply(SockRef::from(stream), stream.is_tcp())?;
        if let Some(hook) = &socket.hook {
            match self.guarded_user("the accept-socket hook", || hook(SockRef::from(stream))) {
                Some(res) => res?,
                None => return Err(std::io::Error::other("the accept-socket hook panicked")),
            }
        }
        Ok(())
    }

    pub(crate) fn next_gen(&mut self) -> u32 {
        self.next_gen = (self.next_gen + 1) & GEN_MASK;
        self.next_gen
    }

    /// Runs until the server shuts down and every connection has closed.
    pub(crate) fn run(mut self) {
        for (i, l) in self.listeners.iter_mut().enumerate() {
            if let Some(l) = l {
                if let Err(e) = self.poller.register_listener(l, listener_token(i)) {
                    tracing::error!(loop_id = self.core.loop_id, error = %e, "cannot register a listener");
                }
            }
        }
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
            let timeout = if !self.ready.is_empty() || !self.accept_pending.is_empty() {
                Some(Duration::ZERO)
            } else if self.core.wheel.is_empty() {
                None
            } else {
                self.core.wheel.next_timeout(Instant::now())
            };
            if let Err(e) = self.poller.wait(timeout, &mut events) {
                tracing::error!(loop_id = id, error = %e, "poll failed; stopping the loop");
                break;
            }
            // One clock read per pass, and none at all while nothing is timed: every
            // activity stamp of this pass is this reading.
            let timed = timeouts || !self.core.wheel.is_empty();
            if timed {
                self.core.read_clock();
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
        for cmd in self.core.shared.loops[self.core.loop_id].close() {
            match cmd {
                Command::Adopt(acc, true) => self.core.shared.admission.release(&acc.peer),
                Command::Dial { .. } => self.core.shared.admission.release_outbound(),
                _ => {}
            }
        }
        self.core.publish();
        tracing::debug!(loop_id = id, "event loop stopped");
    }

    fn dispatch(&mut self, r: Readiness) {
        if r.token == WAKER {
            self.run_commands();
        } else if r.token.0 > (WAKER.0 >> 1) {
            self.on_acceptable(WAKER.0 - 1 - r.token.0);
        } else {
            let key = r.token.0 & KEY_MASK;
            let Some(c) = self.conns.get_mut(key) else { return };
            if conn_token(key, c.gen) != r.token {
                return; // a stale event for a slot that has since been reused
            }
            if r.read_closed {
                c.set_flag(FIN_SEEN, true);
            }
            if r.write && c.flag(WRITE_BLOCKED) {
                self.on_writable(key);
                // Writing may have closed it (and a callback reused the slot).
                if r.read && self.live(r.token).is_some() {
                    self.on_readable(key);
                }
            } else if r.read {
                if c.flags & READ_SPECIAL != 0 {
                    return self.on_readable(key);
                }
                // The common case, on the connection looked up above.
                let mut budget = self.core.read_budget;
                let res = read_conn(&mut self.handler, &mut self.core, &mut self.rbuf, c, &mut budget);
                if !matches!(res, Read::Done) {
                    self.read_slow(key, res, budget);
                }
            }
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
            let key = t.0 & KEY_MASK;
            match self.conns.get_mut(key) {
                Some(c) if conn_token(key, c.gen) == t => c.set_flag(IN_READY_LIST, false),
                _ => continue,
            }
            self.on_readable(key);
        }
        if self.ready.is_empty() {
            self.ready = list;
        }
        for i in std::mem::take(&mut self.accept_pending) {
            self.on_acceptable(i);
        }
    }

    fn tick(&mut self) {
        match guarded(|| self.handler.on_tick()) {
            Ok(Some(d)) => self.core.wheel.insert(super::timers::deadline(Instant::now(), d), Timer::Tick),
            Ok(None) => {}
            Err(msg) => tracing::error!(loop_id = self.id(), panic = %msg, "on_tick panicked; ticking stops"),
        }
    }

    fn run_timers(&mut self) {
        self.core.wheel.advance(self.core.now, &mut self.fired);
        if self.fired.is_empty() {
            return;
        }
        let mut fired = std::mem::take(&mut self.fired);
        if fired.len() > 1 {
            // The wheel keeps a tick's entries in arming order; handler timers that
            // share a tick still fire by deadline.
            fired.sort_by_key(Timer::order);
        }
        for t in fired.drain(..) {
            match t {
                Timer::Tick => {
                    if !self.core.draining {
                        self.tick();
                    }
                }
                Timer::Linger(tok) => {
                    if let Some(key) = self.live(tok) {
                        if let Some(Leaving::Close(reason)) = self.conns[key].leaving.take() {
                            self.finalize(key, reason);
                        }
                    }
                }
                Timer::AcceptRetry(i) => {
                    if let Some(armed) = self.accept_retry.get_mut(i) {
                        *armed = false;
                    }
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
            }
        }
        self.fired = fired;
        self.sweep_stale_timers();
    }

    /// The slab key of a connection if `token` still names it.
    pub(crate) fn live(&self, token: Token) -> Option<usize> {
        let key = token.0 & KEY_MASK;
        self.conns.get(key).filter(|c| conn_token(key, c.gen) == token).map(|_| key)
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
        if c.out.is_empty() && !c.output_watch() {
            return;
        }
        self.after_output(key);
    }
}
