//! Server statistics: a consistent-enough snapshot of every loop's counters.

use std::sync::atomic::Ordering::Relaxed;

use crate::engine::shared::Shared;

/// Counters of one loop, or their sum over all loops.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoopStats {
    /// Connections open now (`accepted - closed`).
    pub open: u64,
    /// Connections accepted (and served by this loop).
    pub accepted: u64,
    /// Connections closed or detached.
    pub closed: u64,
    /// Bytes read from peers.
    pub bytes_in: u64,
    /// Bytes written to peers.
    pub bytes_out: u64,
    /// Handler callbacks that panicked.
    pub panics: u64,
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
        let loops: Vec<LoopStats> = shared
            .loops
            .iter()
            .map(|l| {
                let c = &l.counters;
                // Closed first: a close that lands between the two loads can only make
                // `open` briefly high, never negative.
                let closed = c.closed.load(Relaxed);
                let accepted = c.accepted.load(Relaxed);
                LoopStats {
                    open: accepted.saturating_sub(closed),
                    accepted,
                    closed,
                    bytes_in: c.bytes_in.load(Relaxed),
                    bytes_out: c.bytes_out.load(Relaxed),
                    panics: c.panics.load(Relaxed),
                }
            })
            .collect();
        let mut total = LoopStats::default();
        for l in &loops {
            total.open += l.open;
            total.accepted += l.accepted;
            total.closed += l.closed;
            total.bytes_in += l.bytes_in;
            total.bytes_out += l.bytes_out;
            total.panics += l.panics;
        }
        Stats { total, loops }
    }
}
