//! The keyspace: keys holding strings, lists, hashes, sets or sorted sets, expiry, glob matching.
//! No I/O.
//!
//! # Sharding
//!
//! Every event loop serves its own connections, but they all share one keyspace. One
//! lock around it would make the loops take turns; instead the keys are spread over
//! [`SHARDS`] tables, each behind its own mutex, chosen by the key's hash. Two loops
//! touching different keys almost always lock different shards, and a single loop pays
//! only an uncontended lock per command. Each key is hashed once: the same hash picks
//! the shard and finds the key in the shard's table.
//!
//! A command on several keys (`RENAME`, `LMOVE`, `SINTERSTORE`, `MSETNX`...) locks all
//! their shards at once, in shard order so two such commands cannot deadlock, through
//! [`Store::lock_many`]: it is atomic, as in Redis.
//!
//! # Values
//!
//! A key holds a [`Value`]: a string, a list, a hash, a set or a sorted set. A command on a key of
//! another type answers `WRONGTYPE` (the commands module checks); a collection left
//! empty by a command is removed with its key, as Redis does. Each shard's table is a
//! [`Dense`] set, so `SCAN` walks it with a cursor that misses no key present for the
//! whole scan, and `RANDOMKEY` picks a key in O(1).
//!
//! # Expiry
//!
//! A key with a deadline is removed lazily, when a command touches it after the deadline,
//! and by a periodic sweep ([`Store::sweep`], run from the loops' tick) so keys nobody
//! touches again do not stay in memory; each sweep has a time budget ([`SWEEP_BUDGET`]),
//! so a keyspace expiring all at once never stalls a loop. Each shard keeps a min-heap of deadlines for the
//! sweep; an entry whose key was overwritten or given another deadline since is
//! recognised as stale and dropped.
//!
//! Time is milliseconds on a monotonic clock that starts with the store. A [`Clock`]
//! reads it at most once per batch of requests, and only if a key with a deadline (or a
//! command that sets one) needs it.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use hashbrown::DefaultHashBuilder;

mod bytes;
mod clock;
mod databases;
mod dense;
mod glob;
mod multi;
mod shard;
mod sweep;
mod value;
mod zset;

pub use bytes::Bytes;
pub use clock::Clock;
pub use databases::{Databases, DATABASES};
pub use dense::{
    hash as member_hash, scan as scan_dense, Dense, Field, Fields, Keyed, Members, INTSET_ENTRIES,
    LISTPACK_ENTRIES, LISTPACK_VALUE,
};
pub use glob::glob_match;
pub use multi::Multi;
pub use shard::Shard;
pub use sweep::SWEEP_BUDGET;
pub use value::Value;
pub use zset::{compare as zset_compare, Order, Scored, Zset};

/// Number of shards; a power of two.
pub const SHARDS: usize = 64;

/// The deadline of a key that never expires.
pub const NEVER: u64 = u64::MAX;

/// Bits of a `SCAN` cursor that count the positions left in the current shard; the
/// bits above them number the shard.
const CURSOR_SHARD_SHIFT: u32 = 40;

/// Why an increment failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncrError {
    /// The value is not a decimal integer.
    NotInteger,
    /// The result would not fit in a signed 64-bit integer.
    Overflow,
    /// The key holds another type.
    WrongType,
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
    /// State of the random numbers of `RANDOMKEY`, `SPOP` and the like.
    seed: AtomicU64,
    /// Whether a key has ever been given a deadline here: until then the sweep has
    /// nothing to look for (most of the databases of most servers).
    has_deadlines: AtomicBool,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

/// A locked shard and the hash of the key it was chosen for.
type Locked<'a> = (MutexGuard<'a, Shard>, u64);

