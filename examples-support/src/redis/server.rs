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

use std::sync::Arc;
use std::time::Duration;

use tcpio::{Action, Builder, Conn, Handler, Input, ServerHandle};

use super::commands::{run_all, Ctx, Flow};
use super::resp::{Parser, Progress};
use super::store::{Clock, Store};

/// Input a connection may hold unconsumed: Redis's default `client-query-buffer-limit`
/// (1 GiB), so the largest bulk (512 MiB) fits in a pipeline. Memory follows the bytes
/// a client actually sends, never a length it claims.
pub const MAX_QUERY_BUFFER: usize = 1 << 30;

/// How often each loop sweeps expired keys out of part of the keyspace.
pub const SWEEP_EVERY: Duration = Duration::from_millis(25);

/// Per-connection state: how far a long incomplete request has been scanned.
#[derive(Debug, Default)]
pub struct ConnState {
    progress: Progress,
}

/// One event loop's handler; every loop's handler shares the keyspace.
#[derive(Debug)]
pub struct Redis {
    store: Arc<Store>,
    parser: Parser,
    clock: Clock,
    scratch: Vec<u8>,
}

impl Redis {
    /// A handler serving `store`.
    pub fn new(store: Arc<Store>) -> Redis {
        let clock = Clock::new(store.origin());
        Redis { store, parser: Parser::new(), clock, scratch: Vec::new() }
    }
}

impl Handler for Redis {
    type State = ConnState;

    fn on_data(&mut self, conn: &mut Conn<'_, ConnState>, input: &mut Input<'_>) -> Action {
        let mut progress = conn.state().progress;
        self.clock.reset();
        let mut ctx = Ctx { store: &self.store, clock: &mut self.clock, scratch: &mut self.scratch };
        let mut out = conn.writer();
        let (used, flow) = run_all(&mut self.parser, &mut progress, input.bytes(), &mut ctx, &mut out);
        drop(out); // settles the writer's accounting and frees `conn`
        if flow == Flow::Close {
            input.consume_all();
            return Action::Close;
        }
        conn.state_mut().progress = progress;
        input.consume(used);
        Action::Continue
    }

    fn on_tick(&mut self) -> Option<Duration> {
        self.clock.reset();
        self.store.sweep(&mut self.clock);
        Some(SWEEP_EVERY)
    }
}

/// Starts the Redis server on `builder`'s addresses and loops, with a fresh keyspace.
pub fn start(builder: Builder) -> Result<ServerHandle, tcpio::Error> {
    let store = Arc::new(Store::new());
    builder.max_input(MAX_QUERY_BUFFER).start(move |_loop_id| Redis::new(store.clone()))
}
