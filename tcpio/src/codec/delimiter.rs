//! Items separated by any byte sequence: [`Delimiter`].

use std::sync::Arc;

use super::{ConfigError, DecodeError, Decoded, Decoder, EncodeError, Encoder, Sink, DEFAULT_MAX_LINE};

/// A codec for items ended by a delimiter of one or more bytes: decodes the bytes
/// before it as `&[u8]` borrowed from the input, encodes a `&[u8]` followed by it.
///
/// ```text
///  delimiter "||"
///  input:  "a|b" "||" "" "||" "c|"        items:  "a|b"  ""   (then NeedMore: "c|" may
///           \__ 5 __/  \_2_/                                   be the start of "c||")
/// ```
///
/// The item is the bytes before the first occurrence of the delimiter, which is
/// dropped. An item longer than the maximum ([`DEFAULT_MAX_LINE`] unless set) is a
/// [`DecodeError::TooLong`] as soon as that many bytes have arrived without the
/// delimiter. Like [`Line`](super::Line), the decoder remembers how far it has looked.
///
/// ```
/// use tcpio::codec::{Decoded, Decoder, Delimiter, Encoder};
///
/// let mut codec = Delimiter::new(b"\0")?.with_max_length(1024);
/// assert_eq!(codec.decode(b"key\0value\0").unwrap(), Decoded::Item { item: &b"key"[..], used: 4 });
///
/// let mut out = Vec::new();
/// codec.encode(b"value", &mut out).unwrap();
/// assert_eq!(out, b"value\0");
/// assert!(codec.encode(b"two\0items", &mut out).is_err());
/// # Ok::<(), tcpio::codec::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delimiter {
    /// Shared so that the per-connection clone made by `Framed` does not allocate.
    delim: Arc<[u8]>,
    max: usize,
    /// Start positions already known not to begin a delimiter.
    scanned: usize,
}

impl Delimiter {
    /// Items ended by `delimiter`, of at most [`DEFAULT_MAX_LINE`] bytes. An empty
    /// delimiter is a [`ConfigError::EmptyDelimiter`].
    pub fn new(delimiter: &[u8]) -> Result<Delimiter, ConfigError> {
        if delimiter.is_empty() {
            return Err(ConfigError::EmptyDelimiter);
        }
        Ok(Delimiter { delim: delimiter.into(), max: DEFAULT_MAX_LINE, scanned: 0 })
    }

    /// Sets the maximum item length in bytes, delimiter excluded.
    #[must_use]
    pub fn with_max_length(mut self, bytes: usize) -> Delimiter {
        self.max = bytes;
        self
    }

    /// The maximum item length in bytes, delimiter excluded.
    pub fn max_length(&self) -> usize {
        self.max
    }

    /// The delimiter.
    pub fn delimiter(&self) -> &[u8] {
        &self.delim
    }
}

/// Whether the delimiter occurs in `item ++ delim` starting at `at < item.len()`,
/// checked without building the concatenation.
fn occurs_at(item: &[u8], delim: &[u8], at: usize) -> bool {
    let head = &item[at..];
    let n = head.len().min(delim.len());
    head[..n] == delim[..n] && delim[n..] == delim[..delim.len() - n]
}

impl Decoder for Delimiter {
    type Item<'a> = &'a [u8];
    type Error = DecodeError;

    fn decode<'a>(&mut self, src: &'a [u8]) -> Result<Decoded<&'a [u8]>, DecodeError> {
        let d = self.delim.len();
        // An item of `max` bytes has its delimiter end at `max + d` at the latest.
        let window = self.max.saturating_add(d);
        let limit = window.min(src.len());
        let from = self.scanned.min(limit);
        let first = self.delim[0];
        let mut at = from;
        while at + d <= limit {
            match src[at..limit - d + 1].iter().position(|&b| b == first) {
                None => break,
                Some(i) => at += i,
            }
            if src[at..at + d] == *self.delim {
                self.scanned = 0;
                return Ok(Decoded::Item { item: &src[..at], used: at + d });
            }
            at += 1;
        }
        if src.len() >= window {
            return Err(DecodeError::TooLong { max: self.max });
        }
        // Positions from `limit - d + 1` on could still begin a delimiter that has
        // not fully arrived.
        self.scanned = (limit + 1).saturating_sub(d).max(from);
        Ok(Decoded::NeedMore)
    }
}

impl Encoder for Delimiter {
    type Item<'a> = &'a [u8];
    type Error = EncodeError;

    /// Refuses an item that would not decode as itself: one containing the
    /// delimiter, or ending with bytes that form the delimiter together with the
    /// start of the delimiter written after it.
    fn encode<S: Sink + ?Sized>(&mut self, item: &[u8], dst: &mut S) -> Result<(), EncodeError> {
        if item.len() > self.max {
            return Err(EncodeError::TooLarge { len: item.len(), max: self.max });
        }
        if (0..item.len()).any(|at| occurs_at(item, &self.delim, at)) {
            return Err(EncodeError::ContainsDelimiter);
        }
        dst.put(item);
        dst.put(&self.delim);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_all as items;

    #[test]
    fn the_drawn_example() {
        let mut c = Delimiter::new(b"||").unwrap();
        assert_eq!(items(&mut c, b"a|b||||c|").unwrap(), [&b"a|b"[..], b""]);
        assert_eq!(c.decode(b"c|").unwrap(), Decoded::NeedMore);
        assert_eq!(c.decode(b"c||").unwrap(), Decoded::Item { item: &b"c"[..], used: 3 });
    }

    #[test]
    fn the_maximum_is_exact() {
        let mut c = Delimiter::new(b"<>").unwrap().with_max_length(3);
        assert_eq!(items(&mut c, b"abc<>").unwrap(), [b"abc"]);
        assert_eq!(c.decode(b"abc<").unwrap(), Decoded::NeedMore);
        assert_eq!(c.decode(b"abcd<"), Err(DecodeError::TooLong { max: 3 }));
        assert_eq!(c.decode(b"abc<x"), Err(DecodeError::TooLong { max: 3 }));
    }

    #[test]
    fn a_delimiter_split_across_reads_is_found() {
        let wire = b"xx\r\n\r\nyy\r\n\r\n";
        let mut c = Delimiter::new(b"\r\n\r\n").unwrap();
        let (mut start, mut got) = (0, Vec::new());
        for end in 1..=wire.len() {
            if let Decoded::Item { item, used } = c.decode(&wire[start..end]).unwrap() {
                got.push(item.to_vec());
                start += used;
            }
        }
        assert_eq!(got, [b"xx", b"yy"]);
    }

    #[test]
    fn encode_refuses_items_that_would_split() {
        let mut c = Delimiter::new(b"aa").unwrap();
        let mut out = Vec::new();
        assert_eq!(c.encode(b"xa", &mut out), Err(EncodeError::ContainsDelimiter));
        assert_eq!(c.encode(b"xaay", &mut out), Err(EncodeError::ContainsDelimiter));
        assert!(out.is_empty());
        c.encode(b"axb", &mut out).unwrap();
        assert_eq!(out, b"axbaa");
        assert_eq!(Delimiter::new(b""), Err(ConfigError::EmptyDelimiter));
    }
}
