//! The floating-point numbers of `INCRBYFLOAT` and `HINCRBYFLOAT`, as Redis computes
//! them: in the x87 80-bit `long double` (a 64-bit mantissa), parsed like `strtold`
//! (correctly rounded), added with round-to-nearest-even, and printed like
//! `printf("%.17Lf")` with the trailing zeros removed (`ld2string(..., LD_STR_HUMAN)`).
//!
//! A `double` would not do: `INCRBYFLOAT k 12345.6789` answers `12345.67889999999999961`
//! in Redis, the 17 decimals showing the 80-bit rounding error. So this module holds a
//! small software version of that format: a sign, a 64-bit mantissa and an exponent,
//! with just enough big-integer arithmetic to convert exactly from and to decimal.

/// Largest binary exponent of the format's leading bit (values below 2^16384).
const MAX_TOP: i32 = 16383;
/// Smallest binary exponent of a normal number's leading bit.
const MIN_TOP: i32 = -16382;
/// Significant decimal digits read exactly; the rest only say whether they are zero.
const KEEP_DIGITS: usize = 36;
/// Longest text Redis parses (`MAX_LONG_DOUBLE_CHARS`).
const MAX_LEN: usize = 5 * 1024;

/// A number as the float commands hold it: `(-1)^neg × mant × 2^exp`, the mantissa's top
/// bit set (0 for zero), or an infinity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Float {
    neg: bool,
    mant: u64,
    exp: i32,
    inf: bool,
}

impl Float {
    /// Zero, the value of a missing key or field.
    pub const ZERO: Float = Float { neg: false, mant: 0, exp: 0, inf: false };

    /// Whether the number is finite.
    pub fn is_finite(self) -> bool {
        !self.inf
    }

    /// `(long long)ceill(x * 1000.0)`, as Redis 7.0 computes a timeout in
    /// milliseconds from seconds: the product rounded to the format, then rounded up
    /// to an integer; `None` when that does not fit in an `i64` (where C's
    /// conversion gives the lowest `long long`).
    pub fn millis(self) -> Option<i64> {
        if self.inf {
            return None;
        }
        if self.mant == 0 {
            return Some(0);
        }
        let (mant, shift) = round_u128(u128::from(self.mant) * 1000);
        let exp = self.exp + shift;
        let (whole, fraction) = if exp >= 0 {
            // The mantissa's top bit is set: at least 2^63.
            return None;
        } else if exp <= -64 {
            (0, true)
        } else {
            let s = (-exp) as u32;
            (mant >> s, mant & ((1u64 << s) - 1) != 0)
        };
        // Up for a positive fraction; towards zero (up too) for a negative one.
        let whole = if fraction && !self.neg { whole + 1 } else { whole };
        let v = i64::try_from(whole).ok()?;
        Some(if self.neg { -v } else { v })
    }

    /// The sum rounded to the format, or `None` when it is not finite.
    pub fn checked_add(self, other: Float) -> Option<Float> {
        if self.inf || other.inf {
            return None;
        }
        if self.mant == 0 {
            return Some(other);
        }
        if other.mant == 0 {
            return Some(self);
        }
        let (a, b) = if self.exp >= other.exp { (self, other) } else { (other, self) };
        let d = (a.exp - b.exp) as u32;
        // Both mantissas with 62 guard bits; what `b` loses to the alignment is kept as
        // a sticky bit in the lowest place.
        let big_a = u128::from(a.mant) << 62;
        let full_b = u128::from(b.mant) << 62;
        let big_b = if d >= 126 {
            1
        } else {
            let shifted = full_b >> d;
            shifted | u128::from(shifted << d != full_b)
        };
        let (r, neg) = if a.neg == b.neg {
            (big_a + big_b, a.neg)
        } else if big_a >= big_b {
            (big_a - big_b, a.neg)
        } else {
            (big_b - big_a, b.neg)
        };
        if r == 0 {
            return Some(Float::ZERO);
        }
        let (mant, shift) = round_u128(r);
        finite(neg, mant, a.exp - 62 + shift)
    }
}

/// A finite number, or `None` when its exponent is out of the format's range.
fn finite(neg: bool, mant: u64, exp: i32) -> Option<Float> {
    let top = exp.checked_add(63)?;
    ((MIN_TOP..=MAX_TOP).contains(&top)).then_some(Float { neg, mant, exp, inf: false })
}

