//! Names compared in any case without a lower-case copy: ORed with 0x20, a byte becomes
//! a lower-case letter exactly when it is a letter of either case, and becomes `-` only
//! when it is `-` or a CR. Command names (Redis) and field names (HTTP) are compared
//! this way, a word at a time.

/// Whether `name` is `lower` in any case. `lower` holds lower-case letters, and `-` only
/// where `name` cannot hold a CR (an HTTP token). Four bytes or more are compared as
/// two words of four or of eight bytes, overlapping when the length is not twice a
/// word's; shorter and longer names a byte at a time.
#[inline]
pub(crate) fn is_lower(name: &[u8], lower: &[u8]) -> bool {
    const LOWER: u64 = 0x2020_2020_2020_2020;
    let n = name.len();
    if n != lower.len() {
        return false;
    }
    let word4 = |s: &[u8], at: usize| u32::from_le_bytes([s[at], s[at + 1], s[at + 2], s[at + 3]]);
    let word8 = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or_default());
    match n {
        4..=7 => {
            word4(name, 0) | LOWER as u32 == word4(lower, 0)
                && word4(name, n - 4) | LOWER as u32 == word4(lower, n - 4)
        }
        8..=16 => {
            word8(name, 0) | LOWER == word8(lower, 0) && word8(name, n - 8) | LOWER == word8(lower, n - 8)
        }
        _ => lower.iter().zip(name).all(|(&l, &c)| c | 0x20 == l),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_in_any_case_and_nothing_else_at_every_length() {
        for n in 0..=24 {
            let lower: Vec<u8> = (0..n).map(|i| b'a' + (i * 7 % 26) as u8).collect();
            assert!(is_lower(&lower, &lower) && is_lower(&lower.to_ascii_uppercase(), &lower));
            for at in 0..n {
                for b in 0..=255u8 {
                    let mut name = lower.clone();
                    name[at] = b;
                    assert_eq!(
                        is_lower(&name, &lower),
                        name.eq_ignore_ascii_case(&lower),
                        "{b:#04x} at {at} of {n}"
                    );
                }
            }
            assert!(!is_lower(&[&lower[..], b"a"].concat(), &lower));
        }
    }
}
