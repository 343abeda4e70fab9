//! The delimiter decoder: the first byte sets the delimiter's length (1 to 4 bytes,
//! taken from the input), the second the maximum, the third the chunk size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpio::codec::Delimiter;

fuzz_target!(|data: &[u8]| {
    let [n, max, chunk, rest @ ..] = data else { return };
    let n = usize::from(n % 4) + 1;
    if rest.len() < n {
        return;
    }
    let (delim, wire) = rest.split_at(n);
    let codec = Delimiter::new(delim).expect("not empty").with_max_length(usize::from(*max));
    let items = tcpio_fuzz::check(&codec, wire, usize::from(*chunk));
    tcpio_fuzz::reencodes(&codec, &items, wire);
});
