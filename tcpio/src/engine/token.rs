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

use super::record::Record;
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

/// The slab key of the connection `token` names, if it is still there.
#[inline]
pub(crate) fn live<S>(conns: &slab::Slab<Record<S>>, token: Token) -> Option<usize> {
    let key = key_of(token);
    conns.get(key).filter(|c| conn_token(key, c.gen) == token).map(|_| key)
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

impl Target {
    /// The slab key of the connection this names, if it is still there.
    pub(crate) fn find<S>(self, conns: &slab::Slab<Record<S>>) -> Option<usize> {
        conns.get(self.key).filter(|c| c.id == self.id).map(|_| self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{Addr, Stream};

    fn record(id: u64, gen: u32) -> Record<()> {
        let (a, _b) = mio::net::UnixStream::pair().unwrap();
        Record::new(Stream::Unix(a), id, 0, gen, 0, Addr::Unnamed, 1, ())
    }

    #[test]
    fn a_command_reaches_only_the_connection_it_was_made_for() {
        let mut conns = slab::Slab::new();
        let key = conns.insert(record(7, 5));
        let target = Target { key, id: 7 };
        assert_eq!(target.find(&conns), Some(key));
        conns.remove(key);
        assert_eq!(target.find(&conns), None);
        // A stranger in the same slot, even with the same slot generation (as after
        // 2^31 connections through it), is not reached.
        assert_eq!(conns.insert(record(7 + (1 << 40), 5)), key);
        assert_eq!(target.find(&conns), None);
    }
}
