//! What `INFO` counts as the server runs, beyond the plain counters in
//! [`Shared`](super::Shared): each loop's commands and key lookups, the error replies
//! by kind (`INFO errorstats`), and the instantaneous rates (`instantaneous_ops_per_sec`
//! and the network's kbps), sampled as Redis samples them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// One loop's counts of commands run and of keys found and missed by read lookups,
/// which `INFO` adds up over the loops. Only its own loop writes it, so a count is a
/// plain load and store (no locked add), and nothing is left to settle after a batch;
/// the counts only grow (`CONFIG RESETSTAT` moves the base they are read from).
#[derive(Debug, Default)]
pub struct Counters {
    pub(crate) commands: AtomicU64,
    pub(crate) hits: AtomicU64,
    pub(crate) misses: AtomicU64,
}

/// Adds one to a counter only one thread writes.
#[inline(always)]
fn bump(c: &AtomicU64) {
    c.store(c.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

impl Counters {
    /// Counts a command run.
    #[inline(always)]
    pub fn command(&self) {
        bump(&self.commands);
    }

    /// Counts a read command's lookup of a key in `keyspace_hits` or
    /// `keyspace_misses`, as Redis's read lookups do: a key of another type is found,
    /// an expired one is missed. Writes are not counted, nor are `KEYS`, `SCAN`
    /// without `TYPE`, `DEL` and the like, which look at keys without reading them.
    #[inline(always)]
    pub fn looked_up(&self, found: bool) {
        bump(if found { &self.hits } else { &self.misses });
    }

    /// Keys found and missed so far.
    pub fn lookups(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }
}

/// Kinds of error Redis keeps counts of; errors of a kind past these are not counted
/// by kind (they are in the total all the same).
const MAX_ERROR_KINDS: usize = 128;

/// Error replies by kind, their first word (`ERR`, `WRONGTYPE`, `NOAUTH`...), as Redis
/// counts them for `INFO errorstats`, and in all (`total_error_replies`). Errors are
/// the exception, so one lock for every loop costs nothing on the request path.
#[derive(Debug, Default)]
pub struct ErrorStats {
    inner: Mutex<(BTreeMap<Vec<u8>, u64>, u64)>,
}

impl ErrorStats {
    /// Counts the error reply that starts with `reply` (`-KIND message`): its kind is
    /// its first word if a space comes within 32 bytes, else `ERR` (Redis's rule).
    #[cold]
    pub fn count(&self, reply: &[u8]) {
        let body = reply.strip_prefix(b"-").unwrap_or(reply);
        let head = &body[..body.len().min(32)];
        let kind = head.iter().position(|&b| b == b' ').map_or(&b"ERR"[..], |end| &body[..end]);
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (kinds, total) = &mut *inner;
        *total += 1;
        if let Some(n) = kinds.get_mut(kind) {
            *n += 1;
        } else if kinds.len() < MAX_ERROR_KINDS {
            kinds.insert(kind.to_vec(), 1);
        }
    }

    /// Every kind counted, in byte order (as Redis lists them), with its count; and the
    /// total of error replies.
    pub fn snapshot(&self) -> (Vec<(Vec<u8>, u64)>, u64) {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (inner.0.iter().map(|(k, n)| (k.clone(), *n)).collect(), inner.1)
    }

    /// Forgets every count (`CONFIG RESETSTAT`).
    pub fn reset(&self) {
        *self.inner.lock().unwrap_or_else(|e| e.into_inner()) = Default::default();
    }
}

/// Samples each rate keeps, as Redis (`STATS_METRIC_SAMPLES`).
const SAMPLES: usize = 16;

/// Milliseconds between samples, as Redis (its cron samples every 100 ms).
pub const SAMPLE_EVERY_MS: u64 = 100;

/// The instantaneous rates `INFO` reports: commands, bytes in and bytes out per
/// second, each the mean of the last 16 samples, a sample being the rate since the one
/// before (Redis's `trackInstantaneousMetric`).
#[derive(Debug)]
pub struct Rates {
    inner: Mutex<RatesInner>,
}

#[derive(Debug)]
struct RatesInner {
    /// When the last sample was taken, and the totals then.
    last_ms: u64,
    last: [u64; 3],
    /// Per-second rates, a ring of the last samples.
    samples: [[u64; SAMPLES]; 3],
    next: usize,
}

impl Rates {
    /// No samples yet; the first one measures from `now_ms`.
    pub fn new(now_ms: u64) -> Rates {
        Rates {
            inner: Mutex::new(RatesInner {
                last_ms: now_ms,
                last: [0; 3],
                samples: [[0; SAMPLES]; 3],
                next: 0,
            }),
        }
    }

    /// Takes a sample at `now_ms` of the totals `totals` reads (commands, bytes in,
    /// bytes out), if [`SAMPLE_EVERY_MS`] have passed since the last; any loop may
    /// call it on its tick, and one of them samples.
    pub fn sample(&self, now_ms: u64, totals: impl FnOnce() -> [u64; 3]) {
        let Ok(mut r) = self.inner.try_lock() else { return };
        let elapsed = now_ms.saturating_sub(r.last_ms);
        if elapsed < SAMPLE_EVERY_MS {
            return;
        }
        let totals = totals();
        let next = r.next;
        for (i, total) in totals.iter().enumerate() {
            // A reset (`CONFIG RESETSTAT`) makes the totals go back: a rate of 0.
            r.samples[i][next] = total.saturating_sub(r.last[i]) * 1000 / elapsed;
        }
        r.next = (next + 1) % SAMPLES;
        r.last = totals;
        r.last_ms = now_ms;
    }

    /// Forgets the samples (`CONFIG RESETSTAT`); the next one measures from the last.
    pub fn reset(&self) {
        let mut r = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        r.samples = [[0; SAMPLES]; 3];
    }

    /// Commands, bytes in and bytes out per second: the mean of the samples.
    pub fn per_second(&self) -> [u64; 3] {
        let r = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        r.samples.map(|s| s.iter().sum::<u64>() / SAMPLES as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_counted_by_their_first_word_as_redis_does() {
        let e = ErrorStats::default();
        e.count(b"-ERR syntax error\r\n");
        e.count(b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
        e.count(b"-ERR unknown command '");
        e.count(b"-NOSPACEWITHINTHEFIRSTTHIRTYTWOBYTES_AT_ALL x\r\n");
        let (kinds, total) = e.snapshot();
        assert_eq!(kinds, vec![(b"ERR".to_vec(), 3), (b"WRONGTYPE".to_vec(), 1)]);
        assert_eq!(total, 4);
        e.reset();
        assert_eq!(e.snapshot(), (vec![], 0));
    }

    #[test]
    fn rates_are_the_mean_of_the_last_sixteen_samples() {
        let r = Rates::new(0);
        r.sample(50, || panic!("too early to read the totals"));
        // 1,000 commands and 16 KiB in, 32 KiB out, in each 100 ms.
        for i in 1..=16u64 {
            r.sample(100 * i, || [1000 * i, 16384 * i, 32768 * i]);
        }
        assert_eq!(r.per_second(), [10_000, 163_840, 327_680]);
        // Then nothing: the rates fall as idle samples replace the busy ones.
        for i in 17..=24u64 {
            r.sample(100 * i, || [16_000, 16384 * 16, 32768 * 16]);
        }
        assert_eq!(r.per_second(), [5_000, 81_920, 163_840]);
    }
}
