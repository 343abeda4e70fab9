//! The contract ([`Handler`], [`Action`], [`Conn`], [`Input`]) and the event loop
//! that honours it.
//!
//! Each loop runs on its own thread with its own poller, connection slab, buffer pool
//! and timer wheel; nothing is shared on the hot path. A connection lives on one loop
//! for its whole life.
//!
//! ```text
//!   edge ─▶ read into the loop's buffer ─▶ on_data(conn, input) ─▶ flush once
//!                     │                            │                    │
//!          unconsumed bytes copied         writes queued; slices   socket takes
//!          into a pooled per-conn          of input recorded,      what it can;
//!          buffer (only those)             not copied              the rest is kept
//! ```

mod accept;
pub(crate) mod admission;
mod buffer;
mod commands;
pub(crate) mod config;
mod conn;
mod connection;
mod control;
mod dial;
mod event_loop;
pub(crate) mod events;
mod handle;
mod handler;
mod input;
mod local;
#[cfg(feature = "metrics")]
mod metrics_export;
mod output;
mod read_path;
pub(crate) mod shared;
mod shutdown;
mod timer_wheel;
mod timers;
mod write_path;
mod writer;

pub use config::Balance;
pub use conn::Conn;
pub use control::ServerControl;
pub use events::{Refusal, ServerEvent};
pub use handle::{ConnHandle, SendError};
pub use handler::{Action, CloseReason, Detached, DetachedStream, FnHandler, Handler, TimerId};
pub use input::Input;
pub use local::Other;
pub use writer::ConnWriter;

pub(crate) use event_loop::{guarded, Core, EventLoop};
