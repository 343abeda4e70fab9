//! Property tests for the built-in codecs, without sockets: any items encoded and fed
//! back in any chunking decode to the same items; any input decodes the same whole
//! or chunked; oversized and malformed input is an error, never a panic.

use proptest::prelude::*;
use tcpio::codec::{
    DecodeError, Decoded, Decoder, Delimiter, EncodeError, Encoder, Endian, Fixed, LengthField, Line,
    LineEnding,
};

/// Feeds `wire` to `codec` in chunks of the given sizes (cycled), the way `Framed`
/// does: unconsumed bytes are kept and offered again with the next chunk appended.
/// Returns the items and the error that stopped decoding, if any.
fn decode_chunked<D>(codec: &mut D, wire: &[u8], sizes: &[usize]) -> (Vec<Vec<u8>>, Option<DecodeError>)
where
    D: for<'a> Decoder<Item<'a> = &'a [u8], Error = DecodeError>,
{
    let (mut items, mut kept, mut off) = (Vec::new(), Vec::new(), 0);
    for &n in sizes.iter().cycle() {
        if off == wire.len() {
            break;
        }
        let end = (off + n.max(1)).min(wire.len());
        kept.extend_from_slice(&wire[off..end]);
        off = end;
        let mut start = 0;
        loop {
            match codec.decode(&kept[start..]) {
                Ok(Decoded::NeedMore) => break,
                Ok(Decoded::Item { item, used }) => {
                    assert!(used >= 1 && used <= kept.len() - start, "used {used}");
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

/// Encodes every item the codec accepts; returns the wire bytes and the accepted items.
fn encode_all<E>(codec: &mut E, items: &[Vec<u8>]) -> (Vec<u8>, Vec<Vec<u8>>)
where
    E: for<'a> Encoder<Item<'a> = &'a [u8], Error = EncodeError>,
{
    let (mut wire, mut accepted) = (Vec::new(), Vec::new());
    for it in items {
        let before = wire.len();
        match codec.encode(it, &mut wire) {
            Ok(()) => accepted.push(it.clone()),
            Err(_) => assert_eq!(wire.len(), before, "a refused item wrote bytes"),
        }
    }
    (wire, accepted)
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![Just(vec![1]), prop::collection::vec(1usize..64, 1..16), Just(vec![usize::MAX])]
}

fn items(max_len: usize) -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..max_len), 0..12)
}

/// Builds a length-field codec from generated parameters; every combination is valid.
fn length_field(
    width: usize,
    little: bool,
    offset: usize,
    adjustment: i64,
    strip: bool,
    max: usize,
) -> LengthField {
    let endian = if little { Endian::Little } else { Endian::Big };
    LengthField::builder()
        .width(width)
        .endian(endian)
        .offset(offset)
        .adjustment(adjustment)
        .strip_header(strip)
        .max_frame(max)
        .build()
        .expect("valid configuration")
}

fn length_field_params() -> impl Strategy<Value = LengthField> {
    (
        prop::sample::select(vec![1usize, 2, 3, 4, 8]),
        any::<bool>(),
        0usize..4,
        -12i64..8,
        any::<bool>(),
        0usize..400,
    )
        .prop_map(|(w, le, off, adj, strip, max)| length_field(w, le, off, adj, strip, max))
}

proptest! {
    #[test]
    fn length_field_roundtrip(codec in length_field_params(), items in items(300), sizes in chunk_sizes()) {
        let (wire, accepted) = encode_all(&mut codec.clone(), &items);
        let (got, err) = decode_chunked(&mut codec.clone(), &wire, &sizes);
        prop_assert_eq!(err, None);
        let header = codec.header_len();
        let decoded = decode_chunked(&mut codec.clone(), &wire, &[usize::MAX]).0;
        prop_assert_eq!(&got, &decoded);
        prop_assert_eq!(got.len(), accepted.len());
        for (g, a) in got.iter().zip(&accepted) {
            // Stripped: the body; kept: header (zeros, the field) then the body.
            let body = if g.len() == a.len() { &g[..] } else { &g[header..] };
            prop_assert_eq!(body, &a[..]);
        }
    }

    #[test]
    fn length_field_any_input(codec in length_field_params(), wire in prop::collection::vec(any::<u8>(), 0..600), sizes in chunk_sizes()) {
        let whole = decode_chunked(&mut codec.clone(), &wire, &[usize::MAX]);
        let chunked = decode_chunked(&mut codec.clone(), &wire, &sizes);
        prop_assert_eq!(&whole, &chunked);
        for item in &whole.0 {
            prop_assert!(item.len() <= codec.max_frame() + codec.header_len());
        }
    }

    #[test]
    fn length_field_claims_over_the_maximum_fail_on_the_header(width in prop::sample::select(vec![1usize, 2, 3, 4, 8]), max in 0usize..200, excess in 1u64..1000) {
        let codec = length_field(width, false, 0, 0, true, max);
        let claim = (max as u64 + excess).min(if width == 8 { u64::MAX } else { (1 << (8 * width)) - 1 });
        prop_assume!(claim > max as u64);
        let header = &claim.to_be_bytes()[8 - width..];
        let err = codec.clone().decode(header).unwrap_err();
        prop_assert_eq!(err, DecodeError::FrameTooLarge { claimed: claim, max });
    }

    #[test]
    fn line_roundtrip(crlf in any::<bool>(), max in 0usize..64, items in items(80), sizes in chunk_sizes()) {
        let ending = if crlf { LineEnding::CrLf } else { LineEnding::Lf };
        let codec = Line::with_ending(ending).with_max_length(max);
        let (wire, accepted) = encode_all(&mut codec.clone(), &items);
        let (got, err) = decode_chunked(&mut codec.clone(), &wire, &sizes);
        prop_assert_eq!(err, None);
        prop_assert_eq!(got, accepted);
    }

    #[test]
    fn line_text_roundtrip(crlf in any::<bool>(), lines in prop::collection::vec("[a-z\r ]{0,20}", 0..10), sizes in chunk_sizes()) {
        let ending = if crlf { LineEnding::CrLf } else { LineEnding::Lf };
        let items: Vec<Vec<u8>> = lines.into_iter().map(String::into_bytes).collect();
        let codec = Line::with_ending(ending);
        let (wire, accepted) = encode_all(&mut codec.clone(), &items);
        if crlf {
            prop_assert_eq!(&accepted, &items, "CRLF encodes any line without '\\n'");
        }
        let (got, err) = decode_chunked(&mut codec.clone(), &wire, &sizes);
        prop_assert_eq!(err, None);
        prop_assert_eq!(got, accepted);
    }

    #[test]
    fn line_any_input(max in 0usize..64, wire in prop::collection::vec(prop::sample::select(b"ab\r\n".to_vec()), 0..300), sizes in chunk_sizes()) {
        let codec = Line::new().with_max_length(max);
        let whole = decode_chunked(&mut codec.clone(), &wire, &[usize::MAX]);
        let chunked = decode_chunked(&mut codec.clone(), &wire, &sizes);
        prop_assert_eq!(&whole, &chunked);
        prop_assert!(whole.0.iter().all(|l| l.len() <= max));
        // Without an error, what is left after the last line holds no '\n' and is too
        // short to be over the maximum yet.
        if whole.1.is_none() {
            let k = whole.0.len();
            let ends = wire.iter().enumerate().filter(|&(_, &b)| b == b'\n').map(|(i, _)| i + 1);
            let consumed = if k == 0 { 0 } else { ends.clone().nth(k - 1).unwrap() };
            let tail = &wire[consumed..];
            prop_assert!(tail.len() < max + 2 && !tail.contains(&b'\n'));
        }
    }

    #[test]
    fn delimiter_roundtrip(delim in prop::collection::vec(prop::sample::select(b"ab".to_vec()), 1..4), max in 0usize..64,
                           items in prop::collection::vec(prop::collection::vec(prop::sample::select(b"abc".to_vec()), 0..40), 0..10),
                           sizes in chunk_sizes()) {
        let codec = Delimiter::new(&delim).unwrap().with_max_length(max);
        let (wire, accepted) = encode_all(&mut codec.clone(), &items);
        let (got, err) = decode_chunked(&mut codec.clone(), &wire, &sizes);
        prop_assert_eq!(err, None);
        prop_assert_eq!(got, accepted);
    }

    #[test]
    fn delimiter_any_input(delim in prop::collection::vec(prop::sample::select(b"ab".to_vec()), 1..4), max in 0usize..64,
                           wire in prop::collection::vec(prop::sample::select(b"abc".to_vec()), 0..300), sizes in chunk_sizes()) {
        let codec = Delimiter::new(&delim).unwrap().with_max_length(max);
        let whole = decode_chunked(&mut codec.clone(), &wire, &[usize::MAX]);
        let chunked = decode_chunked(&mut codec.clone(), &wire, &sizes);
        prop_assert_eq!(&whole, &chunked);
        prop_assert!(whole.0.iter().all(|it| it.len() <= max));
        // Re-encoding what was decoded gives back the input that was consumed.
        let (again, accepted) = encode_all(&mut codec.clone(), &whole.0);
        prop_assert_eq!(accepted.len(), whole.0.len());
        prop_assert_eq!(&wire[..again.len()], &again[..]);
    }

    #[test]
    fn fixed_roundtrip(size in 1usize..40, items in items(60), sizes in chunk_sizes()) {
        let codec = Fixed::new(size).unwrap();
        let (wire, accepted) = encode_all(&mut { codec }, &items);
        prop_assert!(accepted.iter().all(|a| a.len() == size));
        let (got, err) = decode_chunked(&mut { codec }, &wire, &sizes);
        prop_assert_eq!(err, None);
        prop_assert_eq!(got, accepted);
    }

    #[test]
    fn fixed_any_input(size in 1usize..40, wire in prop::collection::vec(any::<u8>(), 0..300), sizes in chunk_sizes()) {
        let codec = Fixed::new(size).unwrap();
        let (got, err) = decode_chunked(&mut { codec }, &wire, &sizes);
        prop_assert_eq!(err, None);
        prop_assert_eq!(got.len(), wire.len() / size);
        prop_assert_eq!(got.concat(), &wire[..wire.len() / size * size]);
    }
}
