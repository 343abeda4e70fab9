//! `tls`: TLS 1.3 echo and full handshakes, tcpio against tokio + tokio-rustls with the
//! same certificate (ECDSA P-256), provider (*ring*), cipher suite
//! (TLS13_AES_128_GCM_SHA256) and key exchange (X25519); rounds interleaved as `echo`
//! does. `cost --suite tls` counts instructions per message and per handshake, with a
//! floor: the same records decrypted and encrypted by rustls in memory, no sockets.
//! `idle --server tcpio-tls|tokio-tls` is the memory of an idle TLS connection.

pub mod cert;
mod floor;
pub mod load;

use crate::chart::{grouped_bars, Group};
use crate::load::Stop;
use crate::proc::{Pinning, Wrapper, SERVER_CORE};
use crate::report::{grouped, interleave_two, median, ratio_cell, rounds_and_seconds, Table};
use crate::servers::running::ServerProc;
use crate::servers::ServerKind;
use crate::{Flags, Res};
use std::time::Duration;

pub use floor::run as floor_child;

/// Connections, message size: the echo workload.
const CONNS: usize = 50;
const SIZE: usize = 1024;
/// Connections making handshakes at once.
const HANDSHAKERS: usize = 50;
/// Unmeasured warm-up before each measurement.
const WARMUP: Duration = Duration::from_millis(300);

/// One round's figures for one server.
#[derive(Clone, Copy, Debug)]
struct Sample {
    msgs_per_sec: f64,
    /// Messages per second of the server's CPU time: what the server itself spends,
    /// whether or not the load generator (which does the same crypto) keeps up.
    msgs_per_cpu_sec: f64,
    p50_us: f64,
    p99_us: f64,
    handshakes_per_sec: f64,
    handshakes_per_cpu_sec: f64,
}

/// Runs the `tls` subcommand.
pub fn run(flags: &Flags) -> Res<()> {
    let (rounds, measure) = rounds_and_seconds(flags)?;
    let seconds = measure.as_secs_f64();
    cert::files()?;
    let pin = Pinning::setup();
    let samples = interleave_two(rounds, |round, si| {
        let kind = ServerKind::TLS[si];
        let s = measure_one(kind, measure, pin)
            .map_err(|e| format!("round {} {}: {e}", round + 1, kind.name()))?;
        eprintln!(
            "round {}/{rounds} {:<9} {:>9} msg/s ({:>9} per CPU-s)  p50 {:>6.1} us  {:>6} handshakes/s ({:>6} per CPU-s)",
            round + 1,
            kind.name(),
            grouped(s.msgs_per_sec),
            grouped(s.msgs_per_cpu_sec),
            s.p50_us,
            grouped(s.handshakes_per_sec),
            grouped(s.handshakes_per_cpu_sec)
        );
        Ok(s)
    })?;
    let ratio = |f: fn(&Sample) -> f64| -> Vec<f64> {
        samples[0].iter().zip(&samples[1]).map(|(a, b)| f(a) / f(b)).collect()
    };
    let mut table = Table::new(&[
        "server",
        "msgs/s",
        "msgs/CPU-s",
        "p50 µs",
        "p99 µs",
        "handshakes/s",
        "handshakes/CPU-s",
        "msgs/s vs tokio",
        "msgs/CPU-s vs tokio",
        "hs/s vs tokio",
        "hs/CPU-s vs tokio",
    ]);
    for (si, kind) in ServerKind::TLS.iter().enumerate() {
        let col = |f: fn(&Sample) -> f64| median(&samples[si].iter().map(f).collect::<Vec<_>>());
        let cell = |f: fn(&Sample) -> f64| if si == 0 { ratio_cell(&ratio(f)) } else { "1".to_string() };
        table.push(vec![
            kind.name().to_string(),
            grouped(col(|s| s.msgs_per_sec)),
            grouped(col(|s| s.msgs_per_cpu_sec)),
            format!("{:.1}", col(|s| s.p50_us)),
            format!("{:.1}", col(|s| s.p99_us)),
            grouped(col(|s| s.handshakes_per_sec)),
            grouped(col(|s| s.handshakes_per_cpu_sec)),
            cell(|s| s.msgs_per_sec),
            cell(|s| s.msgs_per_cpu_sec),
            cell(|s| s.handshakes_per_sec),
            cell(|s| s.handshakes_per_cpu_sec),
        ]);
    }
    println!();
    println!(
        "## tls: TLS 1.3 echo, {CONNS} connections x {SIZE} B, 1 in flight; full handshakes, {HANDSHAKERS} at once; \
         {rounds} rounds x {seconds:.1} s, {}",
        if pin.enabled { "servers on core 0, load generator on core 1" } else { "UNPINNED" }
    );
    println!();
    println!("Medians over rounds; ratios are the median of per-round ratios (min–max). The load generator does the");
    println!("same crypto as the server on the other core, so msgs/s is bounded by it; per CPU-second of the server");
    println!("is what each server itself spends.");
    println!();
    print!("{}", table.render());
    println!();
    println!(
        "RESULT tls echo-50c-1KiB tcpio_vs_tokio={:.3} per_cpu_s={:.3}",
        median(&ratio(|s| s.msgs_per_sec)),
        median(&ratio(|s| s.msgs_per_cpu_sec))
    );
    println!(
        "RESULT tls handshakes tcpio_vs_tokio={:.3} per_cpu_s={:.3}",
        median(&ratio(|s| s.handshakes_per_sec)),
        median(&ratio(|s| s.handshakes_per_cpu_sec))
    );
    let group = |label: &str, f: fn(&Sample) -> f64| Group {
        label: label.to_string(),
        values: vec![median(&ratio(f)), 1.0],
    };
    let groups = [
        group("messages/s", |s| s.msgs_per_sec),
        group("messages/CPU-s", |s| s.msgs_per_cpu_sec),
        group("handshakes/s", |s| s.handshakes_per_sec),
        group("handshakes/CPU-s", |s| s.handshakes_per_cpu_sec),
    ];
    let title = "TLS 1.3 echo (50 x 1 KiB) and full handshakes, relative to tokio-rustls (higher is better)";
    let written =
        grouped_bars("tls.svg", title, "ratio to tokio-rustls", &["tcpio", "tokio-rustls"], &groups)?;
    println!();
    println!("{written}");
    Ok(())
}

