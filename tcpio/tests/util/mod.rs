//! Helpers shared by the integration tests: start a server (a handler of the test's
//! own, or one of the examples' servers) on port 0, connect, read with a bound, poll
//! for a condition.
#![allow(dead_code, unreachable_pub)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use tcpio::{Builder, Handler, Server, ServerHandle};

pub mod tls;
/// The echo handler most tests use: the `echo` example's.
#[allow(unused_imports)] // not every test needs it
pub use tcpio_examples::echo::Echo;

/// The longest any single wait in a test may take before it fails.
pub const LIMIT: Duration = Duration::from_secs(20);

/// A builder bound to 127.0.0.1 on port 0.
pub fn local() -> Builder {
    Server::builder().bind("127.0.0.1:0").unwrap()
}

/// A one-loop builder bound to 127.0.0.1 on port 0 as a PROXY protocol address
/// (trusting loopback).
pub fn proxy_local() -> Builder {
    Server::builder().bind_with("127.0.0.1:0", tcpio::BindOptions::new().proxy_protocol()).unwrap().loops(1)
}

/// Starts a server and returns it with its first TCP address.
pub fn start<H, F>(b: Builder, factory: F) -> (ServerHandle, SocketAddr)
where
    H: Handler,
    F: Fn(usize) -> H + Send + Sync + 'static,
{
    start_with(b, |b| b.start(factory))
}

/// Starts a server with `start` (an example's, such as `tcpio_examples::chat::start`)
/// and returns it with its first TCP address.
pub fn start_with(
    b: Builder,
    start: impl FnOnce(Builder) -> Result<ServerHandle, tcpio::Error>,
) -> (ServerHandle, SocketAddr) {
    let h = start(b).expect("server starts");
    let addr = h.local_addrs().iter().find_map(|a| a.as_ip()).expect("a TCP address");
    (h, addr)
}

/// A running example server and its address; dropping the handle stops it
/// gracefully and waits for its loops.
pub struct Running {
    pub handle: ServerHandle,
    pub addr: SocketAddr,
}

/// Starts an example's server (`start`, such as `tcpio_examples::redis::start`) on
/// 127.0.0.1, port 0, with `loops` loops.
pub fn start_example(
    start: impl FnOnce(Builder) -> Result<ServerHandle, tcpio::Error>,
    loops: usize,
) -> Running {
    let (handle, addr) = start_with(local().loops(loops), start);
    Running { handle, addr }
}

/// Connects with read and write time-outs so a broken server fails the test instead
/// of hanging it.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(LIMIT)).unwrap();
    s.set_write_timeout(Some(LIMIT)).unwrap();
    s
}

/// Reads until end of stream; an error (a reset, a time-out) is returned as such.
pub fn read_to_end(s: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut v = Vec::new();
    s.read_to_end(&mut v)?;
    Ok(v)
}

/// Reads until the peer closes; a reset counts as closed, any other error fails.
pub fn read_until_closed(s: &mut impl Read) -> Vec<u8> {
    let mut v = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return v,
            Ok(n) => v.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return v,
            Err(e) => panic!("read: {e} after {:?}", String::from_utf8_lossy(&v)),
        }
    }
}

/// Reads exactly `n` bytes.
pub fn read_n(s: &mut impl Read, n: usize) -> Vec<u8> {
    let mut v = vec![0; n];
    s.read_exact(&mut v).expect("read_exact");
    v
}

/// Polls `cond` every millisecond until it holds or [`LIMIT`] passes.
pub fn wait_for(mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + LIMIT;
    while Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    cond()
}

/// Writes everything, then shuts down the write side.
pub fn send_and_finish(s: &mut TcpStream, data: &[u8]) {
    s.write_all(data).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
}

/// A deterministic pseudo-random payload.
pub fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Reads one line, up to and including its `\n`, a byte at a time (so nothing after
/// it is taken from the socket).
pub fn read_line(s: &mut impl Read) -> Vec<u8> {
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    while !out.ends_with(b"\n") {
        s.read_exact(&mut b).expect("a whole line");
        out.push(b[0]);
    }
    out
}
