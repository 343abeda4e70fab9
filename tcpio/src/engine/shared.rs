//! What the loops of one server share: mailboxes, wakers, counters, limits and the
//! server's run state.
//!
//! Nothing here is touched on the hot path except each loop's own counters, which
//! only their loop writes (a plain load and store, no locked instruction).

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::admission::Admission;
use super::events::{Observer, ServerEvent};
use super::guard::guarded;
use super::mailbox::{Command, Mailbox, NotQueued, Stop};
use crate::backend::Waker;

/// One loop's counters. Written only by their loop; read by anyone.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) accepted: AtomicU64,
    pub(crate) dialed: AtomicU64,
    pub(crate) closed: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
    pub(crate) panics: AtomicU64,
    pub(crate) queued: AtomicU64,
    pub(crate) refused_max_conns: AtomicU64,
    pub(crate) refused_per_ip: AtomicU64,
    pub(crate) refused_rate: AtomicU64,
    pub(crate) timed_out_idle: AtomicU64,
    pub(crate) timed_out_read: AtomicU64,
    pub(crate) timed_out_write: AtomicU64,
    pub(crate) timed_out_handshake: AtomicU64,
    pub(crate) timed_out_setup: AtomicU64,
    pub(crate) refused_untrusted: AtomicU64,
    /// PROXY headers with the LOCAL command (a balancer's health checks).
    pub(crate) proxy_local: AtomicU64,
    /// TLS handshakes completed, and how many of them resumed a session.
    pub(crate) tls_handshakes: AtomicU64,
    pub(crate) tls_resumed: AtomicU64,
    /// TLS connections closed by a TLS error (a bad record, a refused certificate...).
    pub(crate) tls_failed: AtomicU64,
    /// Connections in the setup stage now (not open yet).
    pub(crate) in_setup: AtomicU64,
    /// Connections closed by an immediate stop or a shutdown deadline.
    pub(crate) aborted: AtomicU64,
    /// Broadcasts this loop did not take: its mailbox already held a hard cap's worth
    /// of broadcast bytes. Written by the senders (a locked add), not the loop.
    pub(crate) broadcasts_dropped: AtomicU64,
}

/// Adds to a counter that only the calling loop writes: no read-modify-write
/// instruction is needed, so none is paid for.
#[inline]
pub(crate) fn bump(c: &AtomicU64, n: u64) {
    c.store(c.load(Relaxed) + n, Relaxed);
}

/// Takes from a gauge that only the calling loop writes (see [`bump`]).
#[inline]
pub(crate) fn unbump(c: &AtomicU64, n: u64) {
    c.store(c.load(Relaxed).saturating_sub(n), Relaxed);
}

/// One loop's public face.
#[derive(Debug)]
pub(crate) struct LoopShared {
    mailbox: Mailbox,
    /// Set while a wake-up is on its way, so a burst of commands costs one.
    wake_pending: AtomicBool,
    waker: Waker,
    pub(crate) counters: Arc<Counters>,
}

impl LoopShared {
    pub(crate) fn new(waker: Waker, broadcast_budget: usize) -> LoopShared {
        LoopShared {
            mailbox: Mailbox::new(broadcast_budget),
            wake_pending: AtomicBool::new(false),
            waker,
            counters: Arc::default(),
        }
    }

    /// Queues a command and wakes the loop unless a wake-up is already pending. A loop
    /// that has exited takes nothing: the command comes back.
    pub(crate) fn send(&self, cmd: Command) -> Result<(), Command> {
        self.mailbox.push(cmd)?;
        self.wake();
        Ok(())
    }

    /// Queues a broadcast unless the mailbox already holds its budget of them (or the
    /// loop has exited); a broadcast not taken for want of room is counted.
    pub(crate) fn broadcast(&self, data: &Arc<[u8]>, except: Option<u64>) {
        self.took(self.mailbox.push_broadcast(data, except));
    }

    /// Queues a group's message; false if this loop did not take it.
    pub(crate) fn publish(&self, data: &Arc<[u8]>, group: u64, except: Option<u64>) -> bool {
        self.took(self.mailbox.push_publish(data, group, except))
    }

    /// After queuing shared bytes: wakes the loop if it took them, counts them in
    /// `broadcasts_dropped` if its budget was spent. Whether it took them.
    fn took(&self, res: Result<(), NotQueued>) -> bool {
        match res {
            Ok(()) => {
                self.wake();
                true
            }
            Err(NotQueued::Full) => {
                self.counters.broadcasts_dropped.fetch_add(1, Relaxed);
                false
            }
            Err(NotQueued::Closed) => false,
        }
    }

    fn wake(&self) {
        if !self.wake_pending.swap(true, std::sync::atomic::Ordering::AcqRel) {
            if let Err(e) = self.waker.wake() {
                // Let the next command try again rather than wait on a wake-up that
                // never comes.
                self.wake_pending.store(false, std::sync::atomic::Ordering::Release);
                tracing::error!(error = %e, "could not wake an event loop");
            }
        }
    }

