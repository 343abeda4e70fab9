//! The PROXY protocol header parser: any bytes, fed whole and then a byte at a time,
//! must give the same answer (a header of the same length, or an error) without
//! panicking; a header that parses is written back and parses the same again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpio::proxy::{parse, Parsed, DEFAULT_MAX_HEADER};

fuzz_target!(|data: &[u8]| {
    let whole = parse(data, DEFAULT_MAX_HEADER);
    // The same bytes arriving in pieces: each prefix is Incomplete until the answer.
    for n in 0..data.len() {
        match parse(&data[..n], DEFAULT_MAX_HEADER) {
            Ok(Parsed::Incomplete) => {}
            Ok(done @ Parsed::Complete(_, used)) => {
                assert!(used <= n);
                assert_eq!(whole.as_ref().ok(), Some(&done), "the first complete prefix gives the answer");
                break;
            }
            Err(_) => {
                assert!(whole.is_err(), "an error on a prefix is an error on the whole");
                break;
            }
        }
    }
    if let Ok(Parsed::Complete(header, used)) = whole {
        assert!(used <= data.len() && used <= DEFAULT_MAX_HEADER);
        let mut again = Vec::new();
        if header.write(&mut again).is_ok() {
            match parse(&again, usize::MAX) {
                Ok(Parsed::Complete(h, n)) => {
                    assert_eq!(n, again.len());
                    assert_eq!(h.addresses, header.addresses);
                    assert_eq!(h.command, header.command);
                }
                other => panic!("a written header does not parse: {other:?}"),
            }
        }
    }
});
