//! A Redis-compatible server on tcpio: strings, expiry, pipelining, the inline protocol.
//!
//! ```text
//! cargo run --release --example redis-server -- --bind tcp://127.0.0.1:6379 --loops 2
//! redis-cli -p 6379 set greeting hello
//! redis-benchmark -p 6379 -t ping,set,get -P 32 -q
//! ```
//!
//! The server is `tcpio_examples::redis` (in `examples-support/`: the RESP parser, the
//! keyspace, the commands and the handler), shared with the tests, the fuzz targets and
//! the benchmark's tokio clone. SIGINT or SIGTERM drains it gracefully; it then exits 0.

use std::process::ExitCode;

use tcpio_examples::cli::Cli;

fn main() -> ExitCode {
    Cli::new("redis-server", "tcp://127.0.0.1:6379").main(tcpio_examples::redis::start)
}
