//! A Redis-compatible server: strings, lists, hashes, sets and sorted sets, expiry, pub/sub,
//! pipelining, the inline protocol, RESP2 and RESP3, answering as Redis 7.0 does.
//!
//! The protocol and the keyspace are sans-I/O modules, shared by the `redis-server`
//! example, the tests, the fuzz targets and the benchmark's tokio clone: [`resp`] (the
//! request parser), [`clients`] (the registry of open connections), [`store`] (the sharded keyspace of typed values, expiry, glob
//! matching, `SCAN` cursors), [`pubsub`] (the channels and patterns with
//! subscribers), [`blocking`] (the clients blocked on lists), [`commands`] (execution and replies, into any [`tcpio::codec::Sink`],
//! one module per command family), [`stats`] (what `INFO` counts: errors by kind, rates)
//! [`float`] (the 80-bit arithmetic of
//! `INCRBYFLOAT`) and [`score`] (the sorted sets' doubles, read as `strtod` and
//! written as `%.17g`). [`Redis`] is the tcpio handler over them and [`start`]
//! (or [`start_with`] and its [`Options`]) runs it.
//!
//! Commands, with Redis 7.0's replies and error texts (`WRONGTYPE` included):
//!
//! - strings: APPEND, DECR, DECRBY, GET, GETDEL, GETEX, GETRANGE, GETSET, INCR, INCRBY,
//!   INCRBYFLOAT, LCS, MGET, MSET, MSETNX, PSETEX, SET (NX/XX/GET/EX/PX/EXAT/PXAT/
//!   KEEPTTL), SETEX, SETNX, SETRANGE, STRLEN, SUBSTR;
//! - keys: COPY, DEL, EXISTS, EXPIRE, EXPIREAT, EXPIRETIME, KEYS, PERSIST, PEXPIRE,
//!   PEXPIREAT, PEXPIRETIME, PTTL, RANDOMKEY, RENAME, RENAMENX, SCAN (MATCH, COUNT,
//!   TYPE), TOUCH, TTL, TYPE, UNLINK, and MOVE between databases;
//! - lists: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP (with a count), LLEN, LRANGE,
//!   LINDEX, LSET, LREM, LTRIM, LINSERT, LPOS, LMOVE, RPOPLPUSH, and the blocking
//!   BLPOP, BRPOP, BLMOVE, BRPOPLPUSH: a client with nothing to pop waits (its
//!   pipelined requests behind it wait too) until a push from a client on any loop
//!   serves it, first blocked first served, or its timeout (on the loop's timers)
//!   answers nil; the [`blocking`] registry every loop shares holds the waiters;
//! - hashes: HSET, HMSET, HSETNX, HGET, HMGET, HDEL, HEXISTS, HLEN, HKEYS, HVALS,
//!   HGETALL, HINCRBY, HINCRBYFLOAT, HSTRLEN, HRANDFIELD, HSCAN;
//! - sets: SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD, SPOP, SRANDMEMBER, SMOVE,
//!   SINTER, SUNION, SDIFF, SINTERSTORE, SUNIONSTORE, SDIFFSTORE, SSCAN;
//! - sorted sets: ZADD (NX/XX/GT/LT/CH/INCR), ZINCRBY, ZREM, ZCARD, ZSCORE, ZMSCORE,
//!   ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT, ZRANGE (BYSCORE/BYLEX/REV/LIMIT/WITHSCORES),
//!   ZRANGESTORE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX,
//!   ZREVRANGE, ZPOPMIN, ZPOPMAX, ZMPOP, ZREMRANGEBYRANK, ZREMRANGEBYSCORE,
//!   ZREMRANGEBYLEX, ZRANDMEMBER, ZSCAN, ZUNION, ZINTER, ZDIFF and their STORE forms
//!   (sets among the inputs, WEIGHTS, AGGREGATE), ZINTERCARD, and the blocking
//!   BZPOPMIN, BZPOPMAX, BZMPOP, served as the blocking list commands are
//!   ([`store::Zset`]: ranks and ranges in a few microseconds on a million members);
//! - connection and server: PING, ECHO, QUIT, SELECT, HELLO 2 and HELLO 3 (RESP3
//!   from then on, as Redis 7.0 writes it: nulls, maps, sets, verbatim strings for
//!   `INFO` and `CLIENT LIST`, pushes for pub/sub; `RESET` goes back to RESP2), AUTH, DBSIZE, FLUSHDB, FLUSHALL, TIME, INFO
//!   (server, clients, memory, persistence, stats, replication, cpu, modules,
//!   errorstats, cluster, keyspace; [`commands::info`] says which fields), CONFIG
//!   GET/SET/RESETSTAT/REWRITE/HELP (save, appendonly, databases, maxmemory,
//!   requirepass, timeout, maxclients, client-output-buffer-limit), COMMAND (COUNT,
//!   DOCS, INFO, LIST, GETKEYS, GETKEYSANDFLAGS, HELP; Redis 7.0's own table for these
//!   commands), RESET,
//!   CLIENT (ID, SETNAME, GETNAME, LIST with TYPE or ID, INFO, KILL in both forms with
//!   ID/ADDR/LADDR/TYPE/USER/SKIPME, HELP). Every open connection, on every loop, is
//!   in the [`clients`] registry, so `CLIENT LIST` shows them all and `CLIENT KILL`
//!   closes one whichever loop serves it;
//! - pub/sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB
//!   (CHANNELS, NUMSUB, NUMPAT, HELP), with subscribed mode's rules over RESP2 (only
//!   those, PING, QUIT and RESET; over RESP3 any command). Each channel and pattern
//!   has a tcpio [`Group`](tcpio::Group) per protocol in the [`pubsub`] registry every
//!   loop shares, so a message published on one loop reaches the subscribers on all
//!   of them, encoded once per protocol (an array for RESP2, a push for RESP3). A subscriber that stops
//!   reading is disconnected at Redis's pub/sub output limits (32 MiB at once, or
//!   8 MiB for 60 s; [`output_limits`]) while publishers and other subscribers carry
//!   on: tcpio's per-connection output limits enforce them.
//!
//! There are 16 databases, as Redis's default `databases 16` ([`store::Databases`]):
//! `SELECT` picks the one a connection works in (a client URL's `/3` does it at
//! connect), `COPY ... DB n` copies between them, `FLUSHDB` empties one and
//! `FLUSHALL` all; pub/sub is global, blocked clients wait in their database.
//!
//! ```no_run
//! let builder = tcpio::Server::builder().bind("127.0.0.1:6379")?.loops(2);
//! let server = tcpio_examples::redis::start(builder)?;
//! server.shutdown_on_signals()?;
//! server.wait()?;
//! # Ok::<(), tcpio::Error>(())
//! ```

