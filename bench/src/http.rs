//! `http`: tcpio's http-server example against nginx (one process, `return 200`: the
//! reference peer), and optionally the same request handling on tokio, under `wrk`
//! (pipelined through a Lua script), interleaved round by round, with requests per second of
//! server CPU time beside wall-clock requests per second.

use crate::chart::{grouped_bars, ratio_bars, Group, Mark, RatioGroup};
use crate::proc::{find_in_path, Pinning, Wrapper, LOAD_CORE, SERVER_CORE};
use crate::report::{grouped, median, min_max, ratio_cell, Table};
use crate::server_cpu::{self, Sample};
use crate::servers::running::Running;
use crate::servers::{nginx, AppKind};
use crate::{choose, Flags, Res};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// The HTTP servers compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpServer {
    /// tcpio's http-server example, 1 loop.
    Tcpio,
    /// The same request handling on tokio.
    Tokio,
    /// nginx, one process, `return 200` (the reference peer).
    Nginx,
}

impl HttpServer {
    /// Every server, in table order.
    pub const ALL: [HttpServer; 3] = [HttpServer::Tcpio, HttpServer::Tokio, HttpServer::Nginx];

    /// The name in tables and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            HttpServer::Tcpio => "tcpio",
            HttpServer::Tokio => "tokio",
            HttpServer::Nginx => "nginx",
        }
    }

    /// Starts a fresh server of this kind under `wrapper`, pinned to `core` if given, and
    /// waits until it accepts.
    pub fn start(self, wrapper: &Wrapper, core: Option<usize>) -> Res<Running> {
        match self {
            HttpServer::Tcpio => Running::app(AppKind::TcpioHttp, wrapper, core),
            HttpServer::Tokio => Running::app(AppKind::TokioHttp, wrapper, core),
            HttpServer::Nginx => nginx::start(wrapper, core),
        }
    }
}

/// The servers measured by default: tcpio and the reference.
pub const DEFAULT_SERVERS: &str = "tcpio,nginx";

/// The reference the ratios are taken against: nginx when it runs, otherwise tokio.
pub fn reference(servers: &[HttpServer]) -> Res<usize> {
    let at = |k| servers.iter().position(|&s| s == k);
    at(HttpServer::Nginx)
        .or_else(|| at(HttpServer::Tokio))
        .filter(|_| servers.len() >= 2)
        .ok_or_else(|| "--servers must name nginx or tokio (the reference) and at least one other".into())
}

/// Targets for tcpio's requests per server CPU-second over nginx's, unpipelined and
/// pipelined.
pub const CPU_TARGETS: [f64; 2] = [1.3, 5.0];

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
    // A response later than wrk's default 2 s counts as a socket error; under callgrind on a
    // busy machine a slow server is expected, so only a response later than 30 s does.
    cmd.args(["-t1", "-c", &CONNS.to_string(), "-d", &duration, "--timeout", "30s"]);
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