    /// Takes every queued command (called by the loop on its wake-up event). The
    /// pending flag is cleared first, so a command queued after the take wakes again.
    pub(crate) fn drain(&self, into: &mut Vec<Command>) {
        self.wake_pending.store(false, std::sync::atomic::Ordering::Release);
        self.mailbox.take(into);
    }

    /// The loop is exiting: see [`Mailbox::close`].
    pub(crate) fn close(&self) -> Vec<Command> {
        self.mailbox.close()
    }

    /// Commands waiting (for tests of the bounds above).
    #[cfg(test)]
    pub(crate) fn pending(&self) -> usize {
        self.mailbox.len()
    }

    /// Open connections on this loop.
    pub(crate) fn open(&self) -> u64 {
        let closed = self.counters.closed.load(Relaxed);
        (self.counters.accepted.load(Relaxed) + self.counters.dialed.load(Relaxed)).saturating_sub(closed)
    }
}

/// Work to do once every loop has stopped (release a signal thread, say).
pub(crate) type StopHook = Box<dyn FnOnce() + Send>;

/// Everything the loops of one server share.
pub(crate) struct Shared {
    pub(crate) loops: Vec<LoopShared>,
    /// A shutdown was asked for (the server is draining or stopped).
    pub(crate) stopping: AtomicBool,
    /// The strongest stop asked for so far: a repeated request that asks for no more
    /// (no earlier deadline, not immediate) costs no mailbox entries.
    asked: Mutex<Option<Stop>>,
    pub(crate) admission: Admission,
    pub(crate) observer: Option<Observer>,
    /// The graceful shutdown deadline used when none is given.
    pub(crate) shutdown_timeout: Option<Duration>,
    /// Loops still running, and whether the last one out has finished (run the stop
    /// hooks and told the observer): what waiters wait for.
    running: Mutex<(usize, bool)>,
    stopped: Condvar,
    stop_hooks: Mutex<Vec<StopHook>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("loops", &self.loops.len())
            .field("stopping", &self.stopping)
            .field("running", &self.running)
            .finish_non_exhaustive()
    }
}

thread_local! {
    /// The server whose loop runs on this thread (its `Shared` address), or 0.
    static LOOP_OF: Cell<usize> = const { Cell::new(0) };
}

impl Shared {
    pub(crate) fn new(
        loops: Vec<LoopShared>,
        admission: Admission,
        observer: Option<Observer>,
        shutdown_timeout: Option<Duration>,
    ) -> Shared {
        let n = loops.len();
        Shared {
            loops,
            stopping: AtomicBool::new(false),
            asked: Mutex::new(None),
            admission,
            observer,
            shutdown_timeout,
            running: Mutex::new((n, n == 0)),
            stopped: Condvar::new(),
            stop_hooks: Mutex::new(Vec::new()),
        }
    }

    /// Tells the observer, if any; a panicking observer is logged, not propagated.
    pub(crate) fn emit(&self, event: ServerEvent<'_>) {
        if let Some(obs) = &self.observer {
            if let Err(msg) = guarded(|| obs(&event)) {
                tracing::error!(panic = %msg, "the event observer panicked");
            }
        }
    }

    /// Asks every loop to stop. A graceful stop may be repeated with an earlier
    /// deadline, and an immediate one may follow a graceful one.
    pub(crate) fn shutdown(&self, stop: Stop) {
        {
            let mut asked = self.asked.lock().unwrap_or_else(|p| p.into_inner());
            let stronger = match (*asked, stop) {
                (None, _) => true,
                (Some(Stop::Immediate), _) => false,
                (Some(Stop::Graceful { .. }), Stop::Immediate) => true,
                (Some(Stop::Graceful { deadline: before }), Stop::Graceful { deadline: now }) => {
                    matches!((before, now), (None, Some(_)))
                        || matches!((before, now), (Some(b), Some(n)) if n < b)
                }
            };
            if !stronger {
                return;
            }
            *asked = Some(stop);
        }
        let first = !self.stopping.swap(true, std::sync::atomic::Ordering::AcqRel);
        if first || stop == Stop::Immediate {
            let graceful = stop != Stop::Immediate;
            tracing::info!(graceful, "server stopping");
            self.emit(ServerEvent::Stopping { graceful });
        }
        for l in &self.loops {
            // A loop that has exited needs no telling.
            let _ = l.send(Command::Shutdown(stop));
        }
    }

    /// A graceful stop with the configured deadline.
    pub(crate) fn shutdown_graceful(&self) {
        let deadline = self.shutdown_timeout.map(|d| Instant::now() + d);
        self.shutdown(Stop::Graceful { deadline });
    }

