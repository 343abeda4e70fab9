//! Responses: the status codes this server sends, the answer a request gets once its
//! body has been read, the bytes of a response, assembled on the stack, and [`Date`],
//! the `Date` header and the two responses that change only with it, rebuilt once a
//! second.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tcpio::codec::Sink;

use super::date::imf_fixdate;
use crate::num::{format_u64, MAX_DIGITS};

/// `GET /plaintext`'s body.
pub(super) const PLAINTEXT: &[u8] = b"Hello, World!";
/// `GET /json`'s body.
pub(super) const JSON: &[u8] = br#"{"message":"Hello, World!"}"#;

/// The interim response to `Expect: 100-continue` (RFC 9110 §10.1.1).
pub(super) const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// A final status that ends the connection after its response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `400`: malformed, ambiguous or conflicting (the framing of a smuggling attempt).
    BadRequest,
    /// `408`: the head (or a body) did not arrive in time.
    RequestTimeout,
    /// `413`: a body over [`MAX_BODY`](super::MAX_BODY).
    ContentTooLarge,
    /// `414`: a request target longer than [`MAX_HEAD`](super::MAX_HEAD) allows.
    UriTooLong,
    /// `417`: an `Expect` other than `100-continue`.
    ExpectationFailed,
    /// `431`: a head over [`MAX_HEAD`](super::MAX_HEAD) bytes or
    /// [`MAX_HEADERS`](super::MAX_HEADERS) fields, or trailers over the same limits.
    HeaderFieldsTooLarge,
    /// `501`: an unknown method (one too long to read included), `CONNECT`, or a
    /// transfer coding other than `chunked`.
    NotImplemented,
    /// `505`: an HTTP major version other than 1.
    VersionNotSupported,
}

impl Refusal {
    /// The status line's code and reason.
    pub fn status(self) -> &'static [u8] {
        match self {
            Refusal::BadRequest => b"400 Bad Request",
            Refusal::RequestTimeout => b"408 Request Timeout",
            Refusal::ContentTooLarge => b"413 Content Too Large",
            Refusal::UriTooLong => b"414 URI Too Long",
            Refusal::ExpectationFailed => b"417 Expectation Failed",
            Refusal::HeaderFieldsTooLarge => b"431 Request Header Fields Too Large",
            Refusal::NotImplemented => b"501 Not Implemented",
            Refusal::VersionNotSupported => b"505 HTTP Version Not Supported",
        }
    }
}

/// What the connection does after a response, and what the response says about it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Persist {
    /// HTTP/1.1 kept open: nothing to say.
    #[default]
    Keep,
    /// HTTP/1.0 kept open: `Connection: keep-alive`, or the client assumes a close.
    KeepAlive,
    /// Closed after the response: `Connection: close`.
    Close,
}

impl Persist {
    fn header(self) -> &'static [u8] {
        match self {
            Persist::Keep => b"",
            Persist::KeepAlive => b"Connection: keep-alive\r\n",
            Persist::Close => b"Connection: close\r\n",
        }
    }
}

/// The answer to a request whose head was accepted, decided from its head and
/// written once its body (if any) has been read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Answer {
    /// `404`.
    #[default]
    NotFound,
    /// `200` and [`PLAINTEXT`].
    Plaintext,
    /// `200` and [`JSON`].
    Json,
    /// `200` and the body's length and FNV-1a hash.
    Upload,
    /// `405` with this `Allow` header.
    NotAllowed(Allow),
}

/// The methods a path serves, for a 405's `Allow` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Allow {
    /// `/plaintext` and `/json`.
    GetHead,
    /// `/upload`.
    Post,
}

impl Allow {
    fn header(self) -> &'static [u8] {
        match self {
            Allow::GetHead => b"Allow: GET, HEAD\r\n",
            Allow::Post => b"Allow: POST\r\n",
        }
    }
}

/// An accepted request's response, as far as its head decides it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Reply {
    pub(super) answer: Answer,
    /// `HEAD`: the headers `GET` would get, no body.
    pub(super) head_only: bool,
    pub(super) persist: Persist,
}

/// What a body hashed to: its length and FNV-1a (64-bit) hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Digest {
    pub(super) len: u64,
    pub(super) hash: u64,
}

