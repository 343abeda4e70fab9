//! `cost --suite redis|http`: user-space instructions per request of the Redis and HTTP
//! servers and of their peers (the real `redis-server`, nginx), from callgrind, as the slope
//! between a run of N requests and one of 2N (so start-up, connection set-up and exit cancel
//! out).

use crate::chart::{grouped_bars, ratio_bars, Group, Mark, RatioGroup};
use crate::cost::callgrind_total;
use crate::http::{reference, wrk, HttpServer, Workload};
use crate::proc::{find_in_path, Pinning, Wrapper, SERVER_CORE};
use crate::redis::{redis_benchmark, RedisServer, DEPTHS, TESTS};
use crate::report::{grouped, Table};
use crate::{choose, Res};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where profiles are written.
const OUT_DIR: &str = "/tmp/tcpio-bench";

/// The servers whose cost can be measured (the canned ceiling does no work worth counting).
const REDIS_SERVERS: [RedisServer; 3] = [RedisServer::Tcpio, RedisServer::Tokio, RedisServer::Redis];

/// Measurements (pairs of runs) per test at `-P 1`, of which the median is kept.
const P1_REPEATS: usize = 3;

/// Target: tcpio's instructions per request at most this share of Redis's, on every test.
const REDIS_TARGET: f64 = 0.2;

/// Instructions per request of tcpio's GET and SET at `-P 32` before this comparison began;
/// they are to grow by no more than [`REGRESSION_LIMIT`].
const P32_BASELINE: [(&str, f64); 2] = [("get", 599.0), ("set", 648.0)];

/// How far above [`P32_BASELINE`] tcpio's GET and SET may go.
const REGRESSION_LIMIT: f64 = 1.05;

/// Target: tcpio's instructions per request at most this share of nginx's.
const HTTP_TARGET: f64 = 0.15;

/// Which measurements of `cost --suite redis` to run.
pub struct RedisFilter {
    /// Comma-separated servers (`tcpio`, `tokio`, `redis`) or `all`; default `tcpio,redis`.
    pub server: String,
    /// Comma-separated tests (see [`TESTS`]) or `all`.
    pub test: String,
    /// `1`, `32` or `all`.
    pub depth: String,
}

/// Runs `server` under callgrind once for `m` requests of `test` at `depth` (after the same
/// preparation whatever `m`, so that it cancels out of a slope) and returns the instructions
/// it executed.
fn redis_run(
    kind: RedisServer,
    test: &str,
    depth: usize,
    m: u64,
    prep: u64,
    out: &Path,
    pin: Pinning,
) -> Res<u64> {
    let server = kind.start(&Wrapper::Callgrind(out.to_path_buf()), pin.core(SERVER_CORE))?;
    match test {
        // The key must exist for GET to do a real lookup.
        "get" => redis_benchmark(server.port, "set", 1000, 1, pin)?,
        // LPOP must find an element every time: push more than the longer run pops.
        "lpop" => redis_benchmark(server.port, "lpush", prep, 32, pin)?,
        _ => 0.0,
    };
    redis_benchmark(server.port, test, m, depth, pin)?;
    server.stop(Duration::from_secs(120))?;
    callgrind_total(out)
}

