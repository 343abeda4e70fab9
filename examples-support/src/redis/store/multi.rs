//! Several keys' shards locked together, for the commands that touch more than one key.

use std::sync::MutexGuard;

use super::{Clock, Shard, Store, Value, NEVER, SHARDS};

/// The shards of several keys, locked together (see [`Store::lock_many`]). Every key
/// used through it must have been among those given to `lock_many`.
#[derive(Debug)]
pub struct Multi<'s> {
    pub(super) store: &'s Store,
    pub(super) guards: [Option<MutexGuard<'s, Shard>>; SHARDS],
}

impl Multi<'_> {
    /// The locked shard of `key` and the key's hash.
    fn shard(&mut self, key: &[u8]) -> (&mut Shard, u64) {
        let hash = self.store.hash(key);
        let guard = self.guards[Store::shard_of(hash)].as_mut().expect("the key's shard is locked");
        (&mut **guard, hash)
    }

    /// Calls `f` with the value of `key`.
    pub fn get<R>(&mut self, key: &[u8], clock: &mut Clock, f: impl FnOnce(Option<&Value>) -> R) -> R {
        let (shard, hash) = self.shard(key);
        shard.read(hash, key, clock, f)
    }

    /// Calls `f` with the values of `keys` at once (each `None` when absent), borrowed
    /// where they are, none copied.
    pub fn get_all<R>(
        &mut self,
        keys: &[&[u8]],
        clock: &mut Clock,
        f: impl FnOnce(&[Option<&Value>]) -> R,
    ) -> R {
        // First each key past its deadline goes (a removal may move another key of its
        // shard); then every key left is live and found where it is.
        for key in keys {
            let (shard, hash) = self.shard(key);
            shard.live(hash, key, clock);
        }
        let values: Vec<Option<&Value>> = keys
            .iter()
            .map(|key| {
                let hash = self.store.hash(key);
                let shard = self.guards[Store::shard_of(hash)].as_ref().expect("the key's shard is locked");
                shard.table.find(hash, key).map(|i| &shard.table.at(i).value)
            })
            .collect();
        f(&values)
    }

    /// Calls `f` with the value of `key` (`None` when absent) to change, create (with
    /// no deadline) or remove (by leaving `None`, or an empty collection); an existing
    /// key keeps its deadline.
    pub fn modify<R>(&mut self, key: &[u8], clock: &mut Clock, f: impl FnOnce(&mut Option<Value>) -> R) -> R {
        let (shard, hash) = self.shard(key);
        shard.modify(hash, key, clock, f)
    }

    /// Replaces `key`'s value and deadline (`None` or an empty collection removes the
    /// key); returns whether the key existed.
    pub fn put(&mut self, key: &[u8], value: Option<Value>, expires: u64, clock: &mut Clock) -> bool {
        if expires != NEVER {
            self.store.note_deadline();
        }
        let (shard, hash) = self.shard(key);
        shard.put(hash, key, value, expires, clock)
    }

    /// A copy of `key`'s value, and its deadline, if it exists (the key stays where
    /// it is, so a scan under way still finds it).
    pub fn copy_of(&mut self, key: &[u8], clock: &mut Clock) -> Option<(Value, u64)> {
        let (shard, hash) = self.shard(key);
        let i = shard.live(hash, key, clock)?;
        let e = shard.table.at(i);
        Some((e.value.clone(), e.expires))
    }

    /// Removes `key` and returns its value and deadline.
    pub fn take(&mut self, key: &[u8], clock: &mut Clock) -> Option<(Value, u64)> {
        let (shard, hash) = self.shard(key);
        shard.take(hash, key, clock)
    }
}
