//! A Redis-compatible server on tcpio: strings, expiry, pipelining, the inline protocol.
//!
//! ```text
//! cargo run --release --example redis-server -- --bind tcp://127.0.0.1:6379 --loops 2
//! redis-cli -p 6379 set greeting hello
//! redis-benchmark -p 6379 -t ping,set,get -P 32 -q
//! ```
//!
//! The server is `tcpio_examples::redis` (in `examples-support/`), shared with the
//! tests, the fuzz targets and the benchmark's tokio clone.
//!
//! Commands: PING, ECHO, SET (EX/PX/EXAT/PXAT/NX/XX/KEEPTTL/GET), GET, DEL, EXISTS,
//! INCR, DECR, INCRBY, DECRBY, MGET, MSET, EXPIRE, PEXPIRE (NX/XX/GT/LT), TTL, PTTL,
//! KEYS, DBSIZE, FLUSHDB, INFO (server, keyspace), COMMAND (COUNT, DOCS, INFO), CONFIG
//! (GET, SET, RESETSTAT), QUIT, SELECT 0. There is one database: `SELECT` of any other
//! index is an error.

use std::process::ExitCode;

const USAGE: &str = "usage: redis-server [--bind URL]... [--loops N]
  --bind URL   tcp://host:port, tcp4://, tcp6://, unix:///path or host:port
               (repeatable; default tcp://127.0.0.1:6379)
  --loops N    event loops, 0 = one per core (default 0)";

fn main() -> ExitCode {
    let mut binds = Vec::new();
    let mut loops = 0;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--bind", Some(v)) => binds.push(v),
            ("--loops", Some(v)) => match v.parse() {
                Ok(n) => loops = n,
                Err(_) => return fail(&format!("--loops takes a number, not {v:?}")),
            },
            ("-h" | "--help", _) => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            (other, _) => return fail(&format!("unknown or incomplete argument {other:?}")),
        }
    }
    if binds.is_empty() {
        binds.push("tcp://127.0.0.1:6379".to_string());
    }
    let mut builder = tcpio::Server::builder().loops(loops);
    for b in &binds {
        builder = match builder.bind(b.as_str()) {
            Ok(b) => b,
            Err(e) => return fail(&e.to_string()),
        };
    }
    let server = match tcpio_examples::redis::start(builder) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    for a in server.local_addrs() {
        println!("redis-server listening on {a}");
    }
    // SIGINT/SIGTERM drain the server gracefully; the process then exits 0.
    if let Err(e) = server.shutdown_on_signals().and_then(|()| server.wait()) {
        return fail(&e.to_string());
    }
    ExitCode::SUCCESS
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("redis-server: {msg}\n{USAGE}");
    ExitCode::from(2)
}
