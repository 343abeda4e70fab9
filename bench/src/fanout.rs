//! `fanout`: one publisher, many subscribers of one topic, 1 KiB messages; tcpio's
//! `pubsub` example (a `Group` per topic) against the same protocol on tokio with a
//! broadcast channel per topic (`servers/pubsub_app.rs`), rounds interleaved.
//!
//! The load (one thread, the load core) subscribes every connection, then publishes
//! in bursts (a burst of messages in one write), with at most a few bursts not yet
//! received by every subscriber, so neither server ever holds more than those.
//! Measured: messages per second (each reaching every subscriber), per server
//! CPU-second, and the server's heap bytes requested per message (its counting
//! allocator), at the full subscriber count and at a tenth of it: what a message
//! costs should not grow with the subscribers.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::chart::{grouped_bars, Group};
use crate::proc::{cpu_seconds, event_buffer, Epoll, Pinning, Wrapper, SERVER_CORE};
use crate::report::{grouped, interleave_two, median, ratio_cell, rounds_and_seconds, Table};
use crate::servers::running::ServerProc;
use crate::servers::AppKind;
use crate::{Flags, Res};
use tcpio_examples::pubsub;

/// The two servers, tcpio first.
const SERVERS: [AppKind; 2] = [AppKind::TcpioPubsub, AppKind::TokioPubsub];
/// Messages per burst.
const BURST: usize = 32;
/// Bursts on their way at once: the server always has work while the load reads.
const WINDOW: usize = 4;
const TOPIC: &[u8] = b"bench";
/// Unmeasured warm-up.
const WARMUP: Duration = Duration::from_millis(300);
/// Longest wait for any one burst to reach everyone.
const STALL: Duration = Duration::from_secs(10);

/// One measurement.
#[derive(Clone, Copy, Debug)]
struct Sample {
    msgs_per_sec: f64,
    msgs_per_cpu_sec: f64,
    /// Heap bytes the server requested per message, at the full subscriber count.
    alloc_per_msg: f64,
    /// The same at a tenth of the subscribers.
    alloc_per_msg_tenth: f64,
}

/// Runs the `fanout` subcommand.
pub fn run(flags: &Flags) -> Res<()> {
    let (rounds, measure) = rounds_and_seconds(flags)?;
    let seconds = measure.as_secs_f64();
    let subscribers: usize = flags.get("subscribers", 1000)?;
    let size: usize = flags.get("size", 1024)?;
    if !(10..=15_000).contains(&subscribers) || !(8..=60_000).contains(&size) {
        return Err("--subscribers must be 10 to 15000 and --size 8 to 60000".into());
    }
    crate::proc::raise_nofile_limit();
    let pin = Pinning::setup();
    let samples = interleave_two(rounds, |round, si| {
        let kind = SERVERS[si];
        let s = measure_one(kind, subscribers, size, measure, pin)
            .map_err(|e| format!("round {} {}: {e}", round + 1, kind.name()))?;
        eprintln!(
            "round {}/{rounds} {:<12} {:>8} msg/s ({:>8} per CPU-s)  heap {:>7.0} B/msg at {subscribers}, {:>7.0} at {}",
            round + 1,
            kind.name(),
            grouped(s.msgs_per_sec),
            grouped(s.msgs_per_cpu_sec),
            s.alloc_per_msg,
            s.alloc_per_msg_tenth,
            subscribers / 10
        );
        Ok(s)
    })?;
    let ratio = |f: fn(&Sample) -> f64| -> Vec<f64> {
        samples[0].iter().zip(&samples[1]).map(|(a, b)| f(a) / f(b)).collect()
    };
    let tenth = subscribers / 10;
    let heap_many = format!("heap B/msg, {subscribers} subs");
    let heap_few = format!("heap B/msg, {tenth} subs");
    let mut table = Table::new(&[
        "server",
        "msgs/s",
        "msgs/CPU-s",
        &heap_many,
        &heap_few,
        "msgs/s vs tokio",
        "msgs/CPU-s vs tokio",
    ]);
    for (si, kind) in SERVERS.iter().enumerate() {
        let col = |f: fn(&Sample) -> f64| median(&samples[si].iter().map(f).collect::<Vec<_>>());
        let cell = |f: fn(&Sample) -> f64| if si == 0 { ratio_cell(&ratio(f)) } else { "1".to_string() };
        table.push(vec![
            kind.name().to_string(),
            grouped(col(|s| s.msgs_per_sec)),
            grouped(col(|s| s.msgs_per_cpu_sec)),
            format!("{:.0}", col(|s| s.alloc_per_msg)),
            format!("{:.0}", col(|s| s.alloc_per_msg_tenth)),
            cell(|s| s.msgs_per_sec),
            cell(|s| s.msgs_per_cpu_sec),
        ]);
    }
    println!();
    println!(
        "## fanout: 1 publisher, {subscribers} subscribers of one topic, {size} B messages in bursts of {BURST}; \
         {rounds} rounds x {seconds:.1} s, {}",
        if pin.enabled { "servers on core 0, load generator on core 1" } else { "UNPINNED" }
    );
    println!();
    println!("A message counts once it has reached every subscriber. Medians over rounds; ratios are the median of");
    println!(
        "per-round ratios (min–max). Heap bytes: what the server requested from its allocator per message."
    );
    println!();
    print!("{}", table.render());
    println!();
    let heap = |si: usize, f: fn(&Sample) -> f64| median(&samples[si].iter().map(f).collect::<Vec<_>>());
    println!(
        "RESULT fanout {subscribers}x{size}B tcpio_vs_tokio={:.3} per_cpu_s={:.3} tcpio_heap_per_msg={:.0}/{:.0} \
         tokio_heap_per_msg={:.0}/{:.0}",
        median(&ratio(|s| s.msgs_per_sec)),
        median(&ratio(|s| s.msgs_per_cpu_sec)),
        heap(0, |s| s.alloc_per_msg),
        heap(0, |s| s.alloc_per_msg_tenth),
        heap(1, |s| s.alloc_per_msg),
        heap(1, |s| s.alloc_per_msg_tenth),
    );
    let group = |label: &str, f: fn(&Sample) -> f64| Group {
        label: label.to_string(),
        values: vec![median(&ratio(f)), 1.0],
    };
    let groups = [group("messages/s", |s| s.msgs_per_sec), group("messages/CPU-s", |s| s.msgs_per_cpu_sec)];
    let title = format!(
        "Fan-out to {subscribers} subscribers x {size} B, relative to tokio broadcast (higher is better)"
    );
    let written =
        grouped_bars("fanout.svg", &title, "ratio to tokio", &["tcpio", "tokio broadcast"], &groups)?;
    println!();
    println!("{written}");
    Ok(())
}

