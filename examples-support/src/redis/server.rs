//! The tcpio side of the Redis server: a [`Handler`] that feeds each read to the
//! parser, runs every complete request and writes the replies into the connection.
//!
//! Pipelining costs nothing extra: every request complete in the input is answered in
//! the same callback, and the engine flushes once after it, so a batch of 32 requests
//! gets its 32 replies in one `write`. A request cut by the end of a read stays in the
//! input (the engine keeps unconsumed bytes) and is parsed again when the rest arrives.
//!
//! Replies go into the connection through a [`ConnWriter`](tcpio::ConnWriter): each
//! reply is one append to the connection's output queue, with the per-call checks of
//! [`Conn::write`] done once per callback.
//!
//! Pub/sub commands run like the others and record, in the session, the groups the
//! connection must join or leave; the handler does so once the batch's commands are
//! done (the writer holds the connection until then), before the confirmations are
//! sent. A connection the server closes (`QUIT`, a protocol error, the idle timeout)
//! leaves the registry, its channels and its groups at once, as Redis frees such a
//! client, though its socket may stay a moment for its output and the peer's FIN; a
//! connection the peer closes, in `on_close`.
//!
//! A blocking command (`BLPOP`...) with nothing to pop ends its batch: the handler
//! registers the connection in the shared [`Blocking`] registry with a
//! [`ConnHandle`](tcpio::ConnHandle) to reach it, arms a timer for its timeout, and
//! leaves the rest of the input unconsumed. Reading goes on, so a client that leaves
//! is seen (and taken out of the registry in `on_close`), but nothing more runs until
//! a push on any loop serves it (its reply comes through the handle, then `on_wake`)
//! or the timer answers nil (`on_timer`); then the kept input is offered again.
//!
//! The server's options ([`Options`]: `requirepass`, `timeout`, `maxclients`) and its
//! counters live in [`Shared`], which every loop's handler holds; `CONFIG SET` changes
//! them: a new password for the connections that open afterwards (those open stay
//! authenticated, as in Redis), a new timeout for each connection when it opens or
//! next sends something, a new limit for the next connection.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tcpio::{Action, Builder, CloseReason, Conn, Handler, Input, ServerHandle, TimerId};

use super::blocking::{timeout_reply, BlockRequest, Waiter, GONE, SERVED, TIMED_OUT};
use super::clients::{format_addr, Client};
use super::commands::{run_all, Ctx, Flow, Session};
use super::resp::{Parser, Progress};
use super::shared::{Options, Shared};
use super::stats::Counters;
use super::store::{Clock, Databases};

/// Input a connection may hold unconsumed: Redis's default `client-query-buffer-limit`
/// (1 GiB), so the largest bulk (512 MiB) fits in a pipeline. Memory follows the bytes
/// a client actually sends, never a length it claims.
pub const MAX_QUERY_BUFFER: usize = 1 << 30;

/// Output a connection may have queued before it is closed, when its class has no
/// limit of its own (a normal client, as Redis's `normal 0 0 0`). Redis sets no limit
/// there; this server's bound is 1 GiB, room for replies of the largest values (512
/// MiB) pipelined. A client that reads nothing is not read either once its output
/// backs up (tcpio's backpressure), so only the replies of what it has already sent
/// can pile up to it.
pub const MAX_OUTPUT: usize = 1 << 30;

/// How often each loop sweeps expired keys out of part of the keyspace.
pub const SWEEP_EVERY: Duration = Duration::from_millis(25);

/// Per-connection state: how far a long incomplete request has been scanned, and the
/// session commands see.
#[derive(Debug, Default)]
pub struct ConnState {
    progress: Progress,
    /// Boxed: most of it is touched only by the commands that use it, and a small
    /// record keeps the loop's connection table dense.
    session: Box<Session>,
    /// The version of the settings it follows ([`Shared::settings_version`]).
    settings: u64,
    /// The `timeout` setting its idle timeout follows.
    timeout: u64,
    /// Whether it has a subscriber's output limits.
    subscriber: bool,
    /// While a blocking command waits: its entry in the registry and its timer.
    blocked: Option<Blocked>,
}

/// A connection's blocking command that waits.
#[derive(Debug)]
struct Blocked {
    /// The database whose registry holds it.
    db: usize,
    waiter: Arc<Waiter>,
    timer: Option<TimerId>,
    /// Whether it has a timeout (Redis's timeout table).
    timed: bool,
}