/// One server process: the echo measurement, then the handshake measurement.
fn measure_one(kind: ServerKind, measure: Duration, pin: Pinning) -> Res<Sample> {
    use crate::proc::cpu_seconds;
    let server = ServerProc::start(kind, &Wrapper::Plain, pin.core(SERVER_CORE))?;
    let pid = server.proc.pid();
    let cpu0 = cpu_seconds(pid)?;
    let stats = load::echo(server.port, CONNS, SIZE, Stop::Timed { warmup: WARMUP, measure })?;
    let cpu1 = cpu_seconds(pid)?;
    let (n, elapsed, all) =
        load::handshakes(server.port, HANDSHAKERS, Stop::Timed { warmup: WARMUP, measure })?;
    let cpu2 = cpu_seconds(pid)?;
    server.stop(Duration::from_secs(10))?;
    Ok(Sample {
        msgs_per_sec: stats.msgs_per_sec(),
        msgs_per_cpu_sec: stats.total_msgs as f64 / (cpu1 - cpu0).max(0.01),
        p50_us: stats.latency_us(0.5),
        p99_us: stats.latency_us(0.99),
        handshakes_per_sec: n as f64 / elapsed.as_secs_f64(),
        handshakes_per_cpu_sec: all as f64 / (cpu2 - cpu1).max(0.01),
    })
}

