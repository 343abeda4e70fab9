//! The engine's one entry point: start a server's loops, one thread each.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::admission::{Admission, AdmissionConfig};
use super::config::LoopConfig;
use super::core::Core;
use super::events::Observer;
use super::guard::guarded;
use super::shared::{LoopShared, Shared};
use super::{EventLoop, Handler};
use crate::backend::Poller;
use crate::transport::{Addr, Listener};

/// Everything the loops of one server are started with, checked beforehand.
pub(crate) struct LoopSetup {
    pub(crate) cfg: LoopConfig,
    pub(crate) admission: AdmissionConfig,
    pub(crate) observer: Option<Observer>,
    /// The graceful shutdown deadline used when none is given.
    pub(crate) shutdown_timeout: Option<Duration>,
}

/// What a start failed at, and why.
pub(crate) type StartError = (&'static str, std::io::Error);

/// The running loops: what they share, and their threads.
pub(crate) type Started = (Arc<Shared>, Vec<JoinHandle<()>>);

/// Tells the server a loop thread has ended, when dropped: however it ends (a panic
/// in the factory or the loop included), its mailbox closes and it is counted out.
struct LoopExit(Arc<Shared>, usize);

impl Drop for LoopExit {
    fn drop(&mut self) {
        if std::thread::panicking() {
            tracing::error!("an event loop panicked; stopping the server");
            self.0.shutdown_graceful();
        }
        // A loop that ran has closed it already; one whose factory or loop panicked
        // has not.
        self.0.close_mailbox(self.1);
        self.0.loop_exited();
    }
}

/// Starts one loop per entry of `listeners` (each loop's own listeners), with
/// `factory` making each loop's handler on that loop's thread. Returns what the loops
/// share and their threads; an error names what failed (a poller, a waker, a thread).
pub(crate) fn start_loops<H, F>(
    setup: LoopSetup,
    listeners: Vec<Vec<Listener>>,
    listen_addrs: Arc<[Addr]>,
    factory: F,
) -> Result<Started, StartError>
where
    H: Handler,
    F: Fn(usize) -> H + Send + Sync + 'static,
{
    let LoopSetup { cfg, admission, observer, shutdown_timeout } = setup;
    let mut pollers = Vec::with_capacity(cfg.loops);
    let mut loops = Vec::with_capacity(cfg.loops);
    for _ in 0..cfg.loops {
        let p = Poller::new().map_err(|e| ("creating a poller", e))?;
        let waker = p.waker().map_err(|e| ("creating a waker", e))?;
        loops.push(LoopShared::new(waker, cfg.limits.max_output));
        pollers.push(p);
    }
    let shared = Arc::new(Shared::new(loops, Admission::new(admission), observer, shutdown_timeout));
    let cfg = Arc::new(cfg);
    let factory = Arc::new(factory);
    let mut threads = Vec::with_capacity(cfg.loops);
    for (loop_id, (poller, listeners)) in pollers.into_iter().zip(listeners).enumerate() {
        let (loop_cfg, loop_addrs, loop_shared) = (cfg.clone(), listen_addrs.clone(), shared.clone());
        let factory = factory.clone();
        let spawned = std::thread::Builder::new().name(format!("tcpio-loop-{loop_id}")).spawn(move || {
            // Made here: a loop's core never leaves its thread.
            let shared = loop_shared;
            // Counts this loop out however the thread ends, a panic included, so
            // waiters and stop hooks are never left hanging.
            let _exit = LoopExit(shared.clone(), loop_id);
            let core = Core::new(loop_cfg, loop_id, loop_addrs, shared.clone());
            shared.enter_loop();
            match guarded(|| factory(loop_id)) {
                Ok(handler) => EventLoop::new(handler, poller, listeners, core).run(),
                Err(msg) => {
                    tracing::error!(loop_id, panic = %msg, "the handler factory panicked; shutting down");
                    shared.shutdown_graceful();
                }
            }
        });
        match spawned {
            Ok(t) => threads.push(t),
            Err(e) => {
                // The loops that never started are counted as stopped.
                for _ in threads.len()..cfg.loops {
                    shared.loop_exited();
                }
                shared.shutdown_graceful();
                return Err(("spawning an event loop thread", e));
            }
        }
    }
    Ok((shared, threads))
}
