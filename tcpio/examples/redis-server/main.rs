//! A Redis-compatible server on tcpio: strings, lists, hashes and sets, expiry,
//! pipelining, the inline protocol, as Redis 7.0 answers them.
//!
//! ```text
//! cargo run --release --example redis-server -- --bind tcp://127.0.0.1:6379 --loops 2
//! redis-cli -p 6379 set greeting hello
//! redis-benchmark -p 6379 -t ping,set,get -P 32 -q
//! ```
//!
//! Besides the common flags it takes Redis's own `--requirepass PASS` (clients must
//! `AUTH` first), `--timeout SECS` (close clients idle that long; 0, the default, never)
//! and `--maxclients N` (default 10000; the next client is told `-ERR max number of
//! clients reached` and closed).
//!
//! The server is `tcpio_examples::redis` (in `examples-support/`: the RESP parser, the
//! keyspace, the commands and the handler), shared with the tests, the fuzz targets and
//! the benchmark's tokio clone. SIGINT or SIGTERM drains it gracefully; it then exits 0.

use std::process::ExitCode;

use tcpio_examples::cli::{self, Cli};
use tcpio_examples::redis::Options;

fn main() -> ExitCode {
    let cli = Cli::new("redis-server", "tcp://127.0.0.1:6379")
        .flag("--requirepass PASS", "clients must AUTH with this password first")
        .flag("--timeout SECS", "close a client idle this many seconds (default 0, never)")
        .flag("--maxclients N", "most clients at once (default 10000)");
    let mut options = Options::default();
    let parsed = cli.parse(std::env::args().skip(1), |flag, value| {
        match flag {
            "--requirepass" => options.requirepass = (!value.is_empty()).then(|| value.as_bytes().to_vec()),
            "--timeout" => options.timeout = cli::number(flag, value)?,
            "--maxclients" => options.maxclients = cli::positive(flag, value)? as u64,
            _ => return Ok(false),
        }
        Ok(true)
    });
    match parsed {
        Ok(common) => cli.run(&common, |builder| tcpio_examples::redis::start_with(builder, &options)),
        Err(code) => code,
    }
}
