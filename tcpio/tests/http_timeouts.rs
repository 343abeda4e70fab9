//! The http-server example's timeouts, with small values: a head that does not
//! complete in time gets 408 and a close (however its bytes trickle in), a connection
//! idle between requests is closed silently, one stalled within a body gets 408.
//! Waits are reads with a bounded timeout, never sleeps.

mod http_util;
mod util;

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use http_util::{read_responses, start_with};
use tcpio_examples::http::Config;
use util::{connect, read_until_closed};

const SHORT: Duration = Duration::from_millis(300);

fn config(header: Option<Duration>, keepalive: Option<Duration>) -> Config {
    Config { header_timeout: header, keepalive_timeout: keepalive }
}

#[test]
fn both_timeouts_are_on_by_default() {
    let c = Config::default();
    assert_eq!(c.header_timeout, Some(Duration::from_secs(10)));
    assert_eq!(c.keepalive_timeout, Some(Duration::from_secs(75)));
}

#[test]
fn a_slow_head_gets_408_and_a_close() {
    let server = start_with(1, config(Some(SHORT), Some(Duration::from_secs(30))));
    let mut s = connect(server.addr);
    let started = Instant::now();
    s.write_all(b"GET /json HTTP/1.1\r\nHo").unwrap();
    let text = String::from_utf8_lossy(&read_until_closed(&mut s)).into_owned();
    assert!(started.elapsed() >= SHORT, "408 after {:?}", started.elapsed());
    assert!(text.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{text}");
    assert!(text.contains("Connection: close\r\n"), "{text}");
}

#[test]
fn a_slow_loris_trickling_bytes_is_still_timed_from_the_first_byte() {
    // One byte each time a 50 ms read comes back empty: the connection is never idle
    // for long, so only the header timeout can end it.
    let server = start_with(1, config(Some(SHORT), Some(Duration::from_secs(30))));
    let mut s = connect(server.addr);
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let started = Instant::now();
    let (mut got, mut buf) = (Vec::new(), [0u8; 1024]);
    let mut trickle = b"GET /json HTTP/1.1\r\n".iter().chain(std::iter::repeat(&b'x'));
    loop {
        assert!(started.elapsed() < util::LIMIT, "no 408: {}", String::from_utf8_lossy(&got));
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                // A write after the server's close may fail: the read then ends it.
                let _ = s.write_all(std::slice::from_ref(trickle.next().unwrap()));
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("{e}"),
        }
    }
    let text = String::from_utf8_lossy(&got);
    assert!(started.elapsed() >= SHORT);
    assert!(text.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{text}");
}

#[test]
fn a_head_completed_in_time_is_served_and_its_timer_dropped() {
    let server = start_with(1, config(Some(SHORT), Some(Duration::from_secs(30))));
    let mut s = connect(server.addr);
    s.write_all(b"GET /plaintext HTTP/1.1\r\n").unwrap();
    s.write_all(b"Host: t\r\n\r\nGET /json HTTP/1.1\r\nHost: t\r\n").unwrap();
    s.write_all(b"\r\n").unwrap();
    let r = read_responses(&mut s, 2);
    assert!(r[0].ends_with("Hello, World!") && r[1].ends_with("\"}"));
    // Nothing more comes within twice the header timeout: no 408 for a finished head.
    s.set_read_timeout(Some(2 * SHORT)).unwrap();
    let mut buf = [0u8; 64];
    let err = s.read(&mut buf).expect_err("the connection stays open and silent");
    assert!(matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut), "{err}");
    s.write_all(b"GET /json HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    assert!(read_responses(&mut s, 1)[0].ends_with("\"}"));
}

#[test]
fn an_idle_kept_connection_is_closed_silently() {
    let server = start_with(1, config(Some(Duration::from_secs(30)), Some(SHORT)));
    let mut s = connect(server.addr);
    s.write_all(b"GET /json HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    read_responses(&mut s, 1);
    let idle = Instant::now();
    assert!(read_until_closed(&mut s).is_empty(), "closed without a response");
    assert!(idle.elapsed() >= SHORT, "closed after {:?}", idle.elapsed());
}

#[test]
fn a_body_stalled_past_the_keepalive_timeout_gets_408() {
    let server = start_with(1, config(Some(Duration::from_secs(30)), Some(SHORT)));
    let mut s = connect(server.addr);
    s.write_all(b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhe").unwrap();
    let text = String::from_utf8_lossy(&read_until_closed(&mut s)).into_owned();
    assert!(text.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{text}");
}

#[test]
fn timeouts_can_be_off() {
    // Neither timeout: a partial head stays unanswered well past the short limits.
    let server = start_with(1, config(None, None));
    let mut s = connect(server.addr);
    s.write_all(b"GET /json HTTP/1.1\r\n").unwrap();
    s.set_read_timeout(Some(2 * SHORT)).unwrap();
    let mut buf = [0u8; 64];
    let err = s.read(&mut buf).expect_err("no timeout");
    assert!(matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut), "{err}");
    s.write_all(b"Host: t\r\n\r\n").unwrap();
    assert!(read_responses(&mut s, 1)[0].ends_with("\"}"));
}
