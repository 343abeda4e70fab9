//! Helpers for the http-server interop tests (with `util`, which they need): the
//! example's server on port 0, reading pipelined responses, one request on a fresh
//! connection.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use tcpio_examples::http::Config;

use crate::util::{connect, read_until_closed, start_example, Running};

/// Starts the http-server example on 127.0.0.1, port 0, with `loops` loops.
pub fn start(loops: usize) -> Running {
    start_example(tcpio_examples::http::start, loops)
}

/// Starts it with `config`'s timeouts.
pub fn start_with(loops: usize, config: Config) -> Running {
    start_example(move |b| tcpio_examples::http::start_with(b, config), loops)
}

/// Sends `req` on a fresh connection and returns everything until the server closes.
pub fn send(addr: SocketAddr, req: &[u8]) -> String {
    let mut s = connect(addr);
    s.write_all(req).unwrap();
    String::from_utf8_lossy(&read_until_closed(&mut s)).into_owned()
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

/// What `POST /upload` answers for `body`: its length and FNV-1a (64-bit) hash.
pub fn digest(body: &[u8]) -> String {
    let hash =
        body.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    format!("{} {hash:016x}", body.len())
}
