//! Building, starting, observing and stopping a server.

mod address;
mod builder;
mod error;
mod handle;
mod limits;
mod listen;
mod signals;
mod stats;

pub use address::{BindAddr, ToBindAddr};
pub use builder::{
    Builder, DEFAULT_HIGH_WATER, DEFAULT_LINGER, DEFAULT_MAX_INPUT, DEFAULT_MAX_OUTPUT, DEFAULT_READ_BUFFER,
    DEFAULT_SHUTDOWN_TIMEOUT,
};
pub use error::Error;
pub use handle::ServerHandle;
pub use stats::{LoopStats, Refused, Stats, TimedOut};

/// The entry point: `Server::builder()`.
#[derive(Debug)]
pub struct Server(());

impl Server {
    /// A builder with the defaults: one loop per core, `TCP_NODELAY` on, the limits
    /// documented on each [`Builder`] method.
    pub fn builder() -> Builder {
        Builder::default()
    }
}