impl ConnState {
    /// Ends the wait of a blocked command, if one waits, taking it out of the count of
    /// clients with a timeout.
    fn unblocked(&mut self, shared: &Shared) -> Option<Blocked> {
        let b = self.blocked.take()?;
        if b.timed {
            shared.timed_blocked.fetch_sub(1, Ordering::Relaxed);
        }
        Some(b)
    }
}

/// Timeouts longer than this (about 35 years) arm no timer: they never pass.
const LONGEST_TIMEOUT_MS: u64 = 1 << 40;

/// One event loop's handler; every loop's handler shares the keyspace.
#[derive(Debug)]
pub struct Redis {
    dbs: Arc<Databases>,
    shared: Arc<Shared>,
    counters: Arc<Counters>,
    parser: Parser,
    clock: Clock,
    scratch: Vec<u8>,
    /// Milliseconds since the server started, as of this loop's last tick (or the
    /// last connection it opened): the time of each batch in the registry, which
    /// reports idle time in seconds, so a reading per tick is enough.
    coarse_ms: u64,
}

impl Redis {
    /// A handler serving the databases `dbs` with the default options.
    pub fn new(dbs: Arc<Databases>) -> Redis {
        Redis::with_shared(dbs, Arc::new(Shared::new(&Options::default())))
    }

    /// A handler serving the databases `dbs`, with the settings and counters in
    /// `shared`.
    pub fn with_shared(dbs: Arc<Databases>, shared: Arc<Shared>) -> Redis {
        let clock = Clock::new(dbs.origin());
        let counters = shared.add_loop();
        Redis { dbs, shared, counters, parser: Parser::new(), clock, scratch: Vec::new(), coarse_ms: 0 }
    }
}

impl Redis {
    /// Gives `conn` the settings as they are now (version `version`): the output
    /// limits of its class, which its subscriptions decide, and the idle timeout.
    #[cold]
    #[inline(never)]
    fn apply_settings(&self, conn: &mut Conn<'_, ConnState>, version: u64) {
        let state = conn.state_mut();
        // A RESP3 subscriber is a normal client to Redis's output limits, as to its
        // `CLIENT LIST` type.
        let subscriber = state.session.subs.count() > 0 && !state.session.resp3;
        let first = state.settings == 0;
        let limits_changed = first || state.settings != version || state.subscriber != subscriber;
        state.settings = version;
        state.subscriber = subscriber;
        if limits_changed {
            conn.set_output_limit(self.shared.output_limits().for_client(subscriber));
        }
        let timeout = self.shared.timeout.load(Ordering::Relaxed);
        let state = conn.state_mut();
        if first || timeout != state.timeout {
            state.timeout = timeout;
            conn.set_idle_timeout((timeout > 0).then(|| Duration::from_secs(timeout)));
        }
    }
}

impl Handler for Redis {
    type State = ConnState;

    fn on_open(&mut self, conn: &mut Conn<'_, ConnState>) -> Action {
        let shared = &*self.shared;
        let clients = shared.clients.fetch_add(1, Ordering::Relaxed) + 1;
        if clients as u64 > shared.maxclients.load(Ordering::Relaxed) {
            // Like Redis: refused connections are counted apart from the others, and
            // no longer among them once refused (though the socket stays a moment,
            // for the error to reach the client).
            shared.clients.fetch_sub(1, Ordering::Relaxed);
            shared.rejected.fetch_add(1, Ordering::Relaxed);
            conn.write(b"-ERR max number of clients reached\r\n");
            return Action::Close;
        }
        shared.connections.fetch_add(1, Ordering::Relaxed);
        shared.server.get_or_init(|| conn.server());
        let authenticated = shared.requirepass.lock().unwrap_or_else(|e| e.into_inner()).is_none();
        let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        self.coarse_ms = shared.started.elapsed().as_millis() as u64;
        let addr = format_addr(conn.peer_addr());
        let laddr = conn.local_addr().map(|a| format_addr(&a)).unwrap_or_default();
        let client = Arc::new(Client::new(id, Some(conn.handle()), addr, laddr, self.coarse_ms));
        shared.registry.add(client.clone());
        *conn.state_mut().session =
            Session { id, authenticated, can_block: true, client: Some(client), ..Session::default() };
        // Version 0 is never current (the version starts at 1): all of it applies.
        let version = shared.settings_version.load(Ordering::Acquire);
        self.apply_settings(conn, version);
        Action::Continue
    }

