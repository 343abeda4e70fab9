//! Operations a callback stages for other connections of its loop (a write, a
//! pause, a close, a dial), applied right after it returns (`apply_staged.rs`).

use std::any::Any;
use std::collections::HashMap;
use std::time::Duration;

use super::CloseReason;
use crate::backend::Token;
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
    Dial(Dial),
}

/// A connection being dialed, until the loop takes it in.
#[derive(Debug)]
pub(crate) struct Dial {
    pub(crate) stream: Stream,
    pub(crate) peer: Addr,
    pub(crate) timeout: Duration,
    pub(crate) state: Box<dyn Any>,
    /// Bytes it sends before anything else, in the clear (a PROXY header).
    pub(crate) first: Option<Vec<u8>>,
    /// Its TLS session, to start once it has connected.
    pub(crate) tls: Option<Box<crate::tls::TlsConn>>,
}

/// An operation and the connection it is for, by id.
#[derive(Debug)]
pub(crate) struct Deferred {
    pub(crate) id: u64,
    pub(crate) op: Op,
}

/// What the callback in progress staged for other connections, and which connections
/// of the loop may be reached by id. One per loop (only one callback runs at a time).
///
/// Bounded: bytes copied for other connections (those that are not the callback's
/// input) stop at a limit the caller gives (the hard cap); a write past it is staged
/// as [`Op::OverCap`] instead. Input written to others is not copied unless it is
/// about to move, and then once ([`keep_input`](Self::keep_input)).
#[derive(Debug, Default)]
pub(crate) struct Staged {
    ops: Vec<Deferred>,
    /// Bytes the staged writes carry, when they are not the callback's input.
    scratch: Vec<u8>,
    /// Connections others may reach by id (`None`: being dialed, not in the slab yet).
    reach: HashMap<u64, Option<Token>>,
}

impl Staged {
    /// Whether nothing is staged: the hot path's test.
    #[inline(always)]
    pub(crate) fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Stages `op` for connection `id`.
    pub(crate) fn push(&mut self, id: u64, op: Op) {
        self.ops.push(Deferred { id, op });
    }

    /// Stages a write of bytes that are not the callback's input: copied, within
    /// `limit` bytes in all.
    pub(crate) fn push_owned(&mut self, id: u64, data: &[u8], limit: usize) {
        if self.scratch.len() + data.len() > limit {
            return self.push(id, Op::OverCap);
        }
        let start = self.scratch.len();
        self.scratch.extend_from_slice(data);
        self.push(id, Op::Write(Piece::Owned { start, len: data.len() }));
    }

    /// Turns staged writes that point into `input` into pieces of one copy of it, for
    /// input that will not outlive the callback. One copy however many writes point
    /// into it: the cost is bounded by the input, not by how often it was forwarded.
    pub(crate) fn keep_input(&mut self, input: &[u8]) {
        // The range of the input the staged writes cover, copied once.
        let (mut from, mut to) = (usize::MAX, 0);
        for d in &self.ops {
            if let Op::Write(Piece::Input { off, len }) = d.op {
                from = from.min(off);
                to = to.max(off + len);
            }
        }
        if from >= to {
            return;
        }
        let base = self.scratch.len();
        self.scratch.extend_from_slice(&input[from..to]);
        for d in &mut self.ops {
            if let Op::Write(Piece::Input { off, len }) = d.op {
                d.op = Op::Write(Piece::Owned { start: base + off - from, len });
            }
        }
    }

    /// Takes what is staged, and the bytes its owned pieces point into, to apply
    /// them; hand both back with [`done`](Self::done) so their room is reused.
    pub(crate) fn take(&mut self) -> (Vec<Deferred>, Vec<u8>) {
        (std::mem::take(&mut self.ops), std::mem::take(&mut self.scratch))
    }

    /// Takes back what [`take`](Self::take) gave out, once applied. Operations staged
    /// meanwhile (by callbacks the application ran) stay staged.
    pub(crate) fn done(&mut self, mut ops: Vec<Deferred>, mut scratch: Vec<u8>) {
        ops.clear();
        scratch.clear();
        if self.ops.is_empty() {
            self.ops = ops;
        }
        if self.scratch.is_empty() {
            self.scratch = scratch;
        }
    }

    /// Whether connection `id` may be reached.
    pub(crate) fn reachable(&self, id: u64) -> bool {
        self.reach.contains_key(&id)
    }

    /// The token of connection `id`, if it may be reached and is in the slab.
    pub(crate) fn target(&self, id: u64) -> Option<Token> {
        self.reach.get(&id).copied().flatten()
    }

    /// Lets connection `id` be reached (`None` while it is being dialed).
    pub(crate) fn reach(&mut self, id: u64, token: Option<Token>) {
        self.reach.insert(id, token);
    }

    /// Connection `id` has gone.
    pub(crate) fn forget(&mut self, id: u64) {
        self.reach.remove(&id);
    }
}
