//! The builder's connection limits: open connections in all, per peer IP, and an
//! accept rate (the engine's admission control applies them).

use super::builder::{check, Builder};
use super::Error;

impl Builder {
    /// Most connections open at once over the whole server. Past it a new
    /// connection is accepted and closed at once (counted in
    /// [`Stats`](crate::Stats) as refused); the listener keeps serving. Outbound
    /// connections ([`Conn::connect`](crate::Conn::connect),
    /// [`ServerHandle::connect`](crate::ServerHandle::connect)) count too: a dial past
    /// the limit is refused where it is made. Off by default.
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

    /// Checks the connection limits.
    pub(super) fn check_admission(&self) -> Result<(), Error> {
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