/// Locks a shard; a panic while it was locked leaves it poisoned, but its data is still
/// consistent (every update is completed before a command's reply is written), so go on.
#[inline]
fn lock(m: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Store {
    /// An empty keyspace; its clock starts now.
    pub fn new() -> Store {
        Store::with_origin(Instant::now())
    }

    /// An empty keyspace whose clock counts from `origin` (databases that share one
    /// clock).
    pub fn with_origin(origin: Instant) -> Store {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x2545_f491, |d| d.as_nanos() as u64);
        Store {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: DefaultHashBuilder::default(),
            origin,
            sweep_cursor: AtomicUsize::new(0),
            seed: AtomicU64::new(seed | 1),
            has_deadlines: AtomicBool::new(false),
        }
    }

    /// Whether a key here has ever had a deadline (else a sweep has nothing to do).
    pub fn may_have_deadlines(&self) -> bool {
        self.has_deadlines.load(Ordering::Relaxed)
    }

    /// Notes that a key has a deadline, for the sweep to look for expired keys.
    #[inline]
    fn note_deadline(&self) {
        if !self.has_deadlines.load(Ordering::Relaxed) {
            self.has_deadlines.store(true, Ordering::Relaxed);
        }
    }

    /// The instant the store's clock counts from.
    pub fn origin(&self) -> Instant {
        self.origin
    }

    /// A pseudo-random number (splitmix64 over a shared counter).
    pub fn random(&self) -> u64 {
        let mut z = self.seed.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The shard of a key's hash.
    #[inline]
    fn shard_of(hash: u64) -> usize {
        // Bits 32.. pick the shard: the table uses the low bits for the bucket and the
        // top seven as a tag, so these leave both fully varied within a shard.
        (hash >> 32) as usize & (SHARDS - 1)
    }

    /// The hash of `key`, which picks its shard and finds it there: its bytes alone
    /// (no length before them, as `Hash for [u8]` writes), straight into the hasher.
    #[inline(always)]
    pub(super) fn hash(&self, key: &[u8]) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(key);
        h.finish()
    }

    /// Hashes `key` and locks its shard. Always inlined: every command on a key starts
    /// here, and as a call (which the compiler chose once more commands used it) it cost
    /// GET about 20 instructions.
    #[inline(always)]
    fn lock(&self, key: &[u8]) -> Locked<'_> {
        let hash = self.hash(key);
        (lock(&self.shards[Store::shard_of(hash)]), hash)
    }

    /// Calls `f` with the value of `key` (`None` if absent or expired) while its shard
    /// is locked, so a reply can be written from the stored bytes without a copy.
    #[inline]
    pub fn get<R>(&self, key: &[u8], clock: &mut Clock, f: impl FnOnce(Option<&Value>) -> R) -> R {
        let (mut shard, hash) = self.lock(key);
        shard.read(hash, key, clock, f)
    }

    /// Whether `key` exists.
    pub fn exists(&self, key: &[u8], clock: &mut Clock) -> bool {
        self.get(key, clock, |v| v.is_some())
    }

    /// Sets `key` to the string `value` if `cond` allows; returns whether it did. `old`
    /// is called with the previous value first (for `SET ... GET`); when it returns
    /// false nothing is written.
    pub fn set(
        &self,
        key: &[u8],
        value: &[u8],
        ttl: SetTtl,
        cond: SetIf,
        clock: &mut Clock,
        old: impl FnOnce(Option<&Value>) -> bool,
    ) -> bool {
        if let SetTtl::At(_) = ttl {
            self.note_deadline();
        }
        let (mut guard, hash) = self.lock(key);
        let shard = &mut *guard;
        let found = shard.live(hash, key, clock);
        if !old(found.map(|i| &shard.table.at(i).value)) {
            return false;
        }
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
            Some(i) => {
                let e = shard.table.at_mut(i);
                match &mut e.value {
                    // Overwrite in place: the value's buffer is reused when it is big
                    // enough, so rewriting a key allocates nothing.
                    Value::Str(s) => {
                        s.clear();
                        s.extend_from_slice(value);
                    }
                    other => *other = Value::Str(value.to_vec()),
                }
                let (before, after) = (e.expires, new_deadline(e.expires));
                if before != after {
                    e.expires = after;
                    shard.track_deadline(key, before, after);
                }
            }
            None => shard.insert(hash, key, Value::Str(value.to_vec()), new_deadline(NEVER)),
        }
        true
    }

    /// Removes `key`; returns whether it existed.
    pub fn del(&self, key: &[u8], clock: &mut Clock) -> bool {
        let (mut shard, hash) = self.lock(key);
        match shard.table.find(hash, key) {
            Some(i) => {
                let e = shard.remove_at(i);
                !(e.expires != NEVER && e.expires <= clock.now())
            }
            None => false,
        }
    }

    /// Calls `f` with the value of `key` to change, create or remove; see [`Multi::modify`].
    pub fn modify<R>(&self, key: &[u8], clock: &mut Clock, f: impl FnOnce(&mut Option<Value>) -> R) -> R {
        let (mut shard, hash) = self.lock(key);
        shard.modify(hash, key, clock, f)
    }

    /// Removes `key` and returns its value and deadline.
    pub fn take(&self, key: &[u8], clock: &mut Clock) -> Option<(Value, u64)> {
        let (mut shard, hash) = self.lock(key);
        shard.take(hash, key, clock)
    }

    /// Adds `delta` to the integer in `key` (0 when absent), keeping its deadline;
    /// returns the new value.
    pub fn incr_by(&self, key: &[u8], delta: i64, clock: &mut Clock) -> Result<i64, IncrError> {
        self.modify(key, clock, |v| {
            let current = match v {
                None => 0,
                Some(Value::Str(s)) => super::resp::parse_i64(s).ok_or(IncrError::NotInteger)?,
                Some(_) => return Err(IncrError::WrongType),
            };
            let next = current.checked_add(delta).ok_or(IncrError::Overflow)?;
            let mut s = match v.take() {
                Some(Value::Str(mut s)) => {
                    s.clear();
                    s
                }
                _ => Vec::new(),
            };
            crate::num::push_i64(&mut s, next);
            *v = Some(Value::Str(s));
            Ok(next)
        })
    }

    /// The deadline of `key`: `None` if it does not exist, `Some(NEVER)` if it has none.
    pub fn deadline(&self, key: &[u8], clock: &mut Clock) -> Option<u64> {
        let (mut shard, hash) = self.lock(key);
        let i = shard.live(hash, key, clock)?;
        Some(shard.table.at(i).expires)
    }

    /// Gives `key` a new deadline (or [`NEVER`], to persist it) if it exists and
    /// `allow(current deadline)` agrees; a deadline not after now deletes the key.
    /// Returns whether anything changed.
    pub fn expire(&self, key: &[u8], at: u64, clock: &mut Clock, allow: impl FnOnce(u64) -> bool) -> bool {
        let (mut guard, hash) = self.lock(key);
        let shard = &mut *guard;
        let Some(i) = shard.live(hash, key, clock) else { return false };
        let before = shard.table.at(i).expires;
        if !allow(before) {
            return false;
        }
        if at <= clock.now() {
            shard.remove_at(i);
            return true;
        }
        if at != NEVER {
            self.note_deadline();
        }
        shard.table.at_mut(i).expires = at;
        shard.track_deadline(key, before, at);
        true
    }

    /// Locks the shards of every key in `keys` (in shard order), for a command that
    /// must see and change several keys at once.
    pub fn lock_many<'k>(&self, keys: impl IntoIterator<Item = &'k [u8]>) -> Multi<'_> {
        let mut wanted = [false; SHARDS];
        for k in keys {
            wanted[Store::shard_of(self.hash(k))] = true;
        }
        let mut guards: [Option<MutexGuard<'_, Shard>>; SHARDS] = std::array::from_fn(|_| None);
        for (i, w) in wanted.iter().enumerate() {
            if *w {
                guards[i] = Some(lock(&self.shards[i]));
            }
        }
        Multi { store: self, guards }
    }

    /// Calls `f` with every live key matching the glob `pattern`.
    pub fn keys(&self, pattern: &[u8], clock: &mut Clock, mut f: impl FnMut(&[u8])) {
        let all = pattern == b"*";
        for shard in self.shards.iter() {
            let shard = lock(shard);
            for e in shard.table.iter() {
                let expired = e.expires != NEVER && e.expires <= clock.now();
                if !expired && (all || glob_match(pattern, &e.key)) {
                    f(&e.key);
                }
            }
        }
    }

    /// One step of `SCAN`: from `cursor` (0 to begin), calls `f` with about `count`
    /// keys and their values (`None` for a key past its deadline, which the sweep or
    /// a command has yet to remove); returns the cursor to go on with, 0 at the end.
    /// Shards are walked in order and each from its last position down (see
    /// [`Dense`]), so a key present for the whole scan is returned at least once.
    pub fn scan(
        &self,
        cursor: u64,
        count: usize,
        clock: &mut Clock,
        mut f: impl FnMut(&[u8], Option<&Value>),
    ) -> u64 {
        let mut shard = (cursor >> CURSOR_SHARD_SHIFT) as usize;
        let top = (1u64 << CURSOR_SHARD_SHIFT) - 1;
        let mut left = if cursor == 0 { top } else { cursor & top };
        let mut visited = 0;
        while shard < SHARDS {
            let guard = lock(&self.shards[shard]);
            left = scan_dense(&guard.table, left, count - visited.min(count), |e| {
                visited += 1;
                let live = e.expires == NEVER || e.expires > clock.now();
                f(&e.key, live.then_some(&e.value));
            });
            if left > 0 {
                return (shard as u64) << CURSOR_SHARD_SHIFT | left;
            }
            shard += 1;
            left = top;
            if visited >= count {
                break;
            }
        }
        if shard >= SHARDS {
            0
        } else {
            (shard as u64) << CURSOR_SHARD_SHIFT | top
        }
    }

    /// A random live key, or `None` when there are none.
    pub fn random_key(&self, clock: &mut Clock) -> Option<Vec<u8>> {
        // A random shard holding keys, then a random key in it; a few tries past
        // expired keys, then any live key at all.
        for _ in 0..100 {
            let r = self.random();
            let start = r as usize % SHARDS;
            for k in 0..SHARDS {
                let mut guard = lock(&self.shards[(start + k) % SHARDS]);
                if guard.table.is_empty() {
                    continue;
                }
                let i = (r >> 8) as usize % guard.table.len();
                let e = guard.table.at(i);
                if e.expires == NEVER || e.expires > clock.now() {
                    return Some(e.key.to_vec());
                }
                guard.remove_at(i);
                break;
            }
        }
        let mut any = None;
        self.keys(b"*", clock, |k| {
            if any.is_none() {
                any = Some(k.to_vec());
            }
        });
        any
    }

    /// Number of keys and of keys with a deadline (expired keys not yet removed count,
    /// as in Redis).
    pub fn counts(&self) -> (usize, usize) {
        self.shards.iter().fold((0, 0), |(n, v), s| {
            let s = lock(s);
            (n + s.table.len(), v + s.volatile)
        })
    }

    /// Removes every key.
    pub fn flush(&self) {
        for shard in self.shards.iter() {
            let mut shard = lock(shard);
            *shard = Shard { expired: shard.expired, ..Shard::default() };
        }
    }

    /// Keys removed for their deadline since the start or the last
    /// [`reset_expired`](Self::reset_expired) (`INFO`'s `expired_keys`).
    pub fn expired(&self) -> u64 {
        self.shards.iter().map(|s| lock(s).expired).sum()
    }

    /// Zeroes the count of [`expired`](Self::expired) keys (`CONFIG RESETSTAT`).
    pub fn reset_expired(&self) {
        for shard in self.shards.iter() {
            lock(shard).expired = 0;
        }
    }
}
