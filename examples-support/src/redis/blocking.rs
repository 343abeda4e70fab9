//! The clients blocked by `BLPOP`, `BRPOP`, `BLMOVE`, `BRPOPLPUSH` (on lists) and
//! `BZPOPMIN`, `BZPOPMAX`, `BZMPOP` (on sorted sets), shared by every loop: for each
//! key, the clients waiting on it, first come first served among those waiting for
//! what the key now holds.
//!
//! A blocked client is a [`Waiter`]: its keys, what it does with an element (pop it,
//! or move it to a destination), the [`ConnHandle`] that reaches its connection, and
//! a state that leaves [`WAITING`] once and for all, by one compare-and-swap. Whoever
//! wins it acts and takes the waiter out of the registry; whoever loses does nothing:
//!
//! - a command that may have made a list non-empty or created a sorted set (a push, a
//!   `ZADD`, a move, a rename...) calls
//!   [`Blocking::serve`] right after it is done, on its own loop: the first waiter of
//!   the key is claimed ([`SERVED`]), the element is popped for it under the key's
//!   shard lock, its reply goes through its handle and its loop is woken to carry on
//!   with the input that waited behind the blocking command;
//! - the waiter's own loop claims it when its timer fires ([`TIMED_OUT`]) or its
//!   connection closes ([`GONE`]).
//!
//! A waiter is registered after its command found every key empty, so a push may come
//! in between: registering is therefore followed by a [`Blocking::serve`] of its keys.
//! A push and its check of the registry follow each other, so either the push sees
//! the waiter, or the waiter's check (made after it registered) sees the pushed
//! element: both go through the key's shard lock, which orders them.
//!
//! Commands look at the registry only when [`Blocking::active`] says a client is
//! blocked (one atomic load), and only the commands that may fill a list or create a
//! sorted set ask.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tcpio::ConnHandle;

use super::reply::E_WRONGTYPE;
use super::reply::{array, bulk, double};
use super::store::{Bytes, Clock, Store, Value};

/// A waiter not yet served, timed out or gone.
pub const WAITING: u8 = 0;
/// A push served it; its reply is on the way.
pub const SERVED: u8 = 1;
/// Its timeout passed first.
pub const TIMED_OUT: u8 = 2;
/// Its connection closed first.
pub const GONE: u8 = 3;

/// What a blocked client does with the element it gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `BLPOP` (`left`) or `BRPOP`: pops it and answers `[key, element]`.
    Pop {
        /// From the head.
        left: bool,
    },
    /// `BLMOVE`, `BRPOPLPUSH`: moves it to `dest` and answers the element.
    Move {
        /// The destination list.
        dest: Vec<u8>,
        /// Popped from the head.
        from_left: bool,
        /// Pushed at the head.
        to_left: bool,
    },
    /// `BZPOPMIN`, `BZPOPMAX` (`count` `None`: answers `[key, member, score]`) and
    /// `BZMPOP` (answers `[key, [[member, score]...]]` with up to `count` pairs): pops
    /// the lowest (`max`: the highest) of a sorted set.
    ZPop {
        /// The highest.
        max: bool,
        /// How many, for `BZMPOP`.
        count: Option<u64>,
        /// Whether the client speaks RESP3 (a score is a double there).
        resp3: bool,
    },
}

impl Op {
    /// Which of a key's queues it waits in: 1 for a sorted set, 0 for a list.
    fn queue(&self) -> usize {
        usize::from(matches!(self, Op::ZPop { .. }))
    }
}

/// What a blocking command asks of the handler when it found no element: block on
/// `keys` (in the command's order, each once) for `timeout_ms` (0: for ever).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockRequest {
    /// The keys it waits on.
    pub keys: Vec<Vec<u8>>,
    /// What it does with an element.
    pub op: Op,
    /// Milliseconds before it answers nil; 0 for no limit.
    pub timeout_ms: u64,
}

/// The reply of a client whose timeout passed, whichever the command: the nil array
/// (`BLMOVE` too, as Redis 7.0 answers in RESP2), or RESP3's null (`resp3`).
pub fn timeout_reply(resp3: bool) -> &'static [u8] {
    if resp3 {
        b"_\r\n"
    } else {
        b"*-1\r\n"
    }
}

