//! RESP2 reply encoding: the bulk string, integer and array headers every reply is
//! made of (the command families in `commands/` and the pub/sub frames in `pubsub.rs`
//! write through these).

use tcpio::codec::Sink;

use crate::num::{digits_before, MAX_DIGITS};

/// The error for a command on a key of another type.
pub(crate) const E_WRONGTYPE: &[u8] =
    b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/// A bulk string: `$<len>\r\n<bytes>\r\n`, the value put as it is (one copy).
#[inline]
pub fn bulk(out: &mut impl Sink, v: &[u8]) {
    header(out, b'$', v.len() as i64);
    out.put(v);
    out.put(b"\r\n");
}

/// A status reply: `+text\r\n`.
pub fn status(out: &mut impl Sink, text: &str) {
    out.put(b"+");
    out.put(text.as_bytes());
    out.put(b"\r\n");
}

/// An integer reply: `:<n>\r\n`.
#[inline]
pub fn int(out: &mut impl Sink, n: i64) {
    header(out, b':', n);
}

/// An array header: `*<n>\r\n`.
#[inline]
pub fn array(out: &mut impl Sink, n: usize) {
    header(out, b'*', n as i64);
}

/// A type byte, a number and a line end, written in one piece.
#[inline(always)]
fn header(out: &mut impl Sink, kind: u8, n: i64) {
    // One digit (most values, counts and flags) without the general formatting loop,
    // inlined into each reply; longer numbers out of line.
    if (0..10).contains(&n) {
        return out.put(&[kind, b'0' + n as u8, b'\r', b'\n']);
    }
    header_long(out, kind, n);
}

/// [`header`] for a number of more than one digit: formatted in place, from the line
/// end back to the type byte.
#[inline(never)]
fn header_long(out: &mut impl Sink, kind: u8, n: i64) {
    let mut buf = [0u8; MAX_DIGITS + 4];
    let end = buf.len() - 2;
    buf[end..].copy_from_slice(b"\r\n");
    let mut start = digits_before(n.unsigned_abs(), &mut buf, end);
    if n < 0 {
        start -= 1;
        buf[start] = b'-';
    }
    start -= 1;
    buf[start] = kind;
    out.put(&buf[start..]);
}

#[cfg(test)]
mod tests {
    #[test]
    fn integer_and_array_headers_of_every_size() {
        for n in [0i64, 7, 9, 10, 99, 100, 12_345, -1, -9, -10, -12_345, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            super::int(&mut out, n);
            assert_eq!(out, format!(":{n}\r\n").as_bytes());
        }
        let mut out = Vec::new();
        super::array(&mut out, 1_000_000);
        assert_eq!(out, b"*1000000\r\n");
    }
}
