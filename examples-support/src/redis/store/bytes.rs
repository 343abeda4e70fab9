//! [`Bytes`]: a byte string kept in place when it is short, as list elements mostly are.

use std::fmt;
use std::ops::Deref;

/// The longest byte string kept in place: what fits beside the tag and the length in the
/// 24 bytes the heap form needs anyway.
pub(super) const INLINE: usize = 22;

/// A byte string: in place up to 22 bytes (`INLINE`), on the heap beyond. A list of short
/// elements then costs no allocation per element, as Redis's packed lists do not.
///
/// Compared, hashed and printed as the bytes it holds, whichever form it takes.
#[derive(Clone)]
pub enum Bytes {
    /// At most 22 bytes (`INLINE`): `len` of `bytes` are used, the rest are zero.
    Inline {
        /// How many of `bytes` are the string.
        len: u8,
        /// The string, then zeros.
        bytes: [u8; INLINE],
    },
    /// A longer string.
    Heap(Box<[u8]>),
}

impl Bytes {
    /// The bytes held.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Bytes::Heap(b) => b,
        }
    }
}

impl From<&[u8]> for Bytes {
    #[inline]
    fn from(s: &[u8]) -> Bytes {
        if s.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..s.len()].copy_from_slice(s);
            Bytes::Inline { len: s.len() as u8, bytes }
        } else {
            Bytes::Heap(s.into())
        }
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Bytes {
        if v.len() <= INLINE {
            Bytes::from(&v[..])
        } else {
            Bytes::Heap(v.into_boxed_slice())
        }
    }
}

impl Deref for Bytes {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for Bytes {
    fn eq(&self, other: &Bytes) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Bytes {}

impl PartialEq<[u8]> for Bytes {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.as_slice().escape_ascii())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_no_bigger_than_a_vec() {
        assert_eq!(std::mem::size_of::<Bytes>(), 24);
    }

    #[test]
    fn keeps_every_length_it_is_given() {
        for n in 0..=64usize {
            let s: Vec<u8> = (0..n as u8).map(|i| i.wrapping_mul(37)).collect();
            for b in [Bytes::from(&s[..]), Bytes::from(s.clone())] {
                assert_eq!(b.as_slice(), &s[..]);
                assert_eq!(matches!(b, Bytes::Inline { .. }), n <= INLINE, "length {n}");
                assert_eq!(b.clone(), b);
            }
        }
    }

    #[test]
    fn compares_by_content_whatever_the_form() {
        let long = [b'x'; INLINE + 1];
        let heap = Bytes::Heap(b"abc"[..].into());
        assert_eq!(heap, Bytes::from(&b"abc"[..]));
        assert_ne!(Bytes::from(&long[..]), Bytes::from(&long[..INLINE]));
        assert_eq!(format!("{:?}", Bytes::from(&b"a\"\n"[..])), "b\"a\\\"\\n\"");
    }
}
