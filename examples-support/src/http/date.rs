//! The `Date` header, formatted once per second, and the two responses that only
//! change with it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::response::{response, JSON, PLAINTEXT};

/// The `Date` header's value, formatted once per second, and the responses that only
/// change with it.
#[derive(Clone, Copy, Debug)]
pub struct Date {
    text: [u8; 29],
    second: u64,
    /// `GET /plaintext` and `GET /json` on a kept HTTP/1.1 connection, whole.
    pub(super) plaintext: Canned,
    pub(super) json: Canned,
}

/// A whole response, rebuilt with the date.
#[derive(Clone, Copy, Debug)]
pub(super) struct Canned {
    bytes: [u8; 192],
    len: usize,
}

impl Canned {
    const EMPTY: Canned = Canned { bytes: [0; 192], len: 0 };

    fn build(date: &Date, content_type: &[u8], body: &[u8]) -> Canned {
        let mut v = Vec::with_capacity(192);
        response(&mut v, date, b"200 OK", content_type, [b"", b""], body, false);
        let mut c = Canned::EMPTY;
        c.bytes[..v.len()].copy_from_slice(&v);
        c.len = v.len();
        c
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl Default for Date {
    fn default() -> Self {
        let mut d =
            Date { text: [b' '; 29], second: u64::MAX, plaintext: Canned::EMPTY, json: Canned::EMPTY };
        d.refresh();
        d
    }
}

impl Date {
    /// Reformats the date if the second has changed; returns the time until the next
    /// second begins, when to call it again.
    pub fn refresh(&mut self) -> Duration {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        if now.as_secs() != self.second {
            self.second = now.as_secs();
            self.text = imf_fixdate(self.second);
            self.plaintext = Canned::build(self, b"text/plain", PLAINTEXT);
            self.json = Canned::build(self, b"application/json", JSON);
        }
        Duration::from_nanos(1_000_000_000 - u64::from(now.subsec_nanos()))
    }

    /// The formatted date, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    pub fn as_bytes(&self) -> &[u8; 29] {
        &self.text
    }
}

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
