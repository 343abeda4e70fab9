//! Load generator: one thread, nonblocking sockets, edge-triggered epoll. Every connection keeps
//! `depth` messages in flight, and every echoed byte is checked against what was sent.
//!
//! Message layout: 4 bytes sequence number and 4 bytes connection id (little endian), then a
//! position-dependent pattern, so reordering, loss, duplication and cross-talk are all caught.

use crate::proc::{event_buffer, Epoll};
use crate::Res;
use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// Bytes at the start of each message: sequence number and connection id.
const HEADER: usize = 8;

/// Longest time without any echoed byte before a run fails.
const STALL: Duration = Duration::from_secs(20);

/// Epoll wait timeout in milliseconds when idle, so deadlines are checked regularly.
const TICK_MS: i32 = 20;

/// After an event, the generator busy-polls (epoll_wait with timeout 0) this long before
/// blocking again: it has a core of its own, and sleeping would add its own wake-up latency
/// to every round trip.
const SPIN: Duration = Duration::from_millis(2);

/// A traffic shape: connections, message size and messages in flight per connection.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    /// Name used in tables and RESULT lines.
    pub name: &'static str,
    /// Number of connections.
    pub conns: usize,
    /// Message size in bytes (at least [`HEADER`]).
    pub size: usize,
    /// Messages outstanding per connection.
    pub depth: usize,
}

/// The four standard workloads.
pub const WORKLOADS: [Workload; 4] = [
    Workload { name: "1c-64B-1", conns: 1, size: 64, depth: 1 },
    Workload { name: "50c-64B-1", conns: 50, size: 64, depth: 1 },
    Workload { name: "50c-64B-32", conns: 50, size: 64, depth: 32 },
    Workload { name: "50c-4KiB-1", conns: 50, size: 4096, depth: 1 },
];

