//! The parts of a loop that a callback's [`Conn`] borrows: the buffer pool, the
//! forwarded-input batch, the configuration, the clock, the timers, what the callback
//! staged for other connections, and the loop's counters.

use std::sync::Arc;
use std::time::Instant;

use super::batch::Batch;
use super::buffer::BufferPool;
use super::clock::Clock;
use super::config::LoopConfig;
use super::shared::{Counters, Shared};
use super::staged::Staged;
use super::timers::Timers;
use super::Action;
use crate::transport::Addr;

/// What a delivery that did not settle left for the loop to do. A delivery returns
/// only whether it settled (a flag in a register, the hot path's whole answer) and
/// leaves this in [`Core::unsettled`] otherwise.
pub(crate) enum Unsettled {
    /// The callback's outcome needs the loop's `after`.
    Pending(Result<Action, String>, std::io::Result<()>),
    /// Unconsumed input passed the limit.
    TooMuchInput,
}

/// The parts of a loop that a [`Conn`] borrows during a callback.
pub(crate) struct Core {
    pub(crate) pool: BufferPool,
    pub(crate) batch: Batch,
    pub(crate) cfg: Arc<LoopConfig>,
    /// The hard cap on queued output and the reads per event, copied out of `cfg`
    /// to be one load away on the hot path.
    pub(crate) max_output: usize,
    pub(crate) read_budget: usize,
    pub(crate) loop_id: usize,
    pub(crate) listen_addrs: Arc<[Addr]>,
    pub(crate) shared: Arc<Shared>,
    /// This loop's counters in `shared`, held directly: published every pass.
    counters: Arc<Counters>,
    /// Byte counts kept locally and published once per loop pass: the hot path pays
    /// a plain add, not an atomic per read and write.
    pub(crate) bytes_in: u64,
    pub(crate) bytes_out: u64,
    pub(crate) timers: Timers,
    pub(crate) clock: Clock,
    /// The loop is stopping: no new outbound connections.
    pub(crate) draining: bool,
    /// What the last delivery left to do when it did not settle (`deliver.rs`):
    /// taken at once by the loop.
    pub(crate) unsettled: Option<Unsettled>,
    /// What the callback in progress staged for other connections of the loop.
    pub(crate) staged: Staged,
    /// Ciphertext being written for a TLS connection (kept between flushes, bounded).
    pub(crate) tls_out: crate::tls::CipherBuf,
    /// This loop's members of every group.
    pub(crate) memberships: super::group::Memberships,
    /// Counter behind connection ids (ids are `n * loops + loop_id`: unique in the
    /// server, never reused).
    next_id: u64,
    #[cfg(feature = "metrics")]
    metrics: super::metrics_export::LoopMetrics,
}

impl Core {
    pub(crate) fn new(
        cfg: Arc<LoopConfig>,
        loop_id: usize,
        listen_addrs: Arc<[Addr]>,
        shared: Arc<Shared>,
    ) -> Core {
        let counters = shared.loops[loop_id].counters.clone();
        Core {
            counters,
            pool: BufferPool::new(cfg.pool_buffer, cfg.pool_max_free),
            batch: Batch::default(),
            max_output: cfg.limits.max_output,
            read_budget: cfg.read_budget,
            cfg,
            loop_id,
            listen_addrs,
            shared,
            bytes_in: 0,
            bytes_out: 0,
            timers: Timers::new(Instant::now()),
            clock: Clock::new(),
            draining: false,
            unsettled: None,
            staged: Staged::default(),
            tls_out: Default::default(),
            memberships: Default::default(),
            next_id: 0,
            #[cfg(feature = "metrics")]
            metrics: super::metrics_export::LoopMetrics::new(loop_id),
        }
    }

    /// A new connection id.
    pub(crate) fn new_id(&mut self) -> u64 {
        let id = self.next_id * self.cfg.loops as u64 + self.loop_id as u64;
        self.next_id += 1;
        id
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Makes the byte counts visible to [`ServerHandle::stats`](crate::ServerHandle::stats).
    pub(crate) fn publish(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        let c = self.counters();
        c.bytes_in.store(self.bytes_in, Relaxed);
        c.bytes_out.store(self.bytes_out, Relaxed);
        c.queued.store(self.pool.queued as u64, Relaxed);
        #[cfg(feature = "metrics")]
        self.metrics.publish(c);
    }

    /// Records what an unsettled delivery leaves to do; returns false (not settled).
    #[cold]
    #[inline(never)]
    pub(crate) fn unsettle(&mut self, what: Unsettled) -> bool {
        self.unsettled = Some(what);
        false
    }
}
