//! `tcpio-bench`: benchmark harness comparing tcpio with idiomatic tokio and a raw epoll floor.
//!
//! Subcommands: `echo` (throughput and latency), `redis` and `http` (the example servers against
//! real Redis and nginx, and optionally their tokio clones), `fanout` (publish/subscribe against a tokio broadcast server), `cost` (instructions and system calls per message or request,
//! via callgrind and strace), `idle` (server memory per idle connection). The hidden
//! subcommands `serve`, `serve-app` and `idle-client` are the child processes the others start.
//! Results are printed as markdown tables and `RESULT` lines; `redis`, `http` and `cost` also
//! draw SVG charts into `docs/bench/`.

mod alloc_count;
mod app_cost;
mod chart;
mod cost;
mod echo;
mod fanout;
mod http;
mod idle;
mod load;
mod proc;
mod redis;
mod report;
mod server_cpu;
mod servers;
mod tls;

use std::process::ExitCode;

/// Counts heap bytes in the children that turn it on (the `fanout` servers).
#[global_allocator]
static ALLOC: alloc_count::Counting = alloc_count::Counting;
use std::str::FromStr;

/// Error type of the harness: anything printable.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Result type of the harness.
pub type Res<T> = Result<T, Error>;

/// Usage text printed by `help` and on argument errors.
const USAGE: &str = "\
usage: tcpio-bench <subcommand> [flags]

  echo [--rounds R (>= 5, default 5)] [--seconds S (per measurement, default 2)]
       [--workload 1c-64B-1|50c-64B-1|50c-64B-32|50c-4KiB-1|all (default all)]
      throughput and latency of tcpio, tokio and the epoll floor, interleaved
  redis [--rounds R (default 5)] [--scale F (requests per test x F, default 1)]
        [--test ping_inline,ping_mbulk,set,get,lpush,lpop,hset,publish|all (default all)]
        [--servers tcpio,tokio,canned,redis|all (default tcpio,redis)]
      redis-benchmark -c 50 at -P 1 and -P 32 against tcpio's redis-server and the real
      redis-server (the reference; optionally its tokio clone and a canned-reply ceiling);
      req/s and req per server CPU-s, ratios to redis
  http [--rounds R (default 5)] [--seconds S (per workload, default 2)]
       [--servers tcpio,tokio,nginx|all (default tcpio,nginx)]
      wrk -c 50 against tcpio's http-server and nginx (the reference; one process,
      `return 200`; optionally the tokio clone), with and without pipelining
  cost [--suite echo|redis|http (default echo)]
       echo:  [--messages N (strace, default 20000)] [--cg-messages M (callgrind, default 5000)]
              [--workload NAME|all] [--server tcpio|tcpio-proxy|tokio|floor|all]
       redis: [--cg-p1 N (default 10000)] [--cg-p32 N (default 100000)]
              [--server tcpio,tokio,redis|all (default tcpio,redis)] [--test NAME,...|all]
              [--depth 1|32|all]
       http:  [--cg-seconds S (default 2)] [--server tcpio,tokio,nginx|all (default tcpio,nginx)]
      instructions (and for echo system calls) per request, slope between N and 2N
  fanout [--rounds R (default 5)] [--seconds S (default 2)] [--subscribers N (default 1000)]
         [--size B (default 1024)]
      one publisher, N subscribers of a topic: tcpio's pubsub example against a tokio
      broadcast-channel server, interleaved; messages/s, per CPU-s, heap bytes per message
  idle [--conns C (default 10000)] [--server tcpio|tokio|floor|tcpio-tls|tokio-tls|all (default all)]
      server resident memory per idle connection (tcpio-tls, tokio-tls: after the handshake)
  tls [--rounds R (default 5)] [--seconds S (per measurement, default 2)]
      TLS 1.3 echo (50 connections x 1 KiB) and full handshakes per second, tcpio
      against tokio + tokio-rustls, interleaved; `cost --suite tls [--cg-messages M]
      [--cg-handshakes H]` counts instructions per message (against an in-memory
      rustls floor) and per handshake
";

/// Parsed `--name value` (or `--name=value`) flags of one subcommand.
pub struct Flags {
    /// Flag names (without dashes) and their values, in command-line order.
    pairs: Vec<(String, String)>,
}

impl Flags {
    /// Parses `args`, accepting only the flag names in `allowed`.
    pub fn parse(args: &[String], allowed: &[&str]) -> Res<Flags> {
        let mut pairs = Vec::new();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let Some(body) = arg.strip_prefix("--") else {
                return Err(format!("unexpected argument `{arg}`").into());
            };
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => {
                    let v = it.next().ok_or_else(|| format!("flag --{body} needs a value"))?;
                    (body.to_string(), v.clone())
                }
            };
            if !allowed.contains(&name.as_str()) {
                return Err(format!("unknown flag --{name}").into());
            }
            pairs.push((name, value));
        }
        Ok(Flags { pairs })
    }

    /// The last value given for `name`, parsed, or `default` when absent.
    pub fn get<T: FromStr>(&self, name: &str, default: T) -> Res<T> {
        match self.pairs.iter().rev().find(|(n, _)| n == name) {
            None => Ok(default),
            Some((_, v)) => v.parse().map_err(|_| format!("bad value `{v}` for --{name}").into()),
        }
    }
}

