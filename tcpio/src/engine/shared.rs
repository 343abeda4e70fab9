//! What the loops of one server share: mailboxes, wakers and counters.
//!
//! Nothing here is touched on the hot path except each loop's own counters, which
//! only their loop writes (a plain load and store, no locked instruction).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

use mio::Waker;

use crate::transport::Accepted;

/// Work sent to a loop from another thread.
#[derive(Debug)]
pub(crate) enum Command {
    /// A connection accepted elsewhere, to be served here.
    Adopt(Accepted),
    /// Stop accepting, flush and close every connection, then exit.
    Shutdown,
}

/// One loop's counters. Written only by their loop; read by anyone.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) accepted: AtomicU64,
    pub(crate) closed: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
    pub(crate) panics: AtomicU64,
}

/// Adds to a counter that only the calling loop writes: no read-modify-write
/// instruction is needed, so none is paid for.
#[inline]
pub(crate) fn bump(c: &AtomicU64, n: u64) {
    c.store(c.load(Relaxed) + n, Relaxed);
}

/// One loop's public face.
#[derive(Debug)]
pub(crate) struct LoopShared {
    mailbox: Mutex<Vec<Command>>,
    /// Set while a wake-up is on its way, so a burst of commands costs one.
    wake_pending: AtomicBool,
    waker: Arc<Waker>,
    pub(crate) counters: Counters,
}

impl LoopShared {
    pub(crate) fn new(waker: Arc<Waker>) -> LoopShared {
        LoopShared {
            mailbox: Mutex::new(Vec::new()),
            wake_pending: AtomicBool::new(false),
            waker,
            counters: Counters::default(),
        }
    }

    /// Queues a command and wakes the loop unless a wake-up is already pending.
    pub(crate) fn send(&self, cmd: Command) {
        self.mailbox.lock().unwrap_or_else(|p| p.into_inner()).push(cmd);
        if !self.wake_pending.swap(true, std::sync::atomic::Ordering::AcqRel) {
            if let Err(e) = self.waker.wake() {
                tracing::error!(error = %e, "could not wake an event loop");
            }
        }
    }

    /// Takes every queued command (called by the loop on its wake-up event). The
    /// pending flag is cleared first, so a command queued after the take wakes again.
    pub(crate) fn drain(&self, into: &mut Vec<Command>) {
        self.wake_pending.store(false, std::sync::atomic::Ordering::Release);
        into.append(&mut self.mailbox.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Open connections on this loop.
    pub(crate) fn open(&self) -> u64 {
        let closed = self.counters.closed.load(Relaxed);
        self.counters.accepted.load(Relaxed).saturating_sub(closed)
    }
}

/// Everything the loops of one server share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) loops: Vec<LoopShared>,
    pub(crate) stopping: AtomicBool,
}

impl Shared {
    /// Asks every loop to shut down gracefully (once).
    pub(crate) fn shutdown(&self) {
        if !self.stopping.swap(true, std::sync::atomic::Ordering::AcqRel) {
            for l in &self.loops {
                l.send(Command::Shutdown);
            }
        }
    }
}
