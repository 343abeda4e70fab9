//! Decimal formatting without allocation, for headers built on the stack: the RESP
//! replies' lengths and integers, the keyspace's counters, HTTP's `Content-Length`.

/// The longest decimal form of an `i64` or a `u64` (`-9223372036854775808` and
/// `18446744073709551615` are both 20 bytes).
pub const MAX_DIGITS: usize = 20;

/// Writes the decimal form of `v` at the end of `buf` and returns it.
///
/// ```
/// let mut buf = [0u8; tcpio_examples::num::MAX_DIGITS];
/// assert_eq!(tcpio_examples::num::format_i64(-42, &mut buf), b"-42");
/// ```
pub fn format_i64(v: i64, buf: &mut [u8; MAX_DIGITS]) -> &[u8] {
    let mut i = MAX_DIGITS - format_u64(v.unsigned_abs(), buf).len();
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// Writes the decimal form of `n` at the end of `buf` and returns it.
///
/// ```
/// let mut buf = [0u8; tcpio_examples::num::MAX_DIGITS];
/// assert_eq!(tcpio_examples::num::format_u64(1234, &mut buf), b"1234");
/// ```
pub fn format_u64(n: u64, buf: &mut [u8; MAX_DIGITS]) -> &[u8] {
    let start = digits_before(n, buf, MAX_DIGITS);
    &buf[start..]
}

/// Every two-digit number's digits, in order: `00`, `01` ... `99`.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes the decimal form of `n` into `buf` so that it ends just before `end`, two
/// digits at a time; returns where it starts. `buf` must have room for it.
pub fn digits_before(mut n: u64, buf: &mut [u8], end: usize) -> usize {
    let mut i = end;
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    i
}

/// Appends the decimal form of `v` to `out`.
pub fn push_i64(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; MAX_DIGITS];
    out.extend_from_slice(format_i64(v, &mut buf));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_magnitude_formats_like_display() {
        let mut buf = [0u8; MAX_DIGITS];
        let mut values = vec![0, 1, -1, 9, 10, -10, 99, 100, i64::MAX, i64::MIN, i64::MIN + 1];
        values.extend((0..19).map(|p| 10i64.pow(p)).flat_map(|v| [v - 1, v, -v, 1 - v]));
        for v in values {
            assert_eq!(format_i64(v, &mut buf), v.to_string().as_bytes(), "{v}");
        }
        for n in [0, 7, 10, 12345, u64::MAX, u64::MAX / 10] {
            assert_eq!(format_u64(n, &mut buf), n.to_string().as_bytes(), "{n}");
        }
        for n in (0..100_000).chain((0..64).map(|s| 1u64 << s)).chain((1..64).map(|s| (1u64 << s) - 1)) {
            assert_eq!(format_u64(n, &mut buf), n.to_string().as_bytes(), "{n}");
        }
        let mut out = b"x".to_vec();
        push_i64(&mut out, -305);
        assert_eq!(out, b"x-305");
    }
}
