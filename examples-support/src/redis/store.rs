//! The keyspace: string keys and values, expiry, glob matching. No I/O.
//!
//! # Sharding
//!
//! Every event loop serves its own connections, but they all share one keyspace. One
//! lock around it would make the loops take turns; instead the keys are spread over
//! [`SHARDS`] hash tables, each behind its own mutex, chosen by the key's hash. Two
//! loops touching different keys almost always lock different shards, and a single loop
//! pays only an uncontended lock per command. Each key is hashed once: the same hash
//! picks the shard and finds the key in the shard's table.
//!
//! # Expiry
//!
//! A key with a deadline is removed lazily, when a command touches it after the deadline,
//! and by a periodic sweep ([`Store::sweep`], run from the loops' tick) so keys nobody
//! touches again do not stay in memory. Each shard keeps a min-heap of deadlines for the
//! sweep; an entry whose key was overwritten or given another deadline since is
//! recognised as stale and dropped.
//!
//! Time is milliseconds on a monotonic clock that starts with the store. A [`Clock`]
//! reads it at most once per batch of requests, and only if a key with a deadline (or a
//! command that sets one) needs it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::num::push_i64;

/// Number of shards; a power of two.
pub const SHARDS: usize = 64;

/// Shards one sweep visits: with a tick every 25 ms, every shard is swept every 100 ms.
const SWEEP_SHARDS: usize = 16;

/// Most expired keys one sweep removes from one shard, so a sweep never holds a lock
/// for long; the rest wait for the next sweep (or are removed when touched).
const SWEEP_MAX: usize = 2000;

/// The deadline of a key that never expires.
pub const NEVER: u64 = u64::MAX;

/// The time source: milliseconds since the store began, read lazily and cached until
/// [`reset`](Clock::reset), so a batch of pipelined commands reads the clock once at most.
#[derive(Debug, Clone)]
pub struct Clock {
    origin: Instant,
    /// The cached reading; `None` until read (or always `Some` for a fixed clock).
    cached: Option<u64>,
    fixed: bool,
}

impl Clock {
    /// A clock counting from `origin` (the store's, see [`Store::origin`]).
    pub fn new(origin: Instant) -> Clock {
        Clock { origin, cached: None, fixed: false }
    }

    /// A clock stuck at `ms`, for tests.
    #[cfg(test)]
    pub fn fixed(ms: u64) -> Clock {
        Clock { origin: Instant::now(), cached: Some(ms), fixed: true }
    }

    /// Forgets the cached reading: call once per batch of requests.
    #[inline]
    pub fn reset(&mut self) {
        if !self.fixed {
            self.cached = None;
        }
    }

    /// The current time in milliseconds (at least 1).
    #[inline]
    pub fn now(&mut self) -> u64 {
        match self.cached {
            Some(t) => t,
            None => {
                let t = self.origin.elapsed().as_millis() as u64 + 1;
                self.cached = Some(t);
                t
            }
        }
    }

    /// Moves a fixed clock forward, for tests.
    #[cfg(test)]
    pub fn advance(&mut self, ms: u64) {
        self.cached = Some(self.now() + ms);
    }
}

/// One key and its value.
#[derive(Debug)]
struct Entry {
    key: Box<[u8]>,
    value: Vec<u8>,
    /// Deadline in clock milliseconds, or [`NEVER`].
    expires: u64,
}

impl Entry {
    #[inline]
    fn expired(&self, clock: &mut Clock) -> bool {
        self.expires != NEVER && self.expires <= clock.now()
    }
}

/// One shard: a hash table and the deadlines of its keys that have one.
#[derive(Debug, Default)]
pub struct Shard {
    table: HashTable<Entry>,
    /// Keys here with a deadline.
    volatile: usize,
    /// (deadline, key) of every deadline set; may hold stale ones (see the module doc).
    deadlines: BinaryHeap<Reverse<(u64, Box<[u8]>)>>,
}

/// Why an increment failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncrError {
    /// The value is not a decimal integer.
    NotInteger,
    /// The result would not fit in a signed 64-bit integer.
    Overflow,
}

/// What `SET` does with the key's deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetTtl {
    /// Removes it (a plain `SET`).
    Clear,
    /// Keeps it (`KEEPTTL`).
    Keep,
    /// Sets this deadline.
    At(u64),
}

