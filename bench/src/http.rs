//! `http`: tcpio's http-server example against the same request handling on tokio, under
//! `wrk` (pipelined through a Lua script), interleaved round by round, with requests per
//! second of server CPU time beside wall-clock requests per second.

use crate::chart::{grouped_bars, Group};
use crate::proc::{cpu_seconds, find_in_path, Pinning, ServerProc, Wrapper, LOAD_CORE, SERVER_CORE};
use crate::report::{grouped, median, ratio_cell, Table};
use crate::servers::AppKind;
use crate::{Flags, Res};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// The servers compared.
pub const SERVERS: [AppKind; 2] = [AppKind::TcpioHttp, AppKind::TokioHttp];

/// A `wrk` workload: a path and the requests each connection keeps in flight.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    /// Request path.
    pub path: &'static str,
    /// Requests per connection in flight (1: no pipelining).
    pub depth: usize,
}

impl Workload {
    /// Name in tables, e.g. `plaintext-16`.
    pub fn name(&self) -> String {
        format!("{}-{}", self.path.trim_start_matches('/'), self.depth)
    }
}

/// The workloads: both routes, without and with pipelining.
pub const WORKLOADS: [Workload; 4] = [
    Workload { path: "/plaintext", depth: 1 },
    Workload { path: "/plaintext", depth: 16 },
    Workload { path: "/json", depth: 1 },
    Workload { path: "/json", depth: 16 },
];

/// Client connections.
const CONNS: usize = 50;

/// What `wrk` reported.
pub struct WrkRun {
    /// Requests per second.
    pub rps: f64,
    /// Requests completed.
    pub requests: u64,
}

