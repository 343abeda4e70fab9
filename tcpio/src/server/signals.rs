//! SIGINT and SIGTERM as a graceful shutdown, through `signal-hook`.

use std::sync::Arc;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::Error;
use crate::engine::mailbox::Stop;
use crate::engine::shared::Shared;

/// Spawns a thread that turns the first SIGINT/SIGTERM into a graceful shutdown and a
/// second one into an immediate stop. The thread ends when the server stops; the
/// handlers stay installed (signal-hook cannot restore the default disposition), so
/// SIGINT and SIGTERM no longer end the process by themselves after that.
pub(crate) fn shutdown_on_signals(shared: &Arc<Shared>) -> Result<(), Error> {
    let mut signals = Signals::new([SIGINT, SIGTERM])
        .map_err(|source| Error::Io { context: "registering signal handlers", source })?;
    let closer = signals.handle();
    let weak = Arc::downgrade(shared);
    std::thread::Builder::new()
        .name("tcpio-signals".into())
        .spawn(move || {
            let mut seen = 0;
            for sig in signals.forever() {
                let Some(shared) = weak.upgrade() else { break };
                seen += 1;
                if seen == 1 {
                    tracing::info!(signal = sig, "signal received: shutting down gracefully");
                    shared.shutdown_graceful();
                } else {
                    tracing::warn!(signal = sig, "second signal: stopping now");
                    shared.shutdown(Stop::Immediate);
                }
            }
        })
        .map_err(|source| Error::Io { context: "spawning the signal thread", source })?;
    shared.on_stopped(Box::new(move || closer.close()));
    Ok(())
}