/// When `SET` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetIf {
    /// Always.
    Always,
    /// Only if the key does not exist (`NX`).
    Absent,
    /// Only if the key exists (`XX`).
    Present,
}

/// A sharded keyspace shared by every loop.
#[derive(Debug)]
pub struct Store {
    shards: Box<[Mutex<Shard>]>,
    hasher: DefaultHashBuilder,
    origin: Instant,
    /// Next shard the sweep visits, shared so loops take turns over the shards.
    sweep_cursor: AtomicUsize,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

/// A locked shard and the hash of the key it was chosen for.
type Locked<'a> = (MutexGuard<'a, Shard>, u64);

impl Store {
    /// An empty keyspace; its clock starts now.
    pub fn new() -> Store {
        Store {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: DefaultHashBuilder::default(),
            origin: Instant::now(),
            sweep_cursor: AtomicUsize::new(0),
        }
    }

    /// The instant the store's clock counts from.
    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// Hashes `key` and locks its shard.
    #[inline]
    fn lock(&self, key: &[u8]) -> Locked<'_> {
        let hash = self.hasher.hash_one(key);
        // Bits 32.. pick the shard: the table uses the low bits for the bucket and the
        // top seven as a tag, so these leave both fully varied within a shard.
        let shard = (hash >> 32) as usize & (SHARDS - 1);
        // A panic while a shard was locked leaves it poisoned; its data is still
        // consistent (every update below is a single table operation), so go on.
        (self.shards[shard].lock().unwrap_or_else(|e| e.into_inner()), hash)
    }

    /// Calls `f` with the value of `key` (`None` if absent or expired) while its shard
    /// is locked, so a reply can be written from the stored bytes without a copy.
    #[inline]
    pub fn get<R>(&self, key: &[u8], clock: &mut Clock, f: impl FnOnce(Option<&[u8]>) -> R) -> R {
        let (mut shard, hash) = self.lock(key);
        match live(&mut shard, hash, key, clock) {
            Some(e) => f(Some(&e.value)),
            None => f(None),
        }
    }

    /// Whether `key` exists.
    pub fn exists(&self, key: &[u8], clock: &mut Clock) -> bool {
        self.get(key, clock, |v| v.is_some())
    }

    /// Sets `key` to `value` if `cond` allows; returns whether it did, and calls `old`
    /// with the previous value first (for `SET ... GET`).
    pub fn set(
        &self,
        key: &[u8],
        value: &[u8],
        ttl: SetTtl,
        cond: SetIf,
        clock: &mut Clock,
        old: impl FnOnce(Option<&[u8]>),
    ) -> bool {
        let (mut guard, hash) = self.lock(key);
        let shard = &mut *guard;
        let found = live(shard, hash, key, clock);
        old(found.as_ref().map(|e| &e.value[..]));
        let write = match cond {
            SetIf::Always => true,
            SetIf::Absent => found.is_none(),
            SetIf::Present => found.is_some(),
        };
        if !write {
            return false;
        }
        let new_deadline = |current: u64| match ttl {
            SetTtl::Clear => NEVER,
            SetTtl::Keep => current,
            SetTtl::At(t) => t,
        };
        match found {
            Some(e) => {
                // Overwrite in place: the value's buffer is reused when it is big enough,
                // so rewriting a key allocates nothing.
                e.value.clear();
                e.value.extend_from_slice(value);
                let (before, after) = (e.expires, new_deadline(e.expires));
                if before != after {
                    e.expires = after;
                    track_deadline(shard, key, before, after);
                }
            }
            None => {
                let expires = new_deadline(NEVER);
                let entry = Entry { key: key.into(), value: value.to_vec(), expires };
                shard.table.insert_unique(hash, entry, |e| self.hasher.hash_one(&e.key[..]));
                if expires != NEVER {
                    track_deadline(shard, key, NEVER, expires);
                }
            }
        }
        true
    }

    /// Removes `key`; returns whether it existed.
    pub fn del(&self, key: &[u8], clock: &mut Clock) -> bool {
        let (mut guard, hash) = self.lock(key);
        let shard = &mut *guard;
        match shard.table.find_entry(hash, |e| &e.key[..] == key) {
            Ok(occupied) => {
                let (entry, _) = occupied.remove();
                if entry.expires != NEVER {
                    shard.volatile -= 1;
                }
                !entry.expired(clock)
            }
            Err(_) => false,
        }
    }

    /// Adds `delta` to the integer in `key` (0 when absent), keeping its deadline;
    /// returns the new value.
    pub fn incr_by(&self, key: &[u8], delta: i64, clock: &mut Clock) -> Result<i64, IncrError> {
        let (mut guard, hash) = self.lock(key);
        let shard = &mut *guard;
        match live(shard, hash, key, clock) {
            Some(e) => {
                let current = super::resp::parse_i64(&e.value).ok_or(IncrError::NotInteger)?;
                let next = current.checked_add(delta).ok_or(IncrError::Overflow)?;
                e.value.clear();
                push_i64(&mut e.value, next);
                Ok(next)
            }
            None => {
                let mut value = Vec::new();
                push_i64(&mut value, delta);
                let entry = Entry { key: key.into(), value, expires: NEVER };
                shard.table.insert_unique(hash, entry, |e| self.hasher.hash_one(&e.key[..]));
                Ok(delta)
            }
        }
    }

    /// The deadline of `key`: `None` if it does not exist, `Some(NEVER)` if it has none.
    pub fn deadline(&self, key: &[u8], clock: &mut Clock) -> Option<u64> {
        let (mut shard, hash) = self.lock(key);
        live(&mut shard, hash, key, clock).map(|e| e.expires)
    }

    /// Gives `key` a new deadline if it exists and `allow(current deadline)` agrees; a
    /// deadline not after now deletes the key. Returns whether anything changed.
    pub fn expire(&self, key: &[u8], at: u64, clock: &mut Clock, allow: impl FnOnce(u64) -> bool) -> bool {
        let (mut guard, hash) = self.lock(key);
        let shard = &mut *guard;
        let Some(e) = live(shard, hash, key, clock) else { return false };
        if !allow(e.expires) {
            return false;
        }
        let before = e.expires;
        if at <= clock.now() {
            if let Ok(occupied) = shard.table.find_entry(hash, |e| &e.key[..] == key) {
                occupied.remove();
            }
            if before != NEVER {
                shard.volatile -= 1;
            }
            return true;
        }
        e.expires = at;
        track_deadline(shard, key, before, at);
        true
    }

    /// Calls `f` with every live key matching the glob `pattern`.
    pub fn keys(&self, pattern: &[u8], clock: &mut Clock, mut f: impl FnMut(&[u8])) {
        let all = pattern == b"*";
        for shard in self.shards.iter() {
            let shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            for e in shard.table.iter() {
                if !e.expired(clock) && (all || glob_match(pattern, &e.key)) {
                    f(&e.key);
                }
            }
        }
    }

    /// Number of keys and of keys with a deadline (expired keys not yet removed count,
    /// as in Redis).
    pub fn counts(&self) -> (usize, usize) {
        self.shards.iter().fold((0, 0), |(n, v), s| {
            let s = s.lock().unwrap_or_else(|e| e.into_inner());
            (n + s.table.len(), v + s.volatile)
        })
    }

    /// Removes every key.
    pub fn flush(&self) {
        for shard in self.shards.iter() {
            *shard.lock().unwrap_or_else(|e| e.into_inner()) = Shard::default();
        }
    }

    /// Removes expired keys from the next few shards (loops take turns through a shared
    /// cursor); returns how many were removed.
    pub fn sweep(&self, clock: &mut Clock) -> usize {
        let first = self.sweep_cursor.fetch_add(SWEEP_SHARDS, Ordering::Relaxed);
        let now = clock.now();
        let mut removed = 0;
        for i in first..first + SWEEP_SHARDS {
            let mut guard = self.shards[i % SHARDS].lock().unwrap_or_else(|e| e.into_inner());
            let shard = &mut *guard;
            let mut budget = SWEEP_MAX;
            while budget > 0 {
                match shard.deadlines.peek() {
                    Some(Reverse((t, _))) if *t <= now => {}
                    _ => break,
                }
                let Some(Reverse((t, key))) = shard.deadlines.pop() else { break };
                budget -= 1;
                let hash = self.hasher.hash_one(&key[..]);
                // Stale heap entries (the key has another deadline now) are just dropped.
                if let Ok(occupied) = shard.table.find_entry(hash, |e| e.key == key && e.expires == t) {
                    occupied.remove();
                    shard.volatile -= 1;
                    removed += 1;
                }
            }
        }
        removed
    }
}

