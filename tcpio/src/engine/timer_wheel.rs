//! A hashed timer wheel: arming is O(1), and so is firing per expired entry.
//!
//! Time is cut into ticks of [`RESOLUTION`]; an entry due at tick `t` sits in slot
//! `t % SLOTS` and fires when the wheel passes that tick (entries for a later lap of
//! the wheel stay put). Timers fire up to one tick late, never early. Cancelling is
//! lazy: the owner of an entry checks, when it fires, whether it still applies (a
//! closed connection's slot generation has moved on), which keeps cancel O(1) too;
//! the loop sweeps dead entries out once they are many ([`TimerWheel::retain`]), so
//! they cannot pile up.
//!
//! Resolution: 5 ms ticks; 512 slots make one lap 2.56 s. Longer timers wait in their
//! slot for later laps (they are skipped, not moved, as the wheel passes).

use std::time::{Duration, Instant};

/// Length of one tick.
pub(crate) const RESOLUTION: Duration = Duration::from_millis(5);
const SLOTS: usize = 512;

#[derive(Debug)]
pub(crate) struct TimerWheel<T> {
    origin: Instant,
    slots: Vec<Vec<(u64, T)>>,
    /// Next tick to process.
    current: u64,
    len: usize,
    /// A tick no later than the earliest entry's (`u64::MAX` when there is none):
    /// what the loop's wait is computed from, so that asking costs O(1) per loop pass
    /// instead of a scan of the slots. It may be early (an entry it stood for was
    /// swept), never late; once the wheel passes it, it is recomputed by one scan.
    hint: u64,
}

impl<T: Copy> TimerWheel<T> {
    pub(crate) fn new(now: Instant) -> Self {
        TimerWheel {
            origin: now,
            slots: (0..SLOTS).map(|_| Vec::new()).collect(),
            current: 0,
            len: 0,
            hint: u64::MAX,
        }
    }

    fn tick_at(&self, t: Instant) -> u64 {
        // u64 nanoseconds (584 years) divided by a constant: a multiply, not the
        // 128-bit division `Duration::as_nanos` would lead to.
        let d = t.saturating_duration_since(self.origin);
        (d.as_secs() * 1_000_000_000 + u64::from(d.subsec_nanos())) / (RESOLUTION.as_nanos() as u64)
    }

