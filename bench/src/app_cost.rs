//! `cost --suite redis|http`: user-space instructions per request of the Redis and HTTP
//! servers, from callgrind, as the slope between a run of N requests and one of 2N (so
//! start-up, connection set-up and exit cancel out).

use crate::chart::{grouped_bars, Group};
use crate::cost::callgrind_total;
use crate::http::{wrk, Workload};
use crate::proc::{find_in_path, Pinning, ServerProc, Wrapper, SERVER_CORE};
use crate::redis::{redis_benchmark, RedisServer, Running, DEPTHS};
use crate::report::{grouped, Table};
use crate::servers::AppKind;
use crate::Res;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where profiles are written.
const OUT_DIR: &str = "/tmp/tcpio-bench";

/// The Redis tests whose cost is measured.
const REDIS_TESTS: [&str; 2] = ["set", "get"];

/// The servers whose cost is measured (the canned ceiling does no work worth counting).
const REDIS_SERVERS: [RedisServer; 3] = [RedisServer::Tcpio, RedisServer::Tokio, RedisServer::Redis];

/// Which measurements of `cost --suite redis` to run (`all` or one name each).
pub struct RedisFilter {
    /// `tcpio`, `tokio`, `redis` or `all`.
    pub server: String,
    /// `set`, `get` or `all`.
    pub test: String,
    /// `1`, `32` or `all`.
    pub depth: String,
}

/// Instructions per request of each Redis server at each depth and test.
pub fn run_redis(n_p1: u64, n_p32: u64, only: &RedisFilter, pin: Pinning) -> Res<()> {
    need_valgrind()?;
    let dir = Path::new(OUT_DIR);
    std::fs::create_dir_all(dir)?;
    let started = Instant::now();
    let mut table = Table::new(&["test", "server", "instructions/request", "vs redis", "vs tokio"]);
    let (mut results, mut groups) = (Vec::new(), Vec::new());
    let pick = |filter: &str, name: &str| filter == "all" || filter == name;
    for depth in DEPTHS.into_iter().filter(|d| pick(&only.depth, &d.to_string())) {
        let n = if depth == 1 { n_p1 } else { n_p32 };
        for test in REDIS_TESTS.into_iter().filter(|t| pick(&only.test, t)) {
            let mut per = Vec::new();
            for kind in REDIS_SERVERS {
                if !pick(&only.server, kind.name()) {
                    per.push(f64::NAN);
                    continue;
                }
                let file = |m: u64| dir.join(format!("redis-P{depth}-{test}-{}-{m}.callgrind", kind.name()));
                let one = |m: u64| -> Res<u64> {
                    let out = file(m);
                    let server =
                        Running::start(kind, &Wrapper::Callgrind(out.clone()), pin.core(SERVER_CORE))?;
                    if test == "get" {
                        // The key must exist for GET to do a real lookup; the same preparation
                        // in both runs cancels out of the slope.
                        redis_benchmark(server.port, "set", 1000, 1, pin)?;
                    }
                    redis_benchmark(server.port, test, m, depth, pin)?;
                    server.stop(Duration::from_secs(120))?;
                    callgrind_total(&out)
                };
                let ctx = |e| format!("cost P{depth} {test} {}: {e}", kind.name());
                let a = one(n).map_err(ctx)?;
                let b = one(2 * n).map_err(ctx)?;
                let slope = (b as f64 - a as f64) / n as f64;
                eprintln!(
                    "cost redis P{depth:<2} {test:<4} {:<6} {:>8} instr/request ({:.0} s elapsed)",
                    kind.name(),
                    grouped(slope),
                    started.elapsed().as_secs_f64()
                );
                per.push(slope);
            }
            let label = format!("P{depth} {test}");
            for (kind, &v) in REDIS_SERVERS.iter().zip(&per).filter(|(_, v)| v.is_finite()) {
                table.push(vec![
                    label.clone(),
                    kind.name().into(),
                    grouped(v),
                    format!("{:.3}", v / per[2]),
                    format!("{:.3}", v / per[1]),
                ]);
                results
                    .push(format!("RESULT cost redis P{depth} {test} {} instr_per_req={v:.0}", kind.name()));
            }
            results.push(format!(
                "RESULT cost redis P{depth} {test} tcpio_vs_redis={:.3} tcpio_vs_tokio={:.3}",
                per[0] / per[2],
                per[0] / per[1]
            ));
            groups.push(Group { label, values: per });
        }
    }
    println!();
    println!("## cost redis: callgrind, slope between N and 2N requests (N = {n_p1} at P1, {n_p32} at P32)");
    println!();
    print!("{}", table.render());
    println!();
    results.iter().for_each(|l| println!("{l}"));
    let names: Vec<&str> = REDIS_SERVERS.iter().map(|k| k.name()).collect();
    let chart = grouped_bars(
        "redis-cost.svg",
        "user-space instructions per request",
        "instructions",
        &names,
        &groups,
    )?;
    println!();
    println!("chart: {chart}");
    Ok(())
}

/// Instructions per request of the two HTTP servers: `wrk` runs of `seconds` and twice that,
/// slope over the requests each completed.
pub fn run_http(seconds: f64, pin: Pinning) -> Res<()> {
    need_valgrind()?;
    if find_in_path("wrk").is_none() {
        return Err("wrk not found: apt-get install wrk".into());
    }
    let dir = Path::new(OUT_DIR);
    std::fs::create_dir_all(dir)?;
    let workloads = [Workload { path: "/plaintext", depth: 1 }, Workload { path: "/plaintext", depth: 16 }];
    let servers = [AppKind::TcpioHttp, AppKind::TokioHttp];
    let mut table = Table::new(&["workload", "server", "instructions/request", "vs tokio"]);
    let (mut results, mut groups) = (Vec::new(), Vec::new());
    for w in workloads {
        let mut per = Vec::new();
        for kind in servers {
            let one = |secs: f64| -> Res<(u64, u64)> {
                let out: PathBuf = dir.join(format!("http-{}-{}-{secs}.callgrind", w.name(), kind.name()));
                let server =
                    ServerProc::start_app(kind, &Wrapper::Callgrind(out.clone()), pin.core(SERVER_CORE))?;
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
            eprintln!("cost http {:<13} {:<10} {:>8} instr/request", w.name(), kind.name(), grouped(slope));
            per.push(slope);
        }
        for (kind, &v) in servers.iter().zip(&per) {
            table.push(vec![w.name(), kind.name().into(), grouped(v), format!("{:.3}", v / per[1])]);
            results.push(format!("RESULT cost http {} {} instr_per_req={v:.0}", w.name(), kind.name()));
        }
        results.push(format!("RESULT cost http {} tcpio_vs_tokio={:.3}", w.name(), per[0] / per[1]));
        groups.push(Group { label: w.name(), values: per });
    }
    println!();
    println!("## cost http: callgrind, slope between wrk runs of {seconds} s and {} s", 2.0 * seconds);
    println!();
    print!("{}", table.render());
    println!();
    results.iter().for_each(|l| println!("{l}"));
    let chart = grouped_bars(
        "http-cost.svg",
        "user-space instructions per request",
        "instructions",
        &["tcpio", "tokio"],
        &groups,
    )?;
    println!();
    println!("chart: {chart}");
    Ok(())
}

/// Fails unless callgrind is installed.
fn need_valgrind() -> Res<()> {
    match find_in_path("valgrind") {
        Some(_) => Ok(()),
        None => Err("cost needs valgrind (apt-get install valgrind)".into()),
    }
}
