//! `INFO [section ...]`: what Redis 7.0 reports of itself, section by section, for what
//! this server has (`server.c`'s `genRedisInfoString`).
//!
//! A field is written only when this server knows its true value. Those of features it
//! lacks (replicas, persistence, eviction, scripting, client tracking, defragmenting)
//! are written as Redis writes them with the feature unused: zeros, `ok`, `-1`. Those
//! it cannot measure are left out rather than made up: the allocator's figures (it uses
//! the system allocator; `used_memory` is the resident size), the changes since the last
//! save, the expiry cycle's timings, the count of reads and writes, and the
//! `commandstats` and `latencystats` sections (per-command calls and times). Two are
//! Redis's placeholders: `avg_ttl=0` (Redis's estimate before its expiry cycle has
//! sampled a database; this server does not estimate it) and `atomicvar_api` (Rust's
//! atomics are the same C11-model builtins).
//!
//! Figures of the process (memory, CPU, the OS) come from `/proc` on Linux, and are 0
//! or empty elsewhere.

use std::sync::atomic::Ordering;

use tcpio::codec::Sink;

use super::{is, Ctx};
use crate::num::{format_u64, MAX_DIGITS};
use crate::redis::reply::verbatim;
use crate::redis::resp::Args;
use crate::redis::VERSION;

/// The sections, in the order Redis writes them.
const SECTIONS: [&str; 11] = [
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];

/// `INFO [section ...]`: no section, `default`, `all` and `everything` take every one
/// this server has; names are matched in any case, an unknown one adds nothing; the
/// sections come in Redis's order whatever the order asked.
#[inline(never)]
pub(crate) fn info(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let every = args.len() == 1
        || args.iter().skip(1).any(|s| is(s, "all") || is(s, "default") || is(s, "everything"));
    let mut text = std::mem::take(ctx.scratch);
    text.clear();
    let mut first = true;
    for section in SECTIONS {
        if !every && !args.iter().skip(1).any(|s| is(s, section)) {
            continue;
        }
        if !first {
            text.extend_from_slice(b"\r\n");
        }
        first = false;
        let mut w = Fields(&mut text);
        match section {
            "server" => server(&mut w, ctx),
            "clients" => clients(&mut w, ctx),
            "memory" => memory(&mut w, ctx),
            "persistence" => persistence(&mut w, ctx),
            "stats" => stats(&mut w, ctx),
            "replication" => replication(&mut w, ctx),
            "cpu" => cpu(&mut w),
            "modules" => w.title("Modules"),
            "errorstats" => {
                w.title("Errorstats");
                for (kind, n) in ctx.shared.errors.snapshot().0 {
                    w.0.extend_from_slice(b"errorstat_");
                    w.0.extend_from_slice(&kind);
                    w.0.extend_from_slice(b":count=");
                    w.int_bare(n);
                }
            }
            "cluster" => {
                w.title("Cluster");
                w.int("cluster_enabled", 0);
            }
            _ => keyspace(&mut w, ctx),
        }
    }
    verbatim(out, &text, ctx.session.resp3);
    *ctx.scratch = text;
}

/// Writes `name:value` lines.
struct Fields<'a>(&'a mut Vec<u8>);

impl Fields<'_> {
    fn title(&mut self, title: &str) {
        self.0.extend_from_slice(b"# ");
        self.0.extend_from_slice(title.as_bytes());
        self.0.extend_from_slice(b"\r\n");
    }

    fn text(&mut self, name: &str, value: &str) {
        self.0.extend_from_slice(name.as_bytes());
        self.0.push(b':');
        self.0.extend_from_slice(value.as_bytes());
        self.0.extend_from_slice(b"\r\n");
    }

    fn int(&mut self, name: &str, value: u64) {
        self.0.extend_from_slice(name.as_bytes());
        self.0.push(b':');
        self.int_bare(value);
    }

    /// A number, then the line's end.
    fn int_bare(&mut self, value: u64) {
        let mut buf = [0u8; MAX_DIGITS];
        self.0.extend_from_slice(format_u64(value, &mut buf));
        self.0.extend_from_slice(b"\r\n");
    }

    /// Fields that are 0 here, as they are in Redis with their feature unused.
    fn zeros(&mut self, names: &[&str]) {
        for name in names {
            self.int(name, 0);
        }
    }

    /// A size in bytes and, after it, the same for people (`name_human`).
    fn bytes(&mut self, name: &str, value: u64) {
        self.int(name, value);
        self.text(&format!("{name}_human"), &human(value));
    }
}