/// One server process: throughput and heap bytes at `subscribers`, then heap bytes at
/// a tenth of them.
fn measure_one(
    kind: AppKind,
    subscribers: usize,
    size: usize,
    measure: Duration,
    pin: Pinning,
) -> Res<Sample> {
    let mut server = ServerProc::start_app(kind, &Wrapper::Plain, pin.core(SERVER_CORE))?;
    let pid = server.proc.pid();
    let mut alloc = || -> Res<u64> {
        server.proc.send_line("alloc")?;
        Ok(server.proc.expect_line("ALLOC ", Duration::from_secs(10))?.parse()?)
    };
    let mut load = Load::connect(server.port, subscribers, size)?;
    load.run_for(WARMUP)?;
    let (cpu0, heap0) = (cpu_seconds(pid)?, alloc()?);
    let (msgs, elapsed) = load.run_for(measure)?;
    let (cpu1, heap1) = (cpu_seconds(pid)?, alloc()?);
    drop(load);
    let mut few = Load::connect(server.port, subscribers / 10, size)?;
    few.run_for(WARMUP)?;
    let heap2 = alloc()?;
    let (few_msgs, _) = few.run_for(measure / 2)?;
    let heap3 = alloc()?;
    drop(few);
    server.stop(Duration::from_secs(10))?;
    Ok(Sample {
        msgs_per_sec: msgs as f64 / elapsed.as_secs_f64(),
        msgs_per_cpu_sec: msgs as f64 / (cpu1 - cpu0).max(0.01),
        alloc_per_msg: (heap1 - heap0) as f64 / msgs.max(1) as f64,
        alloc_per_msg_tenth: (heap3 - heap2) as f64 / few_msgs.max(1) as f64,
    })
}

/// The load: a publisher and `subscribers` subscribers on one epoll.
struct Load {
    publisher: TcpStream,
    subs: Vec<TcpStream>,
    /// Bytes each subscriber still has to receive of the current burst.
    owed: Vec<usize>,
    epoll: Epoll,
    /// One burst of publish frames, written at once.
    burst: Vec<u8>,
    /// The size of one message frame as subscribers receive it.
    frame: usize,
}

