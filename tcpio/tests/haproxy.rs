//! End to end behind the real HAProxy (`haproxy` package; required under `CI=true`):
//! `send-proxy` and `send-proxy-v2` in front of a PROXY address, the handler sees the
//! real client, health checks arrive as LOCAL headers, bytes after the header are
//! intact.

mod tools;
mod util;

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Mutex;

use tcpio::proxy::Command as ProxyCommand;
use tcpio::{Action, Conn, Handler, Input};
use util::*;

/// Echoes, and reports each connection's peer as the handler sees it (or `local`
/// for a LOCAL header: a health check).
struct Seen(mpsc::Sender<String>);

impl Handler for Seen {
    type State = ();
    fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
        let what = match conn.proxy_header().map(|h| h.command) {
            Some(ProxyCommand::Local) => "local".to_string(),
            _ => conn.peer_addr().to_string(),
        };
        let _ = self.0.send(what);
        Action::Continue
    }
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        conn.write(input.bytes());
        input.consume_all();
        Action::Continue
    }
}

/// A port free now (HAProxy needs a number in its configuration).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// HAProxy in front of `backend`, sending `send` (`send-proxy` or `send-proxy-v2`) on
/// traffic and health checks; killed when dropped.
struct Haproxy(Child, std::path::PathBuf);

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_file(&self.1);
    }
}

fn haproxy(bin: &std::path::Path, front: u16, backend: SocketAddr, send: &str) -> Haproxy {
    let cfg = std::env::temp_dir().join(format!("tcpio-haproxy-{}-{front}.cfg", std::process::id()));
    std::fs::write(
        &cfg,
        format!(
            "defaults\n    mode tcp\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n\
             frontend front\n    bind 127.0.0.1:{front}\n    default_backend back\n\
             backend back\n    server s1 {backend} {send} check check-send-proxy inter 200ms\n"
        ),
    )
    .unwrap();
    let child = Command::new(bin)
        .arg("-db")
        .arg("-f")
        .arg(&cfg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("haproxy starts");
    Haproxy(child, cfg)
}

fn through(send: &str) {
    let Some(bin) = tools::tool("haproxy", "haproxy") else { return };
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let (server, backend) = start(proxy_local(), move |_| Seen(tx.lock().unwrap().clone()));
    let front = free_port();
    let _proxy = haproxy(&bin, front, backend, send);
    // Health checks come first and keep coming. With v2 they are LOCAL headers,
    // answered like any connection with the socket's own peer; with v1 HAProxy sends
    // its own addresses.
    let first = rx.recv_timeout(LIMIT).unwrap();
    if send == "send-proxy-v2" {
        assert_eq!(first, "local", "a LOCAL header arrived (a health check)");
    }
    let mut client = None;
    assert!(wait_for(|| {
        client = std::net::TcpStream::connect(("127.0.0.1", front)).ok();
        client.is_some()
    }));
    let mut c = client.unwrap();
    c.set_read_timeout(Some(LIMIT)).unwrap();
    // The handler sees the real client (this socket's own address), not HAProxy;
    // health checks may come in between.
    let me = format!("tcp://{}", c.local_addr().unwrap());
    c.write_all(b"x").unwrap();
    assert_eq!(read_n(&mut c, 1), b"x");
    // Bounded: health checks keep the channel busy, so a deadline, not a silence.
    let end = std::time::Instant::now() + LIMIT;
    let found = std::iter::from_fn(|| rx.recv_timeout(LIMIT).ok())
        .take_while(|_| std::time::Instant::now() < end)
        .any(|seen| seen == me);
    assert!(found, "the peer is the client the header names ({me})");
    // Bytes after the header arrive intact.
    let body = payload(11, 1 << 20);
    let mut reader = c.try_clone().unwrap();
    let expect = body.clone();
    let check = std::thread::spawn(move || read_n(&mut reader, expect.len()) == expect);
    c.write_all(&body).unwrap();
    assert!(check.join().unwrap(), "1 MiB through HAProxy came back intact");
    assert_eq!(server.stats().total.refused.untrusted, 0);
}

#[test]
fn send_proxy_v1_and_v2_through_haproxy() {
    through("send-proxy");
    through("send-proxy-v2");
}
