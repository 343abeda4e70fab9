//! A head as clients write it, read without `httparse`: `method SP target SP
//! HTTP/1.0|1.1 CRLF`, with a token for the method and visible ASCII for the target,
//! then `name: value CRLF` lines, a token for the name and visible ASCII, spaces and
//! tabs for the value. That is a strict subset of what `httparse` accepts, and each
//! part reads as `httparse` reads it; anything else (an empty line first, a bare LF,
//! bytes over 0x7E, obs-fold, another version, a head not complete yet) is left to
//! `httparse`, which decides. The point is cost: for the usual head this is several
//! times cheaper (`httparse` validates the target as UTF-8 and its field loop is
//! general), and test builds and the fuzz target check every head read here against
//! `httparse`.

use super::chars::is_tchar;

/// A request line read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Line<'b> {
    pub(super) method: &'b [u8],
    pub(super) target: &'b [u8],
    /// HTTP/1.1 (else 1.0).
    pub(super) http11: bool,
    /// Its length, the CRLF included.
    pub(super) len: usize,
}

/// The request line at the start of `head`, if it has the strict form.
#[inline]
pub(super) fn request_line(head: &[u8]) -> Option<Line<'_>> {
    let method_len = head.iter().position(|&b| !is_tchar(b))?;
    if method_len == 0 || head[method_len] != b' ' {
        return None;
    }
    let rest = &head[method_len + 1..];
    let target_len = visible_prefix(rest, b'!');
    if target_len == 0 {
        return None;
    }
    // ` HTTP/1.` as one word, then the minor version and CRLF.
    let tail: &[u8; 11] = rest.get(target_len..target_len + 11)?.try_into().ok()?;
    let [s, h, t0, t1, p, slash, one, dot, minor, cr, lf] = *tail;
    if u64::from_le_bytes([s, h, t0, t1, p, slash, one, dot]) != u64::from_le_bytes(*b" HTTP/1.")
        || [cr, lf] != *b"\r\n"
    {
        return None;
    }
    let http11 = match minor {
        b'1' => true,
        b'0' => false,
        _ => return None,
    };
    Some(Line {
        method: &head[..method_len],
        target: &rest[..target_len],
        http11,
        len: method_len + 1 + target_len + 11,
    })
}