/// When a run ends.
#[derive(Clone, Copy, Debug)]
pub enum Stop {
    /// Run `warmup` unmeasured, then `measure` measured, then drain what is in flight.
    Timed {
        /// Unmeasured warm-up time.
        warmup: Duration,
        /// Measured time.
        measure: Duration,
    },
    /// Complete exactly this many messages in total across connections (all measured).
    Count(u64),
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct Stats {
    /// Messages completed inside the measured window.
    pub msgs: u64,
    /// Messages completed in the whole run (warm-up and drain included).
    pub total_msgs: u64,
    /// Length of the measured window.
    pub elapsed: Duration,
    /// Round-trip time of each measured message, nanoseconds, sorted ascending.
    pub latencies_ns: Vec<u32>,
}

impl Stats {
    /// Completed messages per second.
    pub fn msgs_per_sec(&self) -> f64 {
        self.msgs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `q` quantile (0..=1) of round-trip latency, in microseconds.
    pub fn latency_us(&self, q: f64) -> f64 {
        if self.latencies_ns.is_empty() {
            return f64::NAN;
        }
        let idx = ((self.latencies_ns.len() - 1) as f64 * q).round() as usize;
        self.latencies_ns[idx] as f64 / 1000.0
    }
}

/// One client connection and its in-flight bookkeeping.
struct Conn {
    /// The nonblocking socket.
    stream: TcpStream,
    /// Connection id, written into every message header.
    id: u32,
    /// Sequence number of the next message to send.
    tx_seq: u32,
    /// Sequence number of the message being received.
    rx_seq: u32,
    /// Bytes of message `rx_seq` received so far.
    rx_off: usize,
    /// Bytes queued for sending; `out[out_pos..]` is still unsent.
    out: Vec<u8>,
    /// Position of the first unsent byte in `out`.
    out_pos: usize,
    /// Send times of the outstanding messages, oldest first.
    sent_at: VecDeque<Instant>,
}

/// Progress and measurement state of one run.
struct Run {
    /// Whether new messages may still be started.
    sending: bool,
    /// Total messages allowed to be started.
    budget: u64,
    /// Messages started.
    sent: u64,
    /// Messages completed.
    done: u64,
    /// Start of the measured window.
    from: Instant,
    /// End of the measured window (`None`: count mode, no end).
    until: Option<Instant>,
    /// Time of the last received byte.
    last_progress: Instant,
    /// Measurements.
    stats: Stats,
}

impl Run {
    /// Records a completed message with round-trip time `rtt`, finished at `now`.
    fn complete(&mut self, now: Instant, rtt: Duration) {
        self.done += 1;
        let in_window = match self.until {
            Some(until) => now >= self.from && now < until,
            None => true,
        };
        if in_window {
            self.stats.msgs += 1;
            let ns = rtt.as_nanos().min(u32::MAX as u128) as u32;
            self.stats.latencies_ns.push(ns);
        }
    }
}

/// The header of message `seq` on connection `id`.
fn header(seq: u32, id: u32) -> [u8; HEADER] {
    let mut h = [0u8; HEADER];
    h[..4].copy_from_slice(&seq.to_le_bytes());
    h[4..].copy_from_slice(&id.to_le_bytes());
    h
}

/// The payload byte at position `p` of every message (positions below [`HEADER`] unused).
fn pattern(p: usize) -> u8 {
    (p as u8).wrapping_mul(7) ^ ((p >> 8) as u8).wrapping_mul(31) ^ 0x5a
}

/// A set of connected client connections driving one workload.
pub struct Load {
    /// Epoll instance all connections are registered with (edge-triggered).
    ep: Epoll,
    /// The connections; epoll tokens are indexes into this.
    conns: Vec<Conn>,
    /// The workload being driven.
    w: Workload,
    /// Template message: pattern bytes after the header.
    body: Vec<u8>,
    /// Shared read buffer.
    buf: Vec<u8>,
}

impl Load {
    /// Opens all connections of `w` to 127.0.0.1:`port` (before any traffic flows),
    /// each starting with a PROXY protocol v2 header if `proxy_header`.
    pub fn connect(port: u16, w: Workload, proxy_header: bool) -> Res<Load> {
        assert!(w.size >= HEADER, "messages must hold the header");
        let ep = Epoll::new()?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let events = (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLET | libc::EPOLLRDHUP) as u32;
        let mut conns = Vec::with_capacity(w.conns);
        for i in 0..w.conns {
            let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
                .map_err(|e| format!("connect #{i} to {addr}: {e}"))?;
            stream.set_nodelay(true)?;
            if proxy_header {
                let header =
                    tcpio::proxy::Header::proxy(tcpio::proxy::Version::V2, stream.local_addr()?, addr);
                let mut bytes = Vec::new();
                header.write(&mut bytes).map_err(|e| e.to_string())?;
                (&stream).write_all(&bytes)?;
            }
            stream.set_nonblocking(true)?;
            ep.add(stream.as_raw_fd(), events, i as u64)?;
            conns.push(Conn {
                stream,
                id: i as u32,
                tx_seq: 0,
                rx_seq: 0,
                rx_off: 0,
                out: Vec::with_capacity(w.depth * w.size),
                out_pos: 0,
                sent_at: VecDeque::with_capacity(w.depth),
            });
        }
        let body = (0..w.size).map(|p| if p < HEADER { 0 } else { pattern(p) }).collect();
        let buf = vec![0u8; 64 * 1024];
        Ok(Load { ep, conns, w, body, buf })
    }

