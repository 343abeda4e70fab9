//! Redis's `client-output-buffer-limit`: per class of client, a hard limit on its
//! queued replies and a soft limit it may stay above for some seconds. Subscribers
//! (the `pubsub` class) get 32 MiB, and 8 MiB for 60 s, by default: a subscriber that
//! stops reading is disconnected while publishers and other subscribers carry on.
//! Normal clients have none by default, as in Redis.
//!
//! The limits are tcpio's own per-connection output limits
//! ([`tcpio::Conn::set_output_limit`]), which count every byte queued for the
//! connection, published messages included, and are checked by the event loop as
//! output is left queued. The `replica` class is kept for `CONFIG GET` and `SET` only:
//! this server has no replicas.

use std::time::Duration;

/// One class's limits, as `CONFIG SET client-output-buffer-limit` writes them (0: no
/// such limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassLimit {
    /// Bytes past which the client is disconnected at once.
    pub hard: u64,
    /// Bytes it may stay above only for `seconds`.
    pub soft: u64,
    /// Seconds above `soft` before it is disconnected (a C `int`, as Redis keeps it).
    pub seconds: i32,
}

impl ClassLimit {
    /// The tcpio limit for a connection of this class, `None` if it has none.
    pub fn for_conn(&self) -> Option<tcpio::OutputLimit> {
        if self.hard == 0 && self.soft == 0 {
            return None;
        }
        let bytes = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let hard = if self.hard == 0 { usize::MAX } else { bytes(self.hard) };
        let period = Duration::from_secs(u64::try_from(self.seconds).unwrap_or(0));
        Some(tcpio::OutputLimit::hard(hard).with_soft(bytes(self.soft), period))
    }
}

/// The limits of every class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputLimits {
    /// Clients that are neither subscribers nor replicas.
    pub normal: ClassLimit,
    /// Replicas (reported only).
    pub replica: ClassLimit,
    /// Clients with at least one channel or pattern.
    pub pubsub: ClassLimit,
}

impl Default for OutputLimits {
    /// Redis 7.0's defaults.
    fn default() -> Self {
        OutputLimits {
            normal: ClassLimit { hard: 0, soft: 0, seconds: 0 },
            replica: ClassLimit { hard: 256 << 20, soft: 64 << 20, seconds: 60 },
            pubsub: ClassLimit { hard: 32 << 20, soft: 8 << 20, seconds: 60 },
        }
    }
}

/// Error texts of `CONFIG SET client-output-buffer-limit`, as Redis words them.
const E_ARGUMENTS: &str = "Wrong number of arguments in buffer limit configuration.";
const E_CLASS: &str = "Invalid client class specified in buffer limit configuration.";
const E_VALUE: &str = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";

impl OutputLimits {
    /// The limit for a client that is (or is not) a subscriber.
    pub fn for_client(&self, subscriber: bool) -> Option<tcpio::OutputLimit> {
        if subscriber {
            self.pubsub.for_conn()
        } else {
            self.normal.for_conn()
        }
    }

    /// These limits with `value` applied: groups of `class hard soft seconds`
    /// separated by spaces; a class named twice takes its last values. The error is
    /// Redis's text.
    pub fn with(&self, value: &[u8]) -> Result<OutputLimits, &'static str> {
        // Split at every space as Redis does: two spaces in a row, or one at an end,
        // make an empty word and so a wrong count.
        let words: Vec<&[u8]> = match value {
            b"" => Vec::new(),
            v => v.split(|&b| b == b' ').collect(),
        };
        if words.len() % 4 != 0 {
            return Err(E_ARGUMENTS);
        }
        let mut limits = *self;
        for group in words.chunks(4) {
            let class = match &group[0].to_ascii_lowercase()[..] {
                b"normal" => &mut limits.normal,
                b"slave" | b"replica" => &mut limits.replica,
                b"pubsub" => &mut limits.pubsub,
                _ => return Err(E_CLASS),
            };
            let (Some(hard), Some(soft), Some(seconds)) = (
                memory(group[1]),
                memory(group[2]),
                std::str::from_utf8(group[3]).ok().and_then(|s| s.parse::<i64>().ok()),
            ) else {
                return Err(E_VALUE);
            };
            if seconds < 0 {
                return Err(E_VALUE);
            }
            // Redis keeps the seconds in a C `int`: larger values wrap as they do there.
            *class = ClassLimit { hard, soft, seconds: seconds as i32 };
        }
        Ok(limits)
    }

    /// The value `CONFIG GET client-output-buffer-limit` reports.
    pub fn format(&self) -> Vec<u8> {
        let classes = [("normal", self.normal), ("slave", self.replica), ("pubsub", self.pubsub)];
        let text: Vec<String> =
            classes.iter().map(|(n, c)| format!("{n} {} {} {}", c.hard, c.soft, c.seconds)).collect();
        text.join(" ").into_bytes()
    }
}

