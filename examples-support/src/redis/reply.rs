//! Reply encoding: the bulk string, integer and array headers every reply is made of
//! (the command families in `commands/` and the pub/sub frames in `pubsub.rs` write
//! through these), and the types RESP3 adds for a connection that asked for it with
//! `HELLO 3` (null, map, set, verbatim string, push), each written as RESP2 writes it
//! otherwise: a null as `$-1` or `*-1`, a map as an array of twice its pairs, a set as
//! an array, a verbatim string as a bulk string, a push as an array.

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

/// A `HELP` subcommand's reply: its lines as status replies, in an array.
pub fn help(out: &mut impl Sink, lines: &[&str]) {
    array(out, lines.len());
    for line in lines {
        status(out, line);
    }
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

/// A double (a sorted set's score): `,<%.17g>` in RESP3, a bulk string in RESP2, as
/// Redis's `addReplyDouble` writes it (`inf` and `-inf` for the infinities).
pub fn double(out: &mut impl Sink, d: f64, resp3: bool) {
    let mut text = Vec::with_capacity(32);
    crate::redis::score::format_g17(d, &mut text);
    if resp3 {
        out.put(b",");
        out.put(&text);
        out.put(b"\r\n");
    } else {
        bulk(out, &text);
    }
}

/// A null where a bulk string would be: `_` in RESP3, `$-1` in RESP2.
#[inline]
pub fn null(out: &mut impl Sink, resp3: bool) {
    out.put(if resp3 { b"_\r\n" } else { b"$-1\r\n" });
}

/// A null where an array would be: `_` in RESP3, `*-1` in RESP2.
pub fn null_array(out: &mut impl Sink, resp3: bool) {
    out.put(if resp3 { b"_\r\n" } else { b"*-1\r\n" });
}

/// A map header of `pairs` key-value pairs: `%<pairs>` in RESP3, an array of twice as
/// many elements in RESP2.
pub fn map(out: &mut impl Sink, pairs: usize, resp3: bool) {
    if resp3 {
        header(out, b'%', pairs as i64);
    } else {
        array(out, 2 * pairs);
    }
}

/// A set header: `~<n>` in RESP3, an array in RESP2.
pub fn set(out: &mut impl Sink, n: usize, resp3: bool) {
    header(out, if resp3 { b'~' } else { b'*' }, n as i64);
}

/// A push header (what a subscriber receives): `><n>` in RESP3, an array in RESP2.
pub fn push(out: &mut impl Sink, n: usize, resp3: bool) {
    header(out, if resp3 { b'>' } else { b'*' }, n as i64);
}

/// Text meant for people (`INFO`, `CLIENT LIST`): a verbatim string of format `txt`
/// in RESP3, a bulk string in RESP2.
pub fn verbatim(out: &mut impl Sink, text: &[u8], resp3: bool) {
    if resp3 {
        header(out, b'=', text.len() as i64 + 4);
        out.put(b"txt:");
        out.put(text);
        out.put(b"\r\n");
    } else {
        bulk(out, text);
    }
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