/// The live entry for `key` in `shard`, removing it first if it has expired.
#[inline]
fn live<'s>(shard: &'s mut Shard, hash: u64, key: &[u8], clock: &mut Clock) -> Option<&'s mut Entry> {
    let Ok(occupied) = shard.table.find_entry(hash, |e| &e.key[..] == key) else { return None };
    if occupied.get().expires != NEVER && occupied.get().expires <= clock.now() {
        occupied.remove();
        shard.volatile -= 1;
        return None;
    }
    Some(occupied.into_mut())
}

/// Keeps the shard's count of keys with deadlines and its deadline heap up to date after
/// a key's deadline changed from `before` to `after`.
fn track_deadline(shard: &mut Shard, key: &[u8], before: u64, after: u64) {
    if before == after {
        return;
    }
    match (before == NEVER, after == NEVER) {
        (true, false) => shard.volatile += 1,
        (false, true) => shard.volatile -= 1,
        _ => {}
    }
    if after != NEVER {
        shard.deadlines.push(Reverse((after, key.into())));
        // Stale entries pile up when deadlines are rewritten often; rebuild the heap from
        // the table once they outnumber the live ones.
        if shard.deadlines.len() > 2 * shard.volatile + 64 {
            shard.deadlines = shard
                .table
                .iter()
                .filter(|e| e.expires != NEVER)
                .map(|e| Reverse((e.expires, e.key.clone())))
                .collect();
        }
    }
}

