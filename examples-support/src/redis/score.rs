//! The `double`s of the sorted-set commands, read and written as Redis 7.0 does:
//!
//! - read by C's `strtod` ([`strtod`]): leading white space skipped, decimal and
//!   hexadecimal (`0x1.8p3`) forms, `inf` and `infinity`, correctly rounded. A score
//!   ([`parse_score`], `getDoubleFromObject`) must be the whole argument, with no white
//!   space first, not NaN, neither overflowing nor underflowing to zero (a hexadecimal
//!   form whose value is below the normal range is rounded twice, where glibc rounds
//!   once: it may differ in its last bit, or read as zero); a range's end
//!   (`ZCOUNT`'s `min`, `(1.5`) only needs `strtod` to stop at the end of the argument
//!   or at a NUL, and not to give NaN ([`parse_range_end`]).
//! - written as `printf("%.17g")` ([`format_g17`]) in replies, and, where Redis keeps a
//!   score as text (a small sorted set, `ZSCAN`), as `d2string` writes it
//!   ([`format_d2string`], a small sorted set's `ZSCAN`): an integer when the score is
//!   one that a `long long` holds exactly within half its range.

use std::fmt::Write as _;

/// C's `isspace` in the "C" locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C's `strtod`: the number at the start of `s` (after white space), how many bytes of
/// `s` it took (0 when there is none: then the value is 0), and whether it was out of
/// range (`ERANGE`: it overflowed to an infinity or underflowed to zero).
pub fn strtod(s: &[u8]) -> (f64, usize, bool) {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    let mut i = start;
    let neg = matches!(s.get(i), Some(b'-'));
    if matches!(s.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let rest = &s[i..];
    let word = |w: &str| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w.as_bytes());
    let sign = if neg { -1.0 } else { 1.0 };
    if word("infinity") {
        return (sign * f64::INFINITY, i + 8, false);
    }
    if word("inf") {
        return (sign * f64::INFINITY, i + 3, false);
    }
    if word("nan") {
        return (f64::NAN, i + 3, false);
    }
    if rest.len() > 2 && rest[0] == b'0' && matches!(rest[1], b'x' | b'X') {
        if let Some((v, n, range)) = hex(&rest[2..]) {
            return (sign * v, i + 2 + n, range);
        }
    }
    // Digits, a point and digits (one digit at least), an exponent if it has digits.
    let digits = |from: usize| s[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let whole = digits(i);
    let mut end = i + whole;
    let mut fraction = 0;
    if s.get(end) == Some(&b'.') {
        fraction = digits(end + 1);
        if whole + fraction > 0 {
            end += 1 + fraction;
        }
    }
    if whole + fraction == 0 {
        return (0.0, 0, false);
    }
    let mantissa_end = end;
    if matches!(s.get(end), Some(b'e' | b'E')) {
        let mut e = end + 1;
        if matches!(s.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let n = digits(e);
        if n > 0 {
            end = e + n;
        }
    }
    // The text is ASCII and in Rust's grammar, which rounds correctly as glibc does.
    let text = std::str::from_utf8(&s[start..end]).unwrap_or("0");
    let v: f64 = text.parse().unwrap_or(0.0);
    let nonzero = s[i..mantissa_end].iter().any(|b| matches!(b, b'1'..=b'9'));
    let range = v.is_infinite() || (v == 0.0 && nonzero);
    (v, end, range)
}

/// A hexadecimal number's digits (after `0x`): its magnitude, the bytes it took, and
/// whether it overflowed or underflowed; `None` when no hex digit follows.
fn hex(s: &[u8]) -> Option<(f64, usize, bool)> {
    // Up to 60 significant bits kept, whatever is below them folded into the lowest (a
    // sticky bit, below where a double rounds): the conversion rounds correctly for a
    // normal result.
    let (mut mant, mut exp, mut digits, mut sticky, mut nonzero) = (0u64, 0i64, 0, false, false);
    let mut i = 0;
    let mut point = false;
    while i < s.len() {
        match s[i] {
            b'.' if !point => point = true,
            c => {
                let Some(d) = (c as char).to_digit(16) else { break };
                digits += 1;
                nonzero |= d != 0;
                if mant >> 56 == 0 {
                    mant = (mant << 4) | u64::from(d);
                    if point {
                        exp -= 4;
                    }
                } else {
                    sticky |= d != 0;
                    if !point {
                        exp += 4;
                    }
                }
            }
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if matches!(s.get(i), Some(b'p' | b'P')) {
        let mut e = i + 1;
        let neg = matches!(s.get(e), Some(b'-'));
        if matches!(s.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let n = s[e..].iter().take_while(|b| b.is_ascii_digit()).count();
        if n > 0 {
            let v = s[e..e + n].iter().fold(0i64, |v, &d| (v * 10 + i64::from(d - b'0')).min(1 << 20));
            exp += if neg { -v } else { v };
            i = e + n;
        }
    }
    let mant = mant | u64::from(sticky);
    let mut v = mant as f64;
    // Scaled in steps that stay exact while the result is a normal number.
    let mut left = exp;
    while left != 0 && v != 0.0 && v.is_finite() {
        let step = left.clamp(-1000, 1000);
        v *= 2f64.powi(step as i32);
        left -= step;
    }
    Some((v, i, v.is_infinite() || (v == 0.0 && nonzero)))
}

/// A score argument (`ZADD`, `ZINCRBY`), as Redis's `getDoubleFromObject` reads it.
pub fn parse_score(s: &[u8]) -> Option<f64> {
    if s.is_empty() || is_space(s[0]) {
        return None;
    }
    let (v, n, range) = strtod(s);
    (n == s.len() && !range && !v.is_nan()).then_some(v)
}

/// One end of a score range (`ZCOUNT`, `ZRANGEBYSCORE`): the value and whether it is
/// exclusive (`(`), as Redis's `zslParseRange` reads it.
pub fn parse_range_end(s: &[u8]) -> Option<(f64, bool)> {
    let (exclusive, text) = match s.first() {
        Some(b'(') => (true, &s[1..]),
        _ => (false, s),
    };
    let (v, n, _) = strtod(text);
    // `strtod` stops where C's string ends: at the end, or at a NUL.
    (matches!(text.get(n), None | Some(0)) && !v.is_nan()).then_some((v, exclusive))
}

/// `printf("%.17g", d)`, for a finite or infinite `d` (`inf`, `-inf`).
pub fn format_g17(d: f64, out: &mut Vec<u8>) {
    if d.is_infinite() {
        out.extend_from_slice(if d > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    if d == 0.0 {
        out.extend_from_slice(if d.is_sign_negative() { b"-0" } else { b"0" });
        return;
    }
    // 17 significant digits, correctly rounded, and the decimal exponent.
    let mut e = String::with_capacity(32);
    let _ = write!(e, "{:.16e}", d.abs());
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    if d < 0.0 {
        out.push(b'-');
    }
    let trim = |ds: &[u8]| ds.len() - ds.iter().rev().take_while(|&&b| b == b'0').count();
    if (-4..17).contains(&exp) {
        if exp >= 0 {
            let point = exp as usize + 1;
            out.extend_from_slice(&digits[..point]);
            let fraction = &digits[point..];
            let keep = trim(fraction);
            if keep > 0 {
                out.push(b'.');
                out.extend_from_slice(&fraction[..keep]);
            }
        } else {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat(b'0').take((-exp - 1) as usize));
            out.extend_from_slice(&digits[..trim(&digits)]);
        }
    } else {
        out.push(digits[0]);
        let keep = trim(&digits[1..]);
        if keep > 0 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..1 + keep]);
        }
        let _ = write!(Adapter(out), "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
}

/// `fmt::Write` into a byte vector.
struct Adapter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Adapter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Redis's `d2string`: `-0` for minus zero, an integer when `d` is one within half of a
/// `long long`'s range, else `%.17g`.
pub fn format_d2string(d: f64, out: &mut Vec<u8>) {
    const HALF: f64 = (i64::MAX / 2) as f64;
    if d == 0.0 && d.is_sign_negative() {
        out.extend_from_slice(b"-0");
    } else if (-HALF..=HALF).contains(&d) && d == (d as i64) as f64 {
        let _ = write!(Adapter(out), "{}", d as i64);
    } else {
        format_g17(d, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g17(d: f64) -> String {
        let mut v = Vec::new();
        format_g17(d, &mut v);
        String::from_utf8(v).unwrap()
    }

    fn d2s(d: f64) -> String {
        let mut v = Vec::new();
        format_d2string(d, &mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn writes_doubles_as_printf_g17() {
        // What glibc's printf("%.17g") writes, checked against Redis 7.0's replies.
        for (d, want) in [
            (1.1, "1.1000000000000001"),
            (1e20, "1e+20"),
            (1e-5, "1.0000000000000001e-05"),
            (1e-310, "9.9999999999999694e-311"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1.5, "1.5"),
            (-2.0, "-2"),
            (0.0001, "0.0001"),
            (0.5, "0.5"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (-0.0, "-0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE / 2.0, "1.1125369292536007e-308"),
        ] {
            assert_eq!(g17(d), want, "{d:e}");
        }
    }

    #[test]
    fn writes_scores_kept_as_text_as_d2string() {
        for (d, want) in [
            (1e17, "100000000000000000"),
            (5e15, "5000000000000000"),
            (-0.0, "-0"),
            (3.0, "3"),
            (1.5, "1.5"),
            (1e19, "1e+19"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(d2s(d), want, "{d:e}");
        }
    }

    #[test]
    fn reads_scores_as_get_double_from_object() {
        for (text, want) in [
            ("1.5", Some(1.5)),
            ("-0", Some(-0.0)),
            ("+inf", Some(f64::INFINITY)),
            ("-Infinity", Some(f64::NEG_INFINITY)),
            ("0x10", Some(16.0)),
            ("0x1.8p1", Some(3.0)),
            ("1.", Some(1.0)),
            (".5", Some(0.5)),
            ("1e5", Some(1e5)),
            ("1e-310", Some(1e-310)),
            ("1e400", None),
            ("1e-400", None),
            ("0e-400", Some(0.0)),
            ("nan", None),
            (" 1", None),
            ("1 ", None),
            ("", None),
            ("1e", None),
            ("0x", None),
            ("x", None),
            ("1\0", None),
            (".", None),
        ] {
            let got = parse_score(text.as_bytes());
            assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "{text:?}");
        }
    }

    #[test]
    fn reads_range_ends_as_zsl_parse_range() {
        for (text, want) in [
            ("(1.5", Some((1.5, true))),
            ("1", Some((1.0, false))),
            ("", Some((0.0, false))),
            ("(", Some((0.0, true))),
            (" 2", Some((2.0, false))),
            ("1e400", Some((f64::INFINITY, false))),
            ("-inf", Some((f64::NEG_INFINITY, false))),
            ("3\0x", Some((3.0, false))),
            ("((1", None),
            ("nan", None),
            ("1 ", None),
            ("[1", None),
        ] {
            assert_eq!(parse_range_end(text.as_bytes()), want, "{text:?}");
        }
    }
}