/// How many bytes at the start of `s` are in `lo..=0x7E` (`lo` is a space or `!`),
/// eight at a time; bytewise only for the last few bytes of `s`.
#[inline]
fn visible_prefix(s: &[u8], lo: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    let mut n = 0;
    while let Some(chunk) = s.get(n..n + 8) {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        // A high bit where a byte is over 0x7F; a high bit where a byte is below `lo`
        // (for bytes under 0x80), or is 0x7F (a zero byte of `x ^ 0x7F..`). A borrow
        // comes only from a byte that is out, so bytes above the first one out may be
        // flagged wrongly but the lowest flag is exact: it marks the first byte out.
        let below = x.wrapping_sub(ONES * u64::from(lo)) & !x;
        let del = x ^ (ONES * 0x7F);
        let del = del.wrapping_sub(ONES) & !del;
        let out = (x | below | del) & HIGH;
        if out != 0 {
            return n + (out.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + s[n..].iter().position(|&b| !(lo..=b'~').contains(&b)).unwrap_or(s.len() - n)
}

/// A line of the field section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Field<'b> {
    /// `name: value`, its whitespace around the value trimmed; `len` with the CRLF.
    Line { name: &'b [u8], value: &'b [u8], len: usize },
    /// The empty line that ends the head.
    End,
}

/// The field line (or the end of the head) at the start of `rest`, if it has the
/// strict form and is all here.
#[inline]
pub(super) fn field(rest: &[u8]) -> Option<Field<'_>> {
    if rest.starts_with(b"\r\n") {
        return Some(Field::End);
    }
    let name_len = rest.iter().position(|&b| !is_tchar(b))?;
    if name_len == 0 || rest[name_len] != b':' {
        return None;
    }
    let mut start = name_len + 1;
    while let Some(b' ' | b'\t') = rest.get(start) {
        start += 1;
    }
    let mut end = start;
    loop {
        end += visible_prefix(&rest[end..], b' ');
        match rest.get(end) {
            Some(b'\t') => end += 1,
            Some(_) => break,
            None => return None,
        }
    }
    if rest[end] != b'\r' || rest.get(end + 1) != Some(&b'\n') {
        return None;
    }
    let value = rest[start..end].trim_ascii_end();
    Some(Field::Line { name: &rest[..name_len], value, len: end + 2 })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The count `visible_prefix` makes, a byte at a time.
    fn naive(s: &[u8], lo: u8) -> usize {
        s.iter().position(|&b| !(lo..=b'~').contains(&b)).unwrap_or(s.len())
    }

    #[test]
    fn the_usual_lines_are_read() {
        let line = request_line(b"GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        assert_eq!(
            (line.method, line.target, line.http11, line.len),
            (&b"GET"[..], &b"/plaintext"[..], true, 25)
        );
        let line = request_line(b"POST http://a/upload?x=%20 HTTP/1.0\r\n").unwrap();
        assert_eq!(
            (line.method, line.target, line.http11),
            (&b"POST"[..], &b"http://a/upload?x=%20"[..], false)
        );
    }

    #[test]
    fn anything_else_is_left_to_httparse() {
        for head in [
            &b"\r\nGET / HTTP/1.1\r\n"[..],
            b"GET / HTTP/1.1\n",
            b"GET  / HTTP/1.1\r\n",
            b"GET / HTTP/1.2\r\n",
            b"GET / HTTP/2.0\r\n",
            b"GET / HTTP/1.1\r\r",
            b"GET / HTTP/1.1\n\n",
            b"GET / http/1.1\r\n",
            b"GET / HTTP/11\r\n\r\n",
            b"GET / HTTP/1.x\r\n",
            b"GET / HTTP 1.1\r\n",
            b"GET / HTTP/1.1 \r\n",
            b"GET /\xc3\xa9 HTTP/1.1\r\n",
            b"GET /a\tb HTTP/1.1\r\n",
            b"G(T / HTTP/1.1\r\n",
            b" / HTTP/1.1\r\n",
            b"GET / HTTP/1.1",
            b"GET / HTTP/1.1\r",
            b"GET /",
            b"GET",
            b"",
        ] {
            assert_eq!(request_line(head), None, "{:?}", String::from_utf8_lossy(head));
        }
    }

    #[test]
    fn what_it_reads_httparse_reads_the_same() {
        for head in [
            &b"GET /plaintext HTTP/1.1\r\n\r\n"[..],
            b"DELETE * HTTP/1.0\r\n\r\n",
            b"x%~ /!~ HTTP/1.1\r\n\r\n",
        ] {
            let line = request_line(head).unwrap();
            let mut headers = [httparse::EMPTY_HEADER; 4];
            let mut req = httparse::Request::new(&mut headers);
            assert!(req.parse(head).unwrap().is_complete());
            assert_eq!(req.method.unwrap().as_bytes(), line.method);
            assert_eq!(req.path.unwrap().as_bytes(), line.target);
            assert_eq!(req.version == Some(1), line.http11);
        }
    }

    #[test]
    fn visible_prefix_finds_the_first_byte_out_whatever_follows_it() {
        // Bytes around every edge of the class; a byte out lends a borrow to the ones
        // above it, which must not move the answer.
        let edges = [0x00, 0x01, 0x1F, 0x20, 0x21, 0x22, 0x7E, 0x7F, 0x80, 0x81, 0xFE, 0xFF, b'a'];
        for lo in [b' ', b'!'] {
            for &first in &edges {
                for &second in &edges {
                    for i in 0..16 {
                        for j in i + 1..17 {
                            let mut s = [b'~'; 17];
                            (s[i], s[j]) = (first, second);
                            assert_eq!(
                                visible_prefix(&s, lo),
                                naive(&s, lo),
                                "{first:#x} at {i}, {second:#x} at {j}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn visible_prefix_is_the_bytewise_count() {
        for lo in [b' ', b'!'] {
            for bad in 0..=255u8 {
                for at in 0..20 {
                    let mut s = [b'a'; 20];
                    s[at] = bad;
                    for len in [at + 1, 20] {
                        assert_eq!(visible_prefix(&s[..len], lo), naive(&s[..len], lo), "{bad:#x} at {at}");
                    }
                }
            }
        }
    }

    #[test]
    fn field_lines_are_read_and_anything_odd_is_left() {
        let f = field(b"Host:  a.b:80 \t\r\nX").unwrap();
        assert_eq!(f, Field::Line { name: b"Host", value: b"a.b:80", len: 17 });
        assert_eq!(field(b"\r\n"), Some(Field::End));
        assert_eq!(field(b"X:\r\n"), Some(Field::Line { name: b"X", value: b"", len: 4 }));
        let tabs = field(b"User-Agent: a\tlong value with\ttabs in it\r\n").unwrap();
        assert_eq!(
            tabs,
            Field::Line { name: b"User-Agent", value: b"a\tlong value with\ttabs in it", len: 42 }
        );
        for odd in [
            &b"Host : a\r\n"[..],
            b" Host: a\r\n",
            b"Host: a\n",
            b"Host: a\rb\r\n",
            b"Host: \xc3\xa9\r\n",
            b"Host: a",
            b"Host: a\r",
            b":a\r\n",
            b"\n",
        ] {
            assert_eq!(field(odd), None, "{:?}", String::from_utf8_lossy(odd));
        }
    }
}
