//! An HTTP/1.1 server: TechEmpower's plaintext and JSON routes with keep-alive and
//! pipelining.
//!
//! Request handling is sans-I/O, request bytes in, response bytes out, shared by the
//! `http-server` example, the tests, the fuzz target and the benchmark's tokio clone:
//! [`respond`] takes the bytes a connection has received, parses the first request with
//! `httparse`, writes its response to a [`Sink`] and says how many bytes it used and
//! whether the connection stays open; [`respond_all`] answers every complete request
//! of a read and leaves what is left of an incomplete one. [`Http`] is the tcpio
//! handler over it and [`start`] runs it.
//!
//! Routes (TechEmpower's): `GET /plaintext` answers `Hello, World!` as `text/plain`,
//! `GET /json` answers `{"message":"Hello, World!"}`; `HEAD` works on both, other
//! methods get 405, other paths 404. A malformed request gets 400, a head over
//! [`MAX_HEAD`] bytes or [`MAX_HEADERS`] headers 431, a chunked body 501; each of these
//! closes the connection after the response.
//!
//! Every response carries `Server` and `Date`. The date is formatted once per second
//! ([`Date::refresh`], called from the loop's tick), not per response. The two answers
//! a benchmark asks for over and over (`GET /plaintext` and `GET /json` on a kept
//! HTTP/1.1 connection) are built whole at the same time and handed over as they are;
//! any other response is assembled on the stack and handed over in one piece.

use std::time::{SystemTime, UNIX_EPOCH};

use tcpio::codec::Sink;

use crate::num::{format_u64, MAX_DIGITS};

mod server;
#[cfg(test)]
mod tests;

pub use server::{start, Http};

/// Longest request head (request line and headers) accepted.
pub const MAX_HEAD: usize = 8 * 1024;

/// Most headers a request may have.
pub const MAX_HEADERS: usize = 32;

/// Longest request body accepted (bodies are read and discarded).
pub const MAX_BODY: usize = 1 << 20;

/// The `Date` header's value, formatted once per second, and the responses that only
/// change with it.
#[derive(Clone, Copy, Debug)]
pub struct Date {
    text: [u8; 29],
    second: u64,
    /// `GET /plaintext` and `GET /json` on a kept HTTP/1.1 connection, whole.
    plaintext: Canned,
    json: Canned,
}

/// A whole response, rebuilt with the date.
#[derive(Clone, Copy, Debug)]
struct Canned {
    bytes: [u8; 192],
    len: usize,
}

impl Canned {
    const EMPTY: Canned = Canned { bytes: [0; 192], len: 0 };

