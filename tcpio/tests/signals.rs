//! The SIGINT/SIGTERM helper: a signal drains the server gracefully, the reply in
//! flight arrives whole, and the process exits cleanly.

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;

use tcpio::{Action, Conn, Handler, Input};
use util::*;

const REPLY: usize = 8 << 20;

struct Reply(Arc<Vec<u8>>);

impl Handler for Reply {
    type State = ();
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        input.consume_all();
        conn.write(&self.0);
        Action::Continue
    }
}

/// Run by `sigterm_drains_the_server_gracefully` in a child process.
#[test]
#[ignore = "run by sigterm_drains_the_server_gracefully"]
fn child_serves_until_a_signal() {
    if std::env::var("TCPIO_CHILD_SIGNALS").is_err() {
        return;
    }
    let body = Arc::new(payload(3, REPLY));
    let (server, addr) = start(local().loops(2).send_buffer_size(64 << 10), move |_| Reply(body.clone()));
    server.shutdown_on_signals().unwrap();
    println!("PORT {}", addr.port());
    server.wait().unwrap();
    println!("DRAINED aborted={}", server.stats().total.aborted);
}

#[test]
fn sigterm_drains_the_server_gracefully() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_serves_until_a_signal", "--ignored", "--nocapture", "--test-threads", "1"])
        .env("TCPIO_CHILD_SIGNALS", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let port = loop {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "the child printed no port");
        // libtest may print the test's name on the same line first.
        if let Some(p) = line.split("PORT ").nth(1) {
            let p = p.trim();
            break p.parse::<u16>().unwrap();
        }
    };
    let mut c = connect(SocketAddr::from(([127, 0, 0, 1], port)));
    c.write_all(b"go").unwrap();
    // The first bytes are here, so the reply is queued; most of it is still waiting.
    let mut first = [0u8; 1];
    c.read_exact(&mut first).unwrap();
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let mut rest = Vec::new();
    c.read_to_end(&mut rest).expect("the rest, then a clean end of stream");
    assert_eq!(1 + rest.len(), REPLY);
    assert!(first[0] == payload(3, 1)[0] && rest[..] == payload(3, REPLY)[1..]);
    drop(c);
    let status = child.wait().unwrap();
    let mut tail = String::new();
    out.read_to_string(&mut tail).unwrap();
    assert!(status.success(), "child exited with {status}: {tail}");
    assert!(tail.contains("DRAINED aborted=0"), "child said: {tail}");
}
