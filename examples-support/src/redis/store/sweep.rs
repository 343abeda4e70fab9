//! Active expiry: the sweep each loop runs from its tick, removing keys whose deadline
//! has passed without anything touching them.
//!
//! Like Redis's `activeExpireCycle`, a sweep is bounded by time, not by how much has
//! expired: it walks the shards in turn (a cursor the loops share, so they take turns)
//! and stops once [`SWEEP_BUDGET`] is spent, leaving the rest for the next tick. A
//! keyspace expiring all at once is then removed over many ticks, each loop giving the
//! sweep a small share of its time, and requests are served in between: no stall a
//! client can see, however many keys expire. A shard's lock is held for the budget at
//! most, and a sweep skips a shard whose lock is taken rather than wait for it.
//!
//! A shard's deadline heap gives its memory back once mostly empty, as its key table
//! does, so a keyspace that expired holds little afterwards.

use std::cmp::Reverse;
use std::sync::atomic::Ordering;
use std::sync::TryLockError;
use std::time::{Duration, Instant};

use super::{lock, Clock, Store, SHARDS};

/// Time one sweep may spend removing keys: with a tick every 25 ms, at most a fifth of
/// a loop's time, as Redis gives its slow expire cycle a quarter of the CPU.
pub const SWEEP_BUDGET: Duration = Duration::from_millis(5);

/// Shards one sweep visits when none is behind: with a tick every 25 ms, every shard
/// is looked at every 100 ms (sooner with more loops).
const SWEEP_SHARDS: usize = 16;

/// Keys removed between two readings of the time.
const CHECK_EVERY: usize = 64;

impl Store {
    /// Removes expired keys from the next few shards, for at most [`SWEEP_BUDGET`];
    /// returns how many were removed.
    pub fn sweep(&self, clock: &mut Clock) -> usize {
        self.sweep_for(clock, SWEEP_BUDGET)
    }

    /// [`sweep`](Self::sweep) with another time budget.
    pub fn sweep_for(&self, clock: &mut Clock, budget: Duration) -> usize {
        if !self.may_have_deadlines() {
            return 0;
        }
        let now = clock.now();
        let end = Instant::now() + budget;
        let mut removed = 0;
        for _ in 0..SWEEP_SHARDS {
            let i = self.sweep_cursor.fetch_add(1, Ordering::Relaxed) % SHARDS;
            // A shard in use (by a command, or by another loop's sweep) is left for a
            // later sweep: the sweep never makes its loop wait.
            let mut guard = match self.shards[i].try_lock() {
                Ok(guard) => guard,
                Err(TryLockError::Poisoned(e)) => e.into_inner(),
                Err(TryLockError::WouldBlock) => continue,
            };
            let shard = &mut *guard;
            let mut out_of_time = false;
            let mut popped = 0;
            loop {
                match shard.deadlines.peek() {
                    Some(Reverse((t, _))) if *t <= now => {}
                    _ => break,
                }
                let Some(Reverse((t, key))) = shard.deadlines.pop() else { break };
                let hash = self.hash(&key[..]);
                // Stale heap entries (the key has another deadline now) are just dropped.
                if let Some(at) = shard.table.find(hash, &key) {
                    if shard.table.at(at).expires == t {
                        shard.remove_at(at);
                        shard.expired += 1;
                        removed += 1;
                    }
                }
                popped += 1;
                if popped % CHECK_EVERY == 0 && Instant::now() >= end {
                    out_of_time = true;
                    break;
                }
            }
            // Memory back once the heap is mostly empty, as the key table does.
            let heap = &mut shard.deadlines;
            if heap.capacity() > 64 && heap.len() < heap.capacity() / 4 {
                heap.shrink_to(heap.len() * 2);
            }
            if out_of_time || Instant::now() >= end {
                break;
            }
        }
        consolidate_freed();
        removed
    }

    /// Slots allocated over every shard: for keys, and for deadlines in the sweep's
    /// heaps. What the keyspace holds in memory, apart from the keys and values.
    pub fn capacity(&self) -> (usize, usize) {
        self.shards.iter().fold((0, 0), |(k, d), s| {
            let s = lock(s);
            (k + s.table.capacity(), d + s.deadlines.capacity())
        })
    }
}

/// Keeps the allocator's pile of freed small blocks short. glibc's malloc keeps freed
/// small blocks apart (its "fast bins", one set per arena) until something makes it
/// merge them all: a request of a kilobyte or more, or the free of a block of 64 KiB
/// or more, such as a shrinking table's. After hundreds of thousands of removed keys
/// that one merge walked them all at once, and a table shrinking in the sweep stalled
/// its loop for 200 to 400 ms (a million keys expiring together, release build).
/// Asking for one larger block at every sweep merges, in this loop's arena, only what
/// was freed since the last tick: the work is spread over the ticks as the removals
/// are (the worst `PING` in that test went to about 13 ms). Each loop sweeps, so each
/// loop's arena is kept short. Other allocators simply serve the request.
fn consolidate_freed() {
    std::hint::black_box(Vec::<u8>::with_capacity(CONSOLIDATE_REQUEST));
}

/// Size of [`consolidate_freed`]'s request: above glibc's per-thread cache (1032
/// bytes) and its small bins, below its mmap threshold.
const CONSOLIDATE_REQUEST: usize = 4096;