/// One blocked client.
#[derive(Debug)]
pub struct Waiter {
    state: AtomicU8,
    handle: ConnHandle,
    keys: Vec<Vec<u8>>,
    op: Op,
}

impl Waiter {
    /// A waiter for the connection behind `handle`, as `request` asks.
    pub fn new(handle: ConnHandle, request: BlockRequest) -> Waiter {
        Waiter { state: AtomicU8::new(WAITING), handle, keys: request.keys, op: request.op }
    }

    /// Its state: [`WAITING`], [`SERVED`], [`TIMED_OUT`] or [`GONE`].
    pub fn state(&self) -> u8 {
        self.state.load(Ordering::Acquire)
    }

    /// What it does with an element.
    pub fn op(&self) -> &Op {
        &self.op
    }

    /// Moves it from [`WAITING`] to `to`; false if something else did first.
    fn claim(&self, to: u8) -> bool {
        self.state.compare_exchange(WAITING, to, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }
}

/// The waiters of each key: those waiting for a list, then those waiting for a sorted
/// set (a key serves one kind at a time: what it holds).
type Queues = HashMap<Vec<u8>, [VecDeque<Arc<Waiter>>; 2]>;

/// Every blocked client, over all loops.
#[derive(Debug, Default)]
pub struct Blocking {
    /// Clients blocked now (`INFO`'s `blocked_clients`); zero means commands need not
    /// look at `queues`.
    blocked: AtomicUsize,
    queues: Mutex<Queues>,
}

impl Blocking {
    /// An empty registry.
    pub fn new() -> Blocking {
        Blocking::default()
    }

    fn lock(&self) -> MutexGuard<'_, Queues> {
        // Every update is completed under the lock; a poisoned one is still consistent.
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether any client is blocked: what a command that may fill a list or create a
    /// sorted set checks before looking further.
    #[inline]
    pub fn active(&self) -> bool {
        self.blocked.load(Ordering::Acquire) > 0
    }

    /// Clients blocked now.
    pub fn blocked(&self) -> usize {
        self.blocked.load(Ordering::Acquire)
    }

    /// Whether no key has waiters left (the count aside): for tests.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Adds `waiter` at the end of each of its keys' queues. The caller then calls
    /// [`serve`](Self::serve) for its keys, for what was pushed meanwhile.
    pub fn register(&self, waiter: &Arc<Waiter>) {
        let mut queues = self.lock();
        for key in &waiter.keys {
            queues.entry(key.clone()).or_default()[waiter.op.queue()].push_back(waiter.clone());
        }
        self.blocked.fetch_add(1, Ordering::AcqRel);
    }

    /// Takes `waiter` out of its keys' queues, after it left [`WAITING`].
    fn remove(&self, waiter: &Arc<Waiter>) {
        let mut queues = self.lock();
        for key in &waiter.keys {
            if let Some(q) = queues.get_mut(key) {
                q[waiter.op.queue()].retain(|w| !Arc::ptr_eq(w, waiter));
                if q.iter().all(VecDeque::is_empty) {
                    queues.remove(key);
                    super::shrink_if_sparse(&mut queues);
                }
            }
        }
        drop(queues);
        self.blocked.fetch_sub(1, Ordering::AcqRel);
    }

    /// The waiter's loop gives up on it (`to`: [`TIMED_OUT`] or [`GONE`]); false if a
    /// push served it first (its reply and a wake are then on the way).
    pub fn give_up(&self, waiter: &Arc<Waiter>, to: u8) -> bool {
        if !waiter.claim(to) {
            return false;
        }
        self.remove(waiter);
        true
    }

    /// The first client still waiting on `key` for a sorted set (`zset`) or a list.
    fn first(&self, key: &[u8], zset: bool) -> Option<Arc<Waiter>> {
        self.lock().get(key)?[usize::from(zset)].iter().find(|w| w.state() == WAITING).cloned()
    }

    /// Serves the clients blocked on `key` for what it holds (a list or a sorted set),
    /// in the order they blocked, while it holds one; then those blocked on the lists
    /// their moves filled, and so on.
    pub fn serve(&self, key: &[u8], store: &Store, clock: &mut Clock) {
        let mut ready: VecDeque<Vec<u8>> = VecDeque::new();
        self.serve_key(key, store, clock, &mut ready);
        while let Some(key) = ready.pop_front() {
            self.serve_key(&key, store, clock, &mut ready);
        }
    }

