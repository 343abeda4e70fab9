//! Malformed and oversized requests sent raw to the http-server example: each gets its
//! error status and a closed connection, and the server goes on serving others.

mod http_util;
mod util;

use std::io::Write;

use http_util::{read_responses, send, start};
use util::connect;

#[test]
fn malformed_requests_get_400_and_a_close() {
    let server = start(1);
    for req in [
        &b"GET /json HTTP/1.1\r\nBad Header\r\n\r\n"[..],
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"GET /json HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
    ] {
        let text = send(server.addr, req);
        assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{req:?}: {text}");
        assert!(text.contains("Connection: close\r\n"), "{text}");
    }
    // A well-formed request of another major version: 505 (RFC 9110 §15.6.6).
    let text = send(server.addr, b"GET /json HTTP/2.0\r\n\r\n");
    assert!(text.starts_with("HTTP/1.1 505 HTTP Version Not Supported\r\n"), "{text}");
    assert!(text.contains("Connection: close\r\n"), "{text}");
}

#[test]
fn oversized_heads_get_431_414_or_501_and_a_close() {
    let server = start(1);
    let mut long = b"GET /json HTTP/1.1\r\nX-Long: ".to_vec();
    long.extend(std::iter::repeat_n(b'a', 20_000));
    long.extend_from_slice(b"\r\n\r\n");
    assert!(send(server.addr, &long).starts_with("HTTP/1.1 431 "));
    // A head that never ends is refused once it passes the limit, without waiting.
    let endless = [b"GET /json HTTP/1.1\r\n".to_vec(), b"X: y\r\n".repeat(3000)].concat();
    assert!(send(server.addr, &endless).starts_with("HTTP/1.1 431 "));
    let mut many = b"GET /json HTTP/1.1\r\n".to_vec();
    for i in 0..100 {
        many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    assert!(send(server.addr, &many).starts_with("HTTP/1.1 431 "));
    // A request line that has not ended by then: 414 for its target, 501 for its method.
    let target = [b"GET /".to_vec(), vec![b'a'; 20_000], b" HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()].concat();
    assert!(send(server.addr, &target).starts_with("HTTP/1.1 414 URI Too Long\r\n"));
    let method = [vec![b'A'; 20_000], b" / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()].concat();
    assert!(send(server.addr, &method).starts_with("HTTP/1.1 501 Not Implemented\r\n"));
}

#[test]
fn requests_before_a_bad_one_are_answered_first() {
    let server = start(1);
    let text = send(server.addr, b"GET /json HTTP/1.1\r\nHost: t\r\n\r\nGARBAGE\r\n\r\n");
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("HTTP/1.1 400 Bad Request\r\n"), "{text}");
    // Other connections are unaffected.
    let mut s = connect(server.addr);
    s.write_all(b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    assert!(read_responses(&mut s, 1)[0].ends_with("Hello, World!"));
}
