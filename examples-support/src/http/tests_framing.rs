//! Unit tests of the rules of RFC 9112 and RFC 9110 the server holds requests to:
//! framing (the smuggling cases), `Host`, versions, methods, `Expect`, bodies.

use super::tests::{closed, kept, run, serve};
use super::{Date, Session, MAX_BODY, MAX_CHUNK_LINE, MAX_HEAD};

/// Asserts that `req` is refused with `status` and the connection closes.
#[track_caller]
fn refused(req: &[u8], status: &str) {
    let (text, served) = run(req);
    assert!(text.starts_with(&format!("HTTP/1.1 {status} ")), "{:?}: {text}", String::from_utf8_lossy(req));
    assert!(text.contains("\r\nConnection: close\r\n"), "{text}");
    assert_eq!(served, closed(req), "{:?}", String::from_utf8_lossy(req));
}

/// `POST /upload` with `headers` and `body`, HTTP/1.1.
fn upload(headers: &str, body: &[u8]) -> Vec<u8> {
    [format!("POST /upload HTTP/1.1\r\nHost: x\r\n{headers}\r\n").as_bytes(), body].concat()
}

/// What `/upload` answers for `body`.
fn digest(body: &[u8]) -> String {
    let hash =
        body.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    format!("{} {hash:016x}", body.len())
}

#[test]
fn content_length_bodies_are_read_and_hashed() {
    let req = upload("Content-Length: 5\r\n", b"hello");
    let (text, served) = run(&req);
    assert_eq!(served, kept(req.len()));
    assert!(text.ends_with(&format!("\r\n\r\n{}", digest(b"hello"))), "{text}");
    assert_eq!(digest(b"hello"), "5 a430d84680aabd0b");
    // Leading zeros are digits too.
    assert!(run(&upload("Content-Length: 005\r\n", b"hello")).0.ends_with(&digest(b"hello")));
    // The body arrives in pieces, then a pipelined request.
    let mut req = upload("Content-Length: 11\r\n", b"hello world");
    req.extend_from_slice(b"GET /json HTTP/1.1\r\nHost: x\r\n\r\n");
    for size in [1, 3, 7, req.len()] {
        let (out, closed) = serve(&req, size, &Date::default());
        assert!(out.contains(&digest(b"hello world")) && out.ends_with("\"}") && !closed, "{size}: {out}");
    }
}

