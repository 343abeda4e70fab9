//! One shard of a keyspace: its keys in a [`Dense`] table, and a heap of their
//! deadlines for the sweep (see the store's module doc).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{Clock, Dense, Keyed, Value, NEVER};

/// One key and its value.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) key: Box<[u8]>,
    pub(super) value: Value,
    /// Deadline in clock milliseconds, or [`NEVER`].
    pub(super) expires: u64,
}

impl Keyed for Entry {
    fn key(&self) -> &[u8] {
        &self.key
    }
}

/// One shard: its keys and the deadlines of those that have one.
#[derive(Debug, Default)]
pub struct Shard {
    pub(super) table: Dense<Entry>,
    /// Keys here with a deadline.
    pub(super) volatile: usize,
    /// (deadline, key) of every deadline set; may hold stale ones (see the module doc).
    pub(super) deadlines: BinaryHeap<Reverse<(u64, Box<[u8]>)>>,
    /// Keys removed here for their deadline, when touched or by the sweep (`INFO`'s
    /// `expired_keys`).
    pub(super) expired: u64,
}

impl Shard {
    /// The position of the live entry for `key`, removing it first if it has expired.
    #[inline(always)]
    pub(super) fn live(&mut self, hash: u64, key: &[u8], clock: &mut Clock) -> Option<usize> {
        let i = self.table.find(hash, key)?;
        let expires = self.table.at(i).expires;
        if expires != NEVER && expires <= clock.now() {
            self.remove_at(i);
            self.expired += 1;
            return None;
        }
        Some(i)
    }

    /// Removes the entry at `i`.
    pub(super) fn remove_at(&mut self, i: usize) -> Entry {
        let e = self.table.remove_at(i);
        if e.expires != NEVER {
            self.volatile -= 1;
        }
        e
    }

    /// Adds a key known to be absent.
    pub(super) fn insert(&mut self, hash: u64, key: &[u8], value: Value, expires: u64) {
        self.table.push(hash, Entry { key: key.into(), value, expires });
        if expires != NEVER {
            self.track_deadline(key, NEVER, expires);
        }
    }

    /// Calls `f` with the value of `key`.
    #[inline(always)]
    pub(super) fn read<R>(
        &mut self,
        hash: u64,
        key: &[u8],
        clock: &mut Clock,
        f: impl FnOnce(Option<&Value>) -> R,
    ) -> R {
        match self.live(hash, key, clock) {
            Some(i) => f(Some(&self.table.at(i).value)),
            None => f(None),
        }
    }

    /// Calls `f` with the value of `key` (`None` when absent) to change, create or
    /// remove (by leaving `None`, or an empty collection); the deadline stays.
    pub(super) fn modify<R>(
        &mut self,
        hash: u64,
        key: &[u8],
        clock: &mut Clock,
        f: impl FnOnce(&mut Option<Value>) -> R,
    ) -> R {
        match self.live(hash, key, clock) {
            Some(i) => {
                // Taken out and put back: the placeholder allocates nothing.
                let mut v = Some(std::mem::replace(&mut self.table.at_mut(i).value, Value::Str(Vec::new())));
                let r = f(&mut v);
                match v {
                    Some(v) if !v.is_empty_collection() => {
                        // The placeholder holds no allocation: forgetting it skips a
                        // drop that would only look at it.
                        std::mem::forget(std::mem::replace(&mut self.table.at_mut(i).value, v));
                    }
                    _ => {
                        self.remove_at(i);
                    }
                }
                r
            }
            None => {
                let mut v = None;
                let r = f(&mut v);
                if let Some(v) = v.filter(|v| !v.is_empty_collection()) {
                    self.insert(hash, key, v, NEVER);
                }
                r
            }
        }
    }

    /// Replaces `key`'s value and deadline (`None` or an empty collection removes the
    /// key); returns whether the key existed.
    pub(super) fn put(
        &mut self,
        hash: u64,
        key: &[u8],
        value: Option<Value>,
        expires: u64,
        clock: &mut Clock,
    ) -> bool {
        let existed = match self.live(hash, key, clock) {
            Some(i) => {
                self.remove_at(i);
                true
            }
            None => false,
        };
        if let Some(v) = value.filter(|v| !v.is_empty_collection()) {
            self.insert(hash, key, v, expires);
        }
        existed
    }

    /// Removes `key` and returns its value and deadline.
    pub(super) fn take(&mut self, hash: u64, key: &[u8], clock: &mut Clock) -> Option<(Value, u64)> {
        let i = self.live(hash, key, clock)?;
        let e = self.remove_at(i);
        Some((e.value, e.expires))
    }

    /// Keeps the count of keys with deadlines and the deadline heap up to date after
    /// a key's deadline changed from `before` to `after`.
    pub(super) fn track_deadline(&mut self, key: &[u8], before: u64, after: u64) {
        if before == after {
            return;
        }
        match (before == NEVER, after == NEVER) {
            (true, false) => self.volatile += 1,
            (false, true) => self.volatile -= 1,
            _ => {}
        }
        if after != NEVER {
            self.deadlines.push(Reverse((after, key.into())));
            // Stale entries pile up when deadlines are rewritten often; rebuild the heap
            // from the table once they outnumber the live ones.
            if self.deadlines.len() > 2 * self.volatile + 64 {
                self.deadlines = self
                    .table
                    .iter()
                    .filter(|e| e.expires != NEVER)
                    .map(|e| Reverse((e.expires, e.key.clone())))
                    .collect();
            }
        }
    }
}