impl Load {
    /// Connects and subscribes everyone; returns once a message reaches them all.
    fn connect(port: u16, subscribers: usize, size: usize) -> Res<Load> {
        let codec = pubsub::codec();
        let mut subscribe = Vec::new();
        codec.encode_parts(&[], &[b"S", TOPIC], &mut subscribe)?;
        let epoll = Epoll::new()?;
        let mut subs = Vec::with_capacity(subscribers);
        for i in 0..subscribers {
            let mut s = TcpStream::connect(("127.0.0.1", port))?;
            s.set_nodelay(true)?;
            s.write_all(&subscribe)?;
            s.set_nonblocking(true)?;
            epoll.add(s.as_raw_fd(), libc::EPOLLIN as u32, i as u64)?;
            subs.push(s);
        }
        let publisher = TcpStream::connect(("127.0.0.1", port))?;
        publisher.set_nodelay(true)?;
        let message = vec![b'x'; size];
        let mut one = Vec::new();
        codec.encode_parts(&[], &[b"P", &[TOPIC.len() as u8], TOPIC, &message], &mut one)?;
        let burst = one.repeat(BURST);
        let frame = 4 + 2 + TOPIC.len() + size;
        let mut load = Load { publisher, subs, owed: vec![0; subscribers], epoll, burst, frame };
        load.wait_subscribed()?;
        Ok(load)
    }

    /// Publishes single messages until every subscriber has had one (a subscription
    /// is in place once a message reaches it), then reads until the stream is quiet.
    fn wait_subscribed(&mut self) -> Res<()> {
        let deadline = Instant::now() + STALL;
        let single = self.burst[..self.burst.len() / BURST].to_vec();
        let mut got = vec![false; self.subs.len()];
        let mut missing = self.subs.len();
        let mut buf = vec![0u8; 256 * 1024];
        let mut events = event_buffer(1024);
        while missing > 0 {
            if Instant::now() > deadline {
                return Err(format!("{missing} subscribers never got a message").into());
            }
            self.publisher.write_all(&single)?;
            let n = self.epoll.wait(&mut events, 20)?;
            for ev in &events[..n] {
                let i = ev.u64 as usize;
                if drain(&mut self.subs[i], &mut buf)? > 0 && !got[i] {
                    got[i] = true;
                    missing -= 1;
                }
            }
        }
        // Messages still on their way: read until nothing arrives for 100 ms.
        loop {
            let n = self.epoll.wait(&mut events, 100)?;
            if n == 0 {
                return Ok(());
            }
            for ev in &events[..n] {
                drain(&mut self.subs[ev.u64 as usize], &mut buf)?;
            }
        }
    }

    /// Publishes bursts for `duration`, at most [`WINDOW`] of them not yet received
    /// by every subscriber; returns the messages that reached everyone and the time.
    fn run_for(&mut self, duration: Duration) -> Res<(u64, Duration)> {
        let start = Instant::now();
        let mut buf = vec![0u8; 256 * 1024];
        let mut events = event_buffer(1024);
        let burst_bytes = (BURST * self.frame) as u64;
        // Subscribers still missing part of each burst in flight, oldest first.
        let mut missing: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
        // Bursts published, and fully received, since `start`.
        let (mut published, mut done) = (0u64, 0u64);
        self.owed.iter_mut().for_each(|o| *o = 0);
        let mut last_progress = Instant::now();
        loop {
            let running = start.elapsed() < duration;
            if running && missing.len() < WINDOW {
                self.publisher.write_all(&self.burst)?;
                published += 1;
                missing.push_back(self.subs.len());
                self.owed.iter_mut().for_each(|o| *o += burst_bytes as usize);
                continue;
            }
            if missing.is_empty() {
                break;
            }
            if last_progress.elapsed() > STALL {
                return Err(format!("{} subscribers stalled", missing[0]).into());
            }
            let n = self.epoll.wait(&mut events, 100)?;
            for ev in &events[..n] {
                let i = ev.u64 as usize;
                let got = drain(&mut self.subs[i], &mut buf)?;
                let owed = self.owed[i];
                if got > owed {
                    return Err(format!("subscriber {i} got {got} bytes, {owed} owed").into());
                }
                // The bursts this read completed for subscriber `i`: of those in flight
                // (oldest first), the ones whose end it passed.
                let in_flight = missing.len() as u64;
                let before = in_flight - (owed as u64).div_ceil(burst_bytes);
                let after = in_flight - ((owed - got) as u64).div_ceil(burst_bytes);
                for b in before..after {
                    missing[b as usize] -= 1;
                }
                self.owed[i] -= got;
                last_progress = Instant::now();
            }
            while missing.front() == Some(&0) {
                missing.pop_front();
                done += 1;
            }
        }
        debug_assert_eq!(published, done);
        Ok((done * BURST as u64, start.elapsed()))
    }
}

/// Reads everything `s` has now; the bytes read.
fn drain(s: &mut TcpStream, buf: &mut [u8]) -> Res<usize> {
    let mut total = 0;
    loop {
        match s.read(buf) {
            Ok(0) => return Err("the server closed a subscriber".into()),
            Ok(n) => total += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(total),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
}
