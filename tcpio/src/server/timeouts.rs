//! The builder's options for time: per-connection timeouts, the graceful shutdown's
//! deadline, and the checks that they make sense.

use std::time::Duration;

use super::builder::{check, Builder};
use super::Error;

/// The longest timeout accepted (a year): longer ones are surely a unit mistake.
const MAX_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);

impl Builder {
    /// Closes a connection with no bytes moving either way for `d`, with
    /// [`CloseReason::IdleTimeout`](crate::CloseReason::IdleTimeout). Off by default.
    ///
    /// Like every timeout here it costs nothing per message: reads and writes only
    /// stamp the connection with the loop's clock, and the timer wheel (5 ms ticks)
    /// checks the stamps when the deadline comes. A timeout fires up to one tick late
    /// plus the time the loop takes to come round, never early.
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.timeouts.idle = Some(d);
        self
    }

    /// Closes a connection that sent nothing for `d` (even while the server is
    /// writing to it), with [`CloseReason::ReadTimeout`](crate::CloseReason::ReadTimeout).
    /// Not counted while the engine itself is not reading it (paused by the handler
    /// or by backpressure), nor after the peer's end of stream. Off by default.
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.timeouts.read = Some(d);
        self
    }

    /// Closes a connection whose queued output made no progress for `d` (a peer that
    /// stopped reading), at once and with
    /// [`CloseReason::WriteTimeout`](crate::CloseReason::WriteTimeout). Also bounds a
    /// graceful close waiting on such output. Off by default.
    pub fn write_timeout(mut self, d: Duration) -> Self {
        self.timeouts.write = Some(d);
        self
    }

    /// Closes a connection that sends nothing within `d` of connecting (slowloris,
    /// port scanners), with
    /// [`CloseReason::HandshakeTimeout`](crate::CloseReason::HandshakeTimeout). Off by
    /// default.
    pub fn handshake_timeout(mut self, d: Duration) -> Self {
        self.timeouts.handshake = Some(d);
        self
    }

    /// How long a graceful shutdown ([`ServerHandle::shutdown`](crate::ServerHandle::shutdown),
    /// a signal, [`Action::Shutdown`](crate::Action::Shutdown)) may take before the
    /// connections still open are closed at once (default
    /// [`DEFAULT_SHUTDOWN_TIMEOUT`](crate::DEFAULT_SHUTDOWN_TIMEOUT)); `None` waits for
    /// them however long it takes.
    pub fn shutdown_timeout(mut self, d: Option<Duration>) -> Self {
        self.shutdown_timeout = d;
        self
    }

    /// Checks the timeouts.
    pub(super) fn check_timeouts(&self) -> Result<(), Error> {
        let t = &self.timeouts;
        for (name, d) in [
            ("idle_timeout", t.idle),
            ("read_timeout", t.read),
            ("write_timeout", t.write),
            ("handshake_timeout", t.handshake),
            ("shutdown_timeout", self.shutdown_timeout),
            ("linger", Some(self.linger_value())),
        ] {
            if let Some(d) = d {
                check(!d.is_zero(), name, || "must be longer than zero".into())?;
                check(d <= MAX_TIMEOUT, name, || format!("{d:?} is longer than a year"))?;
            }
        }
        Ok(())
    }
}