impl Default for Digest {
    fn default() -> Self {
        Digest { len: 0, hash: FNV_OFFSET }
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

impl Digest {
    /// Adds `data` to the body hashed so far.
    pub(super) fn add(&mut self, data: &[u8]) {
        self.len += data.len() as u64;
        for &b in data {
            self.hash = (self.hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Writes `reply`; `body` is what an upload received.
pub(super) fn write_reply(out: &mut impl Sink, date: &Date, reply: Reply, body: &Digest) {
    let Reply { answer, head_only, persist } = reply;
    let connection = persist.header();
    match answer {
        // The hot path: the whole response was built with the date.
        Answer::Plaintext if !head_only && persist == Persist::Keep => out.put(date.plaintext.as_bytes()),
        Answer::Json if !head_only && persist == Persist::Keep => out.put(date.json.as_bytes()),
        Answer::Plaintext => {
            response(out, date, b"200 OK", b"text/plain", [connection, b""], PLAINTEXT, head_only)
        }
        Answer::Json => {
            response(out, date, b"200 OK", b"application/json", [connection, b""], JSON, head_only)
        }
        Answer::Upload => {
            // `LEN HASH`: the decoded length and its FNV-1a hash in 16 hex digits.
            let mut text = [b' '; MAX_DIGITS + 17];
            let mut digits = [0u8; MAX_DIGITS];
            let len = format_u64(body.len, &mut digits);
            text[..len.len()].copy_from_slice(len);
            for (i, slot) in text[len.len() + 1..len.len() + 17].iter_mut().enumerate() {
                *slot = b"0123456789abcdef"[(body.hash >> (60 - 4 * i)) as usize & 15];
            }
            let text = &text[..len.len() + 17];
            response(out, date, b"200 OK", b"text/plain", [connection, b""], text, head_only)
        }
        Answer::NotAllowed(allow) => response(
            out,
            date,
            b"405 Method Not Allowed",
            b"text/plain",
            [allow.header(), connection],
            b"",
            false,
        ),
        Answer::NotFound => {
            response(out, date, b"404 Not Found", b"text/plain", [connection, b""], b"", head_only)
        }
    }
}

/// A refusal; the connection closes after it.
pub fn refuse(out: &mut impl Sink, date: &Date, refusal: Refusal) {
    response(out, date, refusal.status(), b"text/plain", [Persist::Close.header(), b""], b"", false);
}

/// Writes one response, assembled on the stack when it fits (it always does for these
/// routes) so the connection gets it in one piece. `extra` are whole header lines.
pub(super) fn response(
    out: &mut impl Sink,
    date: &Date,
    status: &[u8],
    content_type: &[u8],
    extra: [&[u8]; 2],
    body: &[u8],
    head_only: bool,
) {
    let mut buf = [0u8; 512];
    let mut len = 0;
    let mut digits = [0u8; MAX_DIGITS];
    let parts: [&[u8]; 13] = [
        b"HTTP/1.1 ",
        status,
        b"\r\nServer: tcpio\r\nDate: ",
        date.as_bytes(),
        b"\r\nContent-Type: ",
        content_type,
        b"\r\nContent-Length: ",
        format_u64(body.len() as u64, &mut digits),
        b"\r\n",
        extra[0],
        extra[1],
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

/// The `Date` header's value, formatted once per second, and the responses that only
/// change with it.
#[derive(Clone, Copy, Debug)]
pub struct Date {
    text: [u8; 29],
    second: u64,
    /// `GET /plaintext` and `GET /json` on a kept HTTP/1.1 connection, whole.
    pub(super) plaintext: Canned,
    pub(super) json: Canned,
}

/// A whole response, rebuilt with the date.
#[derive(Clone, Copy, Debug)]
pub(super) struct Canned {
    bytes: [u8; 192],
    len: usize,
}

impl Canned {
    const EMPTY: Canned = Canned { bytes: [0; 192], len: 0 };

    fn build(date: &Date, content_type: &[u8], body: &[u8]) -> Canned {
        let mut v = Vec::with_capacity(192);
        response(&mut v, date, b"200 OK", content_type, [b"", b""], body, false);
        let mut c = Canned::EMPTY;
        c.bytes[..v.len()].copy_from_slice(&v);
        c.len = v.len();
        c
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
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
    pub fn refresh(&mut self) -> Duration {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        if now.as_secs() != self.second {
            self.second = now.as_secs();
            self.text = imf_fixdate(self.second);
            self.plaintext = Canned::build(self, b"text/plain", PLAINTEXT);
            self.json = Canned::build(self, b"application/json", JSON);
        }
        Duration::from_nanos(1_000_000_000 - u64::from(now.subsec_nanos()))
    }

    /// The formatted date, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    pub fn as_bytes(&self) -> &[u8; 29] {
        &self.text
    }
}