/// A size as Redis writes it for people (`bytesToHuman`): `512B`, `1.50K`, `2.00M`...
pub(crate) fn human(n: u64) -> String {
    const UNITS: [&str; 5] = ["K", "M", "G", "T", "P"];
    if n < 1024 {
        return format!("{n}B");
    }
    let mut scale = 1024f64;
    for unit in UNITS {
        if (n as f64) < scale * 1024.0 {
            return format!("{:.2}{unit}", n as f64 / scale);
        }
        scale *= 1024.0;
    }
    format!("{n}B")
}

fn server(w: &mut Fields<'_>, ctx: &Ctx<'_>) {
    let shared = ctx.shared;
    w.title("Server");
    w.text("redis_version", VERSION);
    // Not a build of Redis's sources: no commit of theirs.
    w.text("redis_git_sha1", "00000000");
    w.int("redis_git_dirty", 0);
    w.text("redis_mode", "standalone");
    w.text("server_name", "tcpio-redis-example");
    w.text("os", &os());
    w.int("arch_bits", usize::BITS.into());
    w.text("monotonic_clock", "POSIX clock_gettime");
    w.text("multiplexing_api", "tcpio");
    w.text("atomicvar_api", "c11-builtin");
    // Redis writes 0.0.0 when not built by GCC.
    w.text("gcc_version", "0.0.0");
    w.int("process_id", u64::from(std::process::id()));
    w.text("process_supervised", "no");
    w.text("run_id", &shared.run_id);
    w.int("tcp_port", u64::from(shared.port.load(Ordering::Relaxed)));
    let now = unix_micros();
    w.int("server_time_usec", now);
    let up = shared.started.elapsed().as_secs();
    w.int("uptime_in_seconds", up);
    w.int("uptime_in_days", up / 86400);
    // The loops' tick, which sweeps expired keys as Redis's cron does.
    let hz = 1000 / crate::redis::SWEEP_EVERY.as_millis() as u64;
    w.int("hz", hz);
    w.int("configured_hz", hz);
    // Redis's LRU clock: seconds, in 24 bits.
    w.int("lru_clock", (now / 1_000_000) & ((1 << 24) - 1));
    let exe = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default();
    w.text("executable", &exe);
    w.text("config_file", "");
    w.int("io_threads_active", 0);
}

fn clients(w: &mut Fields<'_>, ctx: &Ctx<'_>) {
    let shared = ctx.shared;
    let all = shared.registry.all();
    w.title("Clients");
    w.int("connected_clients", shared.clients.load(Ordering::Relaxed) as u64);
    w.int("cluster_connections", 0);
    w.int("maxclients", shared.maxclients.load(Ordering::Relaxed));
    // The largest query and output buffers now (Redis keeps the largest of the last
    // few seconds).
    w.int("client_recent_max_input_buffer", all.iter().map(|c| c.qbuf()).max().unwrap_or(0));
    w.int("client_recent_max_output_buffer", all.iter().map(|c| c.output_queued() as u64).max().unwrap_or(0));
    w.int("blocked_clients", shared.blocked() as u64);
    w.int("tracking_clients", 0);
    w.int("clients_in_timeout_table", shared.timed_blocked.load(Ordering::Relaxed) as u64);
}

fn memory(w: &mut Fields<'_>, ctx: &Ctx<'_>) {
    let rss = proc_status_kib("VmRSS") * 1024;
    let peak = (proc_status_kib("VmHWM") * 1024).max(rss);
    w.title("Memory");
    // The system allocator keeps no count of its own: the resident size stands for it.
    w.bytes("used_memory", rss);
    w.bytes("used_memory_rss", rss);
    w.bytes("used_memory_peak", peak);
    let perc = if peak > 0 { rss as f64 * 100.0 / peak as f64 } else { 0.0 };
    w.text("used_memory_peak_perc", &format!("{perc:.2}%"));
    w.bytes("total_system_memory", meminfo_kib("MemTotal") * 1024);
    // No scripting: no Lua, no functions.
    w.int("used_memory_lua", 0);
    w.int("used_memory_vm_eval", 0);
    w.text("used_memory_lua_human", "0B");
    w.zeros(&[
        "used_memory_scripts_eval",
        "number_of_cached_scripts",
        "number_of_functions",
        "number_of_libraries",
        "used_memory_vm_functions",
    ]);
    w.bytes("used_memory_vm_total", 0);
    w.int("used_memory_functions", 0);
    w.bytes("used_memory_scripts", 0);
    w.bytes("maxmemory", 0);
    w.text("maxmemory_policy", "noeviction");
    w.zeros(&["mem_not_counted_for_evict", "mem_replication_backlog", "mem_total_replication_buffers"]);
    w.int("mem_clients_slaves", 0);
    let buffers: u64 = ctx.shared.registry.all().iter().map(|c| c.qbuf() + c.output_queued() as u64).sum();
    w.int("mem_clients_normal", buffers);
    w.zeros(&["mem_cluster_links", "mem_aof_buffer"]);
    w.text("mem_allocator", "libc");
    w.zeros(&["active_defrag_running", "lazyfree_pending_objects", "lazyfreed_objects"]);
}

