//! Text lines ended by `\n` or `\r\n`: [`Line`].

use super::{DecodeError, Decoded, Decoder, EncodeError, Encoder, Sink};

/// The default maximum line length of [`Line`] and
/// [`Delimiter`](super::Delimiter), line ending excluded: 64 KiB.
pub const DEFAULT_MAX_LINE: usize = 64 * 1024;

/// The line ending a [`Line`] codec writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LineEnding {
    /// `\n`.
    #[default]
    Lf,
    /// `\r\n`, as most internet protocols (HTTP, SMTP, RESP) write it.
    CrLf,
}

impl LineEnding {
    fn bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Lf => b"\n",
            LineEnding::CrLf => b"\r\n",
        }
    }
}

/// A codec for lines: decodes a line without its ending as `&[u8]` borrowed from the
/// input, encodes a `&[u8]` followed by the ending.
///
/// ```text
///  input:  "GET /\r\n" "PING\n" "PAR"            items:  "GET /"  "PING"   (then NeedMore)
///           \_ 7 ___/  \_ 5 _/  \_ waits for its '\n'
/// ```
///
/// Decoding accepts both endings: a line ends at `\n`, and one `\r` just before it is
/// dropped too. Encoding writes the ending the codec was made with. A line longer
/// than the maximum ([`DEFAULT_MAX_LINE`] unless set) is a [`DecodeError::TooLong`]
/// as soon as that many bytes have arrived without a `\n`: a peer that never ends its
/// line cannot make the connection buffer without bound.
///
/// The decoder remembers how far it has looked, so a long line that arrives a byte
/// at a time is scanned once, not once per byte.
///
/// ```
/// use tcpio::codec::{Decoded, Decoder, Encoder, Line};
///
/// let mut codec = Line::crlf().with_max_length(16);
/// assert_eq!(codec.decode(b"PING\r\nPI").unwrap(), Decoded::Item { item: &b"PING"[..], used: 6 });
/// assert_eq!(codec.decode(b"PI").unwrap(), Decoded::NeedMore);
/// assert!(codec.decode(b"eighteen bytes....").is_err()); // no line ending in time
///
/// let mut out = Vec::new();
/// codec.encode(b"PONG", &mut out).unwrap();
/// assert_eq!(out, b"PONG\r\n");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    ending: LineEnding,
    max: usize,
    /// Bytes at the start of the input already known to hold no `\n`.
    scanned: usize,
}

impl Line {
    /// Writes `\n`; lines of at most [`DEFAULT_MAX_LINE`] bytes.
    pub fn new() -> Line {
        Line::with_ending(LineEnding::Lf)
    }

    /// Writes `\r\n`; lines of at most [`DEFAULT_MAX_LINE`] bytes.
    pub fn crlf() -> Line {
        Line::with_ending(LineEnding::CrLf)
    }

    /// Writes `ending`; lines of at most [`DEFAULT_MAX_LINE`] bytes.
    pub fn with_ending(ending: LineEnding) -> Line {
        Line { ending, max: DEFAULT_MAX_LINE, scanned: 0 }
    }

    /// Sets the maximum line length in bytes, ending excluded.
    #[must_use]
    pub fn with_max_length(mut self, bytes: usize) -> Line {
        self.max = bytes;
        self
    }

    /// The maximum line length in bytes, ending excluded.
    pub fn max_length(&self) -> usize {
        self.max
    }

    /// The ending this codec writes.
    pub fn ending(&self) -> LineEnding {
        self.ending
    }
}

impl Default for Line {
    fn default() -> Line {
        Line::new()
    }
}

impl Decoder for Line {
    type Item<'a> = &'a [u8];
    type Error = DecodeError;

