//! Items of one fixed size: [`Fixed`].

use super::{ConfigError, DecodeError, Decoded, Decoder, EncodeError, Encoder, Sink};

/// A codec for items of exactly `size` bytes, decoded as `&[u8]` borrowed from the
/// input.
///
/// ```text
///  size 4
///  input:  "abcd" "efgh" "ij"          items:  "abcd"  "efgh"   (then NeedMore)
/// ```
///
/// The size is the limit: the decoder never holds more than one item's bytes.
///
/// ```
/// use tcpio::codec::{Decoded, Decoder, Encoder, Fixed};
///
/// let mut codec = Fixed::new(4)?;
/// assert_eq!(codec.decode(b"abcdef").unwrap(), Decoded::Item { item: &b"abcd"[..], used: 4 });
/// assert_eq!(codec.decode(b"ef").unwrap(), Decoded::NeedMore);
/// assert!(codec.encode(b"abc", &mut Vec::new()).is_err());
/// # Ok::<(), tcpio::codec::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fixed {
    size: usize,
}

impl Fixed {
    /// Items of `size` bytes; zero is a [`ConfigError::ZeroSize`].
    pub fn new(size: usize) -> Result<Fixed, ConfigError> {
        if size == 0 {
            return Err(ConfigError::ZeroSize);
        }
        Ok(Fixed { size })
    }

    /// The size of every item.
    pub fn size(&self) -> usize {
        self.size
    }
}

impl Decoder for Fixed {
    type Item<'a> = &'a [u8];
    type Error = DecodeError;

    fn decode<'a>(&mut self, src: &'a [u8]) -> Result<Decoded<&'a [u8]>, DecodeError> {
        Ok(match src.get(..self.size) {
            Some(item) => Decoded::Item { item, used: self.size },
            None => Decoded::NeedMore,
        })
    }
}

impl Encoder for Fixed {
    type Item<'a> = &'a [u8];
    type Error = EncodeError;

    fn encode<S: Sink + ?Sized>(&mut self, item: &[u8], dst: &mut S) -> Result<(), EncodeError> {
        if item.len() != self.size {
            return Err(EncodeError::WrongSize { len: item.len(), size: self.size });
        }
        dst.put(item);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drawn_example() {
        let mut c = Fixed::new(4).unwrap();
        let wire = b"abcdefghij";
        assert_eq!(c.decode(wire).unwrap(), Decoded::Item { item: &b"abcd"[..], used: 4 });
        assert_eq!(c.decode(&wire[4..]).unwrap(), Decoded::Item { item: &b"efgh"[..], used: 4 });
        assert_eq!(c.decode(&wire[8..]).unwrap(), Decoded::NeedMore);
        let mut out = Vec::new();
        c.encode(b"wxyz", &mut out).unwrap();
        assert_eq!(out, b"wxyz");
        assert_eq!(c.encode(b"toolong", &mut out), Err(EncodeError::WrongSize { len: 7, size: 4 }));
        assert_eq!(out, b"wxyz");
        assert_eq!(Fixed::new(0), Err(ConfigError::ZeroSize));
    }
}
