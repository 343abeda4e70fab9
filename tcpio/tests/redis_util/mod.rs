//! Helpers for the redis-server interop tests: a server on port 0, raw request/reply
//! exchanges with a bound on every wait.
#![allow(dead_code)]

use std::io::{Read, Write};
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

/// Starts the redis-server example on 127.0.0.1, port 0, with `loops` loops.
pub fn start(loops: usize) -> Running {
    let builder = Server::builder().bind("127.0.0.1:0").unwrap().loops(loops);
    let handle = tcpio_examples::redis::start(builder).expect("redis example starts");
    let addr = handle.local_addrs().iter().find_map(|a| a.as_ip()).expect("a TCP address");
    Running { handle, addr }
}

/// A client of the `redis` crate connected to `addr`, with time-outs.
pub fn client(addr: SocketAddr) -> redis::Connection {
    let client = redis::Client::open(format!("redis://{addr}/")).expect("client");
    let con = client.get_connection_with_timeout(LIMIT).expect("connect");
    con.set_read_timeout(Some(LIMIT)).unwrap();
    con.set_write_timeout(Some(LIMIT)).unwrap();
    con
}

/// A raw connection with read and write time-outs.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(LIMIT)).unwrap();
    s.set_write_timeout(Some(LIMIT)).unwrap();
    s
}

/// Reads until `want` bytes have arrived (or the peer closes) and returns them.
pub fn read_len(s: &mut TcpStream, want: usize) -> Vec<u8> {
    let mut got = vec![0; want];
    let mut n = 0;
    while n < want {
        match s.read(&mut got[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => panic!("read after {n} of {want} bytes: {e}"),
        }
    }
    got.truncate(n);
    got
}

/// Sends `req` and reads exactly `reply.len()` bytes, comparing them with `reply`.
pub fn exchange(s: &mut TcpStream, req: &[u8], reply: &str) {
    s.write_all(req).unwrap();
    let got = read_len(s, reply.len());
    assert_eq!(String::from_utf8_lossy(&got), reply, "request {:?}", String::from_utf8_lossy(req));
}

/// Reads until the peer closes; a reset counts as closed.
pub fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    let mut v = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return v,
            Ok(n) => v.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return v,
            Err(e) => panic!("read: {e} after {:?}", String::from_utf8_lossy(&v)),
        }
    }
}

/// A RESP multibulk request.
pub fn request(args: &[&[u8]]) -> Vec<u8> {
    let mut v = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        v.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        v.extend_from_slice(a);
        v.extend_from_slice(b"\r\n");
    }
    v
}
