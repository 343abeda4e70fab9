//! Groups: one published message reaches every member on every loop; membership ends
//! at close; a member that stops reading is closed at its cap while the others carry
//! on and the publisher never blocks.

mod util;

use std::io::{Read, Write};
use std::sync::{mpsc, Mutex};

use tcpio::{Action, CloseReason, Conn, Group, Handler, Input};
use util::*;

/// Lines: "join", "leave", "pub X" (publish "X\n" to the group), "others X" (publish
/// "X\n" to every member but this connection); anything else is echoed. Closes are
/// reported.
struct Member {
    group: Group,
    events: mpsc::Sender<String>,
}

impl Handler for Member {
    type State = ();
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        while let Some(end) = input.bytes().iter().position(|&b| b == b'\n') {
            let line = input.bytes()[..end].to_vec();
            input.consume(end + 1);
            match &line[..] {
                b"join" => {
                    assert!(conn.join(&self.group));
                    assert!(!conn.join(&self.group), "once");
                    conn.write(b"joined\n");
                }
                b"leave" => {
                    assert!(conn.leave_group(&self.group));
                    conn.write(b"left\n");
                }
                l if l.starts_with(b"pub ") => {
                    self.group.publish([&l[4..], b"\n"].concat());
                }
                l if l.starts_with(b"others ") => {
                    self.group.publish_except([&l[7..], b"\n"].concat(), conn.id());
                }
                other => {
                    conn.write(other);
                    conn.write(b"\n");
                }
            }
        }
        Action::Continue
    }
    fn on_close(&mut self, conn: &mut Conn<'_, ()>, reason: &CloseReason) {
        assert!(!conn.join(&self.group), "a closing connection cannot join");
        let _ = self.events.send(reason.to_string());
    }
}

fn server(b: tcpio::Builder) -> (tcpio::ServerHandle, std::net::SocketAddr, Group, mpsc::Receiver<String>) {
    let group = Group::new();
    let g = group.clone();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let (h, addr) = start(b, move |_| Member { group: g.clone(), events: tx.lock().unwrap().clone() });
    (h, addr, group, rx)
}

/// Makes the client a member: sends "join" and reads the confirmation.
fn join(client: &mut std::net::TcpStream) {
    client.write_all(b"join\n").unwrap();
    assert_eq!(read_line(client), b"joined\n");
}

#[test]
fn a_message_reaches_every_member_on_every_loop_and_membership_ends_at_close() {
    let (_h, addr, group, _rx) = server(local().loops(3));
    let mut members: Vec<_> = (0..9).map(|_| connect(addr)).collect();
    members.iter_mut().for_each(join);
    assert_eq!(group.len(), 9);
    members[4].write_all(b"pub hello all\n").unwrap();
    for m in &mut members {
        assert_eq!(read_line(m), b"hello all\n");
    }
    // From outside the loops too, in order per publisher.
    for i in 0..50 {
        while group.publish(format!("n{i}\n").into_bytes()) == 0 {
            std::thread::yield_now();
        }
    }
    for m in &mut members {
        for i in 0..50 {
            assert_eq!(read_line(m), format!("n{i}\n").as_bytes());
        }
    }
    drop(members.split_off(6));
    assert!(wait_for(|| group.len() == 6), "{} members", group.len());
}

#[test]
fn publish_except_reaches_every_member_but_the_one_named() {
    let (_h, addr, _group, _rx) = server(local().loops(2));
    let mut members: Vec<_> = (0..4).map(|_| connect(addr)).collect();
    members.iter_mut().for_each(join);
    // The sender gets what it published after, not the message it was left out of;
    // the others get both, in order.
    members[1].write_all(b"others not you\npub after\n").unwrap();
    for (i, m) in members.iter_mut().enumerate() {
        if i != 1 {
            assert_eq!(read_line(m), b"not you\n", "member {i}");
        }
        assert_eq!(read_line(m), b"after\n", "member {i}");
    }
}

