//! One connection's requests, sans-I/O: bytes in, responses out, and where the
//! connection is between reads.
//!
//! ```text
//!            head accepted, no body: answer
//!          +--------------------------------+
//!          v                                |
//!   [ head ] --- Content-Length ---> [ body: n bytes ] --- read ---> answer
//!          |                                                      ^
//!          +--- chunked ----------> [ chunked body ] --- read ----+
//! ```
//!
//! A head is parsed again from its start on every read until it is complete (it is
//! at most [`MAX_HEAD`](super::MAX_HEAD) bytes), so an incomplete head is left
//! unconsumed; a body is consumed as it arrives and never held. The answer is written
//! once the body has been read (a refusal at once, and the connection closes).

use tcpio::codec::Sink;

use super::chunked::{Chunked, Progress};
use super::request::{parse_head, Framing, Parsed};
use super::response::Date;
use super::response::{refuse, write_reply, Answer, Digest, Persist, Reply, CONTINUE};

/// A connection's request handling: where it is in the current request.
///
/// ```
/// use tcpio_examples::http::{Date, Session};
///
/// let (date, mut session, mut out) = (Date::default(), Session::default(), Vec::new());
/// let served = session.serve(b"GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\nGET /js", &date, &mut out);
/// assert!(out.starts_with(b"HTTP/1.1 200 OK\r\n") && out.ends_with(b"Hello, World!"));
/// // The incomplete head is left for the next read, with more bytes after it.
/// assert_eq!((served.used, served.keep), (36, true));
/// assert!(session.reading_head());
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Session {
    body: Body,
    /// The answer to the request whose body is being read.
    reply: Reply,
    /// What that body hashed to (for `POST /upload`).
    digest: Digest,
    /// Heads accepted so far (wrapping): tells one request's head from the next's.
    heads: u32,
}

/// Where the current request's body is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Body {
    /// No body: a head comes next.
    #[default]
    None,
    /// `left` bytes of a `Content-Length` body to go.
    Length { left: u64 },
    /// A chunked body.
    Chunked(Chunked),
}

/// What [`Session::serve`] did with the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Served {
    /// Bytes of input used: every whole request, and the body bytes of the current
    /// one. What is left (an incomplete head or chunk line) is for the next call, with
    /// more bytes after it.
    pub used: usize,
    /// Whether the connection stays open; when false, everything is used and the
    /// connection closes after the responses written.
    pub keep: bool,
}

/// One step of [`Session::serve`].
enum Step {
    /// Used this many bytes (at least one).
    Used(usize),
    /// Nothing more can be done with the input.
    More,
    /// A response that closes the connection was written.
    Close,
}

impl Session {
    /// Serves the requests in `input` (what the connection has received and not used
    /// before), writing their responses to `out`: every request that has wholly
    /// arrived is answered, and a body is read as far as it has arrived.
    #[inline]
    pub fn serve(&mut self, input: &[u8], date: &Date, out: &mut impl Sink) -> Served {
        let mut used = 0;
        while used < input.len() {
            match self.step(&input[used..], date, out) {
                Step::Used(n) => used += n,
                Step::More => break,
                Step::Close => return Served { used: input.len(), keep: false },
            }
        }
        Served { used, keep: true }
    }

    /// Whether the next bytes are a request's head (none of a request is under way, or
    /// only its head, unconsumed): what the header timeout watches.
    pub fn reading_head(&self) -> bool {
        self.body == Body::None
    }

    /// How many heads have been accepted (wrapping): a head still incomplete after a
    /// call is another request's than before it if this changed.
    pub fn heads(&self) -> u32 {
        self.heads
    }

    fn step(&mut self, input: &[u8], date: &Date, out: &mut impl Sink) -> Step {
        match self.body {
            Body::None => match parse_head(input) {
                Parsed::Incomplete => Step::More,
                Parsed::Refused(refusal) => {
                    refuse(out, date, refusal);
                    Step::Close
                }
                Parsed::Done(head) => {
                    self.heads = self.heads.wrapping_add(1);
                    let body = match head.framing {
                        Framing::None => return self.answer(head.reply, head.len, date, out),
                        Framing::Length(left) => Body::Length { left },
                        Framing::Chunked => Body::Chunked(Chunked::default()),
                    };
                    // The client waits for a go-ahead only if none of the body is here.
                    if head.expect_continue && input.len() == head.len {
                        out.put(CONTINUE);
                    }
                    (self.body, self.reply) = (body, head.reply);
                    Step::Used(head.len)
                }
            },
            Body::Length { left } => {
                let take = input.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                self.absorb(&input[..take]);
                match left - take as u64 {
                    0 => self.answer(self.reply, take, date, out),
                    left => {
                        self.body = Body::Length { left };
                        Step::Used(take)
                    }
                }
            }
            Body::Chunked(mut chunked) => {
                let upload = self.reply.answer == Answer::Upload;
                let digest = &mut self.digest;
                let progress = chunked.decode(input, |data| {
                    if upload {
                        digest.add(data)
                    }
                });
                match progress {
                    Ok(Progress::More(0)) => Step::More,
                    Ok(Progress::More(n)) => {
                        self.body = Body::Chunked(chunked);
                        Step::Used(n)
                    }
                    Ok(Progress::Done(n)) => self.answer(self.reply, n, date, out),
                    Err(refusal) => {
                        refuse(out, date, refusal);
                        Step::Close
                    }
                }
            }
        }
    }

    /// Takes body bytes of a `Content-Length` body.
    fn absorb(&mut self, data: &[u8]) {
        if self.reply.answer == Answer::Upload {
            self.digest.add(data);
        }
    }

    /// Writes `reply` for the request that ended after `used` bytes of this step.
    #[inline]
    fn answer(&mut self, reply: Reply, used: usize, date: &Date, out: &mut impl Sink) -> Step {
        write_reply(out, date, reply, &self.digest);
        if reply.answer == Answer::Upload {
            self.digest = Digest::default();
        }
        self.body = Body::None;
        match reply.persist {
            Persist::Close => Step::Close,
            Persist::Keep | Persist::KeepAlive => Step::Used(used),
        }
    }
}
