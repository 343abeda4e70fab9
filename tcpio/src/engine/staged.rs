//! Operations a callback stages for other connections of its loop (a write, a
//! pause, a close, a dial), applied right after it returns (`apply_staged.rs`).

use std::any::Any;
use std::time::Duration;

use super::CloseReason;
use crate::transport::{Addr, Stream};

/// Bytes to write to another connection: a slice of the current callback's input
/// (not copied) or bytes kept in the loop's scratch buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Piece {
    Input { off: usize, len: usize },
    Owned { start: usize, len: usize },
}

/// An operation on another connection of the loop, applied after the callback.
#[derive(Debug)]
pub(crate) enum Op {
    Write(Piece),
    PauseRead,
    ResumeRead,
    ShutdownWrite,
    Close(CloseReason),
    /// The callback staged more than the hard cap: the target closes with
    /// [`CloseReason::OutputLimit`], as a write past its own cap would.
    OverCap,
    /// A connection dialed by [`Conn::connect`], to be taken into the loop.
    Dial {
        stream: Stream,
        peer: Addr,
        timeout: Duration,
        state: Box<dyn Any>,
    },
}

/// An operation and the connection it is for, by id.
#[derive(Debug)]
pub(crate) struct Deferred {
    pub(crate) id: u64,
    pub(crate) op: Op,
}
