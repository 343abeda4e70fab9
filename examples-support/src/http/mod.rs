//! An HTTP/1.1 server: TechEmpower's plaintext and JSON routes with keep-alive and
//! pipelining, and an upload route, that follows RFC 9112 and RFC 9110 in what it
//! accepts, so that no request can be read two ways (request smuggling).
//!
//! Request handling is sans-I/O, request bytes in, response bytes out, shared by the
//! `http-server` example, the tests, the fuzz target and the benchmark's tokio clone:
//! a [`Session`] per connection takes the bytes the connection has received, answers
//! every request that has wholly arrived, reads a body as far as it has arrived, and
//! says how many bytes it used and whether the connection stays open. [`Http`] is the
//! tcpio handler over it, with the timeouts of [`Config`], and [`start`] runs it.
//!
//! # Routes
//!
//! - `GET /plaintext`: `Hello, World!` as `text/plain`;
//! - `GET /json`: `{"message":"Hello, World!"}` as `application/json`;
//! - `POST /upload`: the body's length and its FNV-1a (64-bit) hash in hex, e.g.
//!   `5 a430d84680aabd0b` for `hello`.
//!
//! `HEAD` gets the headers `GET` gets, `Content-Length` included, and no body. Another
//! method of RFC 9110 on one of these paths gets 405 with `Allow`; a method never heard
//! of gets 501; another path gets 404. A query is ignored.
//!
//! # What is refused
//!
//! Malformed, ambiguous or conflicting requests are refused with a status and
//! `Connection: close`, and the connection closes: the rules, and the choices RFC 9112
//! leaves to a server, are in the `request` module (heads: 400, 417, 431, 501, 505,
//! 413 for a `Content-Length` over [`MAX_BODY`]) and the `chunked` module (chunked
//! bodies: 400, 413, 431). In short: CRLF line ends only, one `Host` in HTTP/1.1,
//! exactly one valid `Content-Length` or `Transfer-Encoding: chunked` and never both,
//! no `Transfer-Encoding` in HTTP/1.0, no obs-fold, no space before a colon.
//!
//! # Connections
//!
//! HTTP/1.1 keeps the connection unless the request says `Connection: close`;
//! HTTP/1.0 closes it unless the request says `Connection: keep-alive`, which the
//! response then repeats. A response after which the server closes says
//! `Connection: close`. `Expect: 100-continue` gets `100 Continue` when the head has
//! arrived without any of its body (the body is then read); another expectation gets
//! 417.
//!
//! Three timeouts, all on by default ([`Config`]): a head must be complete within
//! [`Config::header_timeout`] of its first byte, and a body (trailers included) within
//! [`Config::body_timeout`] of the head's end (a slow client gets 408 and a close);
//! a connection idle for [`Config::keepalive_timeout`] is closed (silently between
//! requests, with 408 within one). They use the loop's timers, never a thread.
//!
//! # Cost
//!
//! Every response carries `Server: tcpio` and `Date`. The date is formatted once per
//! second ([`Date::refresh`], called from the loop's tick), not per response. The two
//! answers a benchmark asks for over and over (`GET /plaintext` and `GET /json` on a
//! kept HTTP/1.1 connection) are built whole at the same time and handed over as they
//! are; any other response is assembled on the stack and handed over in one piece.
//! Nothing on the way allocates, and no request reads the clock.

use std::time::Duration;

mod chars;
mod chunked;
mod date;
mod request;

mod response;
mod server;
mod session;
mod strict;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_framing;

pub use date::imf_fixdate;
pub use response::Date;
pub use response::{refuse, Refusal};
pub use server::{start, start_with, ConnState, Http};
pub use session::{Served, Session};

/// Longest request head (request line and headers) accepted.
pub const MAX_HEAD: usize = 8 * 1024;

/// Most headers a request may have (and most trailer fields a chunked body may end
/// with).
pub const MAX_HEADERS: usize = 32;

/// Longest request body accepted (bodies are read and discarded, or hashed for
/// `/upload`); a chunked body's framing may not pass it either.
pub const MAX_BODY: usize = 1 << 20;

/// Longest line giving a chunk's size (with its extensions).
pub const MAX_CHUNK_LINE: usize = 1024;

/// The server's timeouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Longest time from the first byte of a request to the end of its head; past
    /// it the client gets `408 Request Timeout` and the connection closes (a
    /// slow-loris client). `None`: no limit. Default 10 s.
    pub header_timeout: Option<Duration>,
    /// Longest time from the end of a request's head to the end of its body, trailers
    /// included; past it the client gets `408 Request Timeout` and the connection
    /// closes (a client that sends its body a byte at a time). `None`: no limit.
    /// Default 60 s: a body of [`MAX_BODY`] must come at 17 KiB/s or faster.
    pub body_timeout: Option<Duration>,
    /// Longest time a connection may go with no bytes moving either way (the
    /// server's idle timeout): between requests it is closed silently (RFC 9112 §9.5),
    /// within one (a stalled body) with `408`. A client that reads its responses
    /// slowly keeps bytes moving, and its connection open; what waits for it is
    /// bounded by the server's output limit. `None`: no limit. Default 75 s (nginx's
    /// `keepalive_timeout`).
    pub keepalive_timeout: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            header_timeout: Some(Duration::from_secs(10)),
            body_timeout: Some(Duration::from_secs(60)),
            keepalive_timeout: Some(Duration::from_secs(75)),
        }
    }
}