/// `cost --suite tls`: instructions per message (and system calls per message) and per
/// full handshake, as slopes between N and 2N; the floor's instructions per message.
pub fn cost(cg_n: u64, hs_n: u64, pin: Pinning) -> Res<()> {
    use crate::cost::{callgrind_total, strace_total};
    cert::files()?;
    let dir = std::path::Path::new("/tmp/tcpio-bench");
    std::fs::create_dir_all(dir)?;
    let slope = |n: u64, mut f: Box<dyn FnMut(u64) -> Res<u64> + '_>| -> Res<f64> {
        let a = f(n)?;
        let b = f(2 * n)?;
        Ok((b as f64 - a as f64) / n as f64)
    };
    let mut rows = Vec::new();
    for kind in ServerKind::TLS {
        // One server run under `wrapper` for `m` messages (or handshakes): the load
        // connects and handshakes first, the same for N and 2N.
        let run = |wrapper: Wrapper, m: u64, handshakes: bool| -> Res<()> {
            let server = ServerProc::start(kind, &wrapper, pin.core(SERVER_CORE))?;
            let done = match handshakes {
                true => load::handshakes(server.port, 10, Stop::Count(m)).map(drop),
                false => load::echo(server.port, CONNS, SIZE, Stop::Count(m)).map(drop),
            };
            server.stop(Duration::from_secs(120))?;
            done
        };
        let file = |what: &str, m: u64, ext: &str| dir.join(format!("tls-{what}-{}-{m}.{ext}", kind.name()));
        let per_msg = slope(
            cg_n,
            Box::new(|m| {
                let out = file("echo", m, "callgrind");
                run(Wrapper::Callgrind(out.clone()), m, false)?;
                callgrind_total(&out)
            }),
        )?;
        let syscalls = slope(
            cg_n * 4,
            Box::new(|m| {
                let out = file("echo", m, "strace");
                run(Wrapper::Strace(out.clone()), m, false)?;
                strace_total(&out)
            }),
        )?;
        let per_hs = slope(
            hs_n,
            Box::new(|m| {
                let out = file("hs", m, "callgrind");
                run(Wrapper::Callgrind(out.clone()), m, true)?;
                callgrind_total(&out)
            }),
        )?;
        eprintln!(
            "cost tls {:<9} instr/msg {:>7.0}  syscalls/msg {:.2}  instr/handshake {:>9.0}",
            kind.name(),
            per_msg,
            syscalls,
            per_hs
        );
        rows.push((kind.name(), per_msg, syscalls, per_hs));
    }
    let floor = slope(
        cg_n,
        Box::new(|m| {
            let out = dir.join(format!("tls-floor-{m}.callgrind"));
            floor::measure(&out, m, SIZE, pin)?;
            callgrind_total(&out)
        }),
    )?;
    let (t, k) = (rows[0], rows[1]);
    let above = |x: f64| x - floor;
    println!();
    println!(
        "## cost tls: TLS 1.3 echo ({CONNS} connections x {SIZE} B, 1 in flight) and full handshakes; slope between N and \
         2N (callgrind N={cg_n} messages, {hs_n} handshakes; strace N={})",
        cg_n * 4
    );
    println!();
    println!("The floor: the same records decrypted and encrypted by rustls over memory, no sockets");
    println!(
        "(instructions in the server's step only). \"above floor\": what a server spends around the crypto."
    );
    println!();
    let mut table =
        Table::new(&["server", "instructions/msg", "above floor", "syscalls/msg", "instructions/handshake"]);
    for (name, per_msg, sys, per_hs) in &rows {
        table.push(vec![
            name.to_string(),
            grouped(*per_msg),
            grouped(above(*per_msg)),
            format!("{sys:.2}"),
            grouped(*per_hs),
        ]);
    }
    table.push(vec!["floor".into(), grouped(floor), "0".into(), "0".into(), "-".into()]);
    print!("{}", table.render());
    println!();
    println!(
        "RESULT cost tls tcpio instr_per_msg={:.0} above_floor={:.0} syscalls_per_msg={:.2} instr_per_handshake={:.0}",
        t.1,
        above(t.1),
        t.2,
        t.3
    );
    println!(
        "RESULT cost tls tokio instr_per_msg={:.0} above_floor={:.0} syscalls_per_msg={:.2} instr_per_handshake={:.0}",
        k.1,
        above(k.1),
        k.2,
        k.3
    );
    println!("RESULT cost tls floor instr_per_msg={floor:.0}");
    println!(
        "RESULT cost tls ratios above_floor_tcpio_vs_tokio={:.3} handshake_tcpio_vs_tokio={:.3}",
        above(t.1) / above(k.1),
        t.3 / k.3
    );
    let groups = [
        Group {
            label: "instructions/msg above the floor".into(),
            values: vec![above(t.1) / above(k.1), 1.0],
        },
        Group { label: "instructions/handshake".into(), values: vec![t.3 / k.3, 1.0] },
        Group { label: "system calls/msg".into(), values: vec![t.2 / k.2, 1.0] },
    ];
    let title = "TLS 1.3 cost, relative to tokio-rustls (lower is better)";
    let written =
        grouped_bars("tls-cost.svg", title, "ratio to tokio-rustls", &["tcpio", "tokio-rustls"], &groups)?;
    println!();
    println!("{written}");
    Ok(())
}

/// Opens `conns` TLS connections to `port`, each through its handshake and a one-byte
/// echo, and returns them (held idle by the caller).
pub fn idle_clients(port: u16, conns: usize) -> Res<Vec<load::Idle>> {
    load::idle(port, conns)
}