/// The top 64 bits of `r`, rounded to nearest (ties to even), and how far they were
/// shifted (negative: to the left).
fn round_u128(r: u128) -> (u64, i32) {
    let bits = 128 - r.leading_zeros() as i32;
    if bits <= 64 {
        return ((r << (64 - bits)) as u64, bits - 64);
    }
    let shift = (bits - 64) as u32;
    let mut m = r >> shift;
    let rem = r & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    if rem > half || (rem == half && m & 1 == 1) {
        m += 1;
    }
    if m >> 64 != 0 {
        return ((m >> 1) as u64, shift as i32 + 1);
    }
    (m as u64, shift as i32)
}

/// A big unsigned integer, 32-bit limbs, least significant first.
type Big = Vec<u32>;

fn big_trim(a: &mut Big) {
    while a.last() == Some(&0) {
        a.pop();
    }
}

fn big_mul_small(a: &mut Big, m: u32) {
    let mut carry = 0u64;
    for limb in a.iter_mut() {
        let v = u64::from(*limb) * u64::from(m) + carry;
        *limb = v as u32;
        carry = v >> 32;
    }
    if carry > 0 {
        a.push(carry as u32);
    }
}

fn big_shl(a: &mut Big, bits: u32) {
    let (limbs, bits) = ((bits / 32) as usize, bits % 32);
    if bits > 0 {
        let mut carry = 0u32;
        for limb in a.iter_mut() {
            let v = (*limb << bits) | carry;
            carry = *limb >> (32 - bits);
            *limb = v;
        }
        if carry > 0 {
            a.push(carry);
        }
    }
    a.splice(0..0, std::iter::repeat(0).take(limbs));
}

/// Divides in place; returns the remainder.
fn big_div_small(a: &mut Big, d: u32) -> u32 {
    let mut rem = 0u64;
    for limb in a.iter_mut().rev() {
        let v = (rem << 32) | u64::from(*limb);
        *limb = (v / u64::from(d)) as u32;
        rem = v % u64::from(d);
    }
    big_trim(a);
    rem as u32
}

fn big_bits(a: &Big) -> u32 {
    match a.last() {
        None => 0,
        Some(&top) => (a.len() as u32 - 1) * 32 + (32 - top.leading_zeros()),
    }
}

fn big_bit(a: &Big, i: u32) -> bool {
    a.get((i / 32) as usize).is_some_and(|l| l >> (i % 32) & 1 == 1)
}

/// The top 64 bits of `a` rounded to nearest (ties to even; `sticky` says that
/// something nonzero lies below `a`'s last bit), and the shift.
fn round_big(a: &Big, sticky: bool) -> (u64, i32) {
    let bits = big_bits(a);
    if bits <= 64 {
        let v = a.iter().rev().fold(0u64, |v, &l| (v << 32) | u64::from(l));
        // Exact, unless there is a sticky rest; then the value is not a tie, and it
        // lies above this one by less than a unit of the last bit: no rounding up.
        return (v << (64 - bits), bits as i32 - 64);
    }
    let shift = bits - 64;
    let mut m = 0u64;
    for i in (shift..bits).rev() {
        m = (m << 1) | u64::from(big_bit(a, i));
    }
    let half = big_bit(a, shift - 1);
    let below = sticky || (0..shift - 1).any(|i| big_bit(a, i));
    if half && (below || m & 1 == 1) {
        match m.checked_add(1) {
            Some(v) => m = v,
            None => return (1 << 63, shift as i32 + 1),
        }
    }
    (m, shift as i32)
}

