//! The http-server example's request handling: a `Session` fed the stream as the
//! server feeds it, whole and in pieces, over heads, `Content-Length` and chunked
//! bodies, trailers and pipelined requests. Bytes 0 and 1 are the sizes of the pieces
//! the stream arrives in (at least 1/32 of it); in the rest, 0xFF n stands for n × 64
//! bytes of `a` (0xFF 0 for 0xFF itself), so a head can outgrow `MAX_HEAD` (8 KiB)
//! within libFuzzer's 4 KiB inputs.
//!
//! Checks: serving the stream whole and in pieces writes the same responses, uses the
//! same bytes and ends the same way (no split point changes how a request is framed:
//! the differential that request smuggling needs); `100 Continue` is only ever the
//! last thing a call writes, and only while a body is awaited; every response is
//! `HTTP/1.1 `, a known status and a reason, then `Server`, `Date`, `Content-Type` and
//! `Content-Length` headers, and a body of that length (none for `HEAD`);
//! `Connection: close` is sent exactly by the last response of a connection that
//! closes, errors close it, `Allow` comes with 405 alone, and a 200's body is one of
//! the routes' or an upload's digest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpio_examples::http::{Date, Session};
use tcpio_fuzz::pieces;

const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

fuzz_target!(|data: &[u8]| {
    let [a, b, rest @ ..] = data else { return };
    let wire = expand(rest);
    // Each read parses an incomplete head again from its start (as the server does): at
    // most about 32 pieces keep a run short.
    let sizes = [a, b].map(|&s| usize::from(s).max(wire.len() / 32));
    let date = Date::default();
    let whole = serve(&date, [&wire[..]], true);
    // Its responses must equal those just checked: only each call is checked again.
    let chunked = serve(&date, pieces(&wire, sizes), false);
    assert_eq!(whole, chunked, "whole and in pieces of {sizes:?} bytes");
});

/// What a connection was sent and how it ended.
#[derive(Default, PartialEq, Eq)]
struct Served {
    /// The responses, without `100 Continue` (sent or not depending on whether any of
    /// the body came with the head).
    out: Vec<u8>,
    /// Input bytes used, if the connection stays open (a close uses everything that
    /// has arrived, however much that is).
    used: usize,
    closed: bool,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served")
            .field("out", &String::from_utf8_lossy(&self.out))
            .field("used", &self.used)
            .field("closed", &self.closed)
            .finish()
    }
}

/// Feeds `pieces` to a session the way the server does with successive reads, checking
/// every call (and every response if `full`).
fn serve<'w>(date: &Date, pieces: impl IntoIterator<Item = &'w [u8]>, full: bool) -> Served {
    let mut served = Served::default();
    let mut session = Session::default();
    let mut kept = Vec::new();
    for piece in pieces {
        kept.extend_from_slice(piece);
        let mut out = Vec::new();
        let call = session.serve(&kept, date, &mut out);
        let shown = || format!("{:?} -> {:?}", String::from_utf8_lossy(&kept), String::from_utf8_lossy(&out));
        assert!(call.used <= kept.len(), "used {} of {}: {}", call.used, kept.len(), shown());
        let mut responses = &out[..];
        if let Some(before) = responses.strip_suffix(CONTINUE) {
            assert!(call.keep && !session.reading_head(), "100 Continue without a body to read: {}", shown());
            assert_eq!(call.used, kept.len(), "100 Continue with body bytes here: {}", shown());
            responses = before;
        }
        assert!(!responses.windows(CONTINUE.len()).any(|w| w == CONTINUE), "100 Continue mid-output: {}", shown());
        if full {
            check(responses, !call.keep, date, &shown);
        }
        if !call.keep {
            assert_eq!(call.used, kept.len(), "a close leaves input: {}", shown());
            assert!(!responses.is_empty(), "closed silently: {}", shown());
        }
        served.out.extend_from_slice(responses);
        if !call.keep {
            served.closed = true;
            served.used = 0;
            return served;
        }
        served.used += call.used;
        kept.drain(..call.used);
    }
    served
}

