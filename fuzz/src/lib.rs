//! What every codec fuzz target checks, whatever the codec: decoding the input whole and
//! decoding it in chunks (the way `Framed` sees a stream) agree, every item obeys the
//! decoder's contract, and every decoded item encodes back to the bytes it came from
//! (where the codec's items carry all of their frame).
//!
//! The example servers' sans-I/O code is the `tcpio-examples` crate
//! (`examples-support/`); [`redis`] holds what the redis targets share.

use tcpio::codec::{DecodeError, Decoded, Decoder, EncodeError, Encoder};

pub mod redis;

/// `wire` cut into pieces whose sizes alternate between `sizes[0]` and `sizes[1]` (a
/// size of 0 counts as 1): a stream as successive reads see it.
pub fn pieces(wire: &[u8], sizes: [usize; 2]) -> impl Iterator<Item = &[u8]> {
    let (mut at, mut k) = (0, 0);
    std::iter::from_fn(move || {
        if at >= wire.len() {
            return None;
        }
        let n = sizes[k & 1].max(1).min(wire.len() - at);
        k += 1;
        at += n;
        Some(&wire[at - n..at])
    })
}

/// Whether `inner` lies within `outer` (by address: a slice of it, not an equal copy).
pub fn within(inner: &[u8], outer: &[u8]) -> bool {
    let (i, o) = (inner.as_ptr_range(), outer.as_ptr_range());
    o.start <= i.start && i.end <= o.end
}

/// Items decoded from `wire` fed in chunks of `chunk` bytes (unconsumed bytes are
/// kept and offered again with the next chunk), and the error that stopped it.
pub fn decode_chunked<D>(codec: &mut D, wire: &[u8], chunk: usize) -> (Vec<Vec<u8>>, Option<DecodeError>)
where
    D: for<'a> Decoder<Item<'a> = &'a [u8], Error = DecodeError>,
{
    let (mut items, mut kept) = (Vec::new(), Vec::new());
    for piece in wire.chunks(chunk.max(1)) {
        kept.extend_from_slice(piece);
        let mut start = 0;
        loop {
            match codec.decode(&kept[start..]) {
                Ok(Decoded::NeedMore) => break,
                Ok(Decoded::Item { item, used }) => {
                    assert!(used >= 1 && used <= kept.len() - start, "used {used} of {}", kept.len() - start);
                    assert!(item.len() <= used, "an item longer than the bytes it used");
                    items.push(item.to_vec());
                    start += used;
                }
                Err(e) => return (items, Some(e)),
            }
        }
        kept.drain(..start);
    }
    (items, None)
}

/// Decodes `wire` whole and in chunks of `chunk` bytes with clones of `codec`, checks
/// that both agree, and returns the items.
pub fn check<C>(codec: &C, wire: &[u8], chunk: usize) -> Vec<Vec<u8>>
where
    C: for<'a> Decoder<Item<'a> = &'a [u8], Error = DecodeError> + Clone,
{
    let whole = decode_chunked(&mut codec.clone(), wire, usize::MAX);
    let chunked = decode_chunked(&mut codec.clone(), wire, chunk);
    assert_eq!(whole, chunked, "whole and chunked decoding differ");
    whole.0
}

/// Encodes `items` and checks the bytes are the start of `wire`.
pub fn reencodes<C>(codec: &C, items: &[Vec<u8>], wire: &[u8])
where
    C: for<'a> Encoder<Item<'a> = &'a [u8], Error = EncodeError> + Clone,
{
    let mut out = Vec::new();
    for it in items {
        codec.clone().encode(it, &mut out).expect("a decoded item encodes");
    }
    assert_eq!(&wire[..out.len()], &out[..], "re-encoding differs from the input");
}
