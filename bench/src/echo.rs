//! `echo`: throughput and latency of the three servers, interleaved round by round.
//!
//! Each measurement is a fresh server process pinned to the server core with the load generator
//! (this process) on the other core. Ratios are computed per round and then summarised by their
//! median and min–max spread, so slow drift of the shared machine cancels out.

use crate::load::{Load, Stop, Workload, WORKLOADS};
use crate::proc::{threads_status_sum, Pinning, Wrapper, SERVER_CORE};
use crate::report::{grouped, median, ratio_cell, Table};
use crate::servers::running::ServerProc;
use crate::servers::ServerKind;
use crate::{Flags, Res};
use std::time::{Duration, Instant};

/// Unmeasured warm-up before each measurement.
const WARMUP: Duration = Duration::from_millis(300);

/// One measurement of one server on one workload.
#[derive(Clone, Copy, Debug)]
struct Sample {
    /// Messages per second.
    msgs_per_sec: f64,
    /// Echoed payload, MB (10^6 bytes) per second, one direction.
    mb_per_sec: f64,
    /// Median round trip, microseconds.
    p50_us: f64,
    /// 99th percentile round trip, microseconds.
    p99_us: f64,
    /// Times the server blocked (voluntary context switches, all threads) per message.
    sleeps_per_msg: f64,
}

/// Runs the `echo` subcommand.
pub fn run(flags: &Flags) -> Res<()> {
    let rounds: usize = flags.get("rounds", 5)?;
    let seconds: f64 = flags.get("seconds", 2.0)?;
    if rounds < 5 {
        return Err("--rounds must be at least 5".into());
    }
    if !(0.1..=600.0).contains(&seconds) {
        return Err("--seconds must be between 0.1 and 600".into());
    }
    let only: String = flags.get("workload", "all".to_string())?;
    let workloads: Vec<Workload> =
        WORKLOADS.into_iter().filter(|w| only == "all" || only == w.name).collect();
    if workloads.is_empty() {
        return Err(format!("unknown workload `{only}`").into());
    }
    let measure = Duration::from_secs_f64(seconds);
    let pin = Pinning::setup();
    let started = Instant::now();
    // samples[workload][server] = one Sample per round.
    let mut samples: Vec<Vec<Vec<Sample>>> = vec![vec![Vec::new(); 3]; workloads.len()];
    for round in 0..rounds {
        for (wi, w) in workloads.iter().enumerate() {
            for k in 0..3 {
                let si = (k + round) % 3;
                let kind = ServerKind::ALL[si];
                let s = measure_one(kind, *w, measure, pin)
                    .map_err(|e| format!("round {} {} {}: {e}", round + 1, w.name, kind.name()))?;
                eprintln!(
                    "round {}/{rounds} {:<11} {:<5} {:>10} msg/s  p50 {:>7.1} us  p99 {:>7.1} us",
                    round + 1,
                    w.name,
                    kind.name(),
                    grouped(s.msgs_per_sec),
                    s.p50_us,
                    s.p99_us
                );
                samples[wi][si].push(s);
            }
        }
    }
    print_report(&workloads, &samples, rounds, measure, pin);
    eprintln!("echo: done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Measures server `kind` on workload `w` in a fresh, pinned server process.
fn measure_one(kind: ServerKind, w: Workload, measure: Duration, pin: Pinning) -> Res<Sample> {
    let server = ServerProc::start(kind, &Wrapper::Plain, pin.core(SERVER_CORE))?;
    let mut load = Load::connect(server.port, w, kind.proxy_header())?;
    let key = "voluntary_ctxt_switches:";
    let sleeps_before = threads_status_sum(server.proc.pid(), key)?;
    let stats = load.run(Stop::Timed { warmup: WARMUP, measure })?;
    let sleeps = threads_status_sum(server.proc.pid(), key)?.saturating_sub(sleeps_before);
    drop(load);
    server.stop(Duration::from_secs(10))?;
    let msgs_per_sec = stats.msgs_per_sec();
    Ok(Sample {
        msgs_per_sec,
        mb_per_sec: msgs_per_sec * w.size as f64 / 1e6,
        p50_us: stats.latency_us(0.50),
        p99_us: stats.latency_us(0.99),
        sleeps_per_msg: sleeps as f64 / stats.total_msgs.max(1) as f64,
    })
}

/// Prints the markdown table and the RESULT lines.
fn print_report(
    workloads: &[Workload],
    samples: &[Vec<Vec<Sample>>],
    rounds: usize,
    measure: Duration,
    pin: Pinning,
) {
    let mut table = Table::new(&[
        "workload",
        "server",
        "msgs/s (median)",
        "MB/s",
        "p50 µs",
        "p99 µs",
        "srv sleeps/msg",
        "vs tokio (min–max)",
        "vs floor (min–max)",
    ]);
    let mut results = Vec::new();
    for (w, per_server) in workloads.iter().zip(samples) {
        let rate = |si: usize| -> Vec<f64> { per_server[si].iter().map(|s| s.msgs_per_sec).collect() };
        let ratios =
            |a: usize, b: usize| -> Vec<f64> { rate(a).iter().zip(rate(b)).map(|(x, y)| x / y).collect() };
        let (tokio, floor) = (1, 2);
        for (si, kind) in ServerKind::ALL.iter().enumerate() {
            let col = |f: fn(&Sample) -> f64| median(&per_server[si].iter().map(f).collect::<Vec<_>>());
            table.push(vec![
                w.name.to_string(),
                kind.name().to_string(),
                grouped(col(|s| s.msgs_per_sec)),
                format!("{:.1}", col(|s| s.mb_per_sec)),
                format!("{:.1}", col(|s| s.p50_us)),
                format!("{:.1}", col(|s| s.p99_us)),
                format!("{:.3}", col(|s| s.sleeps_per_msg)),
                ratio_cell(&ratios(si, tokio)),
                ratio_cell(&ratios(si, floor)),
            ]);
        }
        results.push(format!(
            "RESULT echo {} tcpio_vs_tokio={:.3} tcpio_vs_floor={:.3}",
            w.name,
            median(&ratios(0, tokio)),
            median(&ratios(0, floor))
        ));
    }
    println!();
    println!(
        "## echo: {rounds} rounds x {:.1} s per measurement (+{} ms warm-up), {}",
        measure.as_secs_f64(),
        WARMUP.as_millis(),
        if pin.enabled { "servers on core 0, load generator on core 1" } else { "UNPINNED" }
    );
    println!();
    println!("Medians over rounds; ratios are msgs/s, median of per-round ratios (min–max).");
    println!("MB/s counts echoed payload in one direction. srv sleeps/msg: the server's voluntary");
    println!("context switches per message (how often it blocked in epoll_wait and had to be woken).");
    println!();
    print!("{}", table.render());
    println!();
    for line in results {
        println!("{line}");
    }
}
