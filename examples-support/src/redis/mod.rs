//! A Redis-compatible server: strings, expiry, pipelining, the inline protocol.
//!
//! The protocol and the keyspace are sans-I/O modules, shared by the `redis-server`
//! example, the tests, the fuzz targets and the benchmark's tokio clone: [`resp`] (the
//! request parser), [`store`] (the sharded keyspace, expiry, glob matching) and
//! [`commands`] (execution and replies, into any [`tcpio::codec::Sink`]). [`Redis`] is
//! the tcpio handler over them and [`start`] runs it.
//!
//! Commands: PING, ECHO, SET (EX/PX/EXAT/PXAT/NX/XX/KEEPTTL/GET), GET, DEL, EXISTS,
//! INCR, DECR, INCRBY, DECRBY, MGET, MSET, EXPIRE, PEXPIRE (NX/XX/GT/LT), TTL, PTTL,
//! KEYS, DBSIZE, FLUSHDB, INFO (server, keyspace), COMMAND (COUNT, DOCS, INFO), CONFIG
//! (GET, SET, RESETSTAT), QUIT, SELECT 0. There is one database: `SELECT` of any other
//! index is an error.
//!
//! ```no_run
//! let builder = tcpio::Server::builder().bind("127.0.0.1:6379")?.loops(2);
//! let server = tcpio_examples::redis::start(builder)?;
//! server.shutdown_on_signals()?;
//! server.wait()?;
//! # Ok::<(), tcpio::Error>(())
//! ```

pub mod commands;
pub mod float;
pub mod resp;
mod server;
pub mod store;
#[cfg(test)]
mod tests;

pub use server::{start, start_with, ConnState, Options, Redis, Shared, MAX_QUERY_BUFFER, SWEEP_EVERY};

/// The Redis version this server answers as (`INFO`, `HELLO`): the one whose
/// behaviour it follows.
pub const VERSION: &str = "7.0.15";
