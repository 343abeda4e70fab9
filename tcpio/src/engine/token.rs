//! Poller tokens: how an event names the connection or listener it is for, and how
//! a command from another thread names its connection.
//!
//! ```text
//!  connection token:  | 0 | slot generation (31 bits) | slab key (32 bits) |
//!  listener token:    usize::MAX - 1 - listener index (counting down)
//!  waker token:       usize::MAX
//! ```
//!
//! An event whose generation no longer matches its slot (the slot was freed and reused
//! within one batch of events) is dropped. Commands from other threads carry the
//! connection's id instead ([`Target`]): ids are never reused, so no number of
//! connections through one slot lets a stale command reach a stranger.

use crate::backend::{Token, WAKER};

/// Listener tokens count down from just below the waker's and never meet them.
pub(crate) const KEY_BITS: u32 = 32;
pub(crate) const KEY_MASK: usize = (1 << KEY_BITS) - 1;
pub(crate) const GEN_MASK: u32 = (1 << 31) - 1;

#[inline(always)]
pub(crate) fn conn_token(key: usize, gen: u32) -> Token {
    Token(((gen as usize) << KEY_BITS) | key)
}

pub(crate) fn listener_token(i: usize) -> Token {
    Token(WAKER.0 - 1 - i)
}

/// The slab key a connection token carries.
#[inline(always)]
pub(crate) fn key_of(token: Token) -> usize {
    token.0 & KEY_MASK
}

/// Whether a token is a listener's (and which), rather than a connection's.
#[inline(always)]
pub(crate) fn listener_of(token: Token) -> Option<usize> {
    (token.0 > (WAKER.0 >> 1)).then(|| WAKER.0 - 1 - token.0)
}

/// The next slot generation after `gen`.
pub(crate) fn next_gen(gen: u32) -> u32 {
    (gen + 1) & GEN_MASK
}

/// The connection a command is for: its slab slot and its id. The id is unique for
/// the server's whole life, so a command for a connection that has closed never
/// reaches the one that reuses its slot, however many came and went through it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) key: usize,
    pub(crate) id: u64,
}
