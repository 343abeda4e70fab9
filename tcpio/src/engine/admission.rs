//! Connection limits checked at accept time: open connections in all, per peer IP,
//! and an accept rate (token bucket). Shared by every loop; touched once when a
//! connection is accepted and once when it goes, never per message, and only for the
//! limits that are set.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use super::events::Refusal;
use crate::transport::Addr;

/// The limits as configured on the builder.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct AdmissionConfig {
    pub(crate) max_conns: Option<usize>,
    pub(crate) max_per_ip: Option<usize>,
    /// Connections per second, and the burst admitted at once.
    pub(crate) rate: Option<(f64, u32)>,
}

/// A token bucket: `burst` tokens at most, refilled at `rate` per second.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// The shared admission state.
#[derive(Debug)]
pub(crate) struct Admission {
    cfg: AdmissionConfig,
    open: AtomicUsize,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
    bucket: Mutex<Bucket>,
}

impl Admission {
    pub(crate) fn new(cfg: AdmissionConfig) -> Admission {
        let burst = cfg.rate.map_or(0.0, |(_, b)| f64::from(b));
        Admission {
            cfg,
            open: AtomicUsize::new(0),
            per_ip: Mutex::new(HashMap::new()),
            bucket: Mutex::new(Bucket { tokens: burst, last: Instant::now() }),
        }
    }

    /// Whether any limit is set (so that accepted connections must be released).
    pub(crate) fn active(&self) -> bool {
        self.cfg.max_conns.is_some() || self.cfg.max_per_ip.is_some()
    }

    /// Decides on a newly accepted connection. On `Ok` the connection is counted and
    /// must be [`release`](Self::release)d when it goes.
    pub(crate) fn admit(&self, peer: &Addr) -> Result<(), Refusal> {
        self.admit_with(Some(peer))
    }

    /// [`admit`](Self::admit) without the per-IP limit, for a connection whose real
    /// client a PROXY header will name ([`admit_client`](Self::admit_client) then).
    /// On `Ok` it must be [`release_total`](Self::release_total)d when it goes.
    pub(crate) fn admit_total(&self) -> Result<(), Refusal> {
        self.admit_with(None)
    }

    /// Counts a connection's real client (from its PROXY header) against the per-IP
    /// limit; on `Ok` and `true` (it was counted) it must be
    /// [`release_client`](Self::release_client)d when it goes.
    pub(crate) fn admit_client(&self, client: &Addr) -> Result<bool, Refusal> {
        let (Some(max), Some(ip)) = (self.cfg.max_per_ip, ip_of(client)) else { return Ok(false) };
        let mut map = self.per_ip.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= max {
            return Err(Refusal::PerIp);
        }
        *n += 1;
        Ok(true)
    }

