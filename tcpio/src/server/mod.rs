//! Building, starting, observing and stopping a server.

mod address;
mod admission;
mod bind_options;
mod builder;
mod error;
mod handle;
mod listen;
mod signals;
mod stats;
mod timeouts;

pub use address::{BindAddr, ToBindAddr};
pub use bind_options::{BindOptions, DEFAULT_SETUP_TIMEOUT};
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

    /// A builder for an engine that may have no listening address at all: it only
    /// dials out ([`ServerHandle::connect`]) and serves those connections with the
    /// same handler contract (xtcp's client). `bind` still works on it.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use tcpio::{Action, Server};
    ///
    /// let client = Server::client().loops(1).start_fn(|conn, input| {
    ///     println!("{} says {:?}", conn.peer_addr(), input.bytes());
    ///     input.consume_all();
    ///     Action::Continue
    /// })?;
    /// client.connect("127.0.0.1:6379".parse::<std::net::SocketAddr>().unwrap(), Duration::from_secs(3))?;
    /// # Ok::<(), tcpio::Error>(())
    /// ```
    pub fn client() -> Builder {
        Builder::default().allow_no_listeners()
    }
}