fn persistence(w: &mut Fields<'_>, ctx: &Ctx<'_>) {
    // Nothing is saved or loaded: as Redis with `save ""` and `appendonly no`.
    w.title("Persistence");
    w.zeros(&["loading", "async_loading", "current_cow_peak", "current_cow_size", "current_cow_size_age"]);
    w.text("current_fork_perc", "0.00");
    w.zeros(&["current_save_keys_processed", "current_save_keys_total", "rdb_bgsave_in_progress"]);
    // Redis counts its last save from its start.
    w.int("rdb_last_save_time", ctx.shared.started_unix_ms / 1000);
    w.text("rdb_last_bgsave_status", "ok");
    w.text("rdb_last_bgsave_time_sec", "-1");
    w.text("rdb_current_bgsave_time_sec", "-1");
    w.zeros(&[
        "rdb_saves",
        "rdb_last_cow_size",
        "rdb_last_load_keys_expired",
        "rdb_last_load_keys_loaded",
        "aof_enabled",
        "aof_rewrite_in_progress",
        "aof_rewrite_scheduled",
    ]);
    w.text("aof_last_rewrite_time_sec", "-1");
    w.text("aof_current_rewrite_time_sec", "-1");
    w.text("aof_last_bgrewrite_status", "ok");
    w.zeros(&["aof_rewrites", "aof_rewrites_consecutive_failures"]);
    w.text("aof_last_write_status", "ok");
    w.zeros(&["aof_last_cow_size", "module_fork_in_progress", "module_fork_last_cow_size"]);
}

fn stats(w: &mut Fields<'_>, ctx: &Ctx<'_>) {
    let shared = ctx.shared;
    let stat = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    let (commands, hits, misses) = shared.totals();
    let [ops, bytes_in, bytes_out] = shared.rates.per_second();
    let (bytes_in_total, bytes_out_total) = shared.net_bytes();
    let kbps = |bytes: u64| format!("{:.2}", bytes as f64 / 1024.0);
    w.title("Stats");
    w.int("total_connections_received", stat(&shared.connections));
    w.int("total_commands_processed", commands);
    w.int("instantaneous_ops_per_sec", ops);
    w.int("total_net_input_bytes", bytes_in_total);
    w.int("total_net_output_bytes", bytes_out_total);
    w.zeros(&["total_net_repl_input_bytes", "total_net_repl_output_bytes"]);
    w.text("instantaneous_input_kbps", &kbps(bytes_in));
    w.text("instantaneous_output_kbps", &kbps(bytes_out));
    w.text("instantaneous_input_repl_kbps", "0.00");
    w.text("instantaneous_output_repl_kbps", "0.00");
    w.int("rejected_connections", stat(&shared.rejected));
    w.zeros(&["sync_full", "sync_partial_ok", "sync_partial_err"]);
    w.int("expired_keys", ctx.dbs.expired());
    w.zeros(&[
        "evicted_keys",
        "evicted_clients",
        "total_eviction_exceeded_time",
        "current_eviction_exceeded_time",
    ]);
    w.int("keyspace_hits", hits);
    w.int("keyspace_misses", misses);
    w.int("pubsub_channels", shared.pubsub.channels(None).len() as u64);
    w.int("pubsub_patterns", shared.pubsub.numpat() as u64);
    w.zeros(&[
        "pubsubshard_channels",
        "latest_fork_usec",
        "total_forks",
        "migrate_cached_sockets",
        "slave_expires_tracked_keys",
        "active_defrag_hits",
        "active_defrag_misses",
        "active_defrag_key_hits",
        "active_defrag_key_misses",
        "total_active_defrag_time",
        "current_active_defrag_time",
        "tracking_total_keys",
        "tracking_total_items",
        "tracking_total_prefixes",
        "unexpected_error_replies",
    ]);
    w.int("total_error_replies", shared.errors.snapshot().1);
    w.zeros(&["dump_payload_sanitizations", "io_threaded_reads_processed", "io_threaded_writes_processed"]);
}

