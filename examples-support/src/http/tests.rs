//! Unit tests of the sans-I/O request handling: routes, connections, limits.

use super::{imf_fixdate, Date, Served, Session, MAX_HEAD};

/// Serves `input` on a fresh connection: the responses, and what was used.
pub(super) fn run(input: &[u8]) -> (String, Served) {
    let mut out = Vec::new();
    let served = Session::default().serve(input, &Date::default(), &mut out);
    (String::from_utf8(out).unwrap(), served)
}

/// Kept open, having used `used` bytes.
pub(super) fn kept(used: usize) -> Served {
    Served { used, keep: true }
}

/// Closed after the responses (everything is used then).
pub(super) fn closed(input: &[u8]) -> Served {
    Served { used: input.len(), keep: false }
}

#[test]
fn dates_format_as_imf_fixdate() {
    assert_eq!(&imf_fixdate(0), b"Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(&imf_fixdate(784_111_777), b"Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(&imf_fixdate(951_782_400), b"Tue, 29 Feb 2000 00:00:00 GMT");
    assert_eq!(&imf_fixdate(4_107_542_399), b"Sun, 28 Feb 2100 23:59:59 GMT");
}

#[test]
fn plaintext_and_json_as_techempower_defines_them() {
    let req = b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n";
    let (text, h) = run(req);
    assert_eq!(h, kept(req.len()));
    assert!(text.starts_with("HTTP/1.1 200 OK\r\nServer: tcpio\r\nDate: "), "{text}");
    assert!(
        text.ends_with("\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"),
        "{text}"
    );
    let (text, _) = run(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(text.ends_with("application/json\r\nContent-Length: 27\r\n\r\n{\"message\":\"Hello, World!\"}"));
    let (text, _) = run(b"HEAD /json HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(text.ends_with("Content-Length: 27\r\n\r\n"), "HEAD has no body: {text}");
}

#[test]
fn the_prebuilt_responses_match_the_assembled_ones() {
    // `GET` on a kept HTTP/1.1 connection is answered from the responses built with the
    // date; `HEAD` is assembled piece by piece. Both carry the same head, and the date
    // of the `Date` they were given.
    let date = Date::default();
    let stamp = std::str::from_utf8(date.as_bytes()).unwrap().to_string();
    for (path, body) in [("/plaintext", "Hello, World!"), ("/json", "{\"message\":\"Hello, World!\"}")] {
        let (mut get, mut head) = (Vec::new(), Vec::new());
        Session::default().serve(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
            &date,
            &mut get,
        );
        Session::default().serve(
            format!("HEAD {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
            &date,
            &mut head,
        );
        let (get, head) = (String::from_utf8(get).unwrap(), String::from_utf8(head).unwrap());
        assert_eq!(get, format!("{head}{body}"));
        assert!(get.contains(&format!("\r\nDate: {stamp}\r\n")), "{get}");
    }
}

#[test]
fn connection_handling_follows_the_version() {
    let req = b"GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_eq!(run(req).1, closed(req));
    let req = b"GET /json HTTP/1.0\r\n\r\n";
    assert_eq!(run(req).1, closed(req));
    let (text, h) = run(b"GET /json HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    assert!(h.keep);
    assert!(text.contains("Connection: keep-alive\r\n"));
    // `close` wins over `keep-alive`, in any order.
    let req = b"GET /json HTTP/1.0\r\nConnection: close, keep-alive\r\n\r\n";
    let (text, h) = run(req);
    assert_eq!(h, closed(req));
    assert!(text.contains("Connection: close\r\n"), "{text}");
    let req = b"GET /json HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n";
    assert_eq!(run(req).1, closed(req));
}

#[test]
fn other_paths_methods_and_bodies() {
    assert!(run(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").0.starts_with("HTTP/1.1 404 Not Found\r\n"));
    assert!(run(b"DELETE /json HTTP/1.1\r\nHost: x\r\n\r\n")
        .0
        .starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
    // A body is waited for and skipped.
    let req = b"POST /nothing HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    let (date, mut session, mut out) = (Date::default(), Session::default(), Vec::new());
    let served = session.serve(&req[..req.len() - 1], &date, &mut out);
    assert_eq!((served, out.len()), (kept(req.len() - 1), 0), "the body is used, not answered");
    assert_eq!(session.serve(b"o", &date, &mut out), kept(1));
    assert!(String::from_utf8(out).unwrap().starts_with("HTTP/1.1 404 Not Found\r\n"));
    let req = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert_eq!(run(req), (run(req).0, kept(req.len())));
    assert!(run(req).0.starts_with("HTTP/1.1 404"));
    // A query does not change the route.
    assert!(run(b"GET /plaintext?x=1 HTTP/1.1\r\nHost: x\r\n\r\n").0.ends_with("Hello, World!"));
}

#[test]
fn incomplete_malformed_and_oversized_requests() {
    let req = b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n";
    for cut in 0..req.len() {
        assert_eq!(run(&req[..cut]), (String::new(), kept(0)), "cut at {cut}");
    }
    for bad in [&b"GET /json HTTP/1.1\r\nHost x\r\n\r\n"[..], b"\x00\x01\x02 / HTTP/1.1\r\n\r\n"] {
        let (text, h) = run(bad);
        assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text}");
        assert!(text.contains("Connection: close\r\n"));
        assert_eq!(h, closed(bad));
    }
    // A version of another major number is well-formed, and not served (RFC 9110
    // §15.6.6).
    let bad = b"GET / HTTP/9.9\r\n\r\n";
    let (text, h) = run(bad);
    assert!(text.starts_with("HTTP/1.1 505 HTTP Version Not Supported\r\n"), "{text}");
    assert!(text.contains("Connection: close\r\n"));
    assert_eq!(h, closed(bad));
    let mut big = b"GET /json HTTP/1.1\r\nX-Big: ".to_vec();
    big.resize(MAX_HEAD + 1, b'a');
    assert!(run(&big).0.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    let mut many = b"GET /json HTTP/1.1\r\n".to_vec();
    for i in 0..40 {
        many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    assert!(run(&many).0.starts_with("HTTP/1.1 431 "));
}

/// Serves `input` arriving in pieces of `size` bytes, as the handler does: the
/// responses, and whether the connection closed.
pub(super) fn serve(input: &[u8], size: usize, date: &Date) -> (String, bool) {
    let (mut out, mut kept, mut session) = (Vec::new(), Vec::new(), Session::default());
    for piece in input.chunks(size) {
        kept.extend_from_slice(piece);
        let served = session.serve(&kept, date, &mut out);
        if !served.keep {
            return (String::from_utf8(out).unwrap(), true);
        }
        kept.drain(..served.used);
    }
    (String::from_utf8(out).unwrap(), false)
}

/// Inputs the fuzz target (`fuzz/fuzz_targets/http.rs`) and its checks caught, minimized.
mod fuzz_regressions {
    use super::{serve, Date, MAX_HEAD};

    #[test]
    fn an_oversized_head_gets_the_same_answer_however_it_arrives() {
        // 16 KiB of `a` and a line feed: seen whole, httparse found the request line
        // malformed (400); in pieces, 8 KiB came without an end of head first (then
        // 431; now 501, as a method that long is none this server knows).
        let date = Date::default();
        let mut input = vec![b'a'; 2 * MAX_HEAD];
        input.push(b'\n');
        for size in [input.len(), 1000, 48] {
            let (out, closed) = serve(&input, size, &date);
            assert!(out.starts_with("HTTP/1.1 501 Not Implemented\r\n"), "{size}: {out}");
            assert!(closed);
        }
        // A head of exactly MAX_HEAD bytes is still answered, with more input after it.
        let mut input = b"GET /json HTTP/1.1\r\nHost: x\r\nX-Pad: ".to_vec();
        input.resize(MAX_HEAD - 4, b'p');
        input.extend_from_slice(b"\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n");
        for size in [input.len(), 1000, 48] {
            let (out, closed) = serve(&input, size, &date);
            assert_eq!(out.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{size}: {out}");
            assert!(!closed);
        }
    }

    #[test]
    fn a_405_to_http_1_0_kept_open_says_keep_alive() {
        // An HTTP/1.0 client assumes the connection closes unless the response says
        // `Connection: keep-alive`; the 405 response kept the connection without saying
        // so (the fuzz target's check, on a hand-written input).
        let date = Date::default();
        let (out, closed) = serve(b"DELETE /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 64, &date);
        assert!(out.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"), "{out}");
        assert!(out.contains("\r\nAllow: GET, HEAD\r\nConnection: keep-alive\r\n"), "{out}");
        assert!(!closed);
        for (req, connection) in [
            (&b"DELETE /json HTTP/1.0\r\n\r\n"[..], "Connection: close\r\n"),
            (b"DELETE /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "Connection: close\r\n"),
        ] {
            let (out, closed) = serve(req, 64, &date);
            assert!(out.contains(connection) && closed, "{out}");
        }
        let (out, closed) = serve(b"DELETE /json HTTP/1.1\r\nHost: x\r\n\r\n", 64, &date);
        assert!(!out.contains("Connection:") && !closed, "{out}");
    }

    #[test]
    fn a_bare_cr_in_a_long_trailer_gets_400_however_it_arrives() {
        // A trailer line with a bare CR, then more bytes than a line may have: in
        // pieces the CR was seen first (400); whole, the line was too long first (431).
        let date = Date::default();
        let mut input =
            b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX\r".to_vec();
        input.resize(input.len() + 2 * MAX_HEAD, b'a');
        for size in [input.len(), 1000, 48] {
            let (out, closed) = serve(&input, size, &date);
            assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{size}: {out}");
            assert!(closed);
        }
    }
}
