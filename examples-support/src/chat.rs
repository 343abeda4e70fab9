//! A line-based chat room (the `chat` example): whatever one client says reaches
//! everyone else, whichever event loop they are on.
//!
//! Commands: `/nick NAME`, `/who`, `/msg NAME TEXT`, `/quit`; anything else is said to
//! the room. It shows three pieces working together:
//!
//! - [`Framed`] with the [`Line`] codec: the handler sees whole lines (at most 1 KiB,
//!   so a client cannot grow a line without bound).
//! - [`ServerControl::broadcast_except`]: one command per loop carries a message to
//!   every other member; the loops' own queues do the fan-out, no lock is held.
//! - [`ConnHandle`]: the room's directory maps names to handles, so `/msg` reaches one
//!   member on any loop, and a member who has left is reported as such.
//!
//! A graceful stop says goodbye to everyone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tcpio::codec::{FrameConn, FrameHandler, Framed, Line};
use tcpio::{Action, Builder, ConnHandle, ServerControl, ServerHandle};

/// Longest line a member may send.
const MAX_LINE: usize = 1024;
/// Longest name.
const MAX_NICK: usize = 32;

/// The room's directory: member name → handle, shared by every loop. Touched when
/// members join, rename, leave or whisper, never for ordinary messages.
#[derive(Clone, Debug, Default)]
pub struct Room(Arc<Mutex<HashMap<String, ConnHandle>>>);

impl Room {
    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.0.lock().unwrap().keys().cloned().collect();
        v.sort();
        v
    }
}

/// One loop's chat handler.
#[derive(Debug)]
pub struct Chat {
    room: Room,
}

impl Chat {
    /// A handler for one loop of the server, sharing `room` with the others.
    pub fn new(room: Room) -> Framed<Chat> {
        Framed::new(Line::new().with_max_length(MAX_LINE), Chat { room })
    }
}

/// A member's state.
#[derive(Debug, Default)]
pub struct Member {
    nick: String,
}

type C<'c, 'a> = FrameConn<'c, 'a, Chat>;

fn say(conn: &mut C<'_, '_>, text: &str) {
    conn.write(text.as_bytes());
    conn.write(b"\n");
}

fn room_of(conn: &mut C<'_, '_>) -> ServerControl {
    conn.server()
}

impl FrameHandler for Chat {
    type Codec = Line;
    type State = Member;

    fn on_open(&mut self, conn: &mut C<'_, '_>) -> Action {
        let nick = format!("guest{}", conn.id());
        let handle = conn.handle();
        self.room.0.lock().unwrap().insert(nick.clone(), handle);
        room_of(conn).broadcast_except(format!("* {nick} joined\n").as_bytes(), conn.id());
        say(conn, &format!("welcome, {nick}! commands: /nick NAME, /who, /msg NAME TEXT, /quit"));
        conn.state_mut().nick = nick;
        Action::Continue
    }

    fn on_frame(&mut self, conn: &mut C<'_, '_>, line: &[u8]) -> Action {
        let Ok(line) = std::str::from_utf8(line) else {
            say(conn, "! lines must be UTF-8");
            return Action::Continue;
        };
        let line = line.trim_end();
        let me = conn.state().nick.clone();
        let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
        match cmd {
            "" => {}
            "/quit" => {
                // Told now, not when the connection is finally gone (which waits for
                // the client to close its side too).
                self.leave(conn);
                say(conn, "bye");
                return Action::Close;
            }
            "/who" => {
                let names = self.room.names().join(", ");
                say(conn, &format!("* here: {names}"));
            }
            "/nick" => {
                let new = rest.trim();
                let valid = !new.is_empty()
                    && new.len() <= MAX_NICK
                    && new.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
                if !valid {
                    say(conn, "! a name is 1 to 32 letters, digits, '_' or '-'");
                    return Action::Continue;
                }
                let mut dir = self.room.0.lock().unwrap();
                if dir.contains_key(new) {
                    drop(dir);
                    say(conn, &format!("! {new} is taken"));
                    return Action::Continue;
                }
                if let Some(h) = dir.remove(&me) {
                    dir.insert(new.to_string(), h);
                }
                drop(dir);
                conn.state_mut().nick = new.to_string();
                room_of(conn).broadcast(format!("* {me} is now {new}\n").as_bytes());
            }
            "/msg" => {
                let (to, text) = rest.split_once(' ').unwrap_or((rest, ""));
                let target = self.room.0.lock().unwrap().get(to).cloned();
                match target.map(|h| h.send(format!("[{me}] {text}\n"))) {
                    Some(Ok(())) => {}
                    Some(Err(e)) => say(conn, &format!("! {to}: {e}")),
                    None => say(conn, &format!("! no one called {to}")),
                }
            }
            c if c.starts_with('/') => say(conn, &format!("! unknown command {c}")),
            _ => room_of(conn).broadcast_except(format!("<{me}> {line}\n").as_bytes(), conn.id()),
        }
        Action::Continue
    }

    fn on_shutdown(&mut self, conn: &mut C<'_, '_>) -> Action {
        say(conn, "* the server is shutting down, goodbye");
        Action::Close
    }

    fn on_close(
        &mut self,
        conn: &mut C<'_, '_>,
        reason: &tcpio::CloseReason,
        _: Option<&tcpio::codec::DecodeError>,
    ) {
        if !matches!(reason, tcpio::CloseReason::Shutdown) {
            self.leave(conn);
        }
    }
}

impl Chat {
    /// Takes a member out of the directory and tells the room, once.
    fn leave(&mut self, conn: &mut C<'_, '_>) {
        let me = std::mem::take(&mut conn.state_mut().nick);
        if me.is_empty() {
            return;
        }
        self.room.0.lock().unwrap().remove(&me);
        room_of(conn).broadcast_except(format!("* {me} left\n").as_bytes(), conn.id());
    }
}

/// Starts a chat server on `builder`'s addresses and loops, with an empty room.
pub fn start(builder: Builder) -> Result<ServerHandle, tcpio::Error> {
    let room = Room::default();
    builder.start(move |_| Chat::new(room.clone()))
}