/// Checks the responses one call wrote; `close` says the connection closes after them.
fn check(mut out: &[u8], close: bool, date: &Date, shown: &dyn Fn() -> String) {
    while !out.is_empty() {
        let (response, rest) = Response::parse(out).unwrap_or_else(|e| panic!("{e}: {}", shown()));
        out = rest;
        let last = out.is_empty();
        assert!(
            [200, 400, 404, 405, 408, 413, 414, 417, 431, 501, 505].contains(&response.status),
            "status {}: {}",
            response.status,
            shown()
        );
        assert_eq!(response.header("server"), Some(&b"tcpio"[..]), "{}", shown());
        assert_eq!(response.header("date"), Some(&date.as_bytes()[..]), "{}", shown());
        assert!(
            matches!(response.header("content-type"), Some(b"text/plain" | b"application/json")),
            "{}",
            shown()
        );
        let connection = response.header("connection");
        assert_eq!(connection == Some(b"close"), close && last, "Connection: close iff closing: {}", shown());
        assert!(matches!(connection, None | Some(b"close" | b"keep-alive")), "{}", shown());
        assert_eq!(response.header("allow").is_some(), response.status == 405, "{}", shown());
        if response.status >= 400 && response.status != 404 && response.status != 405 {
            assert!(close && last, "an error response keeps the connection: {}", shown());
        }
        if response.status == 200 && !response.body.is_empty() {
            let upload = match response.body.iter().position(|&b| b == b' ') {
                Some(sp) => {
                    let (len, hash) = (&response.body[..sp], &response.body[sp + 1..]);
                    !len.is_empty()
                        && len.iter().all(u8::is_ascii_digit)
                        && hash.len() == 16
                        && hash.iter().all(|b| b"0123456789abcdef".contains(b))
                }
                None => false,
            };
            assert!(
                upload || matches!(response.body, b"Hello, World!" | b"{\"message\":\"Hello, World!\"}"),
                "{}",
                shown()
            );
        }
    }
}

/// A response as the example writes it.
struct Response<'a> {
    status: u16,
    headers: Vec<(&'a [u8], &'a [u8])>,
    body: &'a [u8],
}

impl<'a> Response<'a> {
    /// Splits the first response off `out`: `HTTP/1.1 NNN Reason\r\n`, `Name: value\r\n`
    /// lines, an empty line, a body of `Content-Length` bytes (none when another
    /// response or nothing follows the head at once: an answer to `HEAD`; no body of
    /// these routes starts with `HTTP/1.1 `); no CR or LF but in line ends.
    fn parse(out: &'a [u8]) -> Result<(Response<'a>, &'a [u8]), String> {
        let rest = out.strip_prefix(b"HTTP/1.1 ").ok_or("no HTTP/1.1 status line")?;
        let head_end = rest.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no end of head")?;
        let (head, after) = (&rest[..head_end], &rest[head_end + 4..]);
        let lines: Vec<&[u8]> = head.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)).collect();
        if head.split(|&b| b == b'\n').count() != head.windows(2).filter(|w| w == b"\r\n").count() + 1
            || lines.iter().any(|l| l.contains(&b'\r'))
        {
            return Err("a CR or LF outside a line end".into());
        }
        let mut lines = lines.into_iter();
        let status_line = lines.next().unwrap_or_default();
        let (code, reason) = match status_line {
            [a, b, c, b' ', reason @ ..] if [a, b, c].iter().all(|d| d.is_ascii_digit()) => {
                (u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'), reason)
            }
            _ => return Err("a malformed status line".into()),
        };
        if reason.is_empty() || !reason.iter().all(|&b| b.is_ascii_alphabetic() || b == b' ') {
            return Err("a malformed reason phrase".into());
        }
        let mut headers = Vec::new();
        for line in lines {
            let colon = line.iter().position(|&b| b == b':').ok_or("a header without a colon")?;
            let value = line[colon + 1..].strip_prefix(b" ").ok_or("no space after a header name")?;
            if line[..colon].is_empty() {
                return Err("a header without a name".into());
            }
            headers.push((&line[..colon], value));
        }
        let mut response = Response { status: code, headers, body: b"" };
        let length = response.header("content-length").and_then(tcpio_fuzz::redis::string2ll);
        let length = usize::try_from(length.ok_or("no Content-Length")?).map_err(|_| "a negative length")?;
        let head_only = after.is_empty() || after.starts_with(b"HTTP/1.1 ");
        if head_only {
            return Ok((response, after));
        }
        if after.len() < length {
            return Err(format!("a body shorter than {length}"));
        }
        response.body = &after[..length];
        Ok((response, &after[length..]))
    }

    /// The value of the header `name`; it must appear at most once.
    fn header(&self, name: &str) -> Option<&'a [u8]> {
        let mut found = self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()));
        let first = found.next().map(|(_, v)| *v);
        assert!(found.next().is_none(), "header {name} twice");
        first
    }
}

/// The stream with 0xFF n expanded to n × 64 bytes of `a` (0xFF 0 is 0xFF), at most
/// 32 KiB of them in all.
fn expand(rest: &[u8]) -> Vec<u8> {
    let mut wire = Vec::with_capacity(rest.len());
    let mut budget = 32 << 10;
    let mut i = 0;
    while i < rest.len() {
        match (rest[i], rest.get(i + 1)) {
            (0xff, Some(&n)) if n > 0 => {
                let n = (usize::from(n) * 64).min(budget);
                budget -= n;
                wire.resize(wire.len() + n, b'a');
                i += 2;
            }
            (0xff, Some(0)) => {
                wire.push(0xff);
                i += 2;
            }
            (b, _) => {
                wire.push(b);
                i += 1;
            }
        }
    }
    wire
}