    /// Drives traffic until `stop`, then waits for everything in flight; returns measurements.
    pub fn run(&mut self, stop: Stop) -> Res<Stats> {
        let start = Instant::now();
        let (from, until, budget) = match stop {
            Stop::Timed { warmup, measure } => (start + warmup, Some(start + warmup + measure), u64::MAX),
            Stop::Count(n) => (start, None, n),
        };
        let mut run = Run {
            sending: true,
            budget,
            sent: 0,
            done: 0,
            from,
            until,
            last_progress: start,
            stats: Stats::default(),
        };
        for conn in &mut self.conns {
            refill(conn, &self.body, self.w.depth, &mut run, start)?;
        }
        let mut events = event_buffer(256);
        let mut last_event = start;
        loop {
            let now = Instant::now();
            if run.until.is_some_and(|u| now >= u) {
                run.sending = false;
            }
            if run.sent == run.done && (!run.sending || run.done >= run.budget) {
                break;
            }
            if now.duration_since(run.last_progress) > STALL {
                let stuck = run.sent - run.done;
                return Err(format!("no echo for {STALL:?} with {stuck} messages in flight").into());
            }
            let timeout = if now.duration_since(last_event) < SPIN { 0 } else { TICK_MS };
            let n = self.ep.wait(&mut events, timeout)?;
            if n > 0 {
                last_event = now;
            }
            for ev in &events[..n] {
                let (flags, token) = (ev.events, ev.u64);
                let conn = &mut self.conns[token as usize];
                service(conn, flags, &mut self.buf, &self.body, self.w.depth, &mut run)?;
            }
        }
        let mut stats = run.stats;
        stats.total_msgs = run.done;
        stats.elapsed = match until {
            Some(until) => until - from,
            None => start.elapsed(),
        };
        stats.latencies_ns.sort_unstable();
        Ok(stats)
    }
}

/// Handles readiness `flags` on one connection: read and verify, then send more.
fn service(conn: &mut Conn, flags: u32, buf: &mut [u8], body: &[u8], depth: usize, run: &mut Run) -> Res<()> {
    let readable = (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR) as u32;
    if flags & readable != 0 {
        let mut now = None;
        loop {
            match (&conn.stream).read(buf) {
                Ok(0) => {
                    let out = conn.tx_seq.wrapping_sub(conn.rx_seq);
                    let msg = format!("server closed connection {} with {out} in flight", conn.id);
                    return Err(msg.into());
                }
                Ok(n) => {
                    let t = Instant::now();
                    receive(conn, &buf[..n], body, run, t)?;
                    now = Some(t);
                    // A short read means the socket is drained (edge-triggered: a new edge
                    // will come with new data).
                    if n < buf.len() {
                        break;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("connection {}: read: {e}", conn.id).into()),
            }
        }
        if let Some(now) = now {
            return refill(conn, body, depth, run, now);
        }
    }
    if flags & libc::EPOLLOUT as u32 != 0 {
        flush(conn)?;
    }
    Ok(())
}

/// Consumes echoed bytes `data` received at `now`, verifying each one.
fn receive(conn: &mut Conn, mut data: &[u8], body: &[u8], run: &mut Run, now: Instant) -> Res<()> {
    let size = body.len();
    while !data.is_empty() {
        if conn.rx_seq == conn.tx_seq {
            let msg = format!("connection {}: {} bytes echoed that were never sent", conn.id, data.len());
            return Err(msg.into());
        }
        let take = (size - conn.rx_off).min(data.len());
        verify(conn, &data[..take], body)?;
        conn.rx_off += take;
        data = &data[take..];
        if conn.rx_off == size {
            conn.rx_off = 0;
            conn.rx_seq = conn.rx_seq.wrapping_add(1);
            let sent = conn.sent_at.pop_front().ok_or("send time missing")?;
            run.complete(now, now.duration_since(sent));
        }
    }
    run.last_progress = now;
    Ok(())
}

/// Checks `chunk`, the next bytes of message `rx_seq` from offset `rx_off`, against what was sent.
fn verify(conn: &Conn, chunk: &[u8], body: &[u8]) -> Res<()> {
    let off = conn.rx_off;
    let hdr = header(conn.rx_seq, conn.id);
    let in_hdr = HEADER.saturating_sub(off).min(chunk.len());
    let mut bad = (0..in_hdr).find(|&i| chunk[i] != hdr[off + i]);
    if bad.is_none() {
        let rest = &chunk[in_hdr..];
        let want = &body[off + in_hdr..off + in_hdr + rest.len()];
        if rest != want {
            bad = rest.iter().zip(want).position(|(a, b)| a != b).map(|i| in_hdr + i);
        }
    }
    match bad {
        None => Ok(()),
        Some(i) => {
            let p = off + i;
            let want = if p < HEADER { hdr[p] } else { body[p] };
            Err(format!(
                "ECHO MISMATCH: connection {}, message {}, byte {p}: expected {want:#04x}, got {:#04x}",
                conn.id, conn.rx_seq, chunk[i]
            )
            .into())
        }
    }
}

/// Starts new messages until `depth` are in flight (budget and phase permitting), then sends.
fn refill(conn: &mut Conn, body: &[u8], depth: usize, run: &mut Run, now: Instant) -> Res<()> {
    if run.sending {
        while (conn.tx_seq.wrapping_sub(conn.rx_seq) as usize) < depth && run.sent < run.budget {
            conn.out.extend_from_slice(&header(conn.tx_seq, conn.id));
            conn.out.extend_from_slice(&body[HEADER..]);
            conn.sent_at.push_back(now);
            conn.tx_seq = conn.tx_seq.wrapping_add(1);
            run.sent += 1;
        }
    }
    flush(conn)
}

/// Writes queued bytes until done or the socket is full.
fn flush(conn: &mut Conn) -> Res<()> {
    while conn.out_pos < conn.out.len() {
        match (&conn.stream).write(&conn.out[conn.out_pos..]) {
            Ok(0) => return Err(format!("connection {}: write returned 0", conn.id).into()),
            Ok(n) => conn.out_pos += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("connection {}: write: {e}", conn.id).into()),
        }
    }
    conn.out.clear();
    conn.out_pos = 0;
    Ok(())
}
