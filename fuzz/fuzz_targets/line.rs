//! The line decoder: the first byte sets the maximum length, the second the chunk
//! size; the rest is the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpio::codec::Line;

fuzz_target!(|data: &[u8]| {
    let [max, chunk, wire @ ..] = data else { return };
    let max = usize::from(*max);
    let lines = tcpio_fuzz::check(&Line::new().with_max_length(max), wire, usize::from(*chunk));
    for l in &lines {
        assert!(l.len() <= max && !l.contains(&b'\n'));
    }
});