fn replication(w: &mut Fields<'_>, ctx: &Ctx<'_>) {
    w.title("Replication");
    w.text("role", "master");
    w.int("connected_slaves", 0);
    w.text("master_failover_state", "no-failover");
    w.text("master_replid", &ctx.shared.replid);
    w.text("master_replid2", "0000000000000000000000000000000000000000");
    w.int("master_repl_offset", 0);
    w.text("second_repl_offset", "-1");
    w.int("repl_backlog_active", 0);
    w.int("repl_backlog_size", 1 << 20);
    w.zeros(&["repl_backlog_first_byte_offset", "repl_backlog_histlen"]);
}

fn cpu(w: &mut Fields<'_>) {
    let secs = |ticks: u64| format!("{}.{:06}", ticks / TICKS, ticks % TICKS * (1_000_000 / TICKS));
    let process = proc_stat_ticks("/proc/self/stat");
    // The loop thread that answers stands for Redis's main thread.
    let thread = proc_stat_ticks("/proc/thread-self/stat");
    w.title("CPU");
    w.text("used_cpu_sys", &secs(process[1]));
    w.text("used_cpu_user", &secs(process[0]));
    w.text("used_cpu_sys_children", &secs(process[3]));
    w.text("used_cpu_user_children", &secs(process[2]));
    w.text("used_cpu_sys_main_thread", &secs(thread[1]));
    w.text("used_cpu_user_main_thread", &secs(thread[0]));
}

fn keyspace(w: &mut Fields<'_>, ctx: &Ctx<'_>) {
    w.title("Keyspace");
    for (i, db) in ctx.dbs.iter().enumerate() {
        let (keys, volatile) = db.counts();
        if keys > 0 {
            w.text(&format!("db{i}"), &format!("keys={keys},expires={volatile},avg_ttl=0"));
        }
    }
}

/// Clock ticks per second in `/proc`'s CPU times (`USER_HZ`, 100 on Linux).
const TICKS: u64 = 100;

/// User, system, children's user and children's system time, in clock ticks, from a
/// `/proc/.../stat` file (fields 14 to 17); zeros if it cannot be read.
fn proc_stat_ticks(path: &str) -> [u64; 4] {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    // The command name, in parentheses, may hold spaces: count fields after it.
    let after = text.rfind(')').map_or("", |i| &text[i + 1..]);
    let fields: Vec<u64> =
        after.split_whitespace().skip(11).take(4).map(|f| f.parse().unwrap_or(0)).collect();
    let mut ticks = [0; 4];
    ticks[..fields.len()].copy_from_slice(&fields);
    ticks
}

/// A `kB` figure of `/proc/self/status` (`VmRSS`, `VmHWM`); 0 if absent.
fn proc_status_kib(name: &str) -> u64 {
    kib_field(&std::fs::read_to_string("/proc/self/status").unwrap_or_default(), name)
}

/// A `kB` figure of `/proc/meminfo`; 0 if absent.
fn meminfo_kib(name: &str) -> u64 {
    kib_field(&std::fs::read_to_string("/proc/meminfo").unwrap_or_default(), name)
}

/// The number on the line `name: <n> kB` of `text`.
fn kib_field(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The OS as Redis names it (`uname`'s system, release and machine).
fn os() -> String {
    let read = |f: &str| std::fs::read_to_string(f).map(|s| s.trim().to_string()).unwrap_or_default();
    let system = read("/proc/sys/kernel/ostype");
    let system = if system.is_empty() { std::env::consts::OS.to_string() } else { system };
    format!("{system} {} {}", read("/proc/sys/kernel/osrelease"), std::env::consts::ARCH)
}

/// Microseconds since the Unix epoch.
fn unix_micros() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_redis_writes_them() {
        for (n, text) in [
            (0, "0B"),
            (1023, "1023B"),
            (1024, "1.00K"),
            (1536, "1.50K"),
            (990_784, "967.56K"),
            (7_553_024, "7.20M"),
            (25_276_063_744, "23.54G"),
        ] {
            assert_eq!(human(n), text);
        }
    }

    #[test]
    fn proc_figures_are_read_from_their_lines() {
        let status = "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(kib_field(status, "VmRSS"), 1024);
        assert_eq!(kib_field(status, "VmHWM"), 2048);
        assert_eq!(kib_field(status, "VmSwap"), 0);
    }
}