/// Parses a number as Redis's `string2ld` does (`strtold`, then: no leading space,
/// nothing after the number (a NUL included), not NaN, no overflow, no underflow to
/// zero), hexadecimal numbers (`0x1.8p3`) included.
pub fn parse_float(s: &[u8]) -> Option<Float> {
    if s.is_empty() || s.len() >= MAX_LEN {
        return None;
    }
    let (neg, rest) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
        return Some(Float { neg, mant: 0, exp: 0, inf: true });
    }
    if rest.len() > 2 && rest[0] == b'0' && matches!(rest[1], b'x' | b'X') {
        if let Some(f) = parse_hex(neg, &rest[2..]) {
            return f;
        }
    }
    // Digits, an optional point and digits (at least one digit in all), an optional
    // exponent.
    let (mut digits, mut dropped_nonzero, mut e10, mut seen_digit, mut seen_point) =
        (0u128, false, 0i64, false, false);
    let mut kept = 0usize;
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            d @ b'0'..=b'9' => {
                seen_digit = true;
                if kept < KEEP_DIGITS {
                    if digits > 0 || d != b'0' {
                        digits = digits * 10 + u128::from(d - b'0');
                        kept += 1;
                    }
                    if seen_point {
                        e10 -= 1;
                    }
                } else {
                    dropped_nonzero |= d != b'0';
                    if !seen_point {
                        e10 += 1;
                    }
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    if i < rest.len() {
        if !matches!(rest[i], b'e' | b'E') {
            return None;
        }
        let exp = &rest[i + 1..];
        let (eneg, edigits) = match exp.first() {
            Some(b'-') => (true, &exp[1..]),
            Some(b'+') => (false, &exp[1..]),
            _ => (false, exp),
        };
        if edigits.is_empty() || !edigits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let v = edigits.iter().fold(0i64, |v, &d| (v * 10 + i64::from(d - b'0')).min(1 << 40));
        e10 += if eneg { -v } else { v };
    }
    if digits == 0 {
        return Some(Float { neg, ..Float::ZERO });
    }
    if dropped_nonzero {
        digits = digits * 10 + 1;
        e10 -= 1;
    }
    let mut big: Big = (0..4).map(|k| (digits >> (32 * k)) as u32).collect();
    big_trim(&mut big);
    let (mant, exp) = if e10 >= 0 {
        if e10 > 5000 {
            return None;
        }
        for _ in 0..e10 {
            big_mul_small(&mut big, 10);
        }
        round_big(&big, false)
    } else {
        let m10 = (-e10) as u64;
        if m10 > 5100 {
            return None;
        }
        // Scaled up so that the quotient has at least 70 bits, then divided exactly,
        // remembering whether anything was lost.
        let k = 70 + (m10 * 3322).div_ceil(1000) as u32;
        big_shl(&mut big, k);
        let mut sticky = false;
        for _ in 0..m10 {
            sticky |= big_div_small(&mut big, 10) != 0;
        }
        let (mant, shift) = round_big(&big, sticky);
        (mant, shift - k as i32)
    };
    finite(neg, mant, exp)
}

/// A hexadecimal number after its `0x`, as `strtold` reads one: hexadecimal digits, an
/// optional point and digits, an optional binary exponent (`p`, decimal). `None` when
/// there is no hexadecimal digit (then `strtold` reads just the `0`, and the `x` is left
/// over); `Some(None)` when the text is not a number that Redis accepts.
fn parse_hex(neg: bool, s: &[u8]) -> Option<Option<Float>> {
    let (mut h, mut e2, mut seen_digit, mut seen_point, mut sticky) = (0u128, 0i64, false, false, false);
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'.' if !seen_point => seen_point = true,
            c => {
                let Some(d) = (c as char).to_digit(16) else { break };
                seen_digit = true;
                if h >> 124 == 0 {
                    h = (h << 4) | u128::from(d);
                    if seen_point {
                        e2 -= 4;
                    }
                } else {
                    sticky |= d != 0;
                    if !seen_point {
                        e2 += 4;
                    }
                }
            }
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    if i < s.len() {
        if !matches!(s[i], b'p' | b'P') {
            return Some(None);
        }
        let exp = &s[i + 1..];
        let (eneg, digits) = match exp.first() {
            Some(b'-') => (true, &exp[1..]),
            Some(b'+') => (false, &exp[1..]),
            _ => (false, exp),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Some(None);
        }
        let v = digits.iter().fold(0i64, |v, &d| (v * 10 + i64::from(d - b'0')).min(1 << 40));
        e2 += if eneg { -v } else { v };
    }
    if h == 0 {
        return Some(Some(Float { neg, ..Float::ZERO }));
    }
    // What was dropped only matters as a sticky bit below the 64 kept.
    let (mant, shift) = round_u128(h | u128::from(sticky));
    let exp = e2.saturating_add(i64::from(shift));
    Some(i32::try_from(exp).ok().and_then(|exp| finite(neg, mant, exp)))
}

/// Formats a finite number as `%.17Lf` with the trailing zeros (and a trailing point)
/// removed, and `-0` written `0`.
pub fn format_float(f: Float) -> Vec<u8> {
    // X = round(|f| × 10^17), ties to even, as a big integer.
    let mut x: Big;
    if f.mant == 0 {
        x = Vec::new();
    } else if f.exp >= 0 {
        x = vec![f.mant as u32, (f.mant >> 32) as u32];
        big_trim(&mut x);
        big_shl(&mut x, f.exp as u32);
        for _ in 0..17 {
            big_mul_small(&mut x, 10);
        }
    } else {
        let n = (-f.exp) as u32;
        let scaled = u128::from(f.mant) * 100_000_000_000_000_000u128;
        let q = if n >= 128 {
            0
        } else {
            let (q, rem) = (scaled >> n, scaled & ((1u128 << n) - 1));
            let half = 1u128 << (n - 1);
            q + u128::from(rem > half || (rem == half && q & 1 == 1))
        };
        x = (0..4).map(|k| (q >> (32 * k)) as u32).collect();
        big_trim(&mut x);
    }
    let mut digits = Vec::new();
    while !x.is_empty() {
        let mut chunk = big_div_small(&mut x, 1_000_000_000);
        for _ in 0..9 {
            digits.push(b'0' + (chunk % 10) as u8);
            chunk /= 10;
        }
    }
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    while digits.len() < 18 {
        digits.push(b'0');
    }
    digits.reverse();
    let point = digits.len() - 17;
    let mut s = Vec::with_capacity(digits.len() + 2);
    if f.neg {
        s.push(b'-');
    }
    s.extend_from_slice(&digits[..point]);
    s.push(b'.');
    s.extend_from_slice(&digits[point..]);
    while s.last() == Some(&b'0') {
        s.pop();
    }
    if s.last() == Some(&b'.') {
        s.pop();
    }
    if s == b"-0" {
        s = b"0".to_vec();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incr(a: &str, b: &str) -> String {
        let sum = parse_float(a.as_bytes()).unwrap().checked_add(parse_float(b.as_bytes()).unwrap()).unwrap();
        String::from_utf8(format_float(sum)).unwrap()
    }

    #[test]
    fn sums_print_as_redis_prints_them() {
        // Replies of Redis 7.0.15 on x86-64.
        assert_eq!(incr("0", "12345.6789"), "12345.67889999999999961");
        assert_eq!(incr("12345.67889999999999961", "0.1"), "12345.77889999999999926");
        assert_eq!(incr("10.5", "0.1"), "10.6");
        assert_eq!(incr("0", "3.0e3"), "3000");
        assert_eq!(incr("1", "-1"), "0");
        assert_eq!(incr("-0", "0"), "0");
        assert_eq!(incr("0.1", "0.2"), "0.3");
        assert_eq!(incr("5.0e3", "2.0e2"), "5200");
        assert_eq!(incr("0", "1e-18"), "0");
        assert_eq!(incr("0", "-1.5"), "-1.5");
    }

    #[test]
    fn parsing_refuses_what_strtold_and_redis_refuse() {
        for bad in [
            "", " 1", "1 ", "nan", "-nan", "1e", "1e+", ".", "e5", "1.2.3", "0x", "0xg", "0x1p", "abc",
            "1e-99999",
        ] {
            assert!(parse_float(bad.as_bytes()).is_none(), "{bad:?}");
        }
        assert!(parse_float(b"1e99999").is_none());
        assert!(!parse_float(b"inf").unwrap().is_finite());
        assert!(!parse_float(b"-Infinity").unwrap().is_finite());
        assert!(parse_float(b"1\0junk").is_none());
        assert_eq!(parse_float(b"+.5"), parse_float(b"0.5"));
        assert_eq!(parse_float(b"5."), parse_float(b"5"));
        assert_eq!(parse_float(b"0x10"), parse_float(b"16"));
        assert_eq!(parse_float(b"-0x1.8p1"), parse_float(b"-3"));
    }

    #[test]
    fn timeouts_convert_to_milliseconds_as_redis_does() {
        let ms = |s: &str| parse_float(s.as_bytes()).unwrap().millis();
        assert_eq!(ms("0"), Some(0));
        assert_eq!(ms("0.1"), Some(100));
        assert_eq!(ms("1.5"), Some(1500));
        assert_eq!(ms("0.0001"), Some(1));
        assert_eq!(ms("1e-400"), Some(1));
        assert_eq!(ms("0.001"), Some(1));
        assert_eq!(ms("-0.0001"), Some(0));
        assert_eq!(ms("-0.5"), Some(-500));
        assert_eq!(ms("-1"), Some(-1000));
        assert_eq!(ms("0x10"), Some(16000));
        assert_eq!(ms("1e16"), None);
        assert_eq!(ms("inf"), None);
    }
}
