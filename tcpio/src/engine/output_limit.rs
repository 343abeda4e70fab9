//! A connection's own output limits, below the server's hard cap: a hard limit that
//! closes it at once and a soft limit it may stay above only for a while. This is
//! what Redis calls `client-output-buffer-limit`: a subscriber that stops reading is
//! cut off at 32 MiB, or after 60 s above 8 MiB, while everyone else carries on.
//!
//! The limits are checked whenever the connection's output grows or moves (after
//! each callback, each delivery of a group's messages, each handle send, each
//! writable edge), counting everything queued for it, held shared messages
//! included. A connection with nothing queued is never checked, so the echo path
//! pays nothing.

use std::time::Duration;

/// Output limits for one connection
/// ([`Conn::set_output_limit`](crate::Conn::set_output_limit)), on top of the
/// server's hard cap ([`Builder::max_output`](crate::Builder::max_output)), which
/// still applies.
///
/// ```
/// use std::time::Duration;
/// // Redis's defaults for pub/sub clients.
/// let limit = tcpio::OutputLimit::hard(32 << 20).with_soft(8 << 20, Duration::from_secs(60));
/// assert_eq!(limit.soft, 8 << 20);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputLimit {
    /// Queued bytes past which the connection closes at once
    /// ([`CloseReason::OutputLimit`](crate::CloseReason::OutputLimit) with this limit).
    pub hard: usize,
    /// Queued bytes the connection may stay above only for
    /// [`soft_for`](Self::soft_for); 0 for no soft limit.
    pub soft: usize,
    /// How long the output may stay above [`soft`](Self::soft) before the connection
    /// closes ([`CloseReason::OutputLimit`](crate::CloseReason::OutputLimit) with the soft limit). Time counts from the
    /// first check that finds it above; a check that finds it at or below starts over.
    pub soft_for: Duration,
}

impl OutputLimit {
    /// A hard limit alone.
    pub fn hard(bytes: usize) -> OutputLimit {
        OutputLimit { hard: bytes, soft: 0, soft_for: Duration::ZERO }
    }

    /// The same hard limit, with a soft limit of `bytes` for `period`.
    pub fn with_soft(self, bytes: usize, period: Duration) -> OutputLimit {
        OutputLimit { soft: bytes, soft_for: period, ..self }
    }
}

/// A connection's limit and when its output was first seen above the soft limit.
#[derive(Debug)]
pub(crate) struct OwnLimit {
    pub(crate) limit: OutputLimit,
    /// Loop clock (ms) of the first check above the soft limit, since the last check
    /// at or below it.
    above_since: Option<u64>,
}

impl OwnLimit {
    pub(crate) fn new(limit: OutputLimit) -> OwnLimit {
        OwnLimit { limit, above_since: None }
    }

    /// The limit `queued` bytes break at `now_ms`, if any.
    pub(crate) fn broken(&mut self, queued: usize, now_ms: u64) -> Option<usize> {
        let limit = self.limit;
        if queued > limit.hard {
            return Some(limit.hard);
        }
        if limit.soft == 0 || queued <= limit.soft {
            self.above_since = None;
            return None;
        }
        let since = *self.above_since.get_or_insert(now_ms);
        let period = u64::try_from(limit.soft_for.as_millis()).unwrap_or(u64::MAX);
        (now_ms.saturating_sub(since) >= period).then_some(limit.soft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_closes_at_once_soft_only_after_its_period() {
        let mut own = OwnLimit::new(OutputLimit::hard(100).with_soft(10, Duration::from_millis(50)));
        assert_eq!(own.broken(10, 0), None, "at the soft limit is not above it");
        assert_eq!(own.broken(11, 1_000), None, "first seen above");
        assert_eq!(own.broken(50, 1_049), None);
        assert_eq!(own.broken(50, 1_050), Some(10), "above for the whole period");
        assert_eq!(own.broken(101, 1_050), Some(100));
    }

    #[test]
    fn dropping_to_the_soft_limit_starts_the_period_over() {
        let mut own = OwnLimit::new(OutputLimit::hard(100).with_soft(10, Duration::from_millis(50)));
        assert_eq!(own.broken(20, 0), None);
        assert_eq!(own.broken(5, 40), None);
        assert_eq!(own.broken(20, 60), None, "a new period began at 60");
        assert_eq!(own.broken(20, 109), None);
        assert_eq!(own.broken(20, 110), Some(10));
    }

    #[test]
    fn without_a_soft_limit_only_the_hard_one_counts() {
        let mut own = OwnLimit::new(OutputLimit::hard(100));
        assert_eq!(own.broken(100, 0), None);
        assert_eq!(own.broken(100, u64::MAX), None);
        assert_eq!(own.broken(101, 0), Some(100));
    }
}