#[test]
fn chunked_bodies_are_decoded_with_extensions_and_trailers() {
    let body = b"5;name=value;flag\r\nhello\r\n6 ; q=\"a \\\"b\\\"\"\r\n world\r\n0;last\r\nX-Sum: 1\r\nX-Two: 2\r\n\r\n";
    let mut req = upload("Transfer-Encoding: chunked\r\n", body);
    req.extend_from_slice(b"GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
    for size in 1..=req.len() {
        let (out, closed) = serve(&req, size, &Date::default());
        assert!(out.contains(&format!("\r\n\r\n{}HTTP/1.1 200 OK", digest(b"hello world"))), "{size}: {out}");
        assert!(out.ends_with("Hello, World!") && !closed, "{size}: {out}");
    }
    // Upper-case hex, leading zeros, an empty body, the coding's name in any case.
    let req = upload("Transfer-Encoding: Chunked\r\n", b"000A\r\n0123456789\r\n00\r\n\r\n");
    assert!(run(&req).0.ends_with(&digest(b"0123456789")), "{}", run(&req).0);
    let req = upload("Transfer-Encoding: chunked\r\n", b"0\r\n\r\n");
    assert!(run(&req).0.ends_with(&digest(b"")));
    // Empty list elements around the coding are skipped (RFC 9110 §5.6.1.2).
    for te in [", chunked", "chunked,", " , chunked , ,"] {
        let req = upload(&format!("Transfer-Encoding: {te}\r\n"), b"5\r\nhello\r\n0\r\n\r\n");
        assert!(run(&req).0.ends_with(&digest(b"hello")), "{te}: {}", run(&req).0);
    }
}

#[test]
fn conflicting_or_invalid_framing_is_refused() {
    let head = "POST /upload HTTP/1.1\r\nHost: x\r\n";
    for (fields, status) in [
        // Both (RFC 9112 §6.3 rule 3): a smuggling classic.
        ("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "400"),
        ("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "400"),
        // Two lengths, differing or not (the same value is refused too: our choice).
        ("Content-Length: 5\r\nContent-Length: 6\r\n", "400"),
        ("Content-Length: 5\r\nContent-Length: 5\r\n", "400"),
        ("Content-Length: 5, 5\r\n", "400"),
        // Not 1*DIGIT.
        ("Content-Length: +5\r\n", "400"),
        ("Content-Length: -5\r\n", "400"),
        ("Content-Length: 5 5\r\n", "400"),
        ("Content-Length: 0x5\r\n", "400"),
        ("Content-Length: 5a\r\n", "400"),
        ("Content-Length: \r\n", "400"),
        ("Content-Length: 99999999999999999999999\r\n", "400"),
        ("Content-Length: 18446744073709551616\r\n", "400"),
        // Too long to read.
        ("Content-Length: 18446744073709551615\r\n", "413"),
        // Transfer codings: `chunked` must be the last one, and only once.
        ("Transfer-Encoding: gzip\r\n", "400"),
        ("Transfer-Encoding: chunked, gzip\r\n", "400"),
        ("Transfer-Encoding: chunked, chunked\r\n", "400"),
        ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "400"),
        ("Transfer-Encoding: identity\r\n", "400"),
        ("Transfer-Encoding: chunked;q=1\r\n", "400"),
        ("Transfer-Encoding: xchunked\r\n", "400"),
        ("Transfer-Encoding: \r\n", "400"),
        // Empty list elements are skipped (RFC 9110 §5.6.1.2); nothing else is left.
        ("Transfer-Encoding: ,\r\n", "400"),
        ("Transfer-Encoding: , ,\r\n", "400"),
        ("Transfer-Encoding: \"chunked\"\r\n", "400"),
        // A coding this server lacks before the final `chunked` (RFC 9112 §6.1: 501).
        ("Transfer-Encoding: gzip, chunked\r\n", "501"),
        ("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "501"),
    ] {
        refused(format!("{head}{fields}\r\n").as_bytes(), status);
    }
    // Transfer-Encoding in HTTP/1.0 (RFC 9112 §6.1).
    refused(b"POST /upload HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400");
    // A Content-Length past the limit, refused before any of the body.
    refused(&upload(&format!("Content-Length: {}\r\n", MAX_BODY + 1), b""), "413");
}

#[test]
fn malformed_chunks_are_refused() {
    for (body, status) in [
        (&b"x\r\nhello\r\n0\r\n\r\n"[..], "400"),
        (b"\r\nhello\r\n0\r\n\r\n", "400"),
        (b" 5\r\nhello\r\n0\r\n\r\n", "400"),
        (b"5 \r\nhello\r\n0\r\n\r\n", "400"),
        (b"-5\r\nhello\r\n0\r\n\r\n", "400"),
        (b"0x5\r\nhello\r\n0\r\n\r\n", "400"),
        // Overflow, and a size past the body limit.
        (b"10000000000000005\r\nhello\r\n0\r\n\r\n", "400"),
        (b"ffffffffffffffff\r\nhello\r\n0\r\n\r\n", "413"),
        (b"100001\r\n", "413"),
        // Missing or bare line ends.
        (b"5\r\nhelloX\r\n0\r\n\r\n", "400"),
        (b"5\r\nhello0\r\n\r\n", "400"),
        (b"5\nhello\r\n0\r\n\r\n", "400"),
        (b"5\rhello\r\n0\r\n\r\n", "400"),
        (b"5\r\nhello\n0\r\n\r\n", "400"),
        (b"5\r\nhello\r\n0\n\r\n", "400"),
        (b"5\r\nhello\r\n0\r\n\n", "400"),
        // Malformed extensions.
        (b"5;\r\nhello\r\n0\r\n\r\n", "400"),
        (b"5;a=\r\nhello\r\n0\r\n\r\n", "400"),
        (b"5;a=\"b\r\nhello\r\n0\r\n\r\n", "400"),
        (b"5;a b\r\nhello\r\n0\r\n\r\n", "400"),
        (b"5;a\x01\r\nhello\r\n0\r\n\r\n", "400"),
        // Malformed trailers.
        (b"0\r\nno colon\r\n\r\n", "400"),
        (b"0\r\n: empty name\r\n\r\n", "400"),
        (b"0\r\nX : space before the colon\r\n\r\n", "400"),
        (b"0\r\nX: a\r\n folded\r\n\r\n", "400"),
        (b"0\r\nX: a\rb\r\n\r\n", "400"),
    ] {
        refused(&upload("Transfer-Encoding: chunked\r\n", body), status);
    }
    // A size line past its limit, trailers past theirs.
    let long = [b"5;a=".to_vec(), vec![b'b'; MAX_CHUNK_LINE], b"\r\nhello\r\n0\r\n\r\n".to_vec()].concat();
    refused(&upload("Transfer-Encoding: chunked\r\n", &long), "400");
    let many = [b"0\r\n".to_vec(), b"X: y\r\n".repeat(40), b"\r\n".to_vec()].concat();
    refused(&upload("Transfer-Encoding: chunked\r\n", &many), "431");
    let big = [b"0\r\nX: ".to_vec(), vec![b'y'; MAX_HEAD], b"\r\n\r\n".to_vec()].concat();
    refused(&upload("Transfer-Encoding: chunked\r\n", &big), "431");
    // The framing around tiny chunks counts too: 1-byte chunks with long extensions.
    let chunk = [b"1;e=".to_vec(), vec![b'x'; 1000], b"\r\na\r\n".to_vec()].concat();
    let body = [chunk.repeat(MAX_BODY / 1000 + 1), b"0\r\n\r\n".to_vec()].concat();
    refused(&upload("Transfer-Encoding: chunked\r\n", &body), "413");
    // Data past the limit, in many chunks.
    let chunk = [b"10000\r\n".to_vec(), vec![b'z'; 0x10000], b"\r\n".to_vec()].concat();
    let body = chunk.repeat(MAX_BODY / 0x10000 + 1);
    refused(&upload("Transfer-Encoding: chunked\r\n", &body), "413");
}

#[test]
fn line_ends_are_crlf_and_fields_are_not_folded() {
    for req in [
        // Bare LF (accepting it is allowed, RFC 9112 §2.2; refusing it is our choice).
        &b"GET /json HTTP/1.1\nHost: x\r\n\r\n"[..],
        b"GET /json HTTP/1.1\r\nHost: x\n\r\n",
        b"GET /json HTTP/1.1\r\nHost: x\r\n\n",
        b"\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\r\n\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /json HTTP/1.1\r\nHost: x\r\nX:\n\r\n",
        b"GET /json HTTP/1.1\r\nHost: x\r\nX:  \n\r\n",
        b"GET /json HTTP/1.1\r\nHost: x\r\nX: a \t\n\r\n",
        b"GET /json HTTP/1.1\r\nHost: x \n\r\n",
        b"GET /json HTTP/1.1\n\r\n",
        b"GET /json HTTP/1.1\r\n\n",
        b"GET /json HTTP/1.2\r\nHost: x\n\r\n",
        // Bare CR.
        b"GET /json HTTP/1.1\r\nHost: x\rX: y\r\n\r\n",
        b"GET /json HTTP/1.1\rHost: x\r\n\r\n",
        // obs-fold (§5.2) and whitespace before the colon (§5.1).
        b"GET /json HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n",
        b"GET /json HTTP/1.1\r\nHost: x\r\nX: a\r\n\tb\r\n\r\n",
        b"GET /json HTTP/1.1\r\nHost : x\r\n\r\n",
        b"GET /json HTTP/1.1\r\nHost\t: x\r\n\r\n",
        b"GET /json HTTP/1.1\r\n Host: x\r\n\r\n",
        b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello",
        b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    ] {
        refused(req, "400");
    }
    // Empty lines before the request line are skipped (RFC 9112 §2.2), CRLF ones;
    // spaces and tabs at a field's end, and empty fields, are fine.
    for req in [
        &b"\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        b"GET /json HTTP/1.1\r\nHost: x \t \r\nX:\r\nY:  \r\nZ: a b \r\n\r\n",
        b"GET /json HTTP/1.2\r\nHost: x\r\n\r\n",
    ] {
        assert_eq!(run(req).1, kept(req.len()), "{:?}", String::from_utf8_lossy(req));
    }
}

#[test]
fn host_is_required_once_and_valid() {
    refused(b"GET /json HTTP/1.1\r\n\r\n", "400");
    refused(b"GET /json HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", "400");
    refused(b"GET /json HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", "400");
    for host in [
        "a b",
        "a/b",
        "a@b",
        "a:b",
        "a:80:80",
        "a:8a",
        "a.b:80 x",
        "[::1",
        "[]",
        "[::1]x",
        "[zz]",
        ":80",
        "a\"b",
        "a,b\x7f",
        // A `%` that is not a pct-encoding; bracketed bytes that are no IPv6 address.
        "a%zz",
        "a%",
        "a%2",
        "%",
        "[:::::::::]",
        "[1.2.3.4]",
        "[::1::2]",
        "[fe80::1%25eth0]",
    ] {
        refused(format!("GET /json HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes(), "400");
    }
    for host in [
        "",
        "example.com",
        "example.com:8080",
        "example.com:",
        "127.0.0.1:1",
        "[::1]:80",
        "[::ffff:1.2.3.4]",
        "[2001:DB8::1]:",
        "a-b_c~d%20",
        "%41%2f",
    ] {
        let req = format!("GET /json HTTP/1.1\r\nHost: {host}\r\n\r\n");
        assert_eq!(run(req.as_bytes()).1, kept(req.len()), "{host}");
    }
    // HTTP/1.0 may omit it.
    assert!(run(b"GET /json HTTP/1.0\r\n\r\n").0.starts_with("HTTP/1.1 200 OK\r\n"));
}

#[test]
fn absolute_form_targets_name_the_resource() {
    // The target's authority names the resource; `Host` is still required and checked.
    for target in
        ["http://example.com/plaintext", "HTTPS://example.com:8443/plaintext?x", "http://[::1]/plaintext"]
    {
        let req = format!("GET {target} HTTP/1.1\r\nHost: other\r\n\r\n");
        let (text, served) = run(req.as_bytes());
        assert!(text.ends_with("Hello, World!") && served == kept(req.len()), "{target}: {text}");
    }
    let (text, _) = run(b"GET http://example.com HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(text.starts_with("HTTP/1.1 404 "), "the path is /: {text}");
    for target in [
        "ftp://example.com/json",
        "http:/json",
        "http:///json",
        "http://a@b/json",
        "http://a b/json",
        "json",
        "example.com:80",
    ] {
        refused(format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(), "400");
    }
    refused(b"GET http://example.com/json HTTP/1.1\r\n\r\n", "400");
    // A path or query with a byte RFC 3986 does not allow there, a fragment, a `%`
    // that is not a pct-encoding, raw non-ASCII: 400, in either form.
    for target in [
        "/plaintext#frag",
        "/plaintext?{<>}",
        "/plaintext?\u{e9}",
        "/plain\"text",
        "/plaintext?a=%zz",
        "/plaintext%",
        "/a\\b",
        "/a^b",
        "/a`b",
        "/a|b",
        "http://example.com/plaintext#x",
        "http://example.com/a%",
        "http://example.com?{",
    ] {
        refused(format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(), "400");
    }
    // Every byte a path and a query may hold.
    let target = "/AZaz09-._~!$&'()*+,;=:@/%2F?AZaz09-._~!$&'()*+,;=:@/?%e9";
    let (text, _) = run(format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
    assert!(text.starts_with("HTTP/1.1 404 "), "{text}");
    // `CONNECT` is a proxy's: 501 for its own target form, an authority with a port;
    // 400 for any other.
    for target in ["example.com:443", "[::1]:443", "1.2.3.4:1"] {
        refused(format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").as_bytes(), "501");
    }
    for target in ["/plaintext", "example.com", "example.com:", ":443", "a b:1", "http://example.com/json"] {
        refused(format!("CONNECT {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(), "400");
    }
    // `*` is OPTIONS's alone.
    refused(b"GET * HTTP/1.1\r\nHost: x\r\n\r\n", "400");
    assert!(run(b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n").0.starts_with("HTTP/1.1 404 "));
}

#[test]
fn versions_methods_and_allow() {
    refused(b"GET /json HTTP/2.0\r\nHost: x\r\n\r\n", "505");
    refused(b"GET /json HTTP/0.9\r\n\r\n", "505");
    refused(b"GET /json HTTP/3.0\r\n", "505");
    refused(b"GET /json HTTP/1.10\r\n\r\n", "400");
    refused(b"GET /json HTTPS/1.1\r\n\r\n", "400");
    refused(b"GET /json HTTP/x.1\r\n\r\n", "400");
    // The version's end is waited for.
    assert_eq!(run(b"GET /json HTTP/2.0"), (String::new(), kept(0)));
    // A higher minor version of HTTP/1 is served as 1.1 (RFC 9110 §6.2).
    let req = b"GET /json HTTP/1.2\r\nHost: x\r\n\r\n";
    let (text, served) = run(req);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && served == kept(req.len()), "{text}");
    refused(b"GET /json HTTP/1.9\r\n\r\n", "400");
    // Unknown methods get 501, known ones a path does not serve 405 with Allow.
    for method in ["FOO", "get", "BREW", "PROPFIND"] {
        refused(format!("{method} /json HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(), "501");
    }
    for (method, path, allow) in [
        ("POST", "/json", "GET, HEAD"),
        ("PUT", "/plaintext", "GET, HEAD"),
        ("OPTIONS", "/json", "GET, HEAD"),
        ("GET", "/upload", "POST"),
        ("HEAD", "/upload", "POST"),
    ] {
        let req = format!("{method} {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        let (text, served) = run(req.as_bytes());
        assert!(text.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"), "{text}");
        assert!(text.contains(&format!("\r\nAllow: {allow}\r\n")), "{text}");
        assert_eq!(served, kept(req.len()));
    }
    assert!(run(b"PATCH /missing HTTP/1.1\r\nHost: x\r\n\r\n").0.starts_with("HTTP/1.1 404 "));
}

#[test]
fn a_request_line_past_the_limit_says_which_part_is_too_long() {
    // Still incomplete after MAX_HEAD bytes: the target has not ended (414), the
    // method has not (501: none this server knows is that long), or the line has
    // ended and the fields are what is too long (431).
    let long_target = [b"GET /".as_slice(), &[b'a'; MAX_HEAD]].concat();
    refused(&long_target, "414");
    refused(&[&long_target[..], b" HTTP/1.1\r\nHost: x\r\n\r\n"].concat(), "414");
    refused(&[&b"\r\n"[..], &long_target].concat(), "414");
    refused(&[b'A'; MAX_HEAD + 1], "501");
    refused(&[&[b'A'; MAX_HEAD + 1][..], b" / HTTP/1.1\r\n\r\n"].concat(), "501");
    let long_field = [b"GET / HTTP/1.1\r\nX: ".as_slice(), &[b'a'; MAX_HEAD]].concat();
    refused(&long_field, "431");
    refused(&b"\r\n".repeat(MAX_HEAD), "431");
    // Below the limit, the same line is waited for, or served.
    let target = format!("/{}", "a".repeat(MAX_HEAD - 64));
    let (text, _) = run(format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
    assert!(text.starts_with("HTTP/1.1 404 "), "{text}");
}

#[test]
fn expect_100_continue_is_answered_before_the_body() {
    let (date, mut session, mut out) = (Date::default(), Session::default(), Vec::new());
    let head = upload("Content-Length: 5\r\nExpect: 100-continue\r\n", b"");
    assert_eq!(session.serve(&head, &date, &mut out), kept(head.len()));
    assert_eq!(out, b"HTTP/1.1 100 Continue\r\n\r\n");
    assert_eq!(session.serve(b"hello", &date, &mut out), kept(5));
    let text = String::from_utf8(out).unwrap();
    assert!(text.ends_with(&format!("\r\n\r\n{}", digest(b"hello"))), "{text}");
    assert_eq!(text.matches("100 Continue").count(), 1);
    // Chunked too; not when some of the body came with the head.
    let req = upload("Transfer-Encoding: chunked\r\nExpect: 100-Continue\r\n", b"");
    assert!(run(&req).0.starts_with("HTTP/1.1 100 Continue\r\n\r\n"));
    let req = upload("Content-Length: 5\r\nExpect: 100-continue\r\n", b"he");
    assert!(!run(&req).0.contains("100 Continue"));
    // Not without a body, nor in HTTP/1.0 (RFC 9110 §10.1.1).
    let (text, _) = run(b"GET /json HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n");
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    let (text, _) = run(b"POST /upload HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
    assert!(text.is_empty(), "{text}");
    // A body too large is refused instead; other expectations get 417.
    refused(&upload(&format!("Content-Length: {}\r\nExpect: 100-continue\r\n", MAX_BODY + 1), b""), "413");
    refused(&upload("Content-Length: 5\r\nExpect: something-else\r\n", b""), "417");
    refused(b"GET /json HTTP/1.1\r\nHost: x\r\nExpect: 100-continue, x\r\n\r\n", "417");
}

#[test]
fn head_and_keep_alive_responses_carry_the_same_headers() {
    for path in ["/plaintext", "/json"] {
        let (get, _) = run(format!("GET {path} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").as_bytes());
        let (head, _) = run(format!("HEAD {path} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").as_bytes());
        assert!(get.starts_with(&head) && get.len() > head.len(), "{get} / {head}");
        assert!(head.contains("Connection: keep-alive\r\n") && head.contains("Content-Length: "));
    }
    let (text, _) = run(&upload("Content-Length: 0\r\nConnection: close\r\n", b""));
    assert!(text.contains("Connection: close\r\n") && text.ends_with(&digest(b"")), "{text}");
}