    fn decode<'a>(&mut self, src: &'a [u8]) -> Result<Decoded<&'a [u8]>, DecodeError> {
        // A line of `max` bytes ends at index `max + 1` at the latest (after a '\r'):
        // look no further than that.
        let window = self.max.saturating_add(2);
        let limit = window.min(src.len());
        let from = self.scanned.min(limit);
        match src[from..limit].iter().position(|&b| b == b'\n') {
            Some(i) => {
                self.scanned = 0;
                let end = from + i;
                let line = src[..end].strip_suffix(b"\r").unwrap_or(&src[..end]);
                if line.len() > self.max {
                    return Err(DecodeError::TooLong { max: self.max });
                }
                Ok(Decoded::Item { item: line, used: end + 1 })
            }
            None if src.len() >= window => Err(DecodeError::TooLong { max: self.max }),
            None => {
                self.scanned = limit;
                Ok(Decoded::NeedMore)
            }
        }
    }
}

impl Encoder for Line {
    type Item<'a> = &'a [u8];
    type Error = EncodeError;

    /// Refuses a line with a `\n` in it, and with [`LineEnding::Lf`] one ending in
    /// `\r` (the decoder would drop that `\r`).
    fn encode<S: Sink + ?Sized>(&mut self, line: &[u8], dst: &mut S) -> Result<(), EncodeError> {
        if line.len() > self.max {
            return Err(EncodeError::TooLarge { len: line.len(), max: self.max });
        }
        if line.contains(&b'\n') || (self.ending == LineEnding::Lf && line.last() == Some(&b'\r')) {
            return Err(EncodeError::ContainsDelimiter);
        }
        dst.put(line);
        dst.put(self.ending.bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_all as items;

    #[test]
    fn both_endings_decode() {
        let got = items(&mut Line::new(), b"GET /\r\nPING\n\n\r\nPAR").unwrap();
        assert_eq!(got, [&b"GET /"[..], b"PING", b"", b""]);
        // Only one '\r' is part of the ending; a lone '\r' elsewhere is data.
        let got = items(&mut Line::new(), b"a\r\r\nb\rc\n").unwrap();
        assert_eq!(got, [&b"a\r"[..], b"b\rc"]);
    }

    #[test]
    fn encoding_writes_the_chosen_ending() {
        let mut out = Vec::new();
        Line::new().encode(b"one", &mut out).unwrap();
        Line::crlf().encode(b"two\r", &mut out).unwrap();
        assert_eq!(out, b"one\ntwo\r\r\n");
        assert_eq!(items(&mut Line::new(), &out).unwrap(), [&b"one"[..], b"two\r"]);
        let mut nothing = Vec::new();
        assert_eq!(Line::new().encode(b"a\nb", &mut nothing), Err(EncodeError::ContainsDelimiter));
        assert_eq!(Line::new().encode(b"a\r", &mut nothing), Err(EncodeError::ContainsDelimiter));
        assert_eq!(
            Line::new().with_max_length(2).encode(b"abc", &mut nothing),
            Err(EncodeError::TooLarge { len: 3, max: 2 })
        );
        assert!(nothing.is_empty());
    }

    #[test]
    fn the_maximum_is_exact() {
        let mut c = Line::new().with_max_length(3);
        assert_eq!(items(&mut c, b"abc\n").unwrap(), [b"abc"]);
        assert_eq!(items(&mut c, b"abc\r\n").unwrap(), [b"abc"]);
        assert_eq!(c.decode(b"abcd\n"), Err(DecodeError::TooLong { max: 3 }));
        assert_eq!(c.decode(b"abcd\r"), Err(DecodeError::TooLong { max: 3 }));
        assert_eq!(c.decode(b"abc\r").unwrap(), Decoded::NeedMore);
        assert_eq!(Line::new().with_max_length(3).decode(b"abcde"), Err(DecodeError::TooLong { max: 3 }));
    }

    #[test]
    fn resumes_where_it_stopped() {
        let wire = b"hello\nworld\n";
        let mut c = Line::new();
        let mut start = 0;
        let mut got = Vec::new();
        for end in 1..=wire.len() {
            if let Decoded::Item { item, used } = c.decode(&wire[start..end]).unwrap() {
                got.push(item.to_vec());
                start += used;
            }
        }
        assert_eq!(got, [b"hello", b"world"]);
        assert_eq!(start, wire.len());
    }
}
