//! What every fuzz target checks, whatever the codec: decoding the input whole and
//! decoding it in chunks (the way `Framed` sees a stream) agree, every item obeys the
//! decoder's contract, and every decoded item encodes back to the bytes it came from
//! (where the codec's items carry all of their frame).

use tcpio::codec::{DecodeError, Decoded, Decoder, EncodeError, Encoder};

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