    fn admit_with(&self, peer: Option<&Addr>) -> Result<(), Refusal> {
        if let Some((rate, burst)) = self.cfg.rate {
            let mut b = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let refill = now.duration_since(b.last).as_secs_f64() * rate;
            b.tokens = (b.tokens + refill).min(f64::from(burst));
            b.last = now;
            if b.tokens < 1.0 {
                return Err(Refusal::Rate);
            }
            b.tokens -= 1.0;
        }
        if let Some(max) = self.cfg.max_conns {
            let took =
                self.open.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1));
            if took.is_err() {
                self.refund_token();
                return Err(Refusal::MaxConnections);
            }
        }
        if let (Some(max), Some(ip)) = (self.cfg.max_per_ip, peer.and_then(ip_of)) {
            let mut map = self.per_ip.lock().unwrap_or_else(|p| p.into_inner());
            let n = map.entry(ip).or_insert(0);
            if *n >= max {
                drop(map);
                if self.cfg.max_conns.is_some() {
                    self.open.fetch_sub(1, Ordering::AcqRel);
                }
                self.refund_token();
                return Err(Refusal::PerIp);
            }
            *n += 1;
        }
        Ok(())
    }

    /// Gives back the rate token of a connection another limit refused: the rate
    /// counts connections let in, not attempts.
    fn refund_token(&self) {
        if let Some((_, burst)) = self.cfg.rate {
            let mut b = self.bucket.lock().unwrap_or_else(|p| p.into_inner());
            b.tokens = (b.tokens + 1.0).min(f64::from(burst));
        }
    }

    /// Decides on an outbound connection about to be dialed: it counts towards
    /// `max_connections` like an accepted one (not towards the per-IP limit, which
    /// is about clients, nor the accept rate). On `Ok` it is counted and must be
    /// [`release_outbound`](Self::release_outbound)d when it goes.
    pub(crate) fn admit_outbound(&self) -> Result<(), Refusal> {
        if let Some(max) = self.cfg.max_conns {
            let took =
                self.open.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1));
            if took.is_err() {
                return Err(Refusal::MaxConnections);
            }
        }
        Ok(())
    }

    /// An outbound connection admitted by [`admit_outbound`](Self::admit_outbound)
    /// has gone (or was never dialed).
    pub(crate) fn release_outbound(&self) {
        if self.cfg.max_conns.is_some() {
            self.open.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// A connection admitted by [`admit`](Self::admit) has gone.
    pub(crate) fn release(&self, peer: &Addr) {
        self.release_total();
        self.release_client(peer);
    }

    /// A connection admitted by [`admit_total`](Self::admit_total) has gone.
    pub(crate) fn release_total(&self) {
        if self.cfg.max_conns.is_some() {
            self.open.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// A client counted by [`admit_client`](Self::admit_client) (or by `admit`, as
    /// the socket's peer) has gone.
    pub(crate) fn release_client(&self, peer: &Addr) {
        if let (Some(_), Some(ip)) = (self.cfg.max_per_ip, ip_of(peer)) {
            let mut map = self.per_ip.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(n) = map.get_mut(&ip) {
                *n -= 1;
                if *n == 0 {
                    map.remove(&ip);
                }
            }
        }
    }
}

/// The peer's IP, with IPv4-mapped IPv6 addresses counted as the IPv4 address they
/// carry (a dual-stack listener sees the same client either way).
fn ip_of(peer: &Addr) -> Option<IpAddr> {
    peer.as_ip().map(|a| match a.ip() {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(ip: &str, port: u16) -> Addr {
        Addr::Ip(std::net::SocketAddr::new(ip.parse().unwrap(), port))
    }

    #[test]
    fn max_connections_counts_and_releases() {
        let a = Admission::new(AdmissionConfig { max_conns: Some(2), ..Default::default() });
        assert!(a.admit(&peer("10.0.0.1", 1)).is_ok());
        assert!(a.admit(&peer("10.0.0.2", 1)).is_ok());
        assert_eq!(a.admit(&peer("10.0.0.3", 1)), Err(Refusal::MaxConnections));
        a.release(&peer("10.0.0.1", 1));
        assert!(a.admit(&peer("10.0.0.3", 1)).is_ok());
    }

    #[test]
    fn per_ip_limit_is_per_address_and_gives_back_the_total() {
        let a = Admission::new(AdmissionConfig { max_conns: Some(3), max_per_ip: Some(1), rate: None });
        assert!(a.admit(&peer("10.0.0.1", 1)).is_ok());
        assert_eq!(a.admit(&peer("::ffff:10.0.0.1", 2)), Err(Refusal::PerIp));
        assert!(a.admit(&peer("10.0.0.2", 1)).is_ok());
        // The refused one did not keep a place in the total.
        assert!(a.admit(&peer("10.0.0.3", 1)).is_ok());
        a.release(&peer("10.0.0.1", 1));
        assert!(a.per_ip.lock().unwrap().get(&"10.0.0.1".parse::<IpAddr>().unwrap()).is_none());
    }

    #[test]
    fn a_connection_refused_by_another_limit_keeps_its_rate_token() {
        let a =
            Admission::new(AdmissionConfig { max_conns: Some(1), max_per_ip: None, rate: Some((0.001, 2)) });
        assert!(a.admit(&peer("10.0.0.1", 1)).is_ok());
        assert_eq!(a.admit(&peer("10.0.0.2", 1)), Err(Refusal::MaxConnections));
        a.release(&peer("10.0.0.1", 1));
        // One token was spent on the admitted one; the refused one gave its back.
        assert!(a.admit(&peer("10.0.0.2", 1)).is_ok());
    }

    #[test]
    fn outbound_connections_share_the_total_but_not_the_per_ip_count() {
        let a = Admission::new(AdmissionConfig { max_conns: Some(2), max_per_ip: Some(1), rate: None });
        assert!(a.admit(&peer("10.0.0.1", 1)).is_ok());
        assert!(a.admit_outbound().is_ok());
        assert_eq!(a.admit_outbound(), Err(Refusal::MaxConnections));
        assert_eq!(a.admit(&peer("10.0.0.2", 1)), Err(Refusal::MaxConnections));
        a.release_outbound();
        assert!(a.admit(&peer("10.0.0.2", 1)).is_ok());
    }

    #[test]
    fn behind_a_balancer_the_client_is_counted_not_the_socket() {
        let a = Admission::new(AdmissionConfig { max_conns: Some(10), max_per_ip: Some(1), rate: None });
        // Two connections from the balancer: the total counts both, per-IP neither.
        assert!(a.admit_total().is_ok() && a.admit_total().is_ok());
        assert_eq!(a.admit_client(&peer("192.0.2.1", 5)), Ok(true));
        assert_eq!(a.admit_client(&peer("192.0.2.2", 5)), Ok(true));
        assert_eq!(a.admit_client(&peer("192.0.2.1", 6)), Err(Refusal::PerIp));
        a.release_client(&peer("192.0.2.1", 5));
        assert_eq!(a.admit_client(&peer("192.0.2.1", 6)), Ok(true));
        assert_eq!(a.admit_client(&Addr::Unnamed), Ok(false), "no IP: not counted");
    }

    #[test]
    fn rate_admits_the_burst_then_refuses() {
        let a = Admission::new(AdmissionConfig { rate: Some((0.001, 3)), ..Default::default() });
        for _ in 0..3 {
            assert!(a.admit(&peer("10.0.0.1", 1)).is_ok());
        }
        assert_eq!(a.admit(&peer("10.0.0.1", 1)), Err(Refusal::Rate));
    }
}
