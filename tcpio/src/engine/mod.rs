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
//!
//! The files, grouped by what a reader is looking for (`docs/ARCHITECTURE.md` has the
//! map and the table of a connection's state bits):
//!
//! - the handler's contract: `handler.rs`, `action.rs`, `close_reason.rs`, `input.rs`,
//!   `conn.rs` (the view a callback gets), `other.rs` (dialing, reaching another
//!   connection of the loop), `writer.rs` (ConnWriter), `conn_handle.rs` (the
//!   cross-thread handle), `control.rs`, `events.rs`;
//! - the loop: `event_loop.rs` (run, dispatch, ready list, `after`), `core.rs` (what a
//!   callback borrows), `start.rs` (the entry point), `token.rs`, `guard.rs`;
//! - a connection's steps, in the order they happen: `accept.rs`, `deliver.rs` (read
//!   → handler, the hot path), `flush.rs` (the write, backpressure), `leave.rs`
//!   (close, linger, detach, finalize), `dial.rs`, `apply_staged.rs`;
//! - around it: `mailbox.rs` (Command, Stop) applied by `commands.rs` and
//!   `shutdown.rs`; `timers.rs` over `timer_wheel.rs`, applied by `time.rs`;
//!   `record.rs` (the loop's record of a connection and its state bits), `batch.rs`,
//!   `staged.rs`, `listeners.rs`, `clock.rs`, `buffer.rs`, `admission.rs`,
//!   `config.rs`, `shared.rs`, `metrics_export.rs`.

mod accept;
mod action;
pub(crate) mod admission;
mod apply_staged;
mod batch;
mod buffer;
mod clock;
mod close_reason;
mod commands;
pub(crate) mod config;
mod conn;
mod conn_handle;
mod control;
mod core;
mod deliver;
mod dial;
#[cfg(test)]
mod edge_tests;
mod event_loop;
pub(crate) mod events;
mod fanout;
mod flush;
mod group;
mod guard;
mod handler;
mod held;
mod input;
mod leave;
mod listeners;
pub(crate) mod mailbox;
#[cfg(feature = "metrics")]
mod metrics_export;
mod other;
mod output_limit;
mod record;
mod setup;
pub(crate) mod shared;
mod shutdown;
mod staged;
mod start;
mod time;
mod timer_wheel;
mod timers;
mod tls;
mod token;
mod writer;

pub use action::Action;
pub use close_reason::CloseReason;
pub use config::Balance;
pub use conn::Conn;
pub use conn_handle::{ConnHandle, SendError};
pub use control::ServerControl;
pub use events::{Refusal, ServerEvent};
pub use group::Group;
pub use handler::{Detached, FnHandler, Handler};
pub use input::Input;
pub use other::Other;
pub use output_limit::OutputLimit;
pub use timers::TimerId;
pub use writer::ConnWriter;

pub(crate) use event_loop::EventLoop;
pub(crate) use start::{start_loops, LoopSetup};