#[test]
fn a_member_that_left_gets_nothing_more() {
    let (_h, addr, group, _rx) = server(local().loops(1));
    let (mut a, mut b) = (connect(addr), connect(addr));
    [&mut a, &mut b].into_iter().for_each(join);
    b.write_all(b"leave\n").unwrap();
    assert_eq!(read_line(&mut b), b"left\n");
    assert_eq!(group.len(), 1);
    group.publish(&b"only a\n"[..]);
    assert_eq!(read_line(&mut a), b"only a\n");
    // One loop: by now it has handed the message to every member; b's next line is
    // its own echo.
    b.write_all(b"ping\n").unwrap();
    assert_eq!(read_line(&mut b), b"ping\n");
}

#[test]
fn a_member_that_stops_reading_is_closed_at_its_cap_while_the_others_get_everything() {
    // One loop, so that a publish is taken by every member's loop or by none (the
    // publisher's retry below is then exact).
    // A cap of 1 MiB: a reading member absorbs any burst the mailbox can hold (at most
    // a cap's worth); one that reads nothing passes it.
    let b = local().loops(1).high_water(256 << 10).max_output(1 << 20).send_buffer_size(64 << 10);
    let (h, addr, group, rx) = server(b);
    let mut slow = connect(addr);
    socket2::SockRef::from(&slow).set_recv_buffer_size(8 << 10).unwrap();
    let mut fast = connect(addr);
    [&mut slow, &mut fast].into_iter().for_each(join);
    let message = [&[b'm'; 1023][..], b"\n"].concat();
    let count = 4000;
    let expect: Vec<u8> = message.repeat(count);
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = progress.clone();
    let reader = std::thread::spawn(move || {
        let mut got = Vec::with_capacity(expect.len());
        let mut buf = vec![0u8; 64 << 10];
        while got.len() < expect.len() {
            let n = fast.read(&mut buf).unwrap();
            assert!(n > 0, "closed after {} bytes", got.len());
            got.extend_from_slice(&buf[..n]);
            seen.store(got.len(), std::sync::atomic::Ordering::Release);
        }
        (got == expect, fast)
    });
    // The publisher never blocks: a full mailbox takes nothing, and this publisher
    // tries that message again. It stays within 128 KiB of what the reading member
    // has read (a publisher that outruns every member by a cap's worth drops them
    // all: the cap is what a member may fall behind by).
    for i in 0..count {
        assert!(wait_for(|| progress.load(std::sync::atomic::Ordering::Acquire) + (128 << 10) >= i * 1024));
        while group.publish(message.clone()) == 0 {
            std::thread::yield_now();
        }
    }
    let (whole, _fast) = reader.join().unwrap();
    assert!(whole, "the reading member got every message, in order");
    let reason = rx.recv_timeout(LIMIT).unwrap();
    assert!(reason.contains("output exceeded the limit"), "{reason}");
    assert!(wait_for(|| group.len() == 1));
    assert_eq!(h.stats().total.open, 1);
}

#[test]
fn a_graceful_stop_delivers_every_message_a_full_socket_was_holding() {
    // The member reads nothing until the stop: the sockets' buffers fill (a few
    // hundred KiB on loopback), and the rest of the messages wait in the server (held
    // as the shared buffers) until it reads. (The client's receive buffer is left as
    // it is: one much smaller than loopback's 64 KiB segments can stall the sender
    // for seconds in TCP's zero-window probing.)
    let b = local().loops(1).max_output(8 << 20).send_buffer_size(64 << 10);
    let (h, addr, group, _rx) = server(b);
    let mut member = connect(addr);
    member.write_all(b"join\n").unwrap();
    assert_eq!(read_line(&mut member), b"joined\n");
    let count = 2000;
    let mut expect = Vec::new();
    for i in 0..count {
        let message = format!("{i:06}{}\n", "x".repeat(1017)).into_bytes();
        assert_eq!(group.publish(message.clone()), 1);
        expect.extend_from_slice(&message);
    }
    assert!(wait_for(|| h.stats().total.queued_bytes > 0), "the server holds what the socket did not take");
    h.shutdown();
    let got = read_until_closed(&mut member);
    assert_eq!(got.len(), expect.len());
    if let Some(at) = got.iter().zip(&expect).position(|(a, b)| a != b) {
        let from = at.saturating_sub(at % 1024);
        panic!(
            "bytes differ from {at}: got {:?}, want {:?}",
            String::from_utf8_lossy(&got[from..(from + 40).min(got.len())]),
            String::from_utf8_lossy(&expect[from..from + 40])
        );
    }
    h.wait().unwrap();
}
