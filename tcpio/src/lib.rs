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
//! ## TLS
//!
//! An address serves TLS with [`BindOptions::tls`] (a [`tls::TlsServer`]: certificate
//! and key from PEM files or memory, SNI, ALPN, versions, client certificates,
//! resumption, reload); the handler reads and writes plaintext and finds the session in
//! [`Conn::tls`]. A round trip with a certificate made on the spot (by `rcgen`):
//!
//! ```
//! use std::io::{Read, Write};
//! use std::sync::Arc;
//! use tcpio::tls::{rustls, Pem, TlsServer};
//! use tcpio::{Action, BindOptions, Server};
//!
//! let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
//! let (cert_pem, key_pem) = (cert.cert.pem(), cert.signing_key.serialize_pem());
//! let tls = TlsServer::new(Pem::memory(cert_pem.clone()), Pem::memory(key_pem))?;
//! let server = Server::builder()
//!     .bind_with("tls://127.0.0.1:0", BindOptions::new().tls(tls))?
//!     .loops(1)
//!     .start_fn(|conn, input| {
//!         let version = conn.tls().map(|t| t.version.to_string()).unwrap_or_default();
//!         conn.write(version.as_bytes());
//!         input.consume_all();
//!         Action::Close // close_notify, then the FIN
//!     })?;
//! let addr = server.local_addrs()[0].as_ip().unwrap();
//!
//! // A rustls client that trusts that certificate.
//! let mut roots = rustls::RootCertStore::empty();
//! roots.add(cert.cert.der().clone()).unwrap();
//! let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
//!     .with_safe_default_protocol_versions()
//!     .unwrap()
//!     .with_root_certificates(roots)
//!     .with_no_client_auth();
//! let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
//! let session = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
//! let mut client = rustls::StreamOwned::new(session, std::net::TcpStream::connect(addr).unwrap());
//! client.write_all(b"which version?").unwrap();
//! let mut reply = String::new();
//! client.read_to_string(&mut reply).unwrap(); // ends cleanly, at close_notify
//! assert_eq!(reply, "TLS 1.3");
//! server.shutdown();
//! server.wait()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
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
//! - [`tls`]: TLS settings for addresses ([`tls::TlsServer`]) and dialed connections
//!   ([`tls::TlsClient`]), and what a handler learns of a session ([`tls::TlsInfo`]).
//! - [`codec`]: framing. A [`Decoder`](codec::Decoder)/[`Encoder`](codec::Encoder)
//!   pair per protocol, built-ins (length field, line, delimiter, fixed size) with
//!   bounded defaults, and [`Framed`](codec::Framed), which turns a frame-level
//!   handler into a [`Handler`].
//!
//! See `docs/ARCHITECTURE.md` for how the layers fit together.

#![deny(missing_docs, missing_debug_implementations, unreachable_pub)]
#![doc(test(attr(deny(warnings))))]
#![deny(clippy::undocumented_unsafe_blocks)]
// `unsafe` is denied everywhere but one backend file (`backend/socket_queue.rs`),
// which allows it for a single ioctl with no safe wrapper.
#![deny(unsafe_code)]

mod backend;
pub mod codec;
mod engine;
mod server;
mod transport;

pub use engine::{
    Action, Balance, CloseReason, Conn, ConnHandle, ConnWriter, Detached, FnHandler, Group, Handler, Input,
    Other, OutputLimit, Refusal, SendError, ServerControl, ServerEvent, TimerId,
};
pub use server::{
    BindAddr, BindOptions, Builder, Error, LoopStats, Refused, Server, ServerHandle, Stats, TimedOut,
    ToBindAddr, DEFAULT_HIGH_WATER, DEFAULT_LINGER, DEFAULT_MAX_INPUT, DEFAULT_MAX_OUTPUT,
    DEFAULT_READ_BUFFER, DEFAULT_SETUP_TIMEOUT, DEFAULT_SHUTDOWN_TIMEOUT,
};
pub use transport::{proxy, tls, Addr, DetachedStream};
