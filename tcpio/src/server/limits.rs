//! The builder's options for time, limits and observation.

use std::sync::Arc;
use std::time::Duration;

use super::builder::{check, Builder};
use super::Error;
use crate::engine::ServerEvent;

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

    /// Most connections open at once over the whole server. Past it a new
    /// connection is accepted and closed at once (counted in
    /// [`Stats`](crate::Stats) as refused); the listener keeps serving. Off by
    /// default.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.admission.max_conns = Some(n);
        self
    }

    /// Most connections open at once from one peer IP address (IPv4-mapped IPv6
    /// addresses count as their IPv4 address; unix-socket peers are not counted).
    /// Off by default.
    pub fn max_connections_per_ip(mut self, n: usize) -> Self {
        self.admission.max_per_ip = Some(n);
        self
    }

    /// Admits at most `per_second` new connections per second on average, with
    /// bursts of up to `burst` (a token bucket shared by every loop); the others are
    /// accepted and closed at once. Off by default.
    pub fn accept_rate(mut self, per_second: f64, burst: u32) -> Self {
        self.admission.rate = Some((per_second, burst));
        self
    }

    /// A callback for the server's lifecycle: started, stopping, stopped, each
    /// connection opened and closed (with addresses and reason), refused by a limit,
    /// and non-fatal errors such as failed accepts. For logging, auditing or a
    /// connection table without writing a handler for it. Connection events run on
    /// the connection's loop: keep the callback short.
    ///
    /// ```
    /// use tcpio::ServerEvent;
    ///
    /// let builder = tcpio::Server::builder().on_event(|e| match e {
    ///     ServerEvent::Opened { id, peer, .. } => eprintln!("#{id} open from {peer}"),
    ///     ServerEvent::Closed { id, reason, .. } => eprintln!("#{id} closed: {reason}"),
    ///     ServerEvent::Error { context, error, .. } => eprintln!("{context}: {error}"),
    ///     _ => {}
    /// });
    /// # drop(builder);
    /// ```
    pub fn on_event<F>(mut self, f: F) -> Self
    where
        F: Fn(&ServerEvent<'_>) + Send + Sync + 'static,
    {
        self.observer = Some(Arc::new(f));
        self
    }

    /// Checks the options of this file.
    pub(super) fn check_limits(&self) -> Result<(), Error> {
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
        if let Some(n) = self.admission.max_conns {
            check(n > 0, "max_connections", || "must be at least 1".into())?;
        }
        if let Some(n) = self.admission.max_per_ip {
            check(n > 0, "max_connections_per_ip", || "must be at least 1".into())?;
        }
        if let Some((rate, burst)) = self.admission.rate {
            check(rate.is_finite() && rate > 0.0, "accept_rate", || {
                format!("{rate} connections per second; must be a positive number")
            })?;
            check(burst > 0, "accept_rate", || "the burst must be at least 1".into())?;
        }
        Ok(())
    }
}
