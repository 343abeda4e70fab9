//! The tcpio side of the HTTP server: a [`Handler`] that answers every complete request
//! in the input (pipelined requests get their responses in one write, as the engine
//! flushes once per callback) and keeps an incomplete one for the next read.
//!
//! Responses go into the connection through a [`ConnWriter`](tcpio::ConnWriter), as in
//! the Redis server: each piece of a response is one append to the connection's output
//! queue, with the per-call checks of [`Conn::write`] done once per read.

use std::time::Duration;

use tcpio::{Action, Builder, Conn, Handler, Input, ServerHandle};

use super::{respond_all, Date, MAX_BODY, MAX_HEAD};

/// One event loop's handler; it owns the loop's cached `Date` header.
#[derive(Debug, Default)]
pub struct Http {
    date: Date,
}

impl Handler for Http {
    type State = ();

    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        let (used, keep) = respond_all(input.bytes(), &self.date, &mut conn.writer());
        if keep {
            input.consume(used);
            Action::Continue
        } else {
            input.consume_all();
            Action::Close
        }
    }

    fn on_tick(&mut self) -> Option<Duration> {
        // Called again just after the next second begins, so the header is never stale.
        Some(self.date.refresh())
    }
}

/// Starts the HTTP server on `builder`'s addresses and loops.
pub fn start(builder: Builder) -> Result<ServerHandle, tcpio::Error> {
    // An incomplete request is at most a head and a body; more unconsumed input than
    // that can only be a peer that is not speaking HTTP.
    builder.max_input(2 * (MAX_HEAD + MAX_BODY)).start(|_loop_id| Http::default())
}