    fn build(date: &Date, content_type: &[u8], body: &[u8]) -> Canned {
        let mut v = Vec::with_capacity(192);
        response(&mut v, date, b"200 OK", content_type, b"", body, false);
        let mut c = Canned::EMPTY;
        c.bytes[..v.len()].copy_from_slice(&v);
        c.len = v.len();
        c
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl Default for Date {
    fn default() -> Self {
        let mut d =
            Date { text: [b' '; 29], second: u64::MAX, plaintext: Canned::EMPTY, json: Canned::EMPTY };
        d.refresh();
        d
    }
}

impl Date {
    /// Reformats the date if the second has changed; returns the time until the next
    /// second begins, when to call it again.
    pub fn refresh(&mut self) -> std::time::Duration {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        if now.as_secs() != self.second {
            self.second = now.as_secs();
            self.text = imf_fixdate(self.second);
            self.plaintext = Canned::build(self, b"text/plain", PLAINTEXT);
            self.json = Canned::build(self, b"application/json", JSON);
        }
        std::time::Duration::from_nanos(1_000_000_000 - u64::from(now.subsec_nanos()))
    }

    /// The formatted date, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    pub fn as_bytes(&self) -> &[u8; 29] {
        &self.text
    }
}

/// Formats Unix time `secs` as an HTTP date (RFC 9110's IMF-fixdate).
pub fn imf_fixdate(secs: u64) -> [u8; 29] {
    const DAYS: [&[u8; 3]; 7] = [b"Thu", b"Fri", b"Sat", b"Sun", b"Mon", b"Tue", b"Wed"];
    const MONTHS: [&[u8; 3]; 12] =
        [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
    let days = secs / 86400;
    let rem = secs % 86400;
    // Civil date from days since 1970-01-01 (the proleptic Gregorian calendar, counted
    // in 400-year eras that begin on March 1st so leap days fall at the end).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut t = *b"Thu, 01 Jan 1970 00:00:00 GMT";
    t[..3].copy_from_slice(DAYS[(days % 7) as usize]);
    two(&mut t[5..7], day as u64);
    t[8..11].copy_from_slice(MONTHS[(month - 1) as usize]);
    two(&mut t[12..14], (year / 100) as u64);
    two(&mut t[14..16], (year % 100) as u64);
    two(&mut t[17..19], rem / 3600);
    two(&mut t[20..22], rem / 60 % 60);
    two(&mut t[23..25], rem % 60);
    t
}

/// Writes the last two digits of `v`.
fn two(dst: &mut [u8], v: u64) {
    dst[0] = b'0' + (v / 10 % 10) as u8;
    dst[1] = b'0' + (v % 10) as u8;
}

/// What [`respond`] did with the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handled {
    /// The first request is not complete yet; nothing was written.
    Incomplete,
    /// A response was written for the first `used` bytes; the connection stays open.
    KeepAlive {
        /// Bytes of input the request took.
        used: usize,
    },
    /// A response was written; the connection closes after it.
    Close,
}

const PLAINTEXT: &[u8] = b"Hello, World!";
const JSON: &[u8] = br#"{"message":"Hello, World!"}"#;

/// Parses the request at the start of `input` and writes its response.
pub fn respond(input: &[u8], date: &Date, out: &mut impl Sink) -> Handled {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    // Only the first MAX_HEAD bytes are parsed: a head is judged by them alone, so the
    // answer does not depend on how its bytes arrived (an oversized head is 431 even
    // when something malformed follows its first MAX_HEAD bytes).
    let head = match req.parse(&input[..input.len().min(MAX_HEAD)]) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if input.len() <= MAX_HEAD => return Handled::Incomplete,
        Ok(httparse::Status::Partial) | Err(httparse::Error::TooManyHeaders) => {
            error(out, date, b"431 Request Header Fields Too Large");
            return Handled::Close;
        }
        Err(_) => {
            error(out, date, b"400 Bad Request");
            return Handled::Close;
        }
    };
    let http11 = req.version == Some(1);
    // HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 closes unless asked
    // to keep it (RFC 9112 §9.3).
    let mut keep = http11;
    let mut body = 0usize;
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("connection") {
            for token in h.value.split(|&b| b == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    keep = false;
                } else if token.eq_ignore_ascii_case(b"keep-alive") && !http11 {
                    keep = true;
                }
            }
        } else if h.name.eq_ignore_ascii_case("content-length") {
            match std::str::from_utf8(h.value).ok().and_then(|v| v.parse::<usize>().ok()) {
                Some(n) if n <= MAX_BODY => body = n,
                Some(_) => {
                    error(out, date, b"413 Content Too Large");
                    return Handled::Close;
                }
                None => {
                    error(out, date, b"400 Bad Request");
                    return Handled::Close;
                }
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            error(out, date, b"501 Not Implemented");
            return Handled::Close;
        }
    }
    // A body (ignored by these routes) must have arrived before the next request.
    let used = head + body;
    if input.len() < used {
        return Handled::Incomplete;
    }
    let (method, path) = (req.method.unwrap_or(""), req.path.unwrap_or(""));
    let connection: &[u8] = match (keep, http11) {
        (false, _) => b"Connection: close\r\n",
        (true, false) => b"Connection: keep-alive\r\n",
        (true, true) => b"",
    };
    let head_only = method == "HEAD";
    match (path, method == "GET" || head_only) {
        // The hot path: the whole response was built with the date.
        ("/plaintext", true) if !head_only && connection.is_empty() => out.put(date.plaintext.as_bytes()),
        ("/json", true) if !head_only && connection.is_empty() => out.put(date.json.as_bytes()),
        ("/plaintext", true) => {
            response(out, date, b"200 OK", b"text/plain", connection, PLAINTEXT, head_only)
        }
        ("/json", true) => response(out, date, b"200 OK", b"application/json", connection, JSON, head_only),
        ("/plaintext" | "/json", false) => {
            // The same `Connection` header as any other response, after `Allow`.
            let allow: &[u8] = match (keep, http11) {
                (false, _) => b"Allow: GET, HEAD\r\nConnection: close\r\n",
                (true, false) => b"Allow: GET, HEAD\r\nConnection: keep-alive\r\n",
                (true, true) => b"Allow: GET, HEAD\r\n",
            };
            response(out, date, b"405 Method Not Allowed", b"text/plain", allow, b"", false);
        }
        _ => response(out, date, b"404 Not Found", b"text/plain", connection, b"", head_only),
    }
    if keep {
        Handled::KeepAlive { used }
    } else {
        Handled::Close
    }
}

/// Answers every complete request at the start of `input`, as a server does with what
/// one read brought: returns the bytes they took and whether the connection stays open.
///
/// Stops at a request that has not fully arrived (its bytes are for the next call, with
/// more after them) or after a response that closes the connection (`false`; the rest
/// of the input is then of no use).
#[inline]
pub fn respond_all(input: &[u8], date: &Date, out: &mut impl Sink) -> (usize, bool) {
    let mut used = 0;
    while used < input.len() {
        match respond(&input[used..], date, out) {
            Handled::KeepAlive { used: n } => used += n,
            Handled::Incomplete => break,
            Handled::Close => return (used, false),
        }
    }
    (used, true)
}

/// An error response; the connection closes after it.
fn error(out: &mut impl Sink, date: &Date, status: &[u8]) {
    response(out, date, status, b"text/plain", b"Connection: close\r\n", b"", false);
}

/// Writes one response, assembled on the stack when it fits (it always does for these
/// routes) so the connection gets it in one piece.
fn response(
    out: &mut impl Sink,
    date: &Date,
    status: &[u8],
    content_type: &[u8],
    extra: &[u8],
    body: &[u8],
    head_only: bool,
) {
    let mut buf = [0u8; 512];
    let mut len = 0;
    let mut digits = [0u8; MAX_DIGITS];
    let parts: [&[u8]; 12] = [
        b"HTTP/1.1 ",
        status,
        b"\r\nServer: tcpio\r\nDate: ",
        date.as_bytes(),
        b"\r\nContent-Type: ",
        content_type,
        b"\r\nContent-Length: ",
        format_u64(body.len() as u64, &mut digits),
        b"\r\n",
        extra,
        b"\r\n",
        if head_only { b"" } else { body },
    ];
    let total: usize = parts.iter().map(|p| p.len()).sum();
    if total > buf.len() {
        parts.iter().for_each(|p| out.put(p));
        return;
    }
    for p in parts {
        buf[len..len + p.len()].copy_from_slice(p);
        len += p.len();
    }
    out.put(&buf[..len]);
}