/// Runs the `http` subcommand.
pub fn run(flags: &Flags) -> Res<()> {
    let rounds: usize = flags.get("rounds", 5)?;
    let seconds: f64 = flags.get("seconds", 2.0)?;
    if rounds == 0 || !(1.0..=600.0).contains(&seconds) {
        return Err("--rounds must be at least 1 and --seconds between 1 and 600".into());
    }
    let servers =
        choose(&flags.get("servers", DEFAULT_SERVERS.to_string())?, &HttpServer::ALL, HttpServer::name)?;
    let peer = reference(&servers)?;
    if find_in_path("wrk").is_none() {
        return Err("wrk not found: apt-get install wrk".into());
    }
    if servers.contains(&HttpServer::Nginx) {
        nginx::binary()?;
    }
    let pin = Pinning::setup();
    let started = Instant::now();
    // samples[workload][server]
    let mut samples = vec![vec![Vec::<Sample>::new(); servers.len()]; WORKLOADS.len()];
    for round in 0..rounds {
        for k in 0..servers.len() {
            let si = (k + round) % servers.len();
            let kind = servers[si];
            let server = kind.start(&Wrapper::Plain, pin.core(SERVER_CORE))?;
            for (wi, w) in WORKLOADS.iter().enumerate() {
                let s = Sample::measure(server.pid(), || {
                    let run = wrk(server.port, *w, seconds, pin)
                        .map_err(|e| format!("round {} {} {}: {e}", round + 1, w.name(), kind.name()))?;
                    Ok((run.rps, run.requests))
                })?;
                eprintln!(
                    "round {}/{rounds} {:<13} {:<6} {:>10} req/s {:>10} req/CPU-s  cpu {:>3.0}%",
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
    report(&servers, peer, &samples, rounds, seconds, pin)?;
    eprintln!("http: done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Prints the table, the RESULT lines and the target checks, and writes the charts.
fn report(
    servers: &[HttpServer],
    peer: usize,
    samples: &[Vec<Vec<Sample>>],
    rounds: usize,
    seconds: f64,
    pin: Pinning,
) -> Res<()> {
    let pname = servers[peer].name();
    let (vs_rps, vs_cpu) = (format!("req/s vs {pname}"), format!("per CPU-s vs {pname}"));
    let [user_h, sys_h] = server_cpu::HEADERS;
    let mut table = Table::new(&[
        "workload",
        "server",
        "req/s",
        "req per srv CPU-s",
        "srv CPU",
        user_h,
        sys_h,
        &vs_rps,
        &vs_cpu,
    ]);
    let tcpio = servers.iter().position(|&s| s == HttpServer::Tcpio);
    let (mut results, mut checks) = (Vec::new(), Vec::new());
    let (mut rate_groups, mut cpu_groups) = (Vec::new(), Vec::new());
    // One group per route, one bar per depth.
    let mut ratio_groups: Vec<RatioGroup> = Vec::new();
    for (w, per) in WORKLOADS.iter().zip(samples) {
        let ratios = |a: usize, f: fn(&Sample) -> f64| -> Vec<f64> {
            per[a].iter().zip(&per[peer]).map(|(x, y)| f(x) / f(y)).collect()
        };
        let med = |si: usize, f: fn(&Sample) -> f64| median(&per[si].iter().map(f).collect::<Vec<_>>());
        for (si, kind) in servers.iter().enumerate() {
            let [user, sys] = server_cpu::cells(&per[si]);
            table.push(vec![
                w.name(),
                kind.name().to_string(),
                grouped(med(si, |s| s.rps)),
                grouped(med(si, |s| s.per_cpu)),
                format!("{:.0} %", 100.0 * med(si, |s| s.util)),
                user,
                sys,
                ratio_cell(&ratios(si, |s| s.rps)),
                ratio_cell(&ratios(si, |s| s.per_cpu)),
            ]);
        }
        let mut line = format!("RESULT http {}", w.name());
        for (si, kind) in servers.iter().enumerate().filter(|&(si, _)| si != peer) {
            let (rps, cpu) = (median(&ratios(si, |s| s.rps)), median(&ratios(si, |s| s.per_cpu)));
            line += &format!(" {0}_vs_{pname}={rps:.3} cpu_{0}_vs_{pname}={cpu:.3}", kind.name());
        }
        results.push(line);
        if let Some(t) = tcpio {
            let r = ratios(t, |s| s.per_cpu);
            let (lo, hi) = min_max(&r);
            let m = median(&r);
            let route = w.path.trim_start_matches('/');
            match ratio_groups.iter_mut().find(|g| g.label == route) {
                Some(g) => g.ratios.push([m, lo, hi]),
                None => ratio_groups.push(RatioGroup { label: route.into(), ratios: vec![[m, lo, hi]] }),
            }
            if servers[peer] == HttpServer::Nginx {
                let target = CPU_TARGETS[usize::from(w.depth > 1)];
                let verdict = if m >= target { "met" } else { "MISSED" };
                checks.push(format!(
                    "target {}: req per srv CPU-s tcpio/nginx {m:.2} ({lo:.2}–{hi:.2}) >= {target}: {verdict}",
                    w.name()
                ));
                checks.push(server_cpu::bound_line(&w.name(), (pname, &per[peer]), ("tcpio", &per[t])));
            }
        }
        let values = |f: fn(&Sample) -> f64| (0..servers.len()).map(|si| med(si, f)).collect::<Vec<_>>();
        rate_groups.push(Group { label: w.name(), values: values(|s| s.rps) });
        cpu_groups.push(Group { label: w.name(), values: values(|s| s.per_cpu) });
    }
    println!();
    println!(
        "## http: {rounds} rounds x {seconds:.1} s per workload, wrk -t1 -c{CONNS} (pipelined: a Lua script), {}",
        if pin.enabled { "servers on core 0, wrk on core 1" } else { "UNPINNED" }
    );
    println!();
    print!("{}", table.render());
    println!();
    results.iter().chain(&checks).for_each(|l| println!("{l}"));
    let series: Vec<&str> = servers.iter().map(|k| k.name()).collect();
    let a = grouped_bars("http-throughput.svg", "wrk: requests per second", "req/s", &series, &rate_groups)?;
    let b = grouped_bars(
        "http-cpu.svg",
        "requests per second of server CPU time",
        "req per CPU-s",
        &series,
        &cpu_groups,
    )?;
    let c = if tcpio.is_some() && servers[peer] == HttpServer::Nginx {
        let marks = [
            Mark { at: 1.0, label: "nginx = 1".into() },
            Mark { at: CPU_TARGETS[0], label: "target depth 1".into() },
            Mark { at: CPU_TARGETS[1], label: "target depth 16".into() },
        ];
        ratio_bars(
            "http-ratio.svg",
            "tcpio / nginx: requests per server CPU-second (median, min–max)",
            "ratio to nginx",
            &["depth 1", "depth 16"],
            &ratio_groups,
            &marks,
        )?
    } else {
        "http-ratio.svg not written (tcpio or nginx not run)".into()
    };
    println!();
    println!("charts: {a} {b} {c}");
    Ok(())
}
