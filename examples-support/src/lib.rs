//! What tcpio's examples share with its tests, its fuzz targets and its benchmark:
//! ordinary workspace code, with its own unit tests, instead of example files included
//! elsewhere by path.
//!
//! - [`redis`]: a Redis-compatible server (the `redis-server` example), its RESP
//!   parser, keyspace and commands sans-I/O.
//! - [`http`]: an HTTP/1.1 server (the `http-server` example), its request handling
//!   sans-I/O.
//! - [`echo`], [`chat`], [`proxy`], [`pubsub`]: the handlers of the examples of those
//!   names.
//! - [`cli`]: the command line every server example shares (`--bind`, `--loops`,
//!   `--help`, signals, exit status).
//! - [`num`]: decimal formatting on the stack, for both protocols' headers.
//!
//! Replies and responses are written into a [`tcpio::codec::Sink`]: the connection's
//! [`tcpio::ConnWriter`] in the servers, a `Vec<u8>` in the tests and the fuzz targets.
//!
//! Not published: it exists for the examples, and its API changes with them.

#![deny(missing_docs, missing_debug_implementations, unreachable_pub)]
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]

mod case;
pub mod chat;
pub mod cli;
pub mod echo;
pub mod http;
pub mod num;
pub mod proxy;
pub mod pubsub;
pub mod redis;
