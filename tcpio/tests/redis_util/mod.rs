//! Helpers for the redis-server interop tests (with `util`, which they need): the
//! example's server on port 0, RESP requests, request/reply exchanges with a bound on
//! every wait, a client of the `redis` crate.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use crate::util::{start_example, Running, LIMIT};

/// Starts the redis-server example on 127.0.0.1, port 0, with `loops` loops.
pub fn start(loops: usize) -> Running {
    start_example(tcpio_examples::redis::start, loops)
}

/// A client of the `redis` crate connected to `addr`, with time-outs.
pub fn client(addr: SocketAddr) -> redis::Connection {
    let client = redis::Client::open(format!("redis://{addr}/")).expect("client");
    let con = client.get_connection_with_timeout(LIMIT).expect("connect");
    con.set_read_timeout(Some(LIMIT)).unwrap();
    con.set_write_timeout(Some(LIMIT)).unwrap();
    con
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
