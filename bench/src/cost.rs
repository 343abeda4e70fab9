//! `cost`: deterministic cost per message. Each server runs once under callgrind (user-space
//! instructions) and once under `strace -c -f` (system calls) for N and for 2N messages; the
//! per-message cost is the slope (cost(2N) - cost(N)) / N, which cancels start-up, connection
//! set-up and exit. Servers exit with the client connections still open, so no teardown work
//! is counted either.

use crate::load::{Load, Stop, Workload, WORKLOADS};
use crate::proc::{find_in_path, Pinning, Wrapper, SERVER_CORE};
use crate::report::{grouped, Table};
use crate::servers::running::ServerProc;
use crate::servers::ServerKind;
use crate::{Flags, Res};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Where profiles, strace summaries and annotations are written.
const OUT_DIR: &str = "/tmp/tcpio-bench";

/// One server's figures on one workload (`None`: the tool was missing).
struct Cost {
    /// User-space instructions per message.
    instr: Option<f64>,
    /// System calls per message.
    syscalls: Option<f64>,
    /// `callgrind_annotate` top of the 2N run, if written.
    annotate: Option<PathBuf>,
}

/// Runs the `cost` subcommand.
pub fn run(flags: &Flags) -> Res<()> {
    let n: u64 = flags.get("messages", 20_000)?;
    let cg_n: u64 = flags.get("cg-messages", 5_000)?;
    if n == 0 || cg_n == 0 {
        return Err("message counts must be positive".into());
    }
    let only_w: String = flags.get("workload", "all".to_string())?;
    let only_s: String = flags.get("server", "all".to_string())?;
    let workloads: Vec<Workload> =
        WORKLOADS.into_iter().filter(|w| only_w == "all" || only_w == w.name).collect();
    if workloads.is_empty() {
        return Err(format!("unknown workload `{only_w}`").into());
    }
    let kinds = if only_s == "all" { ServerKind::COST.to_vec() } else { vec![ServerKind::parse(&only_s)?] };
    let valgrind = find_in_path("valgrind").is_some();
    let strace = find_in_path("strace").is_some();
    let annotate = find_in_path("callgrind_annotate").is_some();
    if !valgrind {
        eprintln!("cost: `valgrind` not found: SKIPPING instruction counts");
    }
    if !strace {
        eprintln!("cost: `strace` not found: SKIPPING system call counts");
    }
    if !valgrind && !strace {
        return Err("cost needs valgrind and/or strace; neither is installed".into());
    }
    if valgrind && !annotate {
        eprintln!("cost: `callgrind_annotate` not found: no per-function profiles");
    }
    let pin = Pinning::setup();
    let dir = Path::new(OUT_DIR);
    std::fs::create_dir_all(dir)?;
    let started = Instant::now();
    let mut rows = Vec::new();
    for &w in &workloads {
        for &kind in &kinds {
            let ctx = |e| format!("{} {}: {e}", w.name, kind.name());
            let mut cost = Cost { instr: None, syscalls: None, annotate: None };
            if valgrind {
                let file = |m: u64| dir.join(format!("{}-{}-{m}.callgrind", w.name, kind.name()));
                let slope = slope(cg_n, |m| {
                    let out = file(m);
                    one_run(kind, w, Wrapper::Callgrind(out.clone()), m, pin)?;
                    callgrind_total(&out)
                })
                .map_err(ctx)?;
                cost.instr = Some(slope);
                if annotate {
                    cost.annotate = write_annotation(&file(2 * cg_n));
                }
            }
            if strace {
                let slope = slope(n, |m| {
                    let out = dir.join(format!("{}-{}-{m}.strace", w.name, kind.name()));
                    one_run(kind, w, Wrapper::Strace(out.clone()), m, pin)?;
                    strace_total(&out)
                })
                .map_err(ctx)?;
                cost.syscalls = Some(slope);
            }
            eprintln!(
                "cost {:<11} {:<5} instr/msg {:>8}  syscalls/msg {:>6}  ({:.0} s elapsed)",
                w.name,
                kind.name(),
                fmt_instr(cost.instr),
                fmt_opt(cost.syscalls, 2),
                started.elapsed().as_secs_f64()
            );
            rows.push((w, kind, cost));
        }
    }
    print_report(&rows, n, cg_n, pin);
    Ok(())
}

/// Measures at `n` and `2n` messages and returns the per-message slope.
fn slope(n: u64, mut measure: impl FnMut(u64) -> Res<u64>) -> Res<f64> {
    let a = measure(n)?;
    let b = measure(2 * n)?;
    Ok((b as f64 - a as f64) / n as f64)
}

