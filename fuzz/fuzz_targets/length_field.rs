//! The length-field decoder under any configuration: the first two bytes choose the
//! width, byte order, offset, adjustment, stripping and maximum; the third the chunk
//! size; the rest is the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpio::codec::{Endian, LengthField};

fuzz_target!(|data: &[u8]| {
    let [a, b, chunk, wire @ ..] = data else { return };
    let (a, b) = (*a, *b);
    let width = [1, 2, 3, 4, 8][usize::from(a % 5)];
    let endian = if a & 0x08 != 0 { Endian::Little } else { Endian::Big };
    let strip = a & 0x10 != 0;
    let offset = usize::from(a >> 5); // 0..8
    let adjustment = i64::from(b as i8 >> 3); // -16..16
    let max = usize::from(b & 0x07) * 97; // 0..680
    let codec = LengthField::builder()
        .width(width)
        .endian(endian)
        .offset(offset)
        .adjustment(adjustment)
        .strip_header(strip)
        .max_frame(max)
        .build()
        .expect("every generated configuration is valid");
    let items = tcpio_fuzz::check(&codec, wire, usize::from(*chunk));
    for it in &items {
        assert!(it.len() <= max + if strip { 0 } else { codec.header_len() });
    }
});
