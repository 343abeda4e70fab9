//! `redis`: tcpio's redis-server example against the real `redis-server` (the reference peer),
//! and optionally the same server on tokio and a canned-reply ceiling, under
//! `redis-benchmark`, interleaved round by round.
//!
//! Each measurement starts the server fresh, pinned to the server core, and runs
//! `redis-benchmark` (pinned to the load core) once per test, so the server's CPU time (user +
//! system, from `/proc/<pid>/stat`) can be charged to that test alone. On two cores the load
//! generator saturates first, so wall-clock requests per second mostly measure
//! `redis-benchmark`; requests per server CPU-second measure the server.

use crate::chart::{grouped_bars, ratio_bars, Group, Mark, RatioGroup};
use crate::proc::{find_in_path, free_port, Pinning, Wrapper, LOAD_CORE, SERVER_CORE};
use crate::report::{grouped, median, min_max, ratio_cell, Table};
use crate::server_cpu::{self, Sample};
use crate::servers::running::Running;
use crate::servers::AppKind;
use crate::{choose, Flags, Res};
use std::process::Command;
use std::time::{Duration, Instant};

/// The servers compared, in table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedisServer {
    /// tcpio's redis-server example, 1 loop.
    Tcpio,
    /// The same server on tokio.
    Tokio,
    /// Canned replies, nothing parsed: the load generator's ceiling.
    Canned,
    /// The real `redis-server`.
    Redis,
}

impl RedisServer {
    /// Every server, in table order.
    pub const ALL: [RedisServer; 4] =
        [RedisServer::Tcpio, RedisServer::Tokio, RedisServer::Canned, RedisServer::Redis];

    /// The name in tables.
    pub fn name(self) -> &'static str {
        match self {
            RedisServer::Tcpio => "tcpio",
            RedisServer::Tokio => "tokio",
            RedisServer::Canned => "canned",
            RedisServer::Redis => "redis",
        }
    }
}

/// The tests measured by default: `redis-benchmark -t` names, and `publish` (run as a custom
/// command, see `custom_command`). LPUSH comes before LPOP so that LPOP finds a list.
pub const TESTS: [&str; 8] = ["ping_inline", "ping_mbulk", "set", "get", "lpush", "lpop", "hset", "publish"];

/// The servers measured by default: tcpio and the reference.
const DEFAULT_SERVERS: &str = "tcpio,redis";

/// Targets for tcpio's requests per server CPU-second over Redis's, at `-P 1` and `-P 32`.
pub const CPU_TARGETS: [f64; 2] = [1.1, 2.0];

/// Pipeline depths measured.
pub const DEPTHS: [usize; 2] = [1, 32];

/// Client connections, as in the command line.
const CLIENTS: usize = 50;

impl RedisServer {
    /// Starts a fresh server of this kind under `wrapper`, pinned to `core` if given, and
    /// waits until it accepts.
    pub fn start(self, wrapper: &Wrapper, core: Option<usize>) -> Res<Running> {
        let app = match self {
            RedisServer::Tcpio => AppKind::TcpioRedis,
            RedisServer::Tokio => AppKind::TokioRedis,
            RedisServer::Canned => AppKind::CannedRedis,
            RedisServer::Redis => return start_real(wrapper, core),
        };
        Running::app(app, wrapper, core)
    }
}

/// Starts the real `redis-server` with persistence off and waits until it accepts.
fn start_real(wrapper: &Wrapper, core: Option<usize>) -> Res<Running> {
    let bin = find_in_path("redis-server")
        .ok_or("redis-server not found: install it with `apt-get install redis-server`")?;
    let port = free_port()?;
    let port_s = port.to_string();
    let args =
        ["--port", &port_s, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "/tmp"];
    Running::program("redis-server", &bin, &args, port, None, wrapper, core)
}

/// The command line `redis-benchmark` runs for `test`, when it is not one of its own `-t`
/// tests: `PUBLISH` (to a channel nobody subscribes to, a 3-byte message like SET's value).
fn custom_command(test: &str) -> Option<&'static [&'static str]> {
    match test {
        "publish" => Some(&["PUBLISH", "channel", "xxx"]),
        _ => None,
    }
}