/// Runs server `kind` under `wrapper` for exactly `msgs` messages of workload `w`.
fn one_run(kind: ServerKind, w: Workload, wrapper: Wrapper, msgs: u64, pin: Pinning) -> Res<()> {
    let server = ServerProc::start(kind, &wrapper, pin.core(SERVER_CORE))?;
    let mut load = Load::connect(server.port, w, kind.proxy_header())?;
    load.run(Stop::Count(msgs))?;
    // Stop the server first: it exits with the connections open, so no close work is counted.
    server.stop(Duration::from_secs(120))?;
    drop(load);
    Ok(())
}

/// Reads the total instruction count (`totals:` or `summary:` line) of a callgrind profile.
pub(crate) fn callgrind_total(path: &Path) -> Res<u64> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .filter_map(|l| l.strip_prefix("totals:").or_else(|| l.strip_prefix("summary:")))
        .find_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("{}: no totals/summary line", path.display()).into())
}

/// Reads the total number of system calls from an `strace -c` summary: the `calls` column of
/// the `total` row, located by where the header's `calls` title ends (numbers are right-aligned).
pub(crate) fn strace_total(path: &Path) -> Res<u64> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let bad = || format!("{}: unrecognised strace -c summary", path.display());
    let header = text.lines().find(|l| l.contains("calls") && l.contains("syscall")).ok_or_else(bad)?;
    let end = header.find("calls").ok_or_else(bad)? + "calls".len();
    let total = text.lines().rev().find(|l| l.trim_end().ends_with("total")).ok_or_else(bad)?;
    let field = total.get(..end).ok_or_else(bad)?.split_whitespace().last().ok_or_else(bad)?;
    Ok(field.parse().map_err(|_| bad())?)
}

/// Writes the first 40 lines of `callgrind_annotate` for `profile`; returns the file written.
fn write_annotation(profile: &Path) -> Option<PathBuf> {
    let out = Command::new("callgrind_annotate").arg(profile).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let top: Vec<&str> = text.lines().take(40).collect();
    let path = profile.with_extension("annotate.txt");
    std::fs::write(&path, top.join("\n") + "\n").ok()?;
    Some(path)
}

/// Formats an optional figure with `decimals` decimals, or `n/a`.
fn fmt_opt(x: Option<f64>, decimals: usize) -> String {
    match x {
        Some(x) if decimals == 0 => grouped(x),
        Some(x) => format!("{x:.decimals$}"),
        None => "n/a".into(),
    }
}

/// Formats instructions per message: one decimal below 100 (a pipelined workload's
/// few instructions), whole numbers above.
fn fmt_instr(x: Option<f64>) -> String {
    match x {
        Some(x) if x < 100.0 => format!("{x:.1}"),
        other => fmt_opt(other, 0),
    }
}

/// A server's instructions per message over tokio's on the same workload.
fn vs_tokio(rows: &[(Workload, ServerKind, Cost)], w: &Workload, instr: Option<f64>) -> Option<f64> {
    let tokio = rows.iter().find(|(v, k, _)| v.name == w.name && k.name() == "tokio")?.2.instr?;
    Some(instr? / tokio)
}

/// Prints the table, the profile paths and the RESULT lines.
fn print_report(rows: &[(Workload, ServerKind, Cost)], n: u64, cg_n: u64, pin: Pinning) {
    println!();
    let placement = if pin.enabled { "server on core 0, load on core 1" } else { "UNPINNED" };
    println!("## cost: slope between N and 2N messages (callgrind N={cg_n}, strace N={n}), {placement}");
    println!();
    let mut table = Table::new(&["workload", "server", "instructions/msg", "vs tokio", "syscalls/msg"]);
    for (w, kind, cost) in rows {
        table.push(vec![
            w.name.to_string(),
            kind.name().to_string(),
            fmt_instr(cost.instr),
            fmt_opt(vs_tokio(rows, w, cost.instr), 3),
            fmt_opt(cost.syscalls, 2),
        ]);
    }
    print!("{}", table.render());
    let profiles: Vec<_> = rows.iter().filter_map(|(_, _, c)| c.annotate.as_ref()).collect();
    if !profiles.is_empty() {
        println!();
        println!("Per-function profiles (callgrind_annotate | head -40, 2N run):");
        for p in profiles {
            println!("  {}", p.display());
        }
    }
    println!();
    for (w, kind, cost) in rows {
        let instr = match cost.instr {
            Some(x) if x < 100.0 => format!("{x:.1}"),
            Some(x) => format!("{x:.0}"),
            None => "n/a".into(),
        };
        let sys = cost.syscalls.map_or("n/a".into(), |x| format!("{x:.2}"));
        let ratio =
            vs_tokio(rows, w, cost.instr).map_or(String::new(), |r| format!(" instr_vs_tokio={r:.3}"));
        println!(
            "RESULT cost {} {} instr_per_msg={instr} syscalls_per_msg={sys}{ratio}",
            w.name,
            kind.name()
        );
    }
}
