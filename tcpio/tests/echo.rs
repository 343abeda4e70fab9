//! Echo correctness: payloads of every size under random client chunking, many
//! connections at once, unix sockets, IPv6.

mod util;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::thread;

use rand::{Rng, SeedableRng};
use util::*;

/// Sends `data` in random chunks from one thread while another reads the echo, and
/// checks every byte.
fn echo_roundtrip(addr: std::net::SocketAddr, data: Vec<u8>, seed: u64) {
    let mut s = connect(addr);
    let mut r = s.try_clone().unwrap();
    let len = data.len();
    let reader = thread::spawn(move || read_n(&mut r, len));
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut off = 0;
    while off < data.len() {
        let n = rng.random_range(1..=(64 * 1024).min(data.len() - off));
        s.write_all(&data[off..off + n]).unwrap();
        off += n;
    }
    let got = reader.join().unwrap();
    assert!(got == data, "echo of {len} bytes differs");
}

#[test]
fn random_payloads_from_1_byte_to_4_mib() {
    let (server, addr) = start(local().loops(2), |_| Echo);
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut sizes = vec![1, 2, 63, 64, 65, 4095, 4096, 65_535, 65_536, 65_537, 1 << 20, 4 << 20];
    sizes.extend((0..12).map(|_| rng.random_range(1..4 << 20)));
    for (i, n) in sizes.into_iter().enumerate() {
        echo_roundtrip(addr, payload(i as u64, n), i as u64);
    }
    drop(server);
}

#[test]
fn two_thousand_concurrent_connections_each_verified() {
    let (server, addr) = start(local().loops(2), |_| Echo);
    let mut conns: Vec<_> = (0..2000).map(|_| connect(addr)).collect();
    for (i, c) in conns.iter_mut().enumerate() {
        c.write_all(&payload(i as u64, 100 + i % 300)).unwrap();
    }
    for (i, c) in conns.iter_mut().enumerate() {
        let want = payload(i as u64, 100 + i % 300);
        assert_eq!(read_n(c, want.len()), want, "connection {i}");
    }
    assert!(wait_for(|| server.stats().total.open == 2000));
    drop(conns);
    assert!(wait_for(|| server.stats().total.open == 0));
}

#[test]
fn unix_socket_echo_and_file_removed_at_shutdown() {
    let dir = std::env::temp_dir().join(format!("tcpio-echo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("echo.sock");
    let server = tcpio::Server::builder()
        .bind(format!("unix://{}", path.display()).as_str())
        .unwrap()
        .loops(2)
        .start(|_| Echo)
        .unwrap();
    assert_eq!(server.local_addrs()[0].as_unix_path(), Some(path.as_path()));
    for i in 0..20 {
        let mut c = UnixStream::connect(&path).unwrap();
        c.set_read_timeout(Some(LIMIT)).unwrap();
        let data = payload(i, 10_000 * (i as usize + 1));
        c.write_all(&data).unwrap();
        c.shutdown(std::net::Shutdown::Write).unwrap();
        let mut got = Vec::new();
        c.read_to_end(&mut got).unwrap();
        assert_eq!(got, data);
    }
    server.shutdown();
    server.wait().unwrap();
    assert!(!path.exists(), "the socket file is removed at shutdown");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn tcp6_on_loopback() {
    let b = match tcpio::Server::builder().bind("tcp6://[::1]:0").unwrap().loops(1).start(|_| Echo) {
        Ok(s) => s,
        Err(tcpio::Error::Bind { source, .. }) => {
            eprintln!("SKIPPED tcp6_on_loopback: this machine has no IPv6 loopback ({source})");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let addr = b.local_addrs()[0].as_ip().unwrap();
    assert!(addr.is_ipv6() && addr.port() != 0);
    echo_roundtrip(addr, payload(6, 100_000), 6);
}

#[test]
fn closure_server_and_several_addresses_on_the_same_loops() {
    let server = tcpio::Server::builder()
        .bind("tcp://127.0.0.1:0")
        .unwrap()
        .bind("tcp4://127.0.0.1:0")
        .unwrap()
        .loops(2)
        .start_fn(|conn, input| {
            let n = input.len();
            conn.write(format!("{}:{n};", conn.listener_index()).as_bytes());
            input.consume_all();
            tcpio::Action::Continue
        })
        .unwrap();
    let addrs: Vec<_> = server.local_addrs().iter().map(|a| a.as_ip().unwrap()).collect();
    assert_ne!(addrs[0].port(), addrs[1].port());
    for (i, a) in addrs.iter().enumerate() {
        let mut c = connect(*a);
        c.write_all(b"abc").unwrap();
        let want = format!("{i}:3;");
        assert_eq!(read_n(&mut c, want.len()), want.as_bytes());
    }
}
