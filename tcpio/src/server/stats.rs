//! Server statistics: a consistent-enough snapshot of every loop's counters.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::engine::shared::Shared;

/// Connections refused by each limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refused {
    /// By [`Builder::max_connections`](crate::Builder::max_connections).
    pub max_connections: u64,
    /// By [`Builder::max_connections_per_ip`](crate::Builder::max_connections_per_ip).
    pub per_ip: u64,
    /// By [`Builder::accept_rate`](crate::Builder::accept_rate).
    pub rate: u64,
    /// Sources a PROXY protocol address does not trust
    /// ([`BindOptions::trust`](crate::BindOptions::trust)).
    pub untrusted: u64,
}

/// Connections closed by each timeout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimedOut {
    /// By [`Builder::idle_timeout`](crate::Builder::idle_timeout).
    pub idle: u64,
    /// By [`Builder::read_timeout`](crate::Builder::read_timeout).
    pub read: u64,
    /// By [`Builder::write_timeout`](crate::Builder::write_timeout).
    pub write: u64,
    /// By [`Builder::handshake_timeout`](crate::Builder::handshake_timeout).
    pub handshake: u64,
    /// Not open within a bind's setup timeout
    /// ([`BindOptions::setup_timeout`](crate::BindOptions::setup_timeout)).
    pub setup: u64,
}

/// Counters of one loop, or their sum over all loops.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoopStats {
    /// Connections open now (`accepted + dialed - closed`), those still in their setup
    /// stage included.
    pub open: u64,
    /// Connections in their setup stage now (a PROXY header or a TLS handshake still to
    /// come): not yet opened.
    pub in_setup: u64,
    /// Connections whose PROXY header had the LOCAL command: a balancer's own
    /// connections, its health checks (not clients; the per-IP limit leaves them out).
    pub proxy_local: u64,
    /// TLS handshakes completed (full and resumed), inbound and outbound.
    pub tls_handshakes: u64,
    /// Of those, how many resumed a session.
    pub tls_resumed: u64,
    /// TLS connections closed by a TLS failure: a bad record, a certificate the other
    /// side refused, a protocol mismatch, an alert.
    pub tls_failed: u64,
    /// Connections accepted (and served by this loop).
    pub accepted: u64,
    /// Outbound connections dialed on this loop (those that failed to connect too).
    pub dialed: u64,
    /// Connections closed or detached.
    pub closed: u64,
    /// Bytes read from peers.
    pub bytes_in: u64,
    /// Bytes written to peers.
    pub bytes_out: u64,
    /// Output queued for peers now, not yet taken by their sockets.
    pub queued_bytes: u64,
    /// Handler callbacks that panicked.
    pub panics: u64,
    /// Connections accepted and closed at once by a limit (counted by the loop that
    /// accepted them; they are not in `accepted`).
    pub refused: Refused,
    /// Connections closed by a timeout.
    pub timed_out: TimedOut,
    /// Connections closed by an immediate stop or when a graceful one ran out of time.
    pub aborted: u64,
    /// Broadcasts not queued for this loop because its mailbox already held a hard
    /// cap's worth of broadcast bytes (see
    /// [`ServerControl::broadcast`](crate::ServerControl::broadcast)).
    pub broadcasts_dropped: u64,
}

impl LoopStats {
    fn add(&mut self, o: &LoopStats) {
        self.open += o.open;
        self.in_setup += o.in_setup;
        self.proxy_local += o.proxy_local;
        self.tls_handshakes += o.tls_handshakes;
        self.tls_resumed += o.tls_resumed;
        self.tls_failed += o.tls_failed;
        self.accepted += o.accepted;
        self.dialed += o.dialed;
        self.closed += o.closed;
        self.bytes_in += o.bytes_in;
        self.bytes_out += o.bytes_out;
        self.queued_bytes += o.queued_bytes;
        self.panics += o.panics;
        self.refused.max_connections += o.refused.max_connections;
        self.refused.per_ip += o.refused.per_ip;
        self.refused.rate += o.refused.rate;
        self.refused.untrusted += o.refused.untrusted;
        self.timed_out.idle += o.timed_out.idle;
        self.timed_out.read += o.timed_out.read;
        self.timed_out.write += o.timed_out.write;
        self.timed_out.handshake += o.timed_out.handshake;
        self.timed_out.setup += o.timed_out.setup;
        self.aborted += o.aborted;
        self.broadcasts_dropped += o.broadcasts_dropped;
    }
}

/// A snapshot of the server's counters: per loop and in total. Connection counts are
/// exact at the moment they are read; byte counts are published by each loop once
/// per pass of its event loop, so they may trail by one pass.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// The sum over every loop.
    pub total: LoopStats,
    /// One entry per loop, by loop id.
    pub loops: Vec<LoopStats>,
}

impl Stats {
    pub(crate) fn collect(shared: &Shared) -> Stats {
        let get = |a: &AtomicU64| a.load(Relaxed);
        let loops: Vec<LoopStats> = shared
            .loops
            .iter()
            .map(|l| {
                let c = &l.counters;
                // Closed first: a close that lands between the two loads can only make
                // `open` briefly high, never negative.
                let closed = get(&c.closed);
                let accepted = get(&c.accepted);
                let dialed = get(&c.dialed);
                LoopStats {
                    open: (accepted + dialed).saturating_sub(closed),
                    in_setup: get(&c.in_setup),
                    proxy_local: get(&c.proxy_local),
                    tls_handshakes: get(&c.tls_handshakes),
                    tls_resumed: get(&c.tls_resumed),
                    tls_failed: get(&c.tls_failed),
                    accepted,
                    dialed,
                    closed,
                    bytes_in: get(&c.bytes_in),
                    bytes_out: get(&c.bytes_out),
                    queued_bytes: get(&c.queued),
                    panics: get(&c.panics),
                    refused: Refused {
                        max_connections: get(&c.refused_max_conns),
                        per_ip: get(&c.refused_per_ip),
                        rate: get(&c.refused_rate),
                        untrusted: get(&c.refused_untrusted),
                    },
                    timed_out: TimedOut {
                        idle: get(&c.timed_out_idle),
                        read: get(&c.timed_out_read),
                        write: get(&c.timed_out_write),
                        handshake: get(&c.timed_out_handshake),
                        setup: get(&c.timed_out_setup),
                    },
                    aborted: get(&c.aborted),
                    broadcasts_dropped: get(&c.broadcasts_dropped),
                }
            })
            .collect();
        let mut total = LoopStats::default();
        for l in &loops {
            total.add(l);
        }
        Stats { total, loops }
    }
}