/// Runs `redis-benchmark` test `test` against `port` with `n` requests at pipeline `depth`,
/// pinned to the load core when pinning is on; returns its requests per second.
pub fn redis_benchmark(port: u16, test: &str, n: u64, depth: usize, pin: Pinning) -> Res<f64> {
    let mut cmd = match pin.core(LOAD_CORE) {
        Some(core) => {
            let mut c = Command::new("taskset");
            c.args(["-c", &core.to_string(), "redis-benchmark"]);
            c
        }
        None => Command::new("redis-benchmark"),
    };
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string(), "-c", &CLIENTS.to_string()]);
    cmd.args(["-n", &n.to_string(), "-P", &depth.to_string(), "--csv"]);
    // A custom command's row is named by its command line; a `-t` test's by its name.
    let name = match custom_command(test) {
        Some(words) => {
            cmd.args(words);
            format!("\"{}\"", words.join(" "))
        }
        None => {
            cmd.args(["-t", test]);
            format!("\"{}\"", test.to_ascii_uppercase())
        }
    };
    let out = cmd.output().map_err(|e| format!("redis-benchmark: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("redis-benchmark failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let line =
        text.lines().find(|l| l.starts_with(&name)).ok_or_else(|| format!("no {name} row in: {text}"))?;
    let rps = line.split(',').nth(1).map(|f| f.trim_matches('"')).unwrap_or("");
    Ok(rps.parse().map_err(|_| format!("bad rps `{rps}` in: {line}"))?)
}

/// Runs the `redis` subcommand.
pub fn run(flags: &Flags) -> Res<()> {
    let rounds: usize = flags.get("rounds", 5)?;
    let scale: f64 = flags.get("scale", 1.0)?;
    let only: String = flags.get("test", "all".to_string())?;
    if rounds == 0 || !(0.001..=100.0).contains(&scale) {
        return Err("--rounds must be at least 1 and --scale between 0.001 and 100".into());
    }
    let tests: Vec<&str> =
        TESTS.into_iter().filter(|t| only == "all" || only.split(',').any(|o| o == *t)).collect();
    if tests.is_empty() {
        return Err(format!("unknown test `{only}` ({})", TESTS.join(", ")).into());
    }
    let servers =
        choose(&flags.get("servers", DEFAULT_SERVERS.to_string())?, &RedisServer::ALL, RedisServer::name)?;
    if !servers.contains(&RedisServer::Redis) || servers.len() < 2 {
        return Err("--servers must name redis (the reference) and at least one other server".into());
    }
    for tool in ["redis-benchmark", "redis-server"] {
        if find_in_path(tool).is_none() {
            return Err(format!("{tool} not found: apt-get install redis-tools redis-server").into());
        }
    }
    // Enough requests for about a second per test at the rates this machine reaches.
    let requests = |depth: usize| ((if depth == 1 { 100_000.0 } else { 2_000_000.0 }) * scale) as u64;
    let pin = Pinning::setup();
    let started = Instant::now();
    let n_srv = servers.len();
    // samples[depth][test][server]
    let mut samples = vec![vec![vec![Vec::<Sample>::new(); n_srv]; tests.len()]; DEPTHS.len()];
    for round in 0..rounds {
        for (di, &depth) in DEPTHS.iter().enumerate() {
            for k in 0..n_srv {
                let si = (k + round) % n_srv;
                let kind = servers[si];
                let server = kind.start(&Wrapper::Plain, pin.core(SERVER_CORE))?;
                for (ti, test) in tests.iter().enumerate() {
                    let n = requests(depth);
                    let s = Sample::measure(server.pid(), || {
                        let rps = redis_benchmark(server.port, test, n, depth, pin).map_err(|e| {
                            format!("round {} P{depth} {test} {}: {e}", round + 1, kind.name())
                        })?;
                        Ok((rps, n))
                    })?;
                    eprintln!(
                        "round {}/{rounds} P{depth:<2} {test:<11} {:<6} {:>10} req/s {:>10} req/CPU-s  cpu {:>3.0}%",
                        round + 1,
                        kind.name(),
                        grouped(s.rps),
                        grouped(s.per_cpu),
                        100.0 * s.util
                    );
                    samples[di][ti][si].push(s);
                }
                server.stop(Duration::from_secs(20))?;
            }
        }
    }
    report(&tests, &servers, &samples, rounds, requests, pin)?;
    eprintln!("redis: done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Prints the table, the RESULT lines and the target checks, and writes the charts.
fn report(
    tests: &[&str],
    servers: &[RedisServer],
    samples: &[Vec<Vec<Vec<Sample>>>],
    rounds: usize,
    requests: impl Fn(usize) -> u64,
    pin: Pinning,
) -> Res<()> {
    let mut table = Table::new(&[
        "test",
        "server",
        "req/s",
        "req per srv CPU-s",
        "srv CPU",
        server_cpu::HEADERS[0],
        server_cpu::HEADERS[1],
        "req/s vs redis",
        "per CPU-s vs redis",
    ]);
    let at = |k: RedisServer| servers.iter().position(|&s| s == k);
    let (tcpio, redis) = (at(RedisServer::Tcpio), at(RedisServer::Redis).ok_or("redis not measured")?);
    let mut results = Vec::new();
    let mut checks = Vec::new();
    let mut bounds = Vec::new();
    let mut rate_groups = Vec::new();
    let mut cpu_groups = Vec::new();
    // ratio_groups[test]: tcpio/redis per CPU-second at each depth.
    let mut ratio_groups: Vec<RatioGroup> =
        tests.iter().map(|t| RatioGroup { label: t.to_string(), ratios: Vec::new() }).collect();
    for (di, depth) in DEPTHS.iter().enumerate() {
        for (ti, test) in tests.iter().enumerate() {
            let per = &samples[di][ti];
            let ratios = |a: usize, f: fn(&Sample) -> f64| -> Vec<f64> {
                per[a].iter().zip(&per[redis]).map(|(x, y)| f(x) / f(y)).collect()
            };
            let label = format!("P{depth} {test}");
            for (si, kind) in servers.iter().enumerate() {
                let col = |f: fn(&Sample) -> f64| median(&per[si].iter().map(f).collect::<Vec<_>>());
                let [user, sys] = server_cpu::cells(&per[si]);
                table.push(vec![
                    label.clone(),
                    kind.name().to_string(),
                    grouped(col(|s| s.rps)),
                    grouped(col(|s| s.per_cpu)),
                    format!("{:.0} %", 100.0 * col(|s| s.util)),
                    user,
                    sys,
                    ratio_cell(&ratios(si, |s| s.rps)),
                    ratio_cell(&ratios(si, |s| s.per_cpu)),
                ]);
            }
            let mut line = format!("RESULT redis P{depth} {test}");
            for (si, kind) in servers.iter().enumerate().filter(|&(si, _)| si != redis) {
                let (rps, cpu) = (median(&ratios(si, |s| s.rps)), median(&ratios(si, |s| s.per_cpu)));
                line += &format!(" {0}_vs_redis={rps:.3} cpu_{0}_vs_redis={cpu:.3}", kind.name());
            }
            results.push(line);
            if let Some(t) = tcpio {
                let r = ratios(t, |s| s.per_cpu);
                let (lo, hi) = min_max(&r);
                let (m, target) = (median(&r), CPU_TARGETS[di]);
                ratio_groups[ti].ratios.push([m, lo, hi]);
                let verdict = if m >= target { "met" } else { "MISSED" };
                checks.push(format!(
                    "target P{depth} {test}: req per srv CPU-s tcpio/redis {m:.2} ({lo:.2}–{hi:.2}) >= {target}: {verdict}"
                ));
                bounds.push(server_cpu::bound_line(&label, ("redis", &per[redis]), ("tcpio", &per[t])));
            }
            let medians = |f: fn(&Sample) -> f64| -> Vec<f64> {
                (0..servers.len()).map(|si| median(&per[si].iter().map(f).collect::<Vec<_>>())).collect()
            };
            rate_groups.push(Group { label: label.clone(), values: medians(|s| s.rps) });
            // The canned server's CPU figure is not a server's: leave it off that chart.
            let c = medians(|s| s.per_cpu);
            let values = servers.iter().zip(c).filter(|(k, _)| **k != RedisServer::Canned).map(|(_, v)| v);
            cpu_groups.push(Group { label, values: values.collect() });
        }
    }
    println!();
    println!(
        "## redis: {rounds} rounds, redis-benchmark -c {CLIENTS} -n {} (P1) / {} (P32), {}",
        requests(1),
        requests(32),
        if pin.enabled { "servers on core 0, redis-benchmark on core 1" } else { "UNPINNED" }
    );
    println!();
    println!("Medians over rounds; ratios are medians of per-round ratios (min–max). req per srv CPU-s:");
    println!("requests divided by the server's user + system CPU time over the test. canned (if run)");
    println!("answers +OK to everything and parses nothing: its req/s is what redis-benchmark can drive.");
    println!();
    print!("{}", table.render());
    println!();
    results.iter().chain(&checks).chain(&bounds).for_each(|l| println!("{l}"));
    let names: Vec<&str> = servers.iter().map(|k| k.name()).collect();
    let cpu_names: Vec<&str> =
        servers.iter().filter(|&&k| k != RedisServer::Canned).map(|k| k.name()).collect();
    let a = grouped_bars(
        "redis-throughput.svg",
        "redis-benchmark: requests per second",
        "req/s",
        &names,
        &rate_groups,
    )?;
    let b = grouped_bars(
        "redis-cpu.svg",
        "requests per second of server CPU time",
        "req per CPU-s",
        &cpu_names,
        &cpu_groups,
    )?;
    let c = if tcpio.is_some() {
        let marks = [
            Mark { at: 1.0, label: "redis = 1".into() },
            Mark { at: CPU_TARGETS[0], label: "target -P 1".into() },
            Mark { at: CPU_TARGETS[1], label: "target -P 32".into() },
        ];
        ratio_bars(
            "redis-ratio.svg",
            "tcpio / redis: requests per server CPU-second (median, min–max)",
            "ratio to redis",
            &["-P 1", "-P 32"],
            &ratio_groups,
            &marks,
        )?
    } else {
        "redis-ratio.svg not written (tcpio not run)".into()
    };
    println!();
    println!("charts: {a} {b} {c}");
    Ok(())
}