/// The pipelining script: each `request()` returns `depth` requests in one string.
fn pipeline_script() -> Res<PathBuf> {
    let dir = PathBuf::from("/tmp/tcpio-bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("pipeline.lua");
    let script = "init = function(args)\n  local depth = tonumber(args[1]) or 1\n  local r = {}\n  \
                  for i = 1, depth do r[i] = wrk.format(nil) end\n  req = table.concat(r)\nend\n\
                  request = function() return req end\n";
    std::fs::write(&path, script)?;
    Ok(path)
}

/// Runs `wrk` for `seconds` against `port`, pinned to the load core when pinning is on.
pub fn wrk(port: u16, w: Workload, seconds: f64, pin: Pinning) -> Res<WrkRun> {
    let mut cmd = match pin.core(LOAD_CORE) {
        Some(core) => {
            let mut c = Command::new("taskset");
            c.args(["-c", &core.to_string(), "wrk"]);
            c
        }
        None => Command::new("wrk"),
    };
    // wrk takes whole seconds (it has no millisecond unit).
    let duration = format!("{}s", seconds.round().max(1.0) as u64);
    cmd.args(["-t1", "-c", &CONNS.to_string(), "-d", &duration]);
    if w.depth > 1 {
        cmd.arg("-s").arg(pipeline_script()?);
    }
    cmd.arg(format!("http://127.0.0.1:{port}{}", w.path));
    if w.depth > 1 {
        cmd.args(["--", &w.depth.to_string()]);
    }
    let out = cmd.output().map_err(|e| format!("wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("wrk failed: {}{text}", String::from_utf8_lossy(&out.stderr)).into());
    }
    if text.contains("Non-2xx") || text.contains("Socket errors") {
        return Err(format!("wrk saw errors: {text}").into());
    }
    let rps = text.lines().find_map(|l| l.strip_prefix("Requests/sec:")).map(str::trim);
    let requests = text.lines().find_map(|l| l.trim().split_once(" requests in ").map(|(n, _)| n.trim()));
    match (rps.and_then(|r| r.parse().ok()), requests.and_then(|r| r.parse().ok())) {
        (Some(rps), Some(requests)) => Ok(WrkRun { rps, requests }),
        _ => Err(format!("cannot read wrk's output: {text}").into()),
    }
}

/// One measurement.
#[derive(Clone, Copy, Debug)]
struct Sample {
    rps: f64,
    per_cpu: f64,
    util: f64,
}

/// Runs the `http` subcommand.
pub fn run(flags: &Flags) -> Res<()> {
    let rounds: usize = flags.get("rounds", 5)?;
    let seconds: f64 = flags.get("seconds", 2.0)?;
    if rounds == 0 || !(1.0..=600.0).contains(&seconds) {
        return Err("--rounds must be at least 1 and --seconds between 1 and 600".into());
    }
    if find_in_path("wrk").is_none() {
        return Err("wrk not found: apt-get install wrk".into());
    }
    let pin = Pinning::setup();
    let started = Instant::now();
    // samples[workload][server]
    let mut samples = vec![vec![Vec::<Sample>::new(); SERVERS.len()]; WORKLOADS.len()];
    for round in 0..rounds {
        for k in 0..SERVERS.len() {
            let si = (k + round) % SERVERS.len();
            let kind = SERVERS[si];
            let server = ServerProc::start_app(kind, &Wrapper::Plain, pin.core(SERVER_CORE))?;
            for (wi, w) in WORKLOADS.iter().enumerate() {
                let (cpu0, t0) = (cpu_seconds(server.proc.pid())?, Instant::now());
                let run = wrk(server.port, *w, seconds, pin)
                    .map_err(|e| format!("round {} {} {}: {e}", round + 1, w.name(), kind.name()))?;
                let (cpu, wall) = (cpu_seconds(server.proc.pid())? - cpu0, t0.elapsed().as_secs_f64());
                let s =
                    Sample { rps: run.rps, per_cpu: run.requests as f64 / cpu.max(1e-3), util: cpu / wall };
                eprintln!(
                    "round {}/{rounds} {:<13} {:<10} {:>10} req/s {:>10} req/CPU-s  cpu {:>3.0}%",
                    round + 1,
                    w.name(),
                    kind.name(),
                    grouped(s.rps),
                    grouped(s.per_cpu),
                    100.0 * s.util
                );
                samples[wi][si].push(s);
            }
            server.stop(Duration::from_secs(20))?;
        }
    }
    let mut table = Table::new(&[
        "workload",
        "server",
        "req/s",
        "req per srv CPU-s",
        "srv CPU",
        "req/s vs tokio",
        "per CPU-s vs tokio",
    ]);
    let mut results = Vec::new();
    let (mut rate_groups, mut cpu_groups) = (Vec::new(), Vec::new());
    for (w, per) in WORKLOADS.iter().zip(&samples) {
        let ratios = |a: usize, f: fn(&Sample) -> f64| -> Vec<f64> {
            per[a].iter().zip(&per[1]).map(|(x, y)| f(x) / f(y)).collect()
        };
        let med = |si: usize, f: fn(&Sample) -> f64| median(&per[si].iter().map(f).collect::<Vec<_>>());
        for (si, kind) in SERVERS.iter().enumerate() {
            table.push(vec![
                w.name(),
                kind.name().to_string(),
                grouped(med(si, |s| s.rps)),
                grouped(med(si, |s| s.per_cpu)),
                format!("{:.0} %", 100.0 * med(si, |s| s.util)),
                ratio_cell(&ratios(si, |s| s.rps)),
                ratio_cell(&ratios(si, |s| s.per_cpu)),
            ]);
        }
        results.push(format!(
            "RESULT http {} tcpio_vs_tokio={:.3} cpu_tcpio_vs_tokio={:.3}",
            w.name(),
            median(&ratios(0, |s| s.rps)),
            median(&ratios(0, |s| s.per_cpu))
        ));
        rate_groups.push(Group { label: w.name(), values: vec![med(0, |s| s.rps), med(1, |s| s.rps)] });
        cpu_groups
            .push(Group { label: w.name(), values: vec![med(0, |s| s.per_cpu), med(1, |s| s.per_cpu)] });
    }
    println!();
    println!(
        "## http: {rounds} rounds x {seconds:.1} s per workload, wrk -t1 -c{CONNS} (pipelined: a Lua script), {}",
        if pin.enabled { "servers on core 0, wrk on core 1" } else { "UNPINNED" }
    );
    println!();
    print!("{}", table.render());
    println!();
    for line in &results {
        println!("{line}");
    }
    let series = ["tcpio", "tokio"];
    let a = grouped_bars("http-throughput.svg", "wrk: requests per second", "req/s", &series, &rate_groups)?;
    let b = grouped_bars(
        "http-cpu.svg",
        "requests per second of server CPU time",
        "req per CPU-s",
        &series,
        &cpu_groups,
    )?;
    println!();
    println!("charts: {a} {b}");
    eprintln!("http: done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}
