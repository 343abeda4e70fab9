//! Byte classes of HTTP's grammar, as lookup tables: the `tchar`s of a token (RFC 9110
//! §5.6.2), the bytes of a reg-name (RFC 3986 §3.2.2) and of an origin-form target
//! (RFC 9112 §3.2.1), with their pct-encodings checked.

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
/// Unreserved and sub-delims: a reg-name's bytes but `%` (RFC 3986 §3.2.2).
static REG_NAME: [bool; 256] = table(b"-._~!$&'()*+,;=");
/// The bytes of an origin-form target but `%` (RFC 9112 §3.2.1): a path's `pchar`s
/// (unreserved, sub-delims, `:`, `@`) and `/`, and a query's, which adds `?`.
static TARGET: [bool; 256] = table(b"-._~!$&'()*+,;=:@/?");

/// Whether `s` is a reg-name: unreserved and sub-delims bytes, and pct-encodings.
#[inline]
pub(super) fn all_reg_name(s: &[u8]) -> bool {
    all_of(s, &REG_NAME)
}

/// Whether `s` is a path with an optional query, `path-abempty [ "?" query ]`: target
/// bytes and pct-encodings. (A `#`, a fragment, is not one: a client does not send it.)
#[inline]
pub(super) fn is_target(s: &[u8]) -> bool {
    all_of(s, &TARGET)
}

/// Whether `s` is bytes of `class` and pct-encodings (RFC 3986 §2.1). The common case,
/// no `%`, is one pass of a load and an `and` a byte without an early exit (a `Host`
/// value or a target is short and nearly always valid); a `%` is looked at after.
#[inline]
fn all_of(s: &[u8], class: &[bool; 256]) -> bool {
    s.iter().fold(true, |all, &b| all & class[usize::from(b)]) || with_pct_encodings(s, class)
}

/// [`all_of`] for a string that may hold pct-encodings.
#[cold]
fn with_pct_encodings(s: &[u8], class: &[bool; 256]) -> bool {
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b == b'%' {
            match s.get(i + 1..i + 3) {
                Some([h, l]) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => i += 3,
                _ => return false,
            }
        } else if class[usize::from(b)] {
            i += 1;
        } else {
            return false;
        }
    }
    true
}