/// Redis's glob matching (`stringmatchlen`): `*` any run, `?` any byte, `[abc]`,
/// `[^a]`, `[a-z]` classes, `\` escapes. Iterative, backtracking only to the last `*`,
/// so a hostile pattern costs at most pattern × string steps.
pub fn glob_match(pattern: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0, 0);
    // Where to resume after the last `*`: (pattern position after it, string position).
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p < pattern.len() {
            match pattern[p] {
                b'*' => {
                    while p < pattern.len() && pattern[p] == b'*' {
                        p += 1;
                    }
                    if p == pattern.len() {
                        return true;
                    }
                    star = Some((p, i));
                    continue;
                }
                _ if i < s.len() => {
                    if let Some(next) = match_one(pattern, p, s[i]) {
                        p = next;
                        i += 1;
                        continue;
                    }
                }
                _ => {}
            }
        } else if i == s.len() {
            return true;
        }
        // Mismatch: let the last `*` take one more byte, or fail.
        match star {
            Some((sp, si)) if si < s.len() => {
                star = Some((sp, si + 1));
                p = sp;
                i = si + 1;
            }
            _ => return false,
        }
    }
}

/// Matches one pattern element at `p` (not `*`) against byte `c`; returns the pattern
/// position after the element when it matches.
fn match_one(pattern: &[u8], mut p: usize, c: u8) -> Option<usize> {
    match pattern[p] {
        b'?' => Some(p + 1),
        b'\\' if p + 1 < pattern.len() => (pattern[p + 1] == c).then_some(p + 2),
        b'[' => {
            p += 1;
            let negate = pattern.get(p) == Some(&b'^');
            if negate {
                p += 1;
            }
            let mut hit = false;
            // Like Redis, an unterminated class runs to the end of the pattern.
            while p < pattern.len() && pattern[p] != b']' {
                if pattern[p] == b'\\' && p + 1 < pattern.len() {
                    hit |= pattern[p + 1] == c;
                    p += 2;
                } else if p + 2 < pattern.len() && pattern[p + 1] == b'-' {
                    let (a, b) = (pattern[p].min(pattern[p + 2]), pattern[p].max(pattern[p + 2]));
                    hit |= (a..=b).contains(&c);
                    p += 3;
                } else {
                    hit |= pattern[p] == c;
                    p += 1;
                }
            }
            if p >= pattern.len() {
                // Unterminated: Redis treats the class as ending at the last byte.
                p = pattern.len() - 1;
            }
            (hit != negate).then_some(p + 1)
        }
        other => (other == c).then_some(p + 1),
    }
}
