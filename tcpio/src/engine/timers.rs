//! The loop's timers: what each wheel entry is for, and deadlines clamped so that no
//! user-given delay can overflow an `Instant`.

use std::time::{Duration, Instant};

use super::timer_wheel::TimerWheel;
use crate::backend::Token;

/// What a timer entry is for; checked for staleness when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timer {
    Tick,
    /// A closing connection lingering for the peer's FIN: checked every `step` ms
    /// (doubling, at most [`LINGER_STEP_MAX`]) for output acknowledged and nothing
    /// unread, closed then or at `until` (coarse ms) at the latest.
    Linger {
        token: Token,
        until: u64,
        step: u32,
    },
    /// Retry accepting on a listener after a resource error.
    AcceptRetry(usize),
    /// Check a connection's timeouts against its activity stamps.
    Activity(Token),
    /// A handler's timer (`at`: its deadline in coarse milliseconds, for ordering).
    User {
        token: Token,
        id: u64,
        at: u64,
    },
    /// A graceful shutdown ran out of time.
    ShutdownDeadline,
    /// An outbound connect ran out of time.
    Connect(Token),
    /// A connection's setup stage ran out of time.
    Setup(Token),
}

impl Timer {
    /// Order among timers that fire in the same pass: handler timers by deadline,
    /// after the engine's own.
    pub(crate) fn order(&self) -> u64 {
        match self {
            Timer::User { at, .. } => *at,
            _ => 0,
        }
    }
}

/// The longest wait between two checks of a lingering connection, in ms.
pub(crate) const LINGER_STEP_MAX: u32 = 50;

/// The longest any timer waits: a later deadline (a year or more away, or a
/// `Duration::MAX` from user code) is clamped here instead of overflowing `Instant`.
pub(crate) const FAR: Duration = Duration::from_secs(365 * 24 * 3600);

/// `now + d`, clamped to [`FAR`].
pub(crate) fn deadline(now: std::time::Instant, d: Duration) -> std::time::Instant {
    now + d.min(FAR)
}

/// Dead wheel entries tolerated before a sweep (and at least half the wheel).
const SWEEP_AFTER: usize = 4096;

/// The loop's timers: one hashed wheel for every kind of [`Timer`], the ids of the
/// handler's timers, and the count of entries known to be dead.
///
/// Cancelling is lazy (an entry is checked when it fires), so it is O(1); dead entries
/// are counted, and once they are many and at least half the wheel, the loop sweeps
/// them out ([`sweep`](Self::sweep)): they cannot pile up.
#[derive(Debug)]
pub(crate) struct Timers {
    wheel: TimerWheel<Timer>,
    /// Entries fired by the last advance, reused from pass to pass.
    fired: Vec<Timer>,
    /// The last handler timer id given out (ids are unique within the loop).
    last_user: u64,
    /// Wheel entries known to be dead: cancelled timers, closed connections' checks.
    stale: usize,
}

impl Timers {
    pub(crate) fn new(now: Instant) -> Timers {
        Timers { wheel: TimerWheel::new(now), fired: Vec::new(), last_user: 0, stale: 0 }
    }

    /// Arms `t` to fire at `at` (rounded up to the wheel's tick, never early); returns
    /// the tick it sits at, for [`remove`](Self::remove).
    #[inline]
    pub(crate) fn insert(&mut self, at: Instant, t: Timer) -> u64 {
        self.wheel.insert(at, t)
    }

    /// Takes out a timer armed at `tick` at once, rather than leaving it to be found
    /// dead when it fires: while any entry is armed, the loop reads its clock every
    /// pass.
    pub(crate) fn remove(&mut self, tick: u64, t: Timer) {
        self.wheel.remove(tick, &t);
    }

    /// Whether no timer is armed (the loop then reads no clock).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.wheel.is_empty()
    }

    /// How long the loop may sleep before the next timer comes due.
    pub(crate) fn next_timeout(&self, now: Instant) -> Option<Duration> {
        self.wheel.next_timeout(now)
    }

    /// A new handler timer id.
    pub(crate) fn next_user_id(&mut self) -> u64 {
        self.last_user += 1;
        self.last_user
    }

    /// `n` wheel entries have become dead (cancelled, or their connection went).
    pub(crate) fn stale(&mut self, n: usize) {
        self.stale += n;
    }

    /// The timers due by `now`, handler timers among them in deadline order. Hand the
    /// vector back with [`done`](Self::done) so its room is reused.
    pub(crate) fn due(&mut self, now: Instant) -> Vec<Timer> {
        let mut fired = std::mem::take(&mut self.fired);
        self.wheel.advance(now, &mut fired);
        if fired.len() > 1 {
            // The wheel keeps a tick's entries in arming order; handler timers that
            // share a tick still fire by deadline.
            fired.sort_by_key(Timer::order);
        }
        fired
    }

    /// Takes back the vector [`due`](Self::due) gave out, emptied.
    pub(crate) fn done(&mut self, mut fired: Vec<Timer>) {
        fired.clear();
        self.fired = fired;
    }

    /// Drops dead entries once they are many; `live` tells whether one still applies.
    pub(crate) fn sweep(&mut self, live: impl FnMut(&Timer) -> bool) {
        if self.stale < SWEEP_AFTER || self.stale < self.wheel.len() / 2 {
            return;
        }
        self.wheel.retain(live);
        self.stale = 0;
    }
}

/// Identifies a timer set with [`Conn::set_timer`](crate::Conn::set_timer), unique within its loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(pub(crate) u64);