pub mod blocking;
pub mod clients;
pub mod commands;
pub mod float;
pub mod output_limits;
pub mod pubsub;
pub mod reply;
pub mod resp;
pub mod score;
mod server;
mod shared;
pub mod stats;
pub mod store;
#[cfg(test)]
mod tests;

pub use server::{start, start_with, ConnState, Redis, MAX_OUTPUT, MAX_QUERY_BUFFER, SWEEP_EVERY};
pub use shared::{Options, Shared};

/// The Redis version this server answers as (`INFO`, `HELLO`): the one whose
/// behaviour it follows.
pub const VERSION: &str = "7.0.15";

/// Gives a map's memory back once most of it is unused (a quarter or less of a
/// capacity over 64 entries), so a table that once held a great many entries (a
/// client subscribed to a million channels, a million clients blocked) does not keep
/// their room for good. Called after a removal; each shrink follows at least as many
/// removals as it moves entries, so it costs O(1) a removal.
pub(crate) fn shrink_if_sparse<K: Eq + std::hash::Hash, V, S: std::hash::BuildHasher>(
    map: &mut std::collections::HashMap<K, V, S>,
) {
    if map.capacity() > 64 && map.len() < map.capacity() / 4 {
        map.shrink_to(map.len() * 2);
    }
}