/// Instructions per request of each Redis server at each depth and test.
pub fn run_redis(n_p1: u64, n_p32: u64, only: &RedisFilter, pin: Pinning) -> Res<()> {
    need_valgrind()?;
    let dir = Path::new(OUT_DIR);
    std::fs::create_dir_all(dir)?;
    let servers = choose(&only.server, &REDIS_SERVERS, RedisServer::name)?;
    let tests: Vec<&str> =
        TESTS.into_iter().filter(|t| only.test == "all" || only.test.split(',').any(|o| o == *t)).collect();
    let depths: Vec<usize> =
        DEPTHS.into_iter().filter(|d| only.depth == "all" || only.depth == d.to_string()).collect();
    if tests.is_empty() || depths.is_empty() {
        return Err(format!("no such test or depth (tests: {}; depths 1, 32)", TESTS.join(", ")).into());
    }
    let at = |k: RedisServer| servers.iter().position(|&s| s == k);
    let (tcpio, redis) = (at(RedisServer::Tcpio), at(RedisServer::Redis));
    let started = Instant::now();
    let mut table = Table::new(&["test", "server", "instructions/request", "vs redis"]);
    let (mut results, mut checks, mut groups) = (Vec::new(), Vec::new(), Vec::new());
    let mut ratio_groups: Vec<RatioGroup> =
        tests.iter().map(|t| RatioGroup { label: t.to_string(), ratios: Vec::new() }).collect();
    for &depth in &depths {
        let n = if depth == 1 { n_p1 } else { n_p32 };
        for (ti, &test) in tests.iter().enumerate() {
            let mut per = Vec::new();
            for &kind in &servers {
                let file = |m: u64| dir.join(format!("redis-P{depth}-{test}-{}-{m}.callgrind", kind.name()));
                let ctx = |e| format!("cost P{depth} {test} {}: {e}", kind.name());
                // Without pipelining, how many requests each wait for events brings varies
                // from run to run, and so does the cost per request: the median of three.
                let mut slopes = Vec::new();
                for _ in 0..if depth == 1 { P1_REPEATS } else { 1 } {
                    let a = redis_run(kind, test, depth, n, 2 * n + 1000, &file(n), pin).map_err(ctx)?;
                    let b =
                        redis_run(kind, test, depth, 2 * n, 2 * n + 1000, &file(2 * n), pin).map_err(ctx)?;
                    slopes.push((b as f64 - a as f64) / n as f64);
                }
                slopes.sort_by(f64::total_cmp);
                let slope = slopes[slopes.len() / 2];
                eprintln!(
                    "cost redis P{depth:<2} {test:<11} {:<6} {:>8} instr/request ({:.0} s elapsed)",
                    kind.name(),
                    grouped(slope),
                    started.elapsed().as_secs_f64()
                );
                per.push(slope);
            }
            let label = format!("P{depth} {test}");
            let vs_redis = |v: f64| redis.map_or(f64::NAN, |r| v / per[r]);
            for (kind, &v) in servers.iter().zip(&per) {
                table.push(vec![
                    label.clone(),
                    kind.name().into(),
                    grouped(v),
                    format!("{:.3}", vs_redis(v)),
                ]);
                results
                    .push(format!("RESULT cost redis P{depth} {test} {} instr_per_req={v:.0}", kind.name()));
            }
            if let (Some(t), Some(_)) = (tcpio, redis) {
                let r = vs_redis(per[t]);
                results.push(format!("RESULT cost redis P{depth} {test} tcpio_vs_redis={r:.3}"));
                let verdict = if r <= REDIS_TARGET { "met" } else { "MISSED" };
                checks.push(format!(
                    "target P{depth} {test}: instructions tcpio/redis {r:.3} <= {REDIS_TARGET}: {verdict}"
                ));
                ratio_groups[ti].ratios.push([r, f64::NAN, f64::NAN]);
            }
            if let (Some(t), 32, Some(&(_, base))) =
                (tcpio, depth, P32_BASELINE.iter().find(|(n, _)| *n == test))
            {
                let limit = base * REGRESSION_LIMIT;
                let verdict = if per[t] <= limit { "met" } else { "MISSED" };
                checks.push(format!(
                    "target P32 {test}: tcpio {:.0} instructions/request <= {limit:.0} (5 % over {base:.0}): {verdict}",
                    per[t]
                ));
            }
            groups.push(Group { label, values: per });
        }
    }
    println!();
    println!(
        "## cost redis: callgrind, slope between N and 2N requests (N = {n_p1} at P1, median of {P1_REPEATS}; {n_p32} at P32)"
    );
    println!();
    print!("{}", table.render());
    println!();
    results.iter().chain(&checks).for_each(|l| println!("{l}"));
    let names: Vec<&str> = servers.iter().map(|k| k.name()).collect();
    let chart = grouped_bars(
        "redis-cost.svg",
        "user-space instructions per request",
        "instructions",
        &names,
        &groups,
    )?;
    let ratio = if tcpio.is_some() && redis.is_some() {
        let series: Vec<String> = depths.iter().map(|d| format!("-P {d}")).collect();
        let series: Vec<&str> = series.iter().map(String::as_str).collect();
        ratio_bars(
            "redis-cost-ratio.svg",
            "tcpio / redis: user-space instructions per request",
            "ratio to redis",
            &series,
            &ratio_groups,
            &[Mark { at: REDIS_TARGET, label: format!("target {REDIS_TARGET}") }],
        )?
    } else {
        "redis-cost-ratio.svg not written (tcpio or redis not run)".into()
    };
    println!();
    println!("charts: {chart} {ratio}");
    eprintln!("cost redis: done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Instructions per request of the HTTP servers named in `server_spec` (default tcpio and
/// nginx): `wrk` runs of `seconds` and twice that, slope over the requests each completed.
pub fn run_http(seconds: f64, server_spec: &str, pin: Pinning) -> Res<()> {
    need_valgrind()?;
    if find_in_path("wrk").is_none() {
        return Err("wrk not found: apt-get install wrk".into());
    }
    let servers = choose(server_spec, &HttpServer::ALL, HttpServer::name)?;
    let peer = reference(&servers)?;
    let pname = servers[peer].name();
    let tcpio = servers.iter().position(|&s| s == HttpServer::Tcpio);
    let dir = Path::new(OUT_DIR);
    std::fs::create_dir_all(dir)?;
    let started = Instant::now();
    let workloads = [Workload { path: "/plaintext", depth: 1 }, Workload { path: "/plaintext", depth: 16 }];
    let vs = format!("vs {pname}");
    let mut table = Table::new(&["workload", "server", "instructions/request", &vs]);
    let (mut results, mut checks, mut groups) = (Vec::new(), Vec::new(), Vec::new());
    let mut ratio = RatioGroup { label: "plaintext".into(), ratios: Vec::new() };
    for w in workloads {
        let mut per = Vec::new();
        for &kind in &servers {
            let one = |secs: f64| -> Res<(u64, u64)> {
                let out: PathBuf = dir.join(format!("http-{}-{}-{secs}.callgrind", w.name(), kind.name()));
                let server = kind.start(&Wrapper::Callgrind(out.clone()), pin.core(SERVER_CORE))?;
                let run = wrk(server.port, w, secs, pin)?;
                server.stop(Duration::from_secs(120))?;
                Ok((callgrind_total(&out)?, run.requests))
            };
            let ctx = |e| format!("cost http {} {}: {e}", w.name(), kind.name());
            let (i1, r1) = one(seconds).map_err(ctx)?;
            let (i2, r2) = one(2.0 * seconds).map_err(ctx)?;
            if r2 <= r1 {
                return Err(format!("cost http {}: the longer run completed fewer requests", w.name()).into());
            }
            let slope = (i2 as f64 - i1 as f64) / (r2 - r1) as f64;
            eprintln!(
                "cost http {:<13} {:<6} {:>8} instr/request ({r1} and {r2} requests)",
                w.name(),
                kind.name(),
                grouped(slope)
            );
            per.push(slope);
        }
        for (kind, &v) in servers.iter().zip(&per) {
            table.push(vec![w.name(), kind.name().into(), grouped(v), format!("{:.3}", v / per[peer])]);
            results.push(format!("RESULT cost http {} {} instr_per_req={v:.0}", w.name(), kind.name()));
        }
        if let Some(t) = tcpio {
            let r = per[t] / per[peer];
            results.push(format!("RESULT cost http {} tcpio_vs_{pname}={r:.3}", w.name()));
            ratio.ratios.push([r, f64::NAN, f64::NAN]);
            if servers[peer] == HttpServer::Nginx {
                let verdict = if r <= HTTP_TARGET { "met" } else { "MISSED" };
                checks.push(format!(
                    "target {}: instructions tcpio/nginx {r:.3} <= {HTTP_TARGET}: {verdict}",
                    w.name()
                ));
            }
        }
        groups.push(Group { label: w.name(), values: per });
    }
    println!();
    println!("## cost http: callgrind, slope between wrk runs of {seconds} s and {} s", 2.0 * seconds);
    println!();
    print!("{}", table.render());
    println!();
    results.iter().chain(&checks).for_each(|l| println!("{l}"));
    let names: Vec<&str> = servers.iter().map(|k| k.name()).collect();
    let chart = grouped_bars(
        "http-cost.svg",
        "user-space instructions per request",
        "instructions",
        &names,
        &groups,
    )?;
    let ratio_chart = if tcpio.is_some() && servers[peer] == HttpServer::Nginx {
        ratio_bars(
            "http-cost-ratio.svg",
            "tcpio / nginx: user-space instructions per request",
            "ratio to nginx",
            &["depth 1", "depth 16"],
            &[ratio],
            &[Mark { at: HTTP_TARGET, label: format!("target {HTTP_TARGET}") }],
        )?
    } else {
        "http-cost-ratio.svg not written (tcpio or nginx not run)".into()
    };
    println!();
    println!("charts: {chart} {ratio_chart}");
    eprintln!("cost http: done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Fails unless callgrind is installed.
fn need_valgrind() -> Res<()> {
    match find_in_path("valgrind") {
        Some(_) => Ok(()),
        None => Err("cost needs valgrind (apt-get install valgrind)".into()),
    }
}
