//! The chunked transfer coding (RFC 9112 §7.1), decoded as it arrives.
//!
//! ```text
//! chunked-body = *chunk last-chunk trailer-section CRLF
//! chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//! last-chunk   = 1*"0" [ chunk-ext ] CRLF
//! chunk-ext    = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
//!
//!   5;name=value\r\n hello \r\n 0\r\n Trailer: x\r\n \r\n
//!   `---- size line ----'`data'`--'`-last-'`- trailers -'`end'
//! ```
//!
//! The decoder keeps only where it is between calls: chunk data is handed on as it
//! arrives, and only an incomplete line (a size line, a trailer) waits for more bytes.
//! Extensions are checked and skipped; trailers are checked and discarded. Every line
//! ends with CRLF (a bare LF or CR is 400, as in the head); a size that is not hex or
//! overflows is 400; the data decoded may not pass [`MAX_BODY`] (413), nor may the
//! framing around it (size lines and CRLFs: 413, so tiny chunks with long extensions
//! cannot make a body arbitrarily long); a size line may not pass [`MAX_CHUNK_LINE`]
//! bytes (400); trailers may not pass [`MAX_HEAD`] bytes or [`MAX_HEADERS`] fields
//! (431).

use super::chars::is_tchar;
use super::response::Refusal;
use super::{MAX_BODY, MAX_CHUNK_LINE, MAX_HEAD, MAX_HEADERS};

/// Where a chunked body's decoder is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Chunked {
    state: State,
    /// Data bytes decoded so far.
    data: u64,
    /// Bytes of framing (size lines, CRLFs) read so far.
    framing: u64,
    /// Trailer bytes and fields read so far.
    trailer_bytes: u32,
    trailers: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    /// A size line comes next.
    #[default]
    Size,
    /// In a chunk's data, `left` bytes to go.
    Data { left: u64 },
    /// The CRLF after a chunk's data comes next.
    DataEnd,
    /// After the last chunk: trailer fields, then the empty line.
    Trailers,
}

/// How far a call got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Progress {
    /// Used this many bytes (perhaps none); the body goes on.
    More(usize),
    /// Used this many bytes; the body ended with them.
    Done(usize),
}

impl Chunked {
    /// Decodes what it can of `input`, handing chunk data to `data`.
    pub(super) fn decode(&mut self, input: &[u8], mut data: impl FnMut(&[u8])) -> Result<Progress, Refusal> {
        let mut at = 0;
        loop {
            let rest = &input[at..];
            match self.state {
                State::Size => {
                    let Some(line) = line(rest, MAX_CHUNK_LINE, Refusal::BadRequest)? else {
                        return Ok(Progress::More(at));
                    };
                    at += line.len() + 2;
                    self.framing += line.len() as u64 + 2;
                    let size = chunk_size(line).ok_or(Refusal::BadRequest)?;
                    if size == 0 {
                        self.state = State::Trailers;
                    } else if size > MAX_BODY as u64 - self.data {
                        return Err(Refusal::ContentTooLarge);
                    } else {
                        self.state = State::Data { left: size };
                    }
                }
                State::Data { left } => {
                    if rest.is_empty() {
                        return Ok(Progress::More(at));
                    }
                    let take = rest.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    data(&rest[..take]);
                    at += take;
                    self.data += take as u64;
                    let left = left - take as u64;
                    self.state = if left == 0 { State::DataEnd } else { State::Data { left } };
                }
                State::DataEnd => match rest {
                    [] | [b'\r'] => return Ok(Progress::More(at)),
                    [b'\r', b'\n', ..] => {
                        at += 2;
                        self.framing += 2;
                        self.state = State::Size;
                    }
                    _ => return Err(Refusal::BadRequest),
                },
                State::Trailers => {
                    let room = MAX_HEAD - self.trailer_bytes as usize;
                    let Some(line) = line(rest, room, Refusal::HeaderFieldsTooLarge)? else {
                        return Ok(Progress::More(at));
                    };
                    at += line.len() + 2;
                    if line.is_empty() {
                        return Ok(Progress::Done(at));
                    }
                    // Both stay small: a line is at most MAX_HEAD bytes, and past the
                    // limits the body ends.
                    self.trailer_bytes += line.len() as u32 + 2;
                    self.trailers += 1;
                    if self.trailers as usize > MAX_HEADERS || self.trailer_bytes as usize > MAX_HEAD {
                        return Err(Refusal::HeaderFieldsTooLarge);
                    }
                    if !field_line(line) {
                        return Err(Refusal::BadRequest);
                    }
                }
            }
            if self.framing > MAX_BODY as u64 {
                return Err(Refusal::ContentTooLarge);
            }
        }
    }
}

