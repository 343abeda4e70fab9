//! The numbered keyspaces `SELECT` chooses among: Redis's `databases`, 16 by default.
//! They share one clock, so a deadline means the same time in each.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::sweep::SWEEP_BUDGET;
use super::{Clock, Store};

/// How many databases there are, as Redis's default `databases 16`.
pub const DATABASES: usize = 16;

/// Every database, numbered from 0; a client works in one at a time (`SELECT`).
#[derive(Debug)]
pub struct Databases {
    dbs: Box<[Store]>,
    /// The database the next sweep starts with, so that one whose expired keys take
    /// every sweep's budget does not keep the others from theirs.
    next_sweep: AtomicUsize,
}

impl Default for Databases {
    fn default() -> Self {
        Databases::new()
    }
}

impl Databases {
    /// [`DATABASES`] empty databases, their clock starting now.
    pub fn new() -> Databases {
        Databases::with_count(DATABASES)
    }

    /// `count` empty databases (at least one, at most [`DATABASES`]), their clock
    /// starting now.
    pub fn with_count(count: usize) -> Databases {
        let origin = Instant::now();
        let dbs = (0..count.clamp(1, DATABASES)).map(|_| Store::with_origin(origin)).collect();
        Databases { dbs, next_sweep: AtomicUsize::new(0) }
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.dbs.len()
    }

    /// Never: there is always database 0.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Database `index`, if there is one.
    #[inline]
    pub fn get(&self, index: usize) -> Option<&Store> {
        self.dbs.get(index)
    }

    /// Database 0, where every connection starts.
    #[inline]
    pub fn first(&self) -> &Store {
        &self.dbs[0]
    }

    /// Each database, by number.
    pub fn iter(&self) -> impl Iterator<Item = &Store> {
        self.dbs.iter()
    }

    /// The instant their clock counts from.
    pub fn origin(&self) -> Instant {
        self.dbs[0].origin()
    }

    /// Removes expired keys, database after database (each sweep starting one further
    /// on), within one [`SWEEP_BUDGET`] in all; a database where no key ever had a
    /// deadline costs nothing. Returns how many were removed.
    pub fn sweep(&self, clock: &mut Clock) -> usize {
        self.sweep_for(clock, SWEEP_BUDGET)
    }

    /// [`sweep`](Self::sweep) with another time budget.
    pub fn sweep_for(&self, clock: &mut Clock, budget: Duration) -> usize {
        let n = self.dbs.len();
        let start = self.next_sweep.fetch_add(1, Ordering::Relaxed) % n;
        let mut end = None;
        let mut removed = 0;
        for db in self.dbs.iter().cycle().skip(start).take(n) {
            if !db.may_have_deadlines() {
                continue;
            }
            // The first database with deadlines has the whole budget; the next ones
            // what it left.
            let left = match end {
                None => {
                    end = Some(Instant::now() + budget);
                    budget
                }
                Some(end) => end.saturating_duration_since(Instant::now()),
            };
            if left == Duration::ZERO {
                break;
            }
            removed += db.sweep_for(clock, left);
        }
        removed
    }

    /// Keys removed for their deadline, over every database (`INFO`'s `expired_keys`).
    pub fn expired(&self) -> u64 {
        self.dbs.iter().map(Store::expired).sum()
    }

    /// Zeroes the counts of expired keys (`CONFIG RESETSTAT`).
    pub fn reset_expired(&self) {
        self.dbs.iter().for_each(Store::reset_expired);
    }

    /// Removes every key of every database (`FLUSHALL`).
    pub fn flush(&self) {
        self.dbs.iter().for_each(Store::flush);
    }
}
