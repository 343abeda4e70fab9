//! The tcpio side of the HTTP server: a [`Handler`] that answers every complete request
//! in the input (pipelined requests get their responses in one write, as the engine
//! flushes once per callback), keeps an incomplete head for the next read, and enforces
//! the timeouts of [`Config`] with the loop's timers.
//!
//! Responses go into the connection through a [`ConnWriter`](tcpio::ConnWriter), as in
//! the Redis server: each piece of a response is one append to the connection's output
//! queue, with the per-call checks of [`Conn::write`] done once per read.
//!
//! The header and body timeouts are one timer per connection, armed when a read leaves
//! a head incomplete (the header timeout) or a body (the body timeout, trailers
//! included), moved from one to the other when the head is done, and cancelled when
//! the request is: a request that arrives whole in one read (the common case) arms
//! nothing. The keep-alive timeout is the server's idle timeout
//! ([`Builder::idle_timeout`]).

use std::time::Duration;

use tcpio::{Action, Builder, CloseReason, Conn, Handler, Input, ServerHandle, TimerId};

use super::{refuse, Config, Date, Refusal, Session, MAX_HEAD};

/// One event loop's handler; it owns the loop's cached `Date` header.
#[derive(Debug, Default)]
pub struct Http {
    date: Date,
    config: Config,
}

impl Http {
    /// A handler with these timeouts (the keep-alive timeout is the server's idle
    /// timeout: [`start_with`] sets it).
    pub fn new(config: Config) -> Http {
        Http { date: Date::default(), config }
    }
}

/// A connection's state: its requests, and the request timer if one runs.
#[derive(Debug, Default)]
pub struct ConnState {
    session: Session,
    /// The timer of the request being read, and what it times.
    timer: Option<(TimerId, Timed)>,
    /// Whether input is left unconsumed (part of a head or of a chunk line).
    partial: bool,
}

/// What a request timer times: the head or the body of a request, named by
/// [`Session::heads`] when the timer was armed (a head still incomplete is numbered by
/// the heads before it, a body by its own head).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timed {
    Head(u32),
    Body(u32),
}

impl Handler for Http {
    type State = ConnState;

    fn on_data(&mut self, conn: &mut Conn<'_, ConnState>, input: &mut Input<'_>) -> Action {
        let (state, mut out) = conn.state_and_writer();
        let served = state.session.serve(input.bytes(), &self.date, &mut out);
        drop(out);
        let state = conn.state_mut();
        if !served.keep {
            input.consume_all();
            return Action::Close;
        }
        input.consume(served.used);
        state.partial = !input.is_empty();
        let heads = state.session.heads();
        let waiting = if !state.session.reading_head() {
            Some(Timed::Body(heads))
        } else if state.partial {
            Some(Timed::Head(heads))
        } else {
            None
        };
        // Only a read that ends inside a request, or right after one that was timed,
        // has anything to do with the timer.
        if waiting.is_some() || state.timer.is_some() {
            self.time_request(conn, waiting);
        }
        Action::Continue
    }

    fn on_timer(&mut self, conn: &mut Conn<'_, ConnState>, timer: TimerId) -> Action {
        match conn.state().timer {
            Some((armed, _)) if armed == timer => {
                conn.state_mut().timer = None;
                refuse(&mut conn.writer(), &self.date, Refusal::RequestTimeout);
                Action::Close
            }
            _ => Action::Continue,
        }
    }

    fn on_timeout(&mut self, conn: &mut Conn<'_, ConnState>, _reason: &CloseReason) -> Action {
        // Idle within a request (a stalled head or body): say why before closing.
        let state = conn.state();
        if state.partial || !state.session.reading_head() {
            refuse(&mut conn.writer(), &self.date, Refusal::RequestTimeout);
        }
        Action::Close
    }

    fn on_tick(&mut self) -> Option<Duration> {
        // Called again just after the next second begins, so the header is never stale.
        Some(self.date.refresh())
    }
}

impl Http {
    /// Arms, keeps or cancels the request timer after a read: `waiting` says what the
    /// read left incomplete, if anything.
    #[cold]
    fn time_request(&self, conn: &mut Conn<'_, ConnState>, waiting: Option<Timed>) {
        let timer = conn.state().timer;
        // The same head or body as before: its clock runs on.
        if timer.is_some_and(|(_, timed)| Some(timed) == waiting) {
            return;
        }
        if let Some((old, _)) = timer {
            conn.cancel_timer(old);
            conn.state_mut().timer = None;
        }
        let limit = match waiting {
            Some(Timed::Head(_)) => self.config.header_timeout,
            Some(Timed::Body(_)) => self.config.body_timeout,
            None => None,
        };
        if let (Some(limit), Some(timed)) = (limit, waiting) {
            let timer = conn.set_timer(limit);
            conn.state_mut().timer = Some((timer, timed));
        }
    }
}

/// Starts the HTTP server on `builder`'s addresses and loops, with the default
/// [`Config`].
pub fn start(builder: Builder) -> Result<ServerHandle, tcpio::Error> {
    start_with(builder, Config::default())
}

/// Starts the HTTP server on `builder`'s addresses and loops, with `config`'s
/// timeouts (the keep-alive timeout replaces any idle timeout `builder` has).
pub fn start_with(builder: Builder, config: Config) -> Result<ServerHandle, tcpio::Error> {
    // Unconsumed input is at most an incomplete head or chunk line (bodies are used as
    // they arrive); more than that can only be a peer that is not speaking HTTP.
    let builder = builder.max_input(4 * MAX_HEAD);
    let builder = match config.keepalive_timeout {
        Some(limit) => builder.idle_timeout(limit),
        None => builder,
    };
    builder.start(move |_loop_id| Http::new(config))
}
