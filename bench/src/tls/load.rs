//! The TLS load generator: one thread, nonblocking sockets, edge-triggered epoll, a
//! rustls client per connection. `echo` keeps one message in flight per connection and
//! checks every echoed byte; `handshakes` keeps connections making full handshakes,
//! one after another.

use crate::load::{Stats, Stop};
use crate::proc::{event_buffer, Epoll};
use crate::Res;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tcpio::tls::rustls;

/// Longest time without progress before a run fails.
const STALL: Duration = Duration::from_secs(20);

/// One TLS client connection.
struct Client {
    sock: TcpStream,
    tls: rustls::ClientConnection,
    /// The message in flight, its echo so far, and when it was sent.
    msg: Vec<u8>,
    got: Vec<u8>,
    sent_at: Option<Instant>,
    seq: u32,
}

fn connect(addr: SocketAddr, cfg: &Arc<rustls::ClientConfig>) -> Res<Client> {
    let sock = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    sock.set_nodelay(true)?;
    sock.set_nonblocking(true)?;
    let name = rustls::pki_types::ServerName::try_from("localhost")?;
    let tls = rustls::ClientConnection::new(cfg.clone(), name)?;
    Ok(Client { sock, tls, msg: Vec::new(), got: Vec::new(), sent_at: None, seq: 0 })
}

impl Client {
    /// Moves ciphertext both ways as far as the socket allows and collects plaintext.
    /// Returns false if the server closed.
    fn pump(&mut self) -> Res<bool> {
        while self.tls.wants_write() {
            match self.tls.write_tls(&mut self.sock) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => return Err(e.into()),
            }
        }
        loop {
            match self.tls.read_tls(&mut self.sock) {
                Ok(0) => return Ok(false),
                Ok(_) => {
                    self.tls.process_new_packets()?;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => return Err(e.into()),
            }
        }
        let mut buf = [0u8; 16 * 1024];
        loop {
            match self.tls.reader().read(&mut buf) {
                Ok(0) => return Ok(false),
                Ok(n) => self.got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => return Err(e.into()),
            }
        }
        // Answers (a KeyUpdate, say) go out now.
        while self.tls.wants_write() {
            match self.tls.write_tls(&mut self.sock) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(true)
    }

    /// Sends the next message: its sequence number, then a pattern.
    fn send(&mut self, size: usize, id: usize) -> Res<()> {
        self.seq += 1;
        self.msg.clear();
        self.msg.extend_from_slice(&self.seq.to_le_bytes());
        self.msg.extend_from_slice(&(id as u32).to_le_bytes());
        self.msg.extend((8..size).map(|i| (i as u32 ^ self.seq ^ id as u32) as u8));
        self.got.clear();
        self.tls.writer().write_all(&self.msg)?;
        self.sent_at = Some(Instant::now());
        self.pump()?;
        Ok(())
    }
}

/// Runs `conns` connections echoing `size`-byte messages until `stop`.
pub fn echo(port: u16, conns: usize, size: usize, stop: Stop) -> Res<Stats> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let cfg = super::cert::client();
    let ep = Epoll::new()?;
    let events = (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLET) as u32;
    let mut clients = Vec::with_capacity(conns);
    for i in 0..conns {
        let c = connect(addr, &cfg)?;
        ep.add(c.sock.as_raw_fd(), events, i as u64)?;
        clients.push(c);
    }
    let start = Instant::now();
    let (from, until, budget) = match stop {
        Stop::Timed { warmup, measure } => (start + warmup, Some(start + warmup + measure), u64::MAX),
        Stop::Count(n) => (start, None, n),
    };
    let mut stats = Stats::default();
    let (mut sent, mut done) = (0u64, 0u64);
    let mut evs = event_buffer(256);
    let mut last = Instant::now();
    // Start every connection: its handshake, then its first message.
    for (i, c) in clients.iter_mut().enumerate() {
        c.pump()?;
        if !c.tls.is_handshaking() && sent < budget {
            c.send(size, i)?;
            sent += 1;
        }
    }
    loop {
        let now = Instant::now();
        let sending = until.is_none_or(|u| now < u) && sent < budget;
        if !sending && done >= sent {
            break;
        }
        if now - last > STALL {
            return Err(format!("TLS echo stalled after {done} messages").into());
        }
        let n = ep.wait(&mut evs, 20)?;
        for ev in &evs[..n] {
            let i = ev.u64 as usize;
            let c = &mut clients[i];
            if !c.pump()? {
                return Err("the server closed a connection".into());
            }
            if c.sent_at.is_none() {
                // Handshake just done.
                if !c.tls.is_handshaking() && sending {
                    c.send(size, i)?;
                    sent += 1;
                }
                continue;
            }
            if c.got.len() < c.msg.len() {
                continue;
            }
            if c.got != c.msg {
                return Err(format!("connection {i}: the echo differs from what was sent").into());
            }
            let at = Instant::now();
            let rtt = at - c.sent_at.take().expect("in flight");
            done += 1;
            last = at;
            if at >= from && until.is_none_or(|u| at < u) {
                stats.msgs += 1;
                stats.latencies_ns.push(rtt.as_nanos().min(u32::MAX as u128) as u32);
            }
            let sending = until.is_none_or(|u| at < u) && sent < budget;
            if sending {
                c.send(size, i)?;
                sent += 1;
            }
        }
    }
    stats.total_msgs = done;
    stats.elapsed = match until {
        Some(u) => u - from,
        None => start.elapsed(),
    };
    stats.latencies_ns.sort_unstable();
    Ok(stats)
}

