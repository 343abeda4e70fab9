//! A connection's own output limits (`Conn::set_output_limit`): past the hard one it
//! closes at once, above the soft one only for its period; whoever queued the
//! output (its own replies, a group's messages), and the others carry on.

mod util;

use std::io::Write;
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use tcpio::{Action, CloseReason, Conn, Group, Handler, Input, OutputLimit};
use util::*;

/// Lines: "limit HARD SOFT MS" (its own limits), "join", "pub N" (publish N bytes
/// ending in a newline to the group), "big N" (write N bytes itself). Closes are
/// reported with how long the connection had been open.
struct Member {
    group: Group,
    events: mpsc::Sender<(CloseReason, Duration)>,
}

#[derive(Default)]
struct Opened(Option<Instant>);

fn number(words: &[&str], i: usize) -> usize {
    words[i].parse().unwrap()
}

impl Handler for Member {
    type State = Opened;
    fn on_open(&mut self, conn: &mut Conn<'_, Opened>) -> Action {
        conn.state_mut().0 = Some(Instant::now());
        Action::Continue
    }
    fn on_data(&mut self, conn: &mut Conn<'_, Opened>, input: &mut Input<'_>) -> Action {
        while let Some(end) = input.bytes().iter().position(|&b| b == b'\n') {
            let line = String::from_utf8(input.bytes()[..end].to_vec()).unwrap();
            input.consume(end + 1);
            let words: Vec<&str> = line.split(' ').collect();
            match words[0] {
                "limit" => {
                    let period = Duration::from_millis(number(&words, 3) as u64);
                    conn.set_output_limit(Some(
                        OutputLimit::hard(number(&words, 1)).with_soft(number(&words, 2), period),
                    ));
                    conn.write(b"ok\n");
                }
                "join" => {
                    conn.join(&self.group);
                    conn.write(b"joined\n");
                }
                "pub" => {
                    let mut m = vec![b'm'; number(&words, 1) - 1];
                    m.push(b'\n');
                    self.group.publish(m);
                }
                "big" => conn.write(&vec![b'b'; number(&words, 1)]),
                other => panic!("unknown line {other}"),
            }
        }
        Action::Continue
    }
    fn on_close(&mut self, conn: &mut Conn<'_, Opened>, reason: &CloseReason) {
        let open_for = conn.state().0.map_or(Duration::ZERO, |t| t.elapsed());
        let _ = self.events.send((reason.clone(), open_for));
    }
}

type Events = mpsc::Receiver<(CloseReason, Duration)>;

fn server(b: tcpio::Builder) -> (tcpio::ServerHandle, std::net::SocketAddr, Group, Events) {
    let group = Group::new();
    let g = group.clone();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let (h, addr) = start(b, move |_| Member { group: g.clone(), events: tx.lock().unwrap().clone() });
    (h, addr, group, rx)
}

/// A member whose receive buffer is small, with its own limits, in the group.
fn slow_member(addr: std::net::SocketAddr, limits: &str) -> std::net::TcpStream {
    let mut s = connect(addr);
    socket2::SockRef::from(&s).set_recv_buffer_size(8 << 10).unwrap();
    s.write_all(format!("limit {limits}\njoin\n").as_bytes()).unwrap();
    assert_eq!(read_line(&mut s), b"ok\n");
    assert_eq!(read_line(&mut s), b"joined\n");
    s
}

#[test]
fn a_member_past_its_own_hard_limit_closes_while_the_server_cap_is_far_away() {
    // The server's cap is 64 MiB; this member's own limit is 256 KiB.
    let b = local().loops(2).send_buffer_size(64 << 10);
    let (h, addr, group, rx) = server(b);
    let slow = slow_member(addr, "262144 0 0");
    let mut fast = connect(addr);
    fast.write_all(b"join\n").unwrap();
    assert_eq!(read_line(&mut fast), b"joined\n");
    let mut publisher = connect(addr);
    // 2 MiB in 1 KiB messages: eight times the slow member's limit, far below the cap.
    let count = 2048;
    let reader = std::thread::spawn(move || (read_n(&mut fast, count * 1024), fast));
    for _ in 0..count {
        publisher.write_all(b"pub 1024\n").unwrap();
    }
    let (got, _fast) = reader.join().unwrap();
    assert_eq!(got, [&[b'm'; 1023][..], b"\n"].concat().repeat(count), "the reading member got everything");
    let (reason, _) = rx.recv_timeout(LIMIT).unwrap();
    assert!(matches!(reason, CloseReason::OutputLimit { limit } if limit == 256 << 10), "{reason}");
    assert!(wait_for(|| group.len() == 1), "the slow member left the group: {} members", group.len());
    assert_eq!(h.stats().total.open, 2);
    drop(slow);
}

#[test]
fn a_member_above_its_soft_limit_for_the_period_closes() {
    let b = local().loops(1).send_buffer_size(64 << 10);
    let (_h, addr, _group, rx) = server(b);
    // Soft 128 KiB for 300 ms; the hard limit (16 MiB) is never reached.
    let _slow = slow_member(addr, "16777216 131072 300");
    let mut publisher = connect(addr);
    // A message every millisecond or so, until the member is closed: the soft limit
    // is passed within the first second, and the member must stay open 300 ms more.
    let started = Instant::now();
    let reason = loop {
        assert!(started.elapsed() < LIMIT, "never closed");
        publisher.write_all(b"pub 1024\n").unwrap();
        match rx.recv_timeout(Duration::from_millis(1)) {
            Ok((reason, open_for)) => {
                assert!(open_for >= Duration::from_millis(300), "closed after {open_for:?}");
                break reason;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(e) => panic!("{e}"),
        }
    };
    assert!(matches!(reason, CloseReason::OutputLimit { limit } if limit == 128 << 10), "{reason}");
}

#[test]
fn a_member_that_reads_stays_under_its_soft_limit_and_open() {
    let b = local().loops(1);
    let (h, addr, _group, rx) = server(b);
    let mut member = connect(addr);
    member.write_all(b"limit 1048576 65536 1\njoin\n").unwrap();
    assert_eq!(read_line(&mut member), b"ok\n");
    assert_eq!(read_line(&mut member), b"joined\n");
    let mut publisher = connect(addr);
    for _ in 0..2000 {
        publisher.write_all(b"pub 1024\n").unwrap();
        assert_eq!(read_line(&mut member).len(), 1024);
    }
    assert!(rx.try_recv().is_err(), "nobody closed");
    assert_eq!(h.stats().total.open, 2);
}

#[test]
fn the_limit_counts_the_connections_own_replies_too() {
    let b = local().loops(1).send_buffer_size(64 << 10);
    let (_h, addr, _group, rx) = server(b);
    let mut s = connect(addr);
    socket2::SockRef::from(&s).set_recv_buffer_size(8 << 10).unwrap();
    s.write_all(b"limit 1048576 0 0\n").unwrap();
    assert_eq!(read_line(&mut s), b"ok\n");
    // 4 MiB of its own replies, unread.
    s.write_all(b"big 4194304\n").unwrap();
    let (reason, _) = rx.recv_timeout(LIMIT).unwrap();
    assert!(matches!(reason, CloseReason::OutputLimit { limit } if limit == 1 << 20), "{reason}");
    // Its output was dropped: the client sees the end well before 4 MiB.
    let rest = read_until_closed(&mut s);
    assert!(rest.len() < 4 << 20, "{} bytes", rest.len());
}