    /// Serves `key`'s waiters; destinations filled by moves go to `ready`.
    fn serve_key(&self, key: &[u8], store: &Store, clock: &mut Clock, ready: &mut VecDeque<Vec<u8>>) {
        loop {
            // What the key holds says which waiters it can serve.
            let kind = |v: Option<&Value>| match v {
                Some(Value::List(_)) => Some(false),
                Some(Value::Zset(_)) => Some(true),
                _ => None,
            };
            let Some(zset) = store.get(key, clock, kind) else { return }; // nothing (left) to give
            let Some(w) = self.first(key, zset) else { return };
            let dest = match &w.op {
                Op::Move { dest, .. } => Some(&dest[..]),
                Op::Pop { .. } | Op::ZPop { .. } => None,
            };
            let mut locked = store.lock_many(std::iter::once(key).chain(dest));
            if locked.get(key, clock, kind) != Some(zset) {
                continue; // changed since: look again
            }
            // A client already closing would lose the element: leave it to its loop.
            if w.handle.is_closed() {
                drop(locked);
                self.give_up(&w, GONE);
                continue;
            }
            if !w.claim(SERVED) {
                continue; // its timer or another push got it first
            }
            let mut reply = Vec::new();
            match &w.op {
                Op::Pop { left } => {
                    let e = locked.modify(key, clock, |v| pop(v, *left));
                    if let Some(e) = e {
                        array(&mut reply, 2);
                        bulk(&mut reply, key);
                        bulk(&mut reply, &e);
                    }
                }
                Op::ZPop { max, count, resp3 } => {
                    locked.modify(key, clock, |v| {
                        let Some(Value::Zset(z)) = v else { return };
                        let n = count.unwrap_or(1).min(z.len() as u64) as usize;
                        array(&mut reply, if count.is_some() { 2 } else { 3 });
                        bulk(&mut reply, key);
                        if count.is_some() {
                            array(&mut reply, n);
                        }
                        z.pop(*max, n, |m, s| {
                            if count.is_some() {
                                array(&mut reply, 2);
                            }
                            bulk(&mut reply, &m);
                            double(&mut reply, s, *resp3);
                        });
                    });
                }
                Op::Move { dest, from_left, to_left } => {
                    // As Redis: a destination of another type fails the client.
                    if locked.get(dest, clock, |v| v.is_some_and(|v| !matches!(v, Value::List(_)))) {
                        reply.extend_from_slice(E_WRONGTYPE);
                    } else if &dest[..] == key {
                        // A rotation, in place: the list (and its deadline) stays.
                        locked.modify(key, clock, |v| {
                            if let Some(Value::List(l)) = v {
                                if let Some(e) = if *from_left { l.pop_front() } else { l.pop_back() } {
                                    bulk(&mut reply, &e);
                                    if *to_left {
                                        l.push_front(e);
                                    } else {
                                        l.push_back(e);
                                    }
                                }
                            }
                        });
                    } else if let Some(e) = locked.modify(key, clock, |v| pop(v, *from_left)) {
                        bulk(&mut reply, &e);
                        locked.modify(dest, clock, |v| {
                            if let Value::List(l) = v.get_or_insert_with(|| Value::List(VecDeque::new())) {
                                if *to_left {
                                    l.push_front(e);
                                } else {
                                    l.push_back(e);
                                }
                            }
                        });
                        ready.push_back(dest.clone());
                    }
                }
            }
            drop(locked);
            self.remove(&w);
            // A connection closing meanwhile drops the reply; one over its output cap
            // is closed by its loop.
            let _ = w.handle.send(reply);
            let _ = w.handle.wake();
        }
    }
}

/// Pops an element from the list in `v` (the caller checked it is one).
fn pop(v: &mut Option<Value>, left: bool) -> Option<Bytes> {
    match v {
        Some(Value::List(l)) => {
            if left {
                l.pop_front()
            } else {
                l.pop_back()
            }
        }
        _ => None,
    }
}
