//! The http-server example's request handling, `respond` looped over the input as
//! the server does. Bytes 0 and 1 are the sizes of the pieces the stream arrives in
//! (at least 1/32 of it); in the rest, 0xFF n stands for n × 64 bytes of `a`
//! (0xFF 0 for 0xFF itself), so a head can outgrow `MAX_HEAD` (8 KiB) within
//! libFuzzer's 4 KiB inputs.
//!
//! Checks: serving the stream whole and in pieces writes the same bytes and ends the
//! same way; a call either writes nothing and waits for more (`Incomplete`) or writes
//! exactly one response and uses between 1 and the given number of bytes; every
//! response is `HTTP/1.1 `, a known status and a reason, then `Server`, `Date`,
//! `Content-Type` and `Content-Length` headers, and a body of that length (none for
//! `HEAD`); `Connection: close` is sent exactly when the connection closes, errors
//! close it, and an HTTP/1.0 connection kept open says `Connection: keep-alive`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpio_examples::http::{respond, Date, Handled};
use tcpio_fuzz::pieces;

fuzz_target!(|data: &[u8]| {
    let [a, b, rest @ ..] = data else { return };
    let wire = expand(rest);
    // Each read parses the head again from its start (as the server does): at most about
    // 32 pieces keep a run short.
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
    out: Vec<u8>,
    responses: usize,
    /// Input bytes used by the requests answered before the connection closed.
    used: usize,
    closed: bool,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served")
            .field("out", &String::from_utf8_lossy(&self.out))
            .field("responses", &self.responses)
            .field("used", &self.used)
            .field("closed", &self.closed)
            .finish()
    }
}

/// Feeds `pieces` to `respond` the way the server does with successive reads, checking
/// every call (and every response if `full`).
fn serve<'w>(date: &Date, pieces: impl IntoIterator<Item = &'w [u8]>, full: bool) -> Served {
    let mut served = Served::default();
    let mut kept = Vec::new();
    for piece in pieces {
        kept.extend_from_slice(piece);
        let mut used = 0;
        while used < kept.len() {
            let input = &kept[used..];
            let mut out = Vec::new();
            let handled = respond(input, date, &mut out);
            check(input, &out, handled, date, full);
            served.out.extend_from_slice(&out);
            served.responses += usize::from(!out.is_empty());
            match handled {
                Handled::KeepAlive { used: n } => used += n,
                Handled::Incomplete => break,
                Handled::Close => {
                    served.used += used;
                    served.closed = true;
                    return served;
                }
            }
        }
        kept.drain(..used);
        served.used += used;
    }
    served
}

/// Checks one call of `respond`: `input` given, `out` written, `handled` returned; and
/// the response written if `full`.
fn check(input: &[u8], out: &[u8], handled: Handled, date: &Date, full: bool) {
    let shown = || format!("{:?} -> {:?}", String::from_utf8_lossy(input), String::from_utf8_lossy(out));
    let close = match handled {
        Handled::Incomplete => return assert!(out.is_empty(), "wrote while incomplete: {}", shown()),
        Handled::KeepAlive { used } => {
            assert!(used >= 1 && used <= input.len(), "used {used} of {}: {}", input.len(), shown());
            false
        }
        Handled::Close => true,
    };
    assert!(!out.is_empty(), "a response expected: {}", shown());
    if !full {
        return;
    }
    let response = Response::parse(out).unwrap_or_else(|e| panic!("{e}: {}", shown()));
    assert!(
        [200, 400, 404, 405, 413, 431, 501].contains(&response.status),
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
    let length = response.header("content-length").and_then(tcpio_fuzz::redis::string2ll);
    let length = length.unwrap_or_else(|| panic!("no Content-Length: {}", shown()));
    let connection = response.header("connection");
    assert_eq!(connection == Some(b"close"), close, "Connection: close iff closing: {}", shown());
    assert!(matches!(connection, None | Some(b"close" | b"keep-alive")), "{}", shown());
    assert_eq!(response.header("allow").is_some(), response.status == 405, "{}", shown());
    if response.status >= 400 && response.status != 404 && response.status != 405 {
        assert!(close, "an error response keeps the connection: {}", shown());
    }
    // What the request was, as far as the checks below need it.
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    let (head, version) = match request.parse(input) {
        Ok(httparse::Status::Complete(_)) => (request.method == Some("HEAD"), request.version),
        _ => (false, None),
    };
    if head {
        // The length of the body GET would get, and no body.
        assert!(response.body.is_empty(), "a body for HEAD: {}", shown());
    } else {
        assert_eq!(response.body.len() as i64, length, "body length: {}", shown());
    }
    if response.status == 200 {
        assert!(
            matches!(response.body, b"" | b"Hello, World!" | b"{\"message\":\"Hello, World!\"}"),
            "{}",
            shown()
        );
    }
    if version == Some(0) && !close {
        assert_eq!(connection, Some(&b"keep-alive"[..]), "HTTP/1.0 kept open silently: {}", shown());
    }
}

/// A response as the example writes it.
struct Response<'a> {
    status: u16,
    headers: Vec<(&'a [u8], &'a [u8])>,
    body: &'a [u8],
}

impl<'a> Response<'a> {
    /// Splits `out`: `HTTP/1.1 NNN Reason\r\n`, `Name: value\r\n` lines, an empty line,
    /// the body; no CR or LF but in line ends.
    fn parse(out: &'a [u8]) -> Result<Response<'a>, String> {
        let rest = out.strip_prefix(b"HTTP/1.1 ").ok_or("no HTTP/1.1 status line")?;
        let head_end = rest.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no end of head")?;
        let (head, body) = (&rest[..head_end], &rest[head_end + 4..]);
        let mut lines = Vec::new();
        let mut left = head;
        while let Some(end) = left.windows(2).position(|w| w == b"\r\n") {
            lines.push(&left[..end]);
            left = &left[end + 2..];
        }
        lines.push(left);
        if lines.iter().any(|l| l.iter().any(|&b| b == b'\r' || b == b'\n')) {
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
        Ok(Response { status: code, headers, body })
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
