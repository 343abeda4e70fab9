//! The tcpio side of the HTTP server: a [`Handler`] that answers every complete request
//! in the input (pipelined requests get their responses in one write, as the engine
//! flushes once per callback) and keeps an incomplete one for the next read.
//!
//! Responses go into the connection through a [`ConnWriter`], as in the Redis example:
//! each piece of a response is one append to the connection's output queue, with the
//! per-call checks of [`Conn::write`] done once per read.

use std::time::Duration;

use tcpio::{Action, Builder, Conn, ConnWriter, Handler, Input, ServerHandle};

use super::http::{respond, Date, Handled, Out, MAX_BODY, MAX_HEAD};

impl<S> Out for ConnWriter<'_, S> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        ConnWriter::put(self, bytes);
    }
}

/// One event loop's handler; it owns the loop's cached `Date` header.
#[derive(Debug, Default)]
pub struct Http {
    date: Date,
}

impl Handler for Http {
    type State = ();

    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        let bytes = input.bytes();
        let mut used = 0;
        let mut action = Action::Continue;
        let mut out = conn.writer();
        while used < bytes.len() {
            match respond(&bytes[used..], &self.date, &mut out) {
                Handled::KeepAlive { used: n } => used += n,
                Handled::Incomplete => break,
                Handled::Close => {
                    used = bytes.len();
                    action = Action::Close;
                    break;
                }
            }
        }
        input.consume(used);
        action
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
