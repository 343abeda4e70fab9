//! Unit tests of the sans-I/O request handling.

use super::{imf_fixdate, respond, respond_all, Date, Handled, MAX_HEAD};

fn run(input: &[u8]) -> (String, Handled) {
    let mut out = Vec::new();
    let h = respond(input, &Date::default(), &mut out);
    (String::from_utf8(out).unwrap(), h)
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
    assert_eq!(h, Handled::KeepAlive { used: req.len() });
    assert!(text.starts_with("HTTP/1.1 200 OK\r\nServer: tcpio\r\nDate: "), "{text}");
    assert!(
        text.ends_with("\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"),
        "{text}"
    );
    let (text, _) = run(b"GET /json HTTP/1.1\r\n\r\n");
    assert!(text.ends_with("application/json\r\nContent-Length: 27\r\n\r\n{\"message\":\"Hello, World!\"}"));
    let (text, _) = run(b"HEAD /json HTTP/1.1\r\n\r\n");
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
        respond(format!("GET {path} HTTP/1.1\r\n\r\n").as_bytes(), &date, &mut get);
        respond(format!("HEAD {path} HTTP/1.1\r\n\r\n").as_bytes(), &date, &mut head);
        let (get, head) = (String::from_utf8(get).unwrap(), String::from_utf8(head).unwrap());
        assert_eq!(get, format!("{head}{body}"));
        assert!(get.contains(&format!("\r\nDate: {stamp}\r\n")), "{get}");
    }
}

#[test]
fn connection_handling_follows_the_version() {
    assert_eq!(run(b"GET /json HTTP/1.1\r\nConnection: close\r\n\r\n").1, Handled::Close);
    assert_eq!(run(b"GET /json HTTP/1.0\r\n\r\n").1, Handled::Close);
    let (text, h) = run(b"GET /json HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    assert!(matches!(h, Handled::KeepAlive { .. }));
    assert!(text.contains("Connection: keep-alive\r\n"));
}

#[test]
fn other_paths_methods_and_bodies() {
    assert!(run(b"GET / HTTP/1.1\r\n\r\n").0.starts_with("HTTP/1.1 404 Not Found\r\n"));
    assert!(run(b"DELETE /json HTTP/1.1\r\n\r\n").0.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
    // A body is waited for and skipped.
    let req = b"POST /nothing HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
    assert_eq!(run(&req[..req.len() - 1]).1, Handled::Incomplete);
    assert_eq!(run(req).1, Handled::KeepAlive { used: req.len() });
    assert!(run(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").0.starts_with("HTTP/1.1 501"));
}

#[test]
fn incomplete_malformed_and_oversized_requests() {
    let req = b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n";
    for cut in 0..req.len() {
        assert_eq!(run(&req[..cut]), (String::new(), Handled::Incomplete), "cut at {cut}");
    }
    for bad in [
        &b"GET /json HTTP/1.1\r\nHost x\r\n\r\n"[..],
        b"\x00\x01\x02 / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
    ] {
        let (text, h) = run(bad);
        assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text}");
        assert!(text.contains("Connection: close\r\n"));
        assert_eq!(h, Handled::Close);
    }
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

/// Inputs the fuzz target (`fuzz/fuzz_targets/http.rs`) and its checks caught, minimized.
mod fuzz_regressions {
    use super::{respond_all, Date, MAX_HEAD};

    /// Serves `input` arriving in pieces of `size` bytes, as the handler does: the
    /// responses, and whether the connection closed.
    fn serve(input: &[u8], size: usize, date: &Date) -> (String, bool) {
        let (mut out, mut kept) = (Vec::new(), Vec::new());
        for piece in input.chunks(size) {
            kept.extend_from_slice(piece);
            let (used, keep) = respond_all(&kept, date, &mut out);
            if !keep {
                return (String::from_utf8(out).unwrap(), true);
            }
            kept.drain(..used);
        }
        (String::from_utf8(out).unwrap(), false)
    }

    #[test]
    fn an_oversized_head_gets_431_however_it_arrives() {
        // 16 KiB of `a` and a line feed: seen whole, httparse found the request line
        // malformed (400); in pieces, 8 KiB came without an end of head first (431).
        let date = Date::default();
        let mut input = vec![b'a'; 2 * MAX_HEAD];
        input.push(b'\n');
        for size in [input.len(), 1000, 48] {
            let (out, closed) = serve(&input, size, &date);
            assert!(out.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "{size}: {out}");
            assert!(closed);
        }
        // A head of exactly MAX_HEAD bytes is still answered, with more input after it.
        let mut input = b"GET /json HTTP/1.1\r\nX-Pad: ".to_vec();
        input.resize(MAX_HEAD - 4, b'p');
        input.extend_from_slice(b"\r\n\r\nGET /json HTTP/1.1\r\n\r\n");
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
            (b"DELETE /json HTTP/1.1\r\nConnection: close\r\n\r\n", "Connection: close\r\n"),
        ] {
            let (out, closed) = serve(req, 64, &date);
            assert!(out.contains(connection) && closed, "{out}");
        }
        let (out, closed) = serve(b"DELETE /json HTTP/1.1\r\n\r\n", 64, &date);
        assert!(!out.contains("Connection:") && !closed, "{out}");
    }
}
