//! Byte classes of HTTP's grammar, as lookup tables: the `tchar`s of a token (RFC 9110
//! §5.6.2) and the bytes of a reg-name (RFC 3986 §3.2.2).

/// A `tchar` of RFC 9110 §5.6.2.
#[inline]
pub(super) fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// Bytes that are letters, digits or one of `others`, as a lookup table.
const fn table(others: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < others.len() {
        t[others[i] as usize] = true;
        i += 1;
    }
    t
}

/// The `tchar`s.
static TCHAR: [bool; 256] = table(b"!#$%&'*+-.^_`|~");
/// Unreserved, sub-delims and `%` (RFC 3986's reg-name, pct-encodings included).
static REG_NAME: [bool; 256] = table(b"-._~!$&'()*+,;=%");

/// Whether every byte of `s` is a reg-name byte (unreserved, sub-delims or part of a
/// pct-encoding). No early exit: one load and one `and` a byte, as a `Host` value is
/// short and nearly always valid.
#[inline]
pub(super) fn all_reg_name(s: &[u8]) -> bool {
    s.iter().fold(true, |all, &b| all & REG_NAME[usize::from(b)])
}