    /// Whether no timer is armed.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Entries in the wheel, live or lazily cancelled.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Keeps only the entries `keep` approves (a sweep of cancelled ones).
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let mut len = 0;
        for slot in &mut self.slots {
            slot.retain(|(_, item)| keep(item));
            len += slot.len();
        }
        self.len = len;
        self.hint = self.first_occupied();
    }

    /// Arms `item` to fire at `deadline` (rounded up to the next tick); returns the
    /// tick it sits at, for [`remove`](Self::remove).
    pub(crate) fn insert(&mut self, deadline: Instant, item: T) -> u64 {
        let tick = (self.tick_at(deadline) + 1).max(self.current);
        self.slots[(tick % SLOTS as u64) as usize].push((tick, item));
        self.len += 1;
        self.hint = self.hint.min(tick);
        tick
    }

    /// Takes out an entry armed at `tick` (what `insert` returned), if it is still
    /// there: O(entries in its slot), for a timer whose lazy cancel would keep the
    /// loop reading its clock meanwhile.
    pub(crate) fn remove(&mut self, tick: u64, item: &T) -> bool
    where
        T: PartialEq,
    {
        let slot = &mut self.slots[(tick % SLOTS as u64) as usize];
        match slot.iter().position(|(t, it)| *t == tick && it == item) {
            Some(i) => {
                slot.swap_remove(i);
                self.len -= 1;
                true
            }
            None => false,
        }
    }

    /// Moves every entry due by `now` into `fired`, in deadline order by tick.
    pub(crate) fn advance(&mut self, now: Instant, fired: &mut Vec<T>) {
        let now_tick = self.tick_at(now);
        // After a long stall, one lap visits every slot; the rest is the same slots.
        let first = self.current.max((now_tick + 1).saturating_sub(SLOTS as u64));
        for tick in first..=now_tick {
            let slot = &mut self.slots[(tick % SLOTS as u64) as usize];
            let before = slot.len();
            slot.retain(|&(due, item)| {
                if due <= now_tick {
                    fired.push(item);
                    false
                } else {
                    true
                }
            });
            self.len -= before - slot.len();
        }
        self.current = now_tick + 1;
        if self.hint <= now_tick {
            self.hint = self.first_occupied();
        }
    }

    /// The tick of the first occupied slot from `current` on (a lower bound of the
    /// earliest entry: entries there may be for a later lap), or `u64::MAX`.
    fn first_occupied(&self) -> u64 {
        if self.len == 0 {
            return u64::MAX;
        }
        (0..SLOTS as u64)
            .map(|i| self.current + i)
            .find(|t| !self.slots[(t % SLOTS as u64) as usize].is_empty())
            .unwrap_or(self.current)
    }

    /// How long the loop may sleep before the next occupied slot comes due; `None`
    /// when no timer is armed.
    pub(crate) fn next_timeout(&self, now: Instant) -> Option<Duration> {
        if self.len == 0 {
            return None;
        }
        let occupied = self.hint.max(self.current);
        // In nanoseconds as u64: a u32 tick count would wrap after 248 days.
        let due = self.origin + Duration::from_nanos(occupied.saturating_mul(RESOLUTION.as_nanos() as u64));
        Some(due.saturating_duration_since(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_in_order_and_never_early() {
        let t0 = Instant::now();
        let mut w = TimerWheel::new(t0);
        w.insert(t0 + Duration::from_millis(30), 3);
        w.insert(t0 + Duration::from_millis(10), 1);
        w.insert(t0 + Duration::from_millis(20), 2);
        let mut fired = Vec::new();
        w.advance(t0 + Duration::from_millis(9), &mut fired);
        assert!(fired.is_empty());
        w.advance(t0 + Duration::from_millis(25), &mut fired);
        assert_eq!(fired, vec![1, 2]);
        w.advance(t0 + Duration::from_millis(40), &mut fired);
        assert_eq!(fired, vec![1, 2, 3]);
        assert!(w.next_timeout(t0).is_none());
    }

    #[test]
    fn later_laps_wait_for_their_turn() {
        let t0 = Instant::now();
        let mut w = TimerWheel::new(t0);
        let lap = RESOLUTION * SLOTS as u32;
        w.insert(t0 + lap + Duration::from_millis(10), 7);
        let mut fired = Vec::new();
        w.advance(t0 + Duration::from_millis(20), &mut fired);
        assert!(fired.is_empty());
        assert!(w.next_timeout(t0 + Duration::from_millis(20)).is_some());
        w.advance(t0 + lap + Duration::from_millis(20), &mut fired);
        assert_eq!(fired, vec![7]);
    }

    #[test]
    fn the_wait_follows_the_earliest_entry_without_a_scan_per_pass() {
        let t0 = Instant::now();
        let mut w = TimerWheel::new(t0);
        assert_eq!(w.next_timeout(t0), None);
        w.insert(t0 + Duration::from_secs(5), 1);
        w.insert(t0 + Duration::from_millis(50), 2);
        let wait = w.next_timeout(t0).unwrap();
        assert!(wait >= Duration::from_millis(50) && wait <= Duration::from_millis(60), "{wait:?}");
        let mut fired = Vec::new();
        w.advance(t0 + Duration::from_millis(100), &mut fired);
        assert_eq!(fired, vec![2]);
        // Past the earliest, the hint moves on: never later than the next entry.
        let wait = w.next_timeout(t0 + Duration::from_millis(100)).unwrap();
        assert!(wait <= Duration::from_secs(5), "{wait:?}");
        w.advance(t0 + Duration::from_secs(6), &mut fired);
        assert_eq!(fired, vec![2, 1]);
        assert_eq!(w.next_timeout(t0 + Duration::from_secs(6)), None);
    }

    #[test]
    fn an_entry_can_be_taken_out_again() {
        let t0 = Instant::now();
        let mut w = TimerWheel::new(t0);
        let a = w.insert(t0 + Duration::from_secs(5), 1);
        let b = w.insert(t0 + Duration::from_secs(5), 2);
        assert!(w.remove(a, &1) && !w.remove(a, &1));
        assert!(!w.remove(b, &3), "only the entry asked for");
        assert!(w.remove(b, &2));
        assert!(w.is_empty(), "nothing left to wait for");
    }

    #[test]
    fn long_stall_fires_everything_due() {
        let t0 = Instant::now();
        let mut w = TimerWheel::new(t0);
        for i in 0..100u32 {
            w.insert(t0 + Duration::from_millis(7 * i as u64), i);
        }
        let mut fired = Vec::new();
        w.advance(t0 + Duration::from_secs(60), &mut fired);
        assert_eq!(fired.len(), 100);
    }
}
