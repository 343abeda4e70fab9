//! Helpers for the http-server interop tests: a server on port 0 that stops when
//! dropped.
#![allow(dead_code)]

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use tcpio::{Server, ServerHandle};

/// The longest any single wait may take before the test fails.
pub const LIMIT: Duration = Duration::from_secs(20);

/// A running example server and its address; dropping the handle stops it
/// gracefully and waits for its loops.
pub struct Running {
    pub handle: ServerHandle,
    pub addr: SocketAddr,
}

/// Starts the http-server example on 127.0.0.1, port 0, with `loops` loops.
pub fn start(loops: usize) -> Running {
    let builder = Server::builder().bind("127.0.0.1:0").unwrap().loops(loops);
    let handle = tcpio_examples::http::start(builder).expect("http example starts");
    let addr = handle.local_addrs().iter().find_map(|a| a.as_ip()).expect("a TCP address");
    Running { handle, addr }
}

/// A raw connection with read and write time-outs.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(LIMIT)).unwrap();
    s.set_write_timeout(Some(LIMIT)).unwrap();
    s
}

/// Reads until the peer closes; a reset counts as closed.
pub fn read_until_closed(s: &mut TcpStream) -> String {
    let mut v = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => v.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("read: {e} after {:?}", String::from_utf8_lossy(&v)),
        }
    }
    String::from_utf8_lossy(&v).into_owned()
}

/// Reads `n` complete responses (each ends with its `Content-Length` body).
pub fn read_responses(s: &mut TcpStream, n: usize) -> Vec<String> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    while out.len() < n {
        if let Some(end) = complete_response(&buf) {
            out.push(String::from_utf8_lossy(&buf[..end]).into_owned());
            buf.drain(..end);
            continue;
        }
        let k = s.read(&mut chunk).expect("read");
        assert!(k > 0, "closed after {} of {n} responses", out.len());
        buf.extend_from_slice(&chunk[..k]);
    }
    assert!(buf.is_empty(), "unexpected bytes after the responses");
    out
}

/// The length of the first complete response in `buf`, if there is one.
fn complete_response(buf: &[u8]) -> Option<usize> {
    let head = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = String::from_utf8_lossy(&buf[..head]);
    let len: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .map_or(0, |v| v.trim().parse().unwrap());
    (buf.len() >= head + len).then_some(head + len)
}
