//! The fixed-size decoder: the first byte sets the size, the second the chunk size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpio::codec::Fixed;

fuzz_target!(|data: &[u8]| {
    let [size, chunk, wire @ ..] = data else { return };
    let codec = Fixed::new(usize::from(*size).max(1)).expect("not zero");
    let items = tcpio_fuzz::check(&codec, wire, usize::from(*chunk));
    assert_eq!(items.len(), wire.len() / codec.size());
    tcpio_fuzz::reencodes(&codec, &items, wire);
});
