//! The pubsub example: messages reach subscribers of their topic on every loop and
//! nobody else; an invalid frame gets an error frame; the command line as documented.

mod util;

use std::net::SocketAddr;

use tcpio::codec::FramedClient;
use tcpio_examples::pubsub::{codec, parse_message, publish_body};
use util::*;

fn client(addr: SocketAddr) -> FramedClient<std::net::TcpStream, tcpio::codec::LengthField> {
    FramedClient::new(connect(addr), codec())
}

#[test]
fn messages_reach_every_subscriber_of_their_topic_on_every_loop_and_nobody_else() {
    let (h, addr) = start_with(local().loops(3), tcpio_examples::pubsub::start);
    let mut news: Vec<_> = (0..6).map(|_| client(addr)).collect();
    let mut sport = client(addr);
    for c in &mut news {
        c.send(b"Snews").unwrap();
        c.flush().unwrap();
    }
    sport.send(b"Ssport").unwrap();
    sport.flush().unwrap();
    // Subscriptions are in once every connection is open and has been read.
    assert!(wait_for(|| h.stats().total.bytes_in >= 6 * 9 + 10));
    let mut publisher = client(addr);
    for i in 0..20 {
        publisher.send(&publish_body(b"news", format!("story {i}").as_bytes())).unwrap();
    }
    publisher.send(&publish_body(b"sport", b"goal")).unwrap();
    publisher.flush().unwrap();
    for c in &mut news {
        for i in 0..20 {
            let frame = c.receive().unwrap();
            assert_eq!(parse_message(frame), Some((&b"news"[..], format!("story {i}").as_bytes())));
        }
    }
    assert_eq!(
        parse_message(sport.receive().unwrap()),
        Some((&b"sport"[..], &b"goal"[..])),
        "only its own topic"
    );
}

#[test]
fn an_invalid_frame_gets_an_error_frame_and_the_close() {
    let (_h, addr) = start_with(local().loops(1), tcpio_examples::pubsub::start);
    let mut c = client(addr);
    let reply = c.call(b"Xwhat").unwrap().to_vec();
    assert_eq!(reply, b"Eunknown frame type 'X'");
    let e = c.receive().unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
}