    // Inlined into tcpio's delivery of the read: a batch of one request (a client that
    // waits for each reply) pays no call and no saving of registers for it.
    #[inline(always)]
    fn on_data(&mut self, conn: &mut Conn<'_, ConnState>, input: &mut Input<'_>) -> Action {
        let (state, mut out) = conn.state_and_writer();
        if state.blocked.is_some() {
            // Reading goes on (so a client that leaves is seen), but what it sends
            // waits until the blocking command is answered.
            return Action::Continue;
        }
        let mut progress = state.progress;
        let session = &mut *state.session;
        self.clock.reset();
        let mut ctx =
            Ctx::new(&self.dbs, &mut self.clock, &mut self.scratch, &self.shared, session, &self.counters);
        let (used, flow) = run_all(&mut self.parser, &mut progress, input.bytes(), &mut ctx, &mut out);
        drop(out); // settles the writer's accounting and frees `conn`
        let session = &mut *conn.state_mut().session;
        // A request with a great many arguments leaves big buffers behind; give them
        // back now that it is done.
        self.parser.shrink();
        if self.scratch.capacity() > super::resp::KEEP_SCRATCH {
            self.scratch = Vec::new();
        }
        // The batch in the registry: when, its last command, what input it left.
        if let Some(client) = &session.client {
            client.record(self.coarse_ms, session.last, input.bytes().len() - used);
            if !session.subs.pending.is_empty() {
                client.set_subscriptions(session.subs.channels.len(), session.subs.patterns.len());
            }
        }
        // Subscriptions the commands made or ended: the connection joins or leaves
        // their groups now that the writer is done with it, before the replies are
        // sent.
        let regrouped = !session.subs.pending.is_empty();
        if regrouped {
            let mut pending = std::mem::take(&mut session.subs.pending);
            for (group, join) in pending.drain(..) {
                if join {
                    conn.join(&group);
                } else {
                    conn.leave_group(&group);
                }
            }
            // Kept for the next batch, unless one huge (UN)SUBSCRIBE made it big.
            if pending.capacity() <= 64 {
                conn.state_mut().session.subs.pending = pending;
            }
        }
        // A client that became a subscriber or stopped being one, or settings changed
        // by `CONFIG SET` (output limits, the timeout): apply them.
        let version = self.shared.settings_version.load(Ordering::Acquire);
        if regrouped || conn.state().settings != version {
            self.apply_settings(conn, version);
        }
        let state = conn.state_mut();
        if flow == Flow::Close {
            input.consume_all();
            self.retire(conn, true);
            return Action::Close;
        }
        // A blocking command ends the batch after a complete request: no scan of a
        // partial one to keep.
        state.progress = if flow == Flow::Block { Progress::default() } else { progress };
        input.consume(used);
        if flow == Flow::Block {
            if let Some(request) = state.session.block.take() {
                self.block(conn, request);
            }
        }
        Action::Continue
    }

    fn on_wake(&mut self, conn: &mut Conn<'_, ConnState>) -> Action {
        // A push served the blocked command: its reply came through the connection's
        // handle just before this wake.
        let state = conn.state_mut();
        if state.blocked.as_ref().is_some_and(|b| b.waiter.state() == SERVED) {
            self.unblock(conn);
        }
        Action::Continue
    }

    fn on_timer(&mut self, conn: &mut Conn<'_, ConnState>, timer: TimerId) -> Action {
        let state = conn.state_mut();
        let Some(b) = state.blocked.as_ref().filter(|b| b.timer == Some(timer)) else {
            return Action::Continue;
        };
        // Lost to a push: its reply and a wake are on the way.
        if self.shared.blocking(b.db).give_up(&b.waiter, TIMED_OUT) {
            let resp3 = state.session.resp3;
            conn.write(timeout_reply(resp3));
            self.unblock(conn);
        }
        Action::Continue
    }

    fn on_timeout(&mut self, conn: &mut Conn<'_, ConnState>, reason: &CloseReason) -> Action {
        // As Redis: a blocked client and a subscriber are not idle, whatever their
        // timeout.
        let state = conn.state();
        if matches!(reason, CloseReason::IdleTimeout)
            && (state.blocked.is_some() || state.session.subs.count() > 0)
        {
            return Action::Continue;
        }
        self.retire(conn, true);
        Action::Close
    }

    fn on_close(&mut self, conn: &mut Conn<'_, ConnState>, _reason: &CloseReason) {
        // tcpio takes a closed connection out of its groups.
        self.retire(conn, false);
    }

