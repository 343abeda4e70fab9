//! The echo handler: every byte a client sends comes straight back.
//!
//! The reply is forwarded from the loop's read buffer without a copy: `conn.write`
//! recognises a slice of the current input.

use tcpio::{Action, Conn, Handler, Input};

/// Writes back whatever it reads; the `echo` example's handler, and most tests'.
#[derive(Clone, Copy, Debug, Default)]
pub struct Echo;

impl Handler for Echo {
    type State = ();

    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        conn.write(input.bytes());
        input.consume_all();
        Action::Continue
    }
}