/// A memory size as Redis reads one (`memtoull`): digits and an optional unit, `k`
/// and `m` and `g` in thousands, `kb`, `mb` and `gb` in 1024s, any case.
pub fn memory(v: &[u8]) -> Option<u64> {
    let digits = v.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let number: u64 = std::str::from_utf8(&v[..digits]).ok()?.parse().ok()?;
    let unit: u64 = match &v[digits..].to_ascii_lowercase()[..] {
        b"" | b"b" => 1,
        b"k" => 1_000,
        b"kb" => 1 << 10,
        b"m" => 1_000_000,
        b"mb" => 1 << 20,
        b"g" => 1_000_000_000,
        b"gb" => 1 << 30,
        _ => return None,
    };
    number.checked_mul(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_setting_read_as_redis_reports_them() {
        let limits = OutputLimits::default();
        assert_eq!(limits.format(), b"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
        let set = limits.with(b"pubsub 1mb 512k 1").unwrap();
        assert_eq!(set.format(), b"normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 512000 1");
        let twice = set.with(b"normal 1 2 3 normal 4 5 6 replica 1 2 3").unwrap();
        assert_eq!(twice.format(), b"normal 4 5 6 slave 1 2 3 pubsub 1048576 512000 1");
        assert_eq!(set.with(b"").unwrap(), set);
        assert_eq!(
            set.with(b"Pubsub 1KB 1 +1").unwrap().pubsub,
            ClassLimit { hard: 1024, soft: 1, seconds: 1 }
        );
        assert_eq!(set.with(b"pubsub 1 2 99999999999999").unwrap().pubsub.seconds, 276_447_231);
    }

    #[test]
    fn bad_values_get_redis_errors() {
        let limits = OutputLimits::default();
        assert_eq!(limits.with(b"pubsub 1mb 512k"), Err(E_ARGUMENTS));
        assert_eq!(limits.with(b"pubsub  1 1 1"), Err(E_ARGUMENTS), "an empty word");
        assert_eq!(limits.with(b"pubsub 1 1 1 "), Err(E_ARGUMENTS));
        assert_eq!(limits.with(b"bogus 1 1 1"), Err(E_CLASS));
        assert_eq!(limits.with(b"master 1 1 1"), Err(E_CLASS));
        for bad in [
            &b"pubsub x 1 1"[..],
            b"pubsub 1 1 -1",
            b"pubsub 1 1 x",
            b"pubsub 1tb 1 1",
            b"pubsub 99999999999999999999gb 1 1",
        ] {
            assert_eq!(limits.with(bad), Err(E_VALUE), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn only_classes_with_a_limit_give_a_connection_one() {
        let limits = OutputLimits::default();
        assert_eq!(limits.for_client(false), None);
        let sub = limits.for_client(true).unwrap();
        assert_eq!((sub.hard, sub.soft, sub.soft_for), (32 << 20, 8 << 20, Duration::from_secs(60)));
        let soft_only = limits.with(b"normal 0 100 1").unwrap().for_client(false).unwrap();
        assert_eq!((soft_only.hard, soft_only.soft), (usize::MAX, 100));
    }
}
