//! Active expiry in the redis-server example on a large keyspace: keys with a deadline
//! go without being touched, and the sweep that removes them never stalls the server.
//!
//! A million keys (the figure) in a release build (`cargo test --release`);
//! a debug build serves requests about ten times slower, so there the test loads
//! 200,000 unless `TCPIO_EXPIRY_KEYS` says otherwise (the sweep's bound is a time
//! budget, not a key count, so what it checks holds at either size).

mod redis_util;
mod util;

use std::io::{BufRead, BufReader, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis_util::request;
use tcpio_examples::redis::store::Databases;
use tcpio_examples::redis::{Options, Redis, Shared, MAX_QUERY_BUFFER};
use util::connect;

/// The longest `PING` round trip allowed while the keyspace expires. A sweep that
/// removed the expired keys in big steps stalled a loop far longer: 0.7 s with
/// 200,000 keys in a debug build under a per-shard key cap, and 0.2-0.4 s with a
/// million in a release build when glibc merged all the freed blocks at once (see
/// `store/sweep.rs`). The time-bounded sweep keeps the worst round trip near 15 ms
/// in both builds; the bound leaves room for a busy machine's scheduling, and the
/// worst round trip seen before the deadline (the machine's own stalls, nothing
/// expiring yet) is added to it.
const MAX_ROUND_TRIP: Duration = Duration::from_millis(200);

/// How many keys to load.
fn key_count() -> usize {
    match std::env::var("TCPIO_EXPIRY_KEYS") {
        Ok(n) => n.parse().expect("TCPIO_EXPIRY_KEYS is a number"),
        Err(_) if cfg!(debug_assertions) => 200_000,
        Err(_) => 1_000_000,
    }
}

/// Unix time in milliseconds.
fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

/// Sends `n` pipelined `SET key:i v PXAT deadline` from a writer thread while this
/// thread reads the `+OK`s.
fn load(addr: std::net::SocketAddr, n: usize, deadline: u64) {
    let s = connect(addr);
    let mut w = s.try_clone().unwrap();
    let at = deadline.to_string();
    let writer = std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(1 << 20);
        for i in 0..n {
            batch.extend(request(&[b"SET", format!("key:{i}").as_bytes(), b"v", b"PXAT", at.as_bytes()]));
            if batch.len() >= 1 << 20 || i + 1 == n {
                w.write_all(&batch).unwrap();
                batch.clear();
            }
        }
    });
    let mut r = BufReader::with_capacity(1 << 16, s);
    let mut line = Vec::new();
    for i in 0..n {
        line.clear();
        r.read_until(b'\n', &mut line).unwrap();
        assert_eq!(line, b"+OK\r\n", "reply {i}");
    }
    writer.join().unwrap();
}

/// `DBSIZE` through `c`.
fn dbsize(c: &mut BufReader<std::net::TcpStream>) -> i64 {
    c.get_mut().write_all(b"DBSIZE\r\n").unwrap();
    let mut line = String::new();
    c.read_line(&mut line).unwrap();
    line.trim_end().strip_prefix(':').unwrap().parse().unwrap()
}

#[test]
fn a_million_keys_expire_untouched_without_a_pause() {
    let n = key_count();
    let store = Arc::new(Databases::new());
    let shared = Arc::new(Shared::new(&Options::default()));
    let (server, addr) = {
        let store = store.clone();
        util::start(util::local().loops(2).max_input(MAX_QUERY_BUFFER), move |_| {
            Redis::with_shared(store.clone(), shared.clone())
        })
    };
    // One deadline for every key, after the load: the whole keyspace expires at
    // once, the sweep's worst case. The load's allowance is generous for the build.
    let per_key_us = if cfg!(debug_assertions) { 40 } else { 5 };
    let started = Instant::now();
    let deadline = unix_ms() + 1000 + (n as u64 * per_key_us) / 1000;
    load(addr, n, deadline);
    let loaded = started.elapsed();
    // A second client times PING round trips from now on: before the deadline (the
    // machine's own noise, with the keys loaded and nothing expiring) and the whole
    // time the keys expire.
    let stop = Arc::new(AtomicBool::new(false));
    let prober = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut p = BufReader::new(connect(addr));
            let mut rtts = Vec::new();
            let mut line = String::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                p.get_mut().write_all(b"PING\r\n").unwrap();
                line.clear();
                p.read_line(&mut line).unwrap();
                assert_eq!(line, "+PONG\r\n");
                // With when the answer came, relative to the deadline (ms).
                rtts.push((t.elapsed(), unix_ms() as i64 - deadline as i64));
            }
            rtts
        })
    };
    let mut c = BufReader::new(connect(addr));
    let before = dbsize(&mut c);
    if unix_ms() < deadline {
        assert_eq!(before, n as i64, "every key is there until the deadline");
    }
    // Nothing touches the keys: DBSIZE counts those not removed yet, so it reaches 0
    // only through the sweep. Bounded: the sweep removes far more than n per minute,
    // even in a debug build.
    let end =
        Instant::now() + Duration::from_secs(120) + Duration::from_millis(deadline.saturating_sub(unix_ms()));
    let mut emptied = None;
    while Instant::now() < end {
        if dbsize(&mut c) == 0 {
            emptied = Some(Duration::from_millis(unix_ms().saturating_sub(deadline)));
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    stop.store(true, Ordering::Relaxed);
    let rtts = prober.join().unwrap();
    let emptied = emptied.unwrap_or_else(|| panic!("{} keys left after the time allowed", dbsize(&mut c)));
    let (mut quiet, mut expiring): (Vec<_>, Vec<_>) = rtts.into_iter().partition(|&(_, at)| at < 0);
    quiet.sort();
    expiring.sort();
    assert!(!expiring.is_empty(), "no PING while the keys expired");
    let quiet_worst = quiet.last().map_or(Duration::ZERO, |q| q.0);
    let (worst, when) = *expiring.last().unwrap();
    let p99 = expiring[expiring.len() * 99 / 100].0;
    // Shown with `--nocapture`: the figures the bound is about.
    println!(
        "{n} keys loaded in {loaded:?}; all expired {emptied:?} after the deadline; before it \
         {} PINGs, worst {quiet_worst:?}; while expiring {} PINGs, p99 {p99:?}, worst {worst:?} \
         ({when} ms after the deadline)",
        quiet.len(),
        expiring.len()
    );
    // The machine's own stalls (seen before the deadline) are not the sweep's.
    assert!(
        worst <= MAX_ROUND_TRIP + quiet_worst,
        "a PING took {worst:?} while the keys expired ({when} ms after the deadline; p99 {p99:?}; \
         worst before the deadline {quiet_worst:?})"
    );

    // The memory is given back: the shards' tables and deadline heaps shrink with
    // their keys (the sweep shrinks a heap left mostly empty).
    let (table, heap) = store.first().capacity();
    assert!(table < 64 * 256 && heap < 64 * 256, "capacity left: {table} key slots, {heap} deadline slots");
    drop(server);
}
