//! `redis`: tcpio's redis-server example against the same server on tokio, a canned-reply
//! ceiling and the real `redis-server`, under `redis-benchmark`, interleaved round by round.
//!
//! Each measurement starts the server fresh, pinned to the server core, and runs
//! `redis-benchmark` (pinned to the load core) once per test, so the server's CPU time (user +
//! system, from `/proc/<pid>/stat`) can be charged to that test alone. On two cores the load
//! generator saturates first, so wall-clock requests per second mostly measure
//! `redis-benchmark`; requests per server CPU-second measure the server.

use crate::chart::{grouped_bars, Group};
use crate::proc::{
    cpu_seconds, find_in_path, free_port, ChildProc, Pinning, ServerProc, Wrapper, LOAD_CORE, SERVER_CORE,
};
use crate::report::{grouped, median, ratio_cell, Table};
use crate::servers::AppKind;
use crate::{Flags, Res};
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

/// `redis-benchmark` tests measured by default.
pub const TESTS: [&str; 4] = ["ping_inline", "ping_mbulk", "set", "get"];

/// Pipeline depths measured.
pub const DEPTHS: [usize; 2] = [1, 32];

/// Client connections, as in the command line.
const CLIENTS: usize = 50;

/// A running server of any kind.
pub struct Running {
    /// The process (for `redis-server`, the program itself).
    proc: ChildProc,
    /// The port it listens on.
    pub port: u16,
    /// Whether it is the real `redis-server` (stopped with SIGTERM, not stdin).
    real: bool,
}

