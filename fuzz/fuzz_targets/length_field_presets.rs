//! The length-field decoder in the configurations drawn in its docs, with large
//! maximums; decoded bodies must re-encode to the input where the header is stripped
//! and holds nothing but the length.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpio::codec::LengthField;

fuzz_target!(|data: &[u8]| {
    let [preset, chunk, wire @ ..] = data else { return };
    let b = LengthField::builder().max_frame(1 << 20);
    let codec = match preset % 5 {
        0 => b, // u32 big-endian
        1 => b.width(2).adjustment(-2),
        2 => b.width(1).adjustment(2),
        3 => b.width(8).little_endian(),
        _ => b.width(3).max_frame(usize::MAX - 3),
    }
    .build()
    .expect("a valid preset");
    let items = tcpio_fuzz::check(&codec, wire, usize::from(*chunk));
    tcpio_fuzz::reencodes(&codec, &items, wire);
});