/// Keeps `concurrency` connections making full handshakes until `stop` (a count is of
/// handshakes); returns how many completed in the measured window, its length, and
/// how many completed in all.
pub fn handshakes(port: u16, concurrency: usize, stop: Stop) -> Res<(u64, Duration, u64)> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let cfg = super::cert::client();
    let ep = Epoll::new()?;
    let events = (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLET) as u32;
    let start = Instant::now();
    let (from, until, budget) = match stop {
        Stop::Timed { warmup, measure } => (start + warmup, Some(start + warmup + measure), u64::MAX),
        Stop::Count(n) => (start, None, n),
    };
    let mut slots: Vec<Option<Client>> = Vec::new();
    let (mut started, mut done, mut counted) = (0u64, 0u64, 0u64);
    let open = |i: usize, slots: &mut Vec<Option<Client>>, started: &mut u64| -> Res<()> {
        let mut c = connect(addr, &cfg)?;
        ep.add(c.sock.as_raw_fd(), events, i as u64)?;
        c.pump()?;
        slots[i] = Some(c);
        *started += 1;
        Ok(())
    };
    slots.resize_with(concurrency, || None);
    for i in 0..concurrency.min(budget as usize) {
        open(i, &mut slots, &mut started)?;
    }
    let mut evs = event_buffer(256);
    let mut last = Instant::now();
    while done < started {
        if last.elapsed() > STALL {
            return Err(format!("handshakes stalled after {done}").into());
        }
        let n = ep.wait(&mut evs, 20)?;
        for ev in &evs[..n] {
            let i = ev.u64 as usize;
            let Some(c) = slots[i].as_mut() else { continue };
            if !c.pump()? {
                return Err("the server closed a connection in its handshake".into());
            }
            if c.tls.is_handshaking() {
                continue;
            }
            // Done: say goodbye cleanly, and start the next one in this slot.
            c.tls.send_close_notify();
            let _ = c.tls.write_tls(&mut c.sock);
            let _ = ep.delete(c.sock.as_raw_fd());
            slots[i] = None;
            done += 1;
            let at = Instant::now();
            last = at;
            if at >= from && until.is_none_or(|u| at < u) {
                counted += 1;
            }
            if until.is_none_or(|u| at < u) && started < budget {
                open(i, &mut slots, &mut started)?;
            }
        }
    }
    let elapsed = match until {
        Some(u) => u - from,
        None => start.elapsed(),
    };
    Ok((counted, elapsed, done))
}

/// An idle TLS connection (kept open by holding it).
pub struct Idle {
    _stream: rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
}

/// Opens `conns` connections, each through its handshake and a one-byte echo (so the
/// server has opened it and served it), and returns them.
pub fn idle(port: u16, conns: usize) -> Res<Vec<Idle>> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let cfg = super::cert::client();
    let mut out = Vec::with_capacity(conns);
    for i in 0..conns {
        let sock = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
        sock.set_read_timeout(Some(STALL))?;
        let name = rustls::pki_types::ServerName::try_from("localhost")?;
        let tls = rustls::ClientConnection::new(cfg.clone(), name)?;
        let mut s = rustls::StreamOwned::new(tls, sock);
        s.write_all(b"x")?;
        let mut b = [0u8; 1];
        s.read_exact(&mut b).map_err(|e| format!("idle connection {i}: {e}"))?;
        out.push(Idle { _stream: s });
    }
    Ok(out)
}