impl Running {
    /// Starts `kind` under `wrapper`, pinned to `core` if given, and waits until it accepts.
    pub fn start(kind: RedisServer, wrapper: &Wrapper, core: Option<usize>) -> Res<Running> {
        let app = match kind {
            RedisServer::Tcpio => AppKind::TcpioRedis,
            RedisServer::Tokio => AppKind::TokioRedis,
            RedisServer::Canned => AppKind::CannedRedis,
            RedisServer::Redis => return start_real(wrapper, core),
        };
        let s = ServerProc::start_app(app, wrapper, core)?;
        Ok(Running { proc: s.proc, port: s.port, real: false })
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// Stops the server and waits for it (so a profiler writes its output).
    pub fn stop(self, timeout: Duration) -> Res<()> {
        if self.real {
            self.proc.terminate(timeout).map(drop)
        } else {
            self.proc.stop(timeout).map(drop)
        }
    }
}

/// Starts the real `redis-server` with persistence off and waits until it accepts.
fn start_real(wrapper: &Wrapper, core: Option<usize>) -> Res<Running> {
    let bin =
        find_in_path("redis-server").ok_or("redis-server not installed (apt package `redis-server`)")?;
    let port = free_port()?;
    let port_s = port.to_string();
    let args =
        ["--port", &port_s, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "/tmp"];
    let proc = ChildProc::spawn_program("redis-server", bin.as_os_str(), &args, wrapper, core)?;
    let limit =
        if matches!(wrapper, Wrapper::Plain) { Duration::from_secs(20) } else { Duration::from_secs(90) };
    let end = Instant::now() + limit;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > end {
            return Err(format!("redis-server did not accept on port {port} within {limit:?}").into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(Running { proc, port, real: true })
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
    cmd.args(["-n", &n.to_string(), "-P", &depth.to_string(), "-t", test, "--csv"]);
    let out = cmd.output().map_err(|e| format!("redis-benchmark: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("redis-benchmark failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let name = format!("\"{}\"", test.to_ascii_uppercase());
    let line =
        text.lines().find(|l| l.starts_with(&name)).ok_or_else(|| format!("no {name} row in: {text}"))?;
    let rps = line.split(',').nth(1).map(|f| f.trim_matches('"')).unwrap_or("");
    Ok(rps.parse().map_err(|_| format!("bad rps `{rps}` in: {line}"))?)
}

/// One measurement of one server on one test.
#[derive(Clone, Copy, Debug)]
struct Sample {
    /// Requests per second, as `redis-benchmark` reports them.
    rps: f64,
    /// Requests per second of server CPU time (user + system).
    per_cpu: f64,
    /// Server CPU time over the run's wall time.
    util: f64,
}

/// Runs the `redis` subcommand.
pub fn run(flags: &Flags) -> Res<()> {
    let rounds: usize = flags.get("rounds", 5)?;
    let scale: f64 = flags.get("scale", 1.0)?;
    let only: String = flags.get("test", "all".to_string())?;
    if rounds == 0 || !(0.001..=100.0).contains(&scale) {
        return Err("--rounds must be at least 1 and --scale between 0.001 and 100".into());
    }
    let tests: Vec<&str> = TESTS.into_iter().filter(|t| only == "all" || only == *t).collect();
    if tests.is_empty() {
        return Err(format!("unknown test `{only}` ({})", TESTS.join(", ")).into());
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
    let n_srv = RedisServer::ALL.len();
    // samples[depth][test][server]
    let mut samples = vec![vec![vec![Vec::<Sample>::new(); n_srv]; tests.len()]; DEPTHS.len()];
    for round in 0..rounds {
        for (di, &depth) in DEPTHS.iter().enumerate() {
            for k in 0..n_srv {
                let si = (k + round) % n_srv;
                let kind = RedisServer::ALL[si];
                let server = Running::start(kind, &Wrapper::Plain, pin.core(SERVER_CORE))?;
                for (ti, test) in tests.iter().enumerate() {
                    let n = requests(depth);
                    let (cpu0, t0) = (cpu_seconds(server.pid())?, Instant::now());
                    let rps = redis_benchmark(server.port, test, n, depth, pin)
                        .map_err(|e| format!("round {} P{depth} {test} {}: {e}", round + 1, kind.name()))?;
                    let (cpu, wall) = (cpu_seconds(server.pid())? - cpu0, t0.elapsed().as_secs_f64());
                    let s = Sample { rps, per_cpu: n as f64 / cpu.max(1e-3), util: cpu / wall };
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
    report(&tests, &samples, rounds, requests, pin)?;
    eprintln!("redis: done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Prints the table, the RESULT lines and the target checks, and writes the charts.
fn report(
    tests: &[&str],
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
        "req/s vs tokio",
        "req/s vs redis",
        "per CPU-s vs tokio",
        "per CPU-s vs redis",
    ]);
    let (tcpio, tokio, canned, redis) = (0, 1, 2, 3);
    let mut results = Vec::new();
    let mut rate_groups = Vec::new();
    let mut cpu_groups = Vec::new();
    for (di, depth) in DEPTHS.iter().enumerate() {
        for (ti, test) in tests.iter().enumerate() {
            let per = &samples[di][ti];
            let ratios = |a: usize, b: usize, f: fn(&Sample) -> f64| -> Vec<f64> {
                per[a].iter().zip(&per[b]).map(|(x, y)| f(x) / f(y)).collect()
            };
            let label = format!("P{depth} {test}");
            for (si, kind) in RedisServer::ALL.iter().enumerate() {
                let col = |f: fn(&Sample) -> f64| median(&per[si].iter().map(f).collect::<Vec<_>>());
                table.push(vec![
                    label.clone(),
                    kind.name().to_string(),
                    grouped(col(|s| s.rps)),
                    grouped(col(|s| s.per_cpu)),
                    format!("{:.0} %", 100.0 * col(|s| s.util)),
                    ratio_cell(&ratios(si, tokio, |s| s.rps)),
                    ratio_cell(&ratios(si, redis, |s| s.rps)),
                    ratio_cell(&ratios(si, tokio, |s| s.per_cpu)),
                    ratio_cell(&ratios(si, redis, |s| s.per_cpu)),
                ]);
            }
            let m = |a, b, f| median(&ratios(a, b, f));
            let rps = |s: &Sample| s.rps;
            let cpu = |s: &Sample| s.per_cpu;
            results.push(format!(
                "RESULT redis P{depth} {test} tcpio_vs_tokio={:.3} tcpio_vs_redis={:.3} tcpio_vs_canned={:.3} \
                 cpu_tcpio_vs_tokio={:.3} cpu_tcpio_vs_redis={:.3}",
                m(tcpio, tokio, rps),
                m(tcpio, redis, rps),
                m(tcpio, canned, rps),
                m(tcpio, tokio, cpu),
                m(tcpio, redis, cpu)
            ));
            let medians = |f: fn(&Sample) -> f64| -> Vec<f64> {
                (0..RedisServer::ALL.len())
                    .map(|si| median(&per[si].iter().map(f).collect::<Vec<_>>()))
                    .collect()
            };
            rate_groups.push(Group { label: label.clone(), values: medians(|s| s.rps) });
            // The canned server's CPU figure is not a server's: leave it off that chart.
            let c = medians(|s| s.per_cpu);
            cpu_groups.push(Group { label, values: vec![c[tcpio], c[tokio], c[redis]] });
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
    println!("requests divided by the server's user + system CPU time over the test. canned answers +OK");
    println!("to everything and parses nothing: its req/s is what redis-benchmark can drive at all.");
    println!();
    print!("{}", table.render());
    println!();
    for line in &results {
        println!("{line}");
    }
    let names: Vec<&str> = RedisServer::ALL.iter().map(|k| k.name()).collect();
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
        &["tcpio", "tokio", "redis"],
        &cpu_groups,
    )?;
    println!();
    println!("charts: {a} {b}");
    Ok(())
}
