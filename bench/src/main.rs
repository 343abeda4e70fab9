//! `tcpio-bench`: benchmark harness comparing tcpio with idiomatic tokio and a raw epoll floor.
//!
//! Subcommands: `echo` (throughput and latency), `cost` (instructions and system calls per
//! message, via callgrind and strace), `idle` (server memory per idle connection). The hidden
//! subcommands `serve` and `idle-client` are the child processes the others start.

mod cost;
mod echo;
mod idle;
mod load;
mod proc;
mod report;
mod servers;

use std::process::ExitCode;
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
  cost [--messages N (strace, default 20000)] [--cg-messages M (callgrind, default 5000)]
       [--workload NAME|all] [--server tcpio|tokio|floor|all]
      instructions and system calls per message (slope between N and 2N messages)
  idle [--conns C (default 10000)] [--server tcpio|tokio|floor|all (default all)]
      server resident memory per idle connection
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

/// Runs the subcommand named by the first argument.
fn dispatch(args: &[String]) -> Res<()> {
    let Some(cmd) = args.first() else {
        return Err(format!("missing subcommand\n\n{USAGE}").into());
    };
    let rest = &args[1..];
    match cmd.as_str() {
        "echo" => echo::run(&Flags::parse(rest, &["rounds", "seconds", "workload"])?),
        "cost" => cost::run(&Flags::parse(rest, &["messages", "cg-messages", "workload", "server"])?),
        "idle" => idle::run(&Flags::parse(rest, &["conns", "server"])?),
        "serve" => {
            let kind = rest.first().ok_or("serve needs a server name")?;
            let kind = servers::ServerKind::parse(kind)?;
            let port = Flags::parse(&rest[1..], &["port"])?.get("port", 0u16)?;
            servers::serve(kind, port)
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