    fn on_tick(&mut self) -> Option<Duration> {
        self.coarse_ms = self.shared.started.elapsed().as_millis() as u64;
        // One loop or another samples the rates `INFO` reports, ten times a second.
        let shared = &*self.shared;
        shared.rates.sample(self.coarse_ms, || {
            let (bytes_in, bytes_out) = shared.raw_net_bytes();
            [shared.raw_totals().0, bytes_in, bytes_out]
        });
        self.clock.reset();
        self.dbs.sweep(&mut self.clock);
        Some(SWEEP_EVERY)
    }
}

impl Redis {
    /// Takes the connection out of what other clients see (`CLIENT LIST`, the count
    /// `maxclients` checks, its channels and patterns, a blocked command) as soon as
    /// the server decides to close it, as Redis does: its socket may stay a while
    /// longer, for its output to drain and the peer's FIN. `on_close` calls it again,
    /// which then finds nothing left to do; `leave_groups` is false there, as tcpio
    /// takes a closed connection out of its groups itself.
    #[cold]
    #[inline(never)]
    fn retire(&mut self, conn: &mut Conn<'_, ConnState>, leave_groups: bool) {
        let state = conn.state_mut();
        if let Some(client) = &state.session.client {
            self.shared.forget(client);
        }
        let resp3 = state.session.resp3;
        let groups = state.session.subs.clear(&self.shared.pubsub, resp3);
        if let Some(b) = state.unblocked(&self.shared) {
            self.shared.blocking(b.db).give_up(&b.waiter, GONE);
        }
        if leave_groups {
            for group in &groups {
                conn.leave_group(group);
            }
        }
    }

    /// Blocks the connection as `request` asks: registers it, arms its timer, then
    /// serves its keys in case a push came between its look at them and now. Its
    /// further input waits in the connection until it is answered.
    fn block(&mut self, conn: &mut Conn<'_, ConnState>, request: BlockRequest) {
        let keys = request.keys.clone();
        let timeout = request.timeout_ms;
        let db = conn.state().session.db;
        let waiter = Arc::new(Waiter::new(conn.handle(), request));
        let blocking = self.shared.blocking(db);
        blocking.register(&waiter);
        let timer = (timeout > 0 && timeout < LONGEST_TIMEOUT_MS)
            .then(|| conn.set_timer(Duration::from_millis(timeout)));
        let state = conn.state_mut();
        if timeout > 0 {
            self.shared.timed_blocked.fetch_add(1, Ordering::Relaxed);
        }
        state.blocked = Some(Blocked { db, waiter, timer, timed: timeout > 0 });
        // `CLIENT LIST` shows it with the `b` flag.
        if let Some(client) = &state.session.client {
            client.set_blocked(true);
        }
        let store = self.dbs.get(db).unwrap_or(self.dbs.first());
        for key in &keys {
            blocking.serve(key, store, &mut self.clock);
        }
    }

    /// The blocking command is answered: its timer goes, and the input that waited
    /// is offered again at once.
    fn unblock(&mut self, conn: &mut Conn<'_, ConnState>) {
        let state = conn.state_mut();
        if let Some(client) = &state.session.client {
            client.set_blocked(false);
        }
        if let Some(b) = state.unblocked(&self.shared) {
            if let Some(t) = b.timer {
                conn.cancel_timer(t);
            }
        }
        // Reading never stopped: pausing and resuming at once asks tcpio to deliver
        // the kept input again.
        conn.pause_read();
        conn.resume_read();
    }
}

/// Starts the Redis server on `builder`'s addresses and loops, with a fresh keyspace
/// and the default options.
pub fn start(builder: Builder) -> Result<ServerHandle, tcpio::Error> {
    start_with(builder, &Options::default())
}

/// Starts the Redis server with `options`.
pub fn start_with(builder: Builder, options: &Options) -> Result<ServerHandle, tcpio::Error> {
    let dbs = Arc::new(Databases::new());
    let shared = Arc::new(Shared::new(options));
    let s = shared.clone();
    let server = builder
        .max_input(MAX_QUERY_BUFFER)
        .max_output(MAX_OUTPUT)
        .start(move |_loop_id| Redis::with_shared(dbs.clone(), s.clone()))?;
    // `INFO`'s `tcp_port`: the first TCP address's.
    let port = server.local_addrs().iter().find_map(tcpio::Addr::as_ip).map_or(0, |a| a.port());
    shared.port.store(port, Ordering::Relaxed);
    Ok(server)
}
