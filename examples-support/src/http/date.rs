//! The `Date` header's format (RFC 9110's IMF-fixdate), computed from Unix time.

/// Formats Unix time `secs` as an HTTP date (RFC 9110's IMF-fixdate).
pub fn imf_fixdate(secs: u64) -> [u8; 29] {
    const DAYS: [&[u8; 3]; 7] = [b"Thu", b"Fri", b"Sat", b"Sun", b"Mon", b"Tue", b"Wed"];
    const MONTHS: [&[u8; 3]; 12] =
        [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
    let days = secs / 86400;
    let rem = secs % 86400;
    // Civil date from days since 1970-01-01 (the proleptic Gregorian calendar, counted
    // in 400-year eras that begin on March 1st so leap days fall at the end).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut t = *b"Thu, 01 Jan 1970 00:00:00 GMT";
    t[..3].copy_from_slice(DAYS[(days % 7) as usize]);
    two(&mut t[5..7], day as u64);
    t[8..11].copy_from_slice(MONTHS[(month - 1) as usize]);
    two(&mut t[12..14], (year / 100) as u64);
    two(&mut t[14..16], (year % 100) as u64);
    two(&mut t[17..19], rem / 3600);
    two(&mut t[20..22], rem / 60 % 60);
    two(&mut t[23..25], rem % 60);
    t
}

/// Writes the last two digits of `v`.
fn two(dst: &mut [u8], v: u64) {
    dst[0] = b'0' + (v / 10 % 10) as u8;
    dst[1] = b'0' + (v % 10) as u8;
}