/// The line at the start of `rest` without its CRLF; `None` until it has arrived.
/// A line that is not done within `max` bytes is refused with `too_long`; a bare LF or
/// CR with 400.
fn line(rest: &[u8], max: usize, too_long: Refusal) -> Result<Option<&[u8]>, Refusal> {
    let window = &rest[..rest.len().min(max.saturating_add(2))];
    match window.iter().position(|&b| b == b'\n') {
        Some(lf) if lf > 0 && window[lf - 1] == b'\r' => {
            let line = &window[..lf - 1];
            if line.contains(&b'\r') {
                return Err(Refusal::BadRequest);
            }
            Ok(Some(line))
        }
        Some(_) => Err(Refusal::BadRequest),
        None => match window.iter().position(|&b| b == b'\r') {
            // A CR must be the last byte so far, waiting for its LF. Checked before the
            // length, so that the answer does not depend on how the bytes arrived (a
            // bare CR seen early is 400; seen in a line already too long, it was 431).
            Some(cr) if cr + 1 < window.len() => Err(Refusal::BadRequest),
            _ if window.len() < max.saturating_add(2) => Ok(None),
            _ => Err(too_long),
        },
    }
}

/// The size of a size line (`1*HEXDIG`, then extensions); `None` if it is malformed
/// or overflows.
fn chunk_size(line: &[u8]) -> Option<u64> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return None;
    }
    let mut size = 0u64;
    for &b in &line[..digits] {
        let d = (b as char).to_digit(16)?;
        if size > u64::MAX >> 4 {
            return None;
        }
        size = size << 4 | u64::from(d);
    }
    extensions(&line[digits..]).then_some(size)
}

/// `*( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )`.
fn extensions(mut s: &[u8]) -> bool {
    let ows = |s: &[u8]| -> usize { s.iter().take_while(|&&b| b == b' ' || b == b'\t').count() };
    let token = |s: &[u8]| -> usize { s.iter().take_while(|&&b| is_tchar(b)).count() };
    while !s.is_empty() {
        s = &s[ows(s)..];
        let Some(rest) = s.strip_prefix(b";") else { return false };
        s = &rest[ows(rest)..];
        let name = token(s);
        if name == 0 {
            return false;
        }
        s = &s[name..];
        let after = &s[ows(s)..];
        if let Some(rest) = after.strip_prefix(b"=") {
            s = &rest[ows(rest)..];
            let value = match s.first() {
                Some(b'"') => quoted_string(s),
                _ => token(s),
            };
            if value == 0 {
                return false;
            }
            s = &s[value..];
        }
    }
    true
}

/// The length of the quoted-string at the start of `s` (RFC 9110 §5.6.4), 0 if there
/// is none.
fn quoted_string(s: &[u8]) -> usize {
    let text = |b: u8| b == b'\t' || b == b' ' || (0x21..=0x7e).contains(&b) || b >= 0x80;
    let mut i = 1;
    while i < s.len() {
        match s[i] {
            b'"' => return i + 1,
            b'\\' if s.get(i + 1).is_some_and(|&b| text(b)) => i += 2,
            b if b != b'\\' && text(b) => i += 1,
            _ => return 0,
        }
    }
    0
}

/// A trailer field line: `name ":" OWS value OWS`, the value of visible characters,
/// spaces, tabs and obs-text.
fn field_line(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else { return false };
    colon > 0
        && line[..colon].iter().all(|&b| is_tchar(b))
        && line[colon + 1..]
            .iter()
            .all(|&b| b == b'\t' || b == b' ' || (0x21..=0x7e).contains(&b) || b >= 0x80)
}
