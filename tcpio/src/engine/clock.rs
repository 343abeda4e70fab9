//! The loop's coarse clock: read once per pass, and only while something is timed.

use std::time::{Duration, Instant};

/// Milliseconds since the loop started, plus one so that 0 can mean "never": what
/// activity stamps and timeouts are measured in. Reading it is a field load; the
/// system clock is asked once per loop pass, and only while timers or timeouts are
/// in use (see the loop's `run`).
#[derive(Debug)]
pub(crate) struct Clock {
    origin: Instant,
    now: Instant,
    now_ms: u64,
    /// Not read this pass (nothing is timed): [`pass_now`](Self::pass_now) reads it.
    stale: bool,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        let now = Instant::now();
        Clock { origin: now, now, now_ms: 1, stale: false }
    }

    /// The coarse time of this pass.
    #[inline(always)]
    pub(crate) fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// The instant of this pass.
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        self.now
    }

    /// Reads the system clock (once per loop pass).
    pub(crate) fn read(&mut self) {
        self.now = Instant::now();
        self.now_ms = self.ms_of(self.now);
        self.stale = false;
    }

    /// A pass that read no clock (nothing timed): the first [`pass_now`](Self::pass_now)
    /// of the pass reads it.
    #[inline(always)]
    pub(crate) fn skip(&mut self) {
        self.stale = true;
    }

    /// The instant of this pass, read now if the pass did not read it: what a handler
    /// sees as the loop's clock.
    pub(crate) fn pass_now(&mut self) -> Instant {
        if self.stale {
            self.read();
        }
        self.now
    }

    /// `t` on the coarse millisecond clock.
    pub(crate) fn ms_of(&self, t: Instant) -> u64 {
        t.saturating_duration_since(self.origin).as_millis() as u64 + 1
    }

    /// The instant of a coarse millisecond.
    pub(crate) fn instant_of(&self, ms: u64) -> Instant {
        self.origin + Duration::from_millis(ms.saturating_sub(1))
    }
}