/// The members of `all` named in `spec` (comma-separated names, or `all`), in `all`'s order.
pub fn choose<T: Copy>(spec: &str, all: &[T], name: impl Fn(T) -> &'static str) -> Res<Vec<T>> {
    if spec == "all" {
        return Ok(all.to_vec());
    }
    let names: Vec<&str> = spec.split(',').map(str::trim).collect();
    if let Some(bad) = names.iter().find(|n| !all.iter().any(|&k| name(k) == **n)) {
        let known: Vec<&str> = all.iter().map(|&k| name(k)).collect();
        return Err(format!("unknown name `{bad}` (one of {}, or all)", known.join(", ")).into());
    }
    Ok(all.iter().copied().filter(|&k| names.contains(&name(k))).collect())
}

/// Runs the subcommand named by the first argument.
fn dispatch(args: &[String]) -> Res<()> {
    let Some(cmd) = args.first() else {
        return Err(format!("missing subcommand\n\n{USAGE}").into());
    };
    let rest = &args[1..];
    match cmd.as_str() {
        "echo" => echo::run(&Flags::parse(rest, &["rounds", "seconds", "workload"])?),
        "cost" => {
            let flags = Flags::parse(
                rest,
                &[
                    "suite",
                    "messages",
                    "cg-messages",
                    "workload",
                    "server",
                    "cg-p1",
                    "cg-p32",
                    "cg-seconds",
                    "test",
                    "depth",
                    "cg-handshakes",
                ],
            )?;
            match flags.get("suite", "echo".to_string())?.as_str() {
                "echo" => cost::run(&flags),
                "redis" => {
                    let only = app_cost::RedisFilter {
                        server: flags.get("server", "tcpio,redis".to_string())?,
                        test: flags.get("test", "all".to_string())?,
                        depth: flags.get("depth", "all".to_string())?,
                    };
                    let (p1, p32) = (flags.get("cg-p1", 10_000u64)?, flags.get("cg-p32", 100_000u64)?);
                    app_cost::run_redis(p1, p32, &only, proc::Pinning::setup())
                }
                "http" => app_cost::run_http(
                    flags.get("cg-seconds", 2.0)?,
                    &flags.get("server", "tcpio,nginx".to_string())?,
                    proc::Pinning::setup(),
                ),
                "tls" => tls::cost(
                    flags.get("cg-messages", 2_000u64)?,
                    flags.get("cg-handshakes", 200u64)?,
                    proc::Pinning::setup(),
                ),
                other => Err(format!("unknown suite `{other}` (echo, redis, http or tls)").into()),
            }
        }
        "tls" => tls::run(&Flags::parse(rest, &["rounds", "seconds"])?),
        "fanout" => fanout::run(&Flags::parse(rest, &["rounds", "seconds", "subscribers", "size"])?),
        "tls-floor" => {
            let flags = Flags::parse(rest, &["messages", "size"])?;
            tls::floor_child(flags.get("messages", 1000u64)?, flags.get("size", 1024usize)?)
        }
        "redis" => redis::run(&Flags::parse(rest, &["rounds", "scale", "test", "servers"])?),
        "http" => http::run(&Flags::parse(rest, &["rounds", "seconds", "servers"])?),
        "idle" => idle::run(&Flags::parse(rest, &["conns", "server"])?),
        "serve" => {
            let kind = rest.first().ok_or("serve needs a server name")?;
            let kind = servers::ServerKind::parse(kind)?;
            let port = Flags::parse(&rest[1..], &["port"])?.get("port", 0u16)?;
            servers::serve(kind, port)
        }
        "serve-app" => {
            let kind = servers::AppKind::parse(rest.first().ok_or("serve-app needs a server name")?)?;
            let port = Flags::parse(&rest[1..], &["port"])?.get("port", 0u16)?;
            servers::serve_app(kind, port)
        }
        "idle-client" => {
            let flags = Flags::parse(rest, &["port", "conns"])?;
            idle::client(flags.get("port", 0u16)?, flags.get("conns", 0usize)?)
        }
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown subcommand `{other}`\n\n{USAGE}").into()),
    }
}

/// Entry point: dispatches and turns errors into a message and a non-zero exit code.
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match dispatch(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tcpio-bench: error: {e}");
            ExitCode::FAILURE
        }
    }
}
