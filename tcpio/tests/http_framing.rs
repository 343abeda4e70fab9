//! RFC 9112's framing rules over real sockets, against the http-server example: every
//! ambiguous or conflicting request (the makings of request smuggling) gets its status,
//! `Connection: close` and a closed connection, with nothing answered after it, and the
//! next connection is served as usual. Bodies (`Content-Length`, chunked), `Host`,
//! versions, methods and `Expect: 100-continue` too.

mod http_util;
mod util;

use std::io::Write;
use std::net::SocketAddr;

use http_util::{digest, read_responses, send, start};
use util::{connect, read_until_closed};

/// A request smuggled after `head`: answered only if the server misread the framing.
const SMUGGLED: &str = "GET /json HTTP/1.1\r\nHost: t\r\n\r\n";

/// Sends `req` then a smuggled request on one connection: `status`, a close, and
/// nothing else; then a clean request on a new connection is served.
#[track_caller]
fn refused(addr: SocketAddr, req: &str, status: &str) {
    let text = send(addr, format!("{req}{SMUGGLED}").as_bytes());
    assert!(text.starts_with(&format!("HTTP/1.1 {status} ")), "{req:?}: {text}");
    assert!(text.contains("\r\nConnection: close\r\n"), "{req:?}: {text}");
    assert_eq!(text.matches("HTTP/1.1 ").count(), 1, "answered after the refusal: {req:?}: {text}");
    let mut s = connect(addr);
    s.write_all(b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    assert!(read_responses(&mut s, 1)[0].ends_with("Hello, World!"));
}

#[test]
fn smuggling_combinations_get_400_and_a_close() {
    let server = start(1);
    let post = "POST /upload HTTP/1.1\r\nHost: t\r\n";
    for (fields, body) in [
        ("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
        ("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"),
        ("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"),
        ("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"),
        ("Content-Length: 5, 6\r\n", "hello!"),
        ("Content-Length: +5\r\n", "hello"),
        ("Content-Length: -1\r\n", ""),
        ("Content-Length: 1 0\r\n", "0123456789"),
        ("Content-Length: 0x5\r\n", "hello"),
        ("Content-Length: 184467440737095516160\r\n", ""),
        ("Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n"),
        ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
        ("Transfer-Encoding: identity\r\n", "0\r\n\r\n"),
        ("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n"),
        ("Transfer-Encoding: chunked;a=b\r\n", "0\r\n\r\n"),
        // obs-fold, whitespace before the colon.
        ("Transfer-Encoding: \r\n chunked\r\n", "0\r\n\r\n"),
        ("Transfer-Encoding : chunked\r\n", "0\r\n\r\n"),
        ("Content-Length : 5\r\n", "hello"),
        ("X: a\r\n\tb\r\n", ""),
    ] {
        refused(server.addr, &format!("{post}{fields}\r\n{body}"), "400");
    }
    // Transfer-Encoding in HTTP/1.0.
    refused(server.addr, "POST /upload HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400");
    // Bare LF and bare CR line ends.
    refused(server.addr, "GET /json HTTP/1.1\nHost: t\n\n", "400");
    refused(server.addr, "GET /json HTTP/1.1\r\nHost: t\r\nX: y\n\r\n", "400");
    refused(server.addr, "GET /json HTTP/1.1\r\nHost: t\rX: y\r\n\r\n", "400");
    // An unknown coding before the final chunked: 501.
    refused(server.addr, &format!("{post}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"), "501");
}

#[test]
fn bad_chunks_get_400_and_a_close() {
    let server = start(1);
    let head = "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
    for body in [
        "g\r\nhello\r\n0\r\n\r\n",
        "5 5\r\nhello\r\n0\r\n\r\n",
        "fffffffffffffffff\r\nhello\r\n0\r\n\r\n",
        "5\r\nhello0\r\n\r\n",
        "5\r\nhelloXX0\r\n\r\n",
        "5\nhello\n0\n\n",
        "5\r\nhello\r\n0\r\nbad trailer\r\n\r\n",
        "5;\r\nhello\r\n0\r\n\r\n",
    ] {
        refused(server.addr, &format!("{head}{body}"), "400");
    }
    refused(server.addr, &format!("{head}200000\r\n"), "413");
}

#[test]
fn bodies_are_read_and_the_connection_goes_on() {
    let server = start(1);
    let mut s = connect(server.addr);
    // Content-Length, then chunked with extensions and trailers, then a GET: three
    // responses on one connection, the body written in small pieces.
    let req = "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello\
               POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\
               5;ext=\"v\"\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n\
               GET /json HTTP/1.1\r\nHost: t\r\n\r\n";
    for piece in req.as_bytes().chunks(7) {
        s.write_all(piece).unwrap();
    }
    let r = read_responses(&mut s, 3);
    assert!(r[0].ends_with(&format!("\r\n\r\n{}", digest(b"hello"))), "{}", r[0]);
    assert!(r[1].ends_with(&format!("\r\n\r\n{}", digest(b"hello world"))), "{}", r[1]);
    assert!(r[2].ends_with("\"}"), "{}", r[2]);
    // A body too large: 413 at once, before any of it.
    let text = send(server.addr, b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999\r\n\r\n");
    assert!(text.starts_with("HTTP/1.1 413 Content Too Large\r\n"), "{text}");
}

#[test]
fn host_rules() {
    let server = start(1);
    refused(server.addr, "GET /json HTTP/1.1\r\n\r\n", "400");
    refused(server.addr, "GET /json HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "400");
    refused(server.addr, "GET /json HTTP/1.1\r\nHost: a b\r\n\r\n", "400");
    refused(server.addr, "GET /json HTTP/1.1\r\nHost: a/b\r\n\r\n", "400");
    // Absolute-form: the target's authority counts, Host is still required.
    let mut s = connect(server.addr);
    s.write_all(b"GET http://example.com/plaintext HTTP/1.1\r\nHost: example.com\r\n\r\n").unwrap();
    assert!(read_responses(&mut s, 1)[0].ends_with("Hello, World!"));
    refused(server.addr, "GET http://exa mple.com/json HTTP/1.1\r\nHost: t\r\n\r\n", "400");
    refused(server.addr, "GET ftp://example.com/json HTTP/1.1\r\nHost: t\r\n\r\n", "400");
}

#[test]
fn versions_methods_and_expectations() {
    let server = start(1);
    refused(server.addr, "GET /json HTTP/2.0\r\nHost: t\r\n\r\n", "505");
    refused(server.addr, "GET /json HTTP/0.9\r\n\r\n", "505");
    refused(server.addr, "BREW /json HTTP/1.1\r\nHost: t\r\n\r\n", "501");
    refused(
        server.addr,
        "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: tea\r\n\r\nabc",
        "417",
    );
    let mut s = connect(server.addr);
    s.write_all(b"PUT /json HTTP/1.1\r\nHost: t\r\n\r\nGET /upload HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let r = read_responses(&mut s, 2);
    assert!(r[0].starts_with("HTTP/1.1 405 ") && r[0].contains("\r\nAllow: GET, HEAD\r\n"), "{}", r[0]);
    assert!(r[1].starts_with("HTTP/1.1 405 ") && r[1].contains("\r\nAllow: POST\r\n"), "{}", r[1]);
    // HTTP/1.2 is served as 1.1, HTTP/1.0 closes after its response.
    s.write_all(b"GET /plaintext HTTP/1.2\r\nHost: t\r\n\r\nGET /json HTTP/1.0\r\n\r\n").unwrap();
    let text = String::from_utf8_lossy(&read_until_closed(&mut s)).into_owned();
    assert_eq!(text.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{text}");
    assert!(text.ends_with("Connection: close\r\n\r\n{\"message\":\"Hello, World!\"}"), "{text}");
}

#[test]
fn expect_100_continue_comes_before_the_body() {
    let server = start(1);
    let mut s = connect(server.addr);
    s.write_all(b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    assert_eq!(util::read_n(&mut s, 25), b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"hello").unwrap();
    assert!(read_responses(&mut s, 1)[0].ends_with(&format!("\r\n\r\n{}", digest(b"hello"))));
}