    /// Whether a shutdown was asked for.
    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.load(Relaxed)
    }

    /// Loops still running.
    pub(crate) fn running(&self) -> usize {
        self.running.lock().unwrap_or_else(|p| p.into_inner()).0
    }

    /// Runs `hook` once every loop has stopped (at once if they have).
    pub(crate) fn on_stopped(&self, hook: StopHook) {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if running.0 == 0 {
            drop(running);
            hook();
        } else {
            self.stop_hooks.lock().unwrap_or_else(|p| p.into_inner()).push(hook);
        }
    }

    /// Called by each loop thread as it ends.
    pub(crate) fn loop_exited(&self) {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        running.0 -= 1;
        if running.0 > 0 {
            return;
        }
        // Stopped for good, even if no one asked (every loop failed).
        self.stopping.store(true, Relaxed);
        let hooks = std::mem::take(&mut *self.stop_hooks.lock().unwrap_or_else(|p| p.into_inner()));
        drop(running);
        tracing::info!("server stopped");
        self.emit(ServerEvent::Stopped);
        for h in hooks {
            h();
        }
        // Set and notified under the lock so a waiter cannot miss it between its
        // check and its wait.
        self.running.lock().unwrap_or_else(|p| p.into_inner()).1 = true;
        self.stopped.notify_all();
    }

    /// Blocks until every loop has stopped or `deadline` passes; true if they stopped.
    pub(crate) fn wait_stopped(&self, deadline: Option<Instant>) -> bool {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        while !running.1 {
            match deadline {
                None => running = self.stopped.wait(running).unwrap_or_else(|p| p.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return false;
                    }
                    running =
                        self.stopped.wait_timeout(running, d - now).unwrap_or_else(|p| p.into_inner()).0;
                }
            }
        }
        true
    }

    /// Marks the calling thread as one of this server's loops.
    pub(crate) fn enter_loop(self: &Arc<Self>) {
        LOOP_OF.with(|l| l.set(Arc::as_ptr(self) as usize));
    }

    /// Whether the calling thread is one of this server's loops (where a blocking
    /// wait for the server would wait for itself).
    pub(crate) fn on_loop_thread(self: &Arc<Self>) -> bool {
        LOOP_OF.with(|l| l.get() == Arc::as_ptr(self) as usize)
    }

    /// Closes loop `loop_id`'s mailbox as the loop exits: later commands are refused,
    /// and those that came too late are dropped (their sockets close) after giving
    /// back the places the connection limits counted for them.
    pub(crate) fn close_mailbox(&self, loop_id: usize) {
        for cmd in self.loops[loop_id].close() {
            match cmd {
                Command::Adopt(acc, true) => self.admission.release(&acc.peer),
                Command::Dial { .. } => self.admission.release_outbound(),
                _ => {}
            }
        }
    }

    /// Connections closed by an immediate stop or a shutdown deadline, in all.
    pub(crate) fn aborted(&self) -> u64 {
        self.loops.iter().map(|l| l.counters.aborted.load(Relaxed)).sum()
    }

    /// Open connections over every loop.
    pub(crate) fn open(&self) -> u64 {
        self.loops.iter().map(LoopShared::open).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox(budget: usize) -> (crate::backend::Poller, LoopShared) {
        let poller = crate::backend::Poller::new().unwrap();
        let l = LoopShared::new(poller.waker().unwrap(), budget);
        (poller, l)
    }

    #[test]
    fn broadcasts_are_held_to_the_budget_and_the_rest_counted() {
        let (_poller, l) = mailbox(10 * 1024);
        let data: Arc<[u8]> = vec![0; 1024].into();
        for _ in 0..1000 {
            l.broadcast(&data, None);
        }
        assert_eq!(l.pending(), 10);
        assert_eq!(l.counters.broadcasts_dropped.load(Relaxed), 990);
        // Taking them in makes room again.
        let mut taken = Vec::new();
        l.drain(&mut taken);
        assert_eq!(taken.len(), 10);
        l.broadcast(&data, None);
        assert_eq!(l.pending(), 1);
    }

    #[test]
    fn repeated_stops_queue_only_what_asks_for_more() {
        let (_poller, l) = mailbox(1);
        let cfg = crate::engine::admission::AdmissionConfig::default();
        let shared = Shared::new(vec![l], Admission::new(cfg), None, None);
        let pending = || shared.loops[0].pending();
        for _ in 0..1000 {
            shared.shutdown(Stop::Graceful { deadline: None });
        }
        assert_eq!(pending(), 1);
        let soon = Instant::now() + Duration::from_secs(5);
        shared.shutdown(Stop::Graceful { deadline: Some(soon) });
        shared.shutdown(Stop::Graceful { deadline: Some(soon + Duration::from_secs(1)) });
        assert_eq!(pending(), 2, "only the earlier deadline is news");
        for _ in 0..1000 {
            shared.shutdown(Stop::Immediate);
            shared.shutdown(Stop::Graceful { deadline: None });
        }
        assert_eq!(pending(), 3);
    }

    #[test]
    fn a_closed_mailbox_takes_nothing_and_gives_back_what_it_held() {
        let (_poller, l) = mailbox(1 << 20);
        l.send(Command::Shutdown(Stop::Immediate)).unwrap();
        assert_eq!(l.close().len(), 1);
        assert!(l.send(Command::Shutdown(Stop::Immediate)).is_err());
        for _ in 0..10_000 {
            l.broadcast(&Arc::from(&[1u8; 1024][..]), None);
        }
        assert_eq!(l.pending(), 0, "nothing piles up after the loop has gone");
    }
}
