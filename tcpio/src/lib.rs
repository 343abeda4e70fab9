//! # tcpio
//!
//! An event-driven TCP framework: callback event loops over epoll/kqueue (through
//! `mio`), one per core, with the features a production server needs and a
//! hand-written loop never gets. No async runtime: a handler is plain code that runs
//! on the loop thread owning the connection.
//!
//! ```no_run
//! use tcpio::{Action, Conn, Handler, Input, Server};
//!
//! struct Echo;
//!
//! impl Handler for Echo {
//!     type State = ();
//!     fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
//!         conn.write(input.bytes()); // forwarded from the read buffer, no copy
//!         input.consume_all();
//!         Action::Continue
//!     }
//! }
//!
//! Server::builder()
//!     .bind("tcp://0.0.0.0:5000")?
//!     .bind("unix:///tmp/echo.sock")?
//!     .loops(0) // one per core
//!     .serve(|_loop_id| Echo)?; // blocks; `start` returns a handle instead
//! # Ok::<(), tcpio::Error>(())
//! ```
//!
//! A complete, runnable round trip (server on port 0, a client, a clean stop):
//!
//! ```
//! use std::io::{Read, Write};
//! use tcpio::{Action, Server};
//!
//! let server = Server::builder().bind("127.0.0.1:0")?.loops(1).start_fn(|conn, input| {
//!     let line = input.bytes();
//!     if let Some(end) = line.iter().position(|&b| b == b'\n') {
//!         conn.write(b"OK ");
//!         conn.write(&line[..=end]);
//!         input.consume(end + 1);
//!     }
//!     Action::Continue
//! })?;
//! let addr = server.local_addrs()[0].as_ip().unwrap();
//! let mut client = std::net::TcpStream::connect(addr).unwrap();
//! client.write_all(b"hello\n").unwrap();
//! let mut reply = [0u8; 9];
//! client.read_exact(&mut reply).unwrap();
//! assert_eq!(&reply, b"OK hello\n");
//! drop(client);
//! server.shutdown();
//! server.wait()?;
//! # Ok::<(), tcpio::Error>(())
//! ```
//!
//! ## The pieces
//!
//! - [`Server::builder`] → [`Builder`]: addresses, loops, limits; every option is
//!   checked up front and a mistake is an [`Error`] naming it.
//! - [`Handler`]: the callbacks (opened, data, end of stream, output drained, closed
//!   with its [`CloseReason`], tick), each returning an [`Action`].
//! - [`Conn`]: the connection during a callback (ids, addresses, typed state, writes,
//!   pause/resume, half-close). [`Input`]: the bytes not consumed yet.
//! - [`ServerHandle`]: bound addresses, [`Stats`], shutdown.
//! - [`codec`]: framing. A [`Decoder`](codec::Decoder)/[`Encoder`](codec::Encoder)
//!   pair per protocol, built-ins (length field, line, delimiter, fixed size) with
//!   bounded defaults, and [`Framed`](codec::Framed), which turns a frame-level
//!   handler into a [`Handler`].
//!
//! See `docs/ARCHITECTURE.md` for how the layers fit together.

#![deny(missing_docs, missing_debug_implementations, unreachable_pub)]
#![doc(test(attr(deny(warnings))))]
#![deny(clippy::undocumented_unsafe_blocks)]
#![forbid(unsafe_code)]

mod backend;
pub mod codec;
mod engine;
mod server;
mod transport;

pub use engine::{
    Action, Balance, CloseReason, Conn, ConnHandle, ConnWriter, Detached, FnHandler, Handler, Input, Other,
    Refusal, SendError, ServerControl, ServerEvent, TimerId,
};
pub use server::{
    BindAddr, BindOptions, Builder, Error, LoopStats, Refused, Server, ServerHandle, Stats, TimedOut,
    ToBindAddr, DEFAULT_HIGH_WATER, DEFAULT_LINGER, DEFAULT_MAX_INPUT, DEFAULT_MAX_OUTPUT,
    DEFAULT_READ_BUFFER, DEFAULT_SETUP_TIMEOUT, DEFAULT_SHUTDOWN_TIMEOUT,
};
pub use transport::{proxy, tls, Addr, DetachedStream};
