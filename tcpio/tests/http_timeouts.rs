//! The http-server example's timeouts, with small values: a head or a body (trailers
//! included) that does not complete in time gets 408 and a close (however its bytes
//! trickle in), a connection idle between requests is closed silently, one stalled
//! within a body gets 408.
//! Waits are reads with a bounded timeout, never sleeps.

mod http_util;
mod util;

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use http_util::{read_responses, start_with};
use tcpio_examples::http::Config;
use util::{connect, read_until_closed};

const SHORT: Duration = Duration::from_millis(300);

const LONG: Duration = Duration::from_secs(30);

fn config(header: Option<Duration>, keepalive: Option<Duration>) -> Config {
    Config { header_timeout: header, body_timeout: Some(LONG), keepalive_timeout: keepalive }
}

/// Only the body timeout short.
fn body_config() -> Config {
    Config { header_timeout: Some(LONG), body_timeout: Some(SHORT), keepalive_timeout: Some(LONG) }
}

#[test]
fn every_timeout_is_on_by_default() {
    let c = Config::default();
    assert_eq!(c.header_timeout, Some(Duration::from_secs(10)));
    assert_eq!(c.body_timeout, Some(Duration::from_secs(60)));
    assert_eq!(c.keepalive_timeout, Some(Duration::from_secs(75)));
}

/// Writes `start`, then one byte of `rest` each time a 50 ms read comes back empty (so
/// the connection is never idle for long), until the server closes; returns what it
/// answered and how long that took from the first byte.
fn trickle(s: &mut std::net::TcpStream, start: &[u8], rest: &[u8]) -> (String, Duration) {
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let started = Instant::now();
    s.write_all(start).unwrap();
    let (mut got, mut buf) = (Vec::new(), [0u8; 1024]);
    let mut bytes = rest.iter().chain(std::iter::repeat(&b'x'));
    loop {
        assert!(started.elapsed() < util::LIMIT, "no close: {}", String::from_utf8_lossy(&got));
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                // A write after the server's close may fail: the read then ends it.
                let _ = s.write_all(std::slice::from_ref(bytes.next().unwrap()));
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("{e}"),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), started.elapsed())
}

#[test]
fn a_slow_head_gets_408_and_a_close() {
    let server = start_with(1, config(Some(SHORT), Some(LONG)));
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
    let server = start_with(1, config(Some(SHORT), Some(LONG)));
    let mut s = connect(server.addr);
    let (text, took) = trickle(&mut s, b"G", b"ET /json HTTP/1.1\r\n");
    assert!(took >= SHORT, "408 after {took:?}");
    assert!(text.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{text}");
}

#[test]
fn a_body_trickling_bytes_gets_408_at_the_body_timeout() {
    // Each byte resets the idle timeout; only the body timeout ends these. The head
    // arrives whole: its own timer never runs.
    let heads: [&[u8]; 2] = [
        b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n",
        b"POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n",
    ];
    let server = start_with(1, body_config());
    for head in heads {
        let mut s = connect(server.addr);
        let (text, took) = trickle(&mut s, head, b"fffff\r\n");
        assert!(took >= SHORT, "408 after {took:?}");
        assert!(text.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{text}");
    }
}

#[test]
fn trailers_trickling_in_get_408_at_the_body_timeout() {
    let server = start_with(1, body_config());
    let mut s = connect(server.addr);
    let head = b"POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n";
    // One short trailer field after another, within the trailer limits for longer
    // than the timeout.
    let fields: Vec<u8> = (0..30).flat_map(|i| format!("X-{i}: 1\r\n").into_bytes()).collect();
    let (text, took) = trickle(&mut s, head, &fields);
    assert!(took >= SHORT, "408 after {took:?}");
    assert!(text.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{text}");
}

#[test]
fn a_body_completed_in_time_is_served_and_its_timer_dropped() {
    let server = start_with(1, body_config());
    let mut s = connect(server.addr);
    s.write_all(b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhe").unwrap();
    s.write_all(b"llo").unwrap();
    assert!(read_responses(&mut s, 1)[0].ends_with("5 a430d84680aabd0b"));
    // A second request's body, its head and body apart: the timer is its own.
    s.write_all(b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n").unwrap();
    s.write_all(b"hello").unwrap();
    assert!(read_responses(&mut s, 1)[0].ends_with("5 a430d84680aabd0b"));
    // Nothing more comes within twice the body timeout.
    s.set_read_timeout(Some(2 * SHORT)).unwrap();
    let mut buf = [0u8; 64];
    let err = s.read(&mut buf).expect_err("the connection stays open and silent");
    assert!(matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut), "{err}");
}

#[test]
fn a_head_completed_in_time_is_served_and_its_timer_dropped() {
    let server = start_with(1, config(Some(SHORT), Some(LONG)));
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
    let server = start_with(1, config(Some(LONG), Some(SHORT)));
    let mut s = connect(server.addr);
    s.write_all(b"GET /json HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    read_responses(&mut s, 1);
    let idle = Instant::now();
    assert!(read_until_closed(&mut s).is_empty(), "closed without a response");
    assert!(idle.elapsed() >= SHORT, "closed after {:?}", idle.elapsed());
}

#[test]
fn a_body_stalled_past_the_keepalive_timeout_gets_408() {
    let server = start_with(1, config(Some(LONG), Some(SHORT)));
    let mut s = connect(server.addr);
    s.write_all(b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhe").unwrap();
    let text = String::from_utf8_lossy(&read_until_closed(&mut s)).into_owned();
    assert!(text.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{text}");
}

#[test]
fn timeouts_can_be_off() {
    // No timeout: a partial head stays unanswered well past the short limits.
    let server = start_with(1, Config { header_timeout: None, body_timeout: None, keepalive_timeout: None });
    let mut s = connect(server.addr);
    s.write_all(b"GET /json HTTP/1.1\r\n").unwrap();
    s.set_read_timeout(Some(2 * SHORT)).unwrap();
    let mut buf = [0u8; 64];
    let err = s.read(&mut buf).expect_err("no timeout");
    assert!(matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut), "{err}");
    s.write_all(b"Host: t\r\n\r\n").unwrap();
    assert!(read_responses(&mut s, 1)[0].ends_with("\"}"));
}
