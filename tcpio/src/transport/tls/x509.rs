//! The two things tcpio reads from a certificate itself: its validity period (to warn
//! about an expired certificate when it is loaded) and its subject (for a handler to
//! see who a client certificate names). A short DER walk, not an X.509 parser: the
//! signature and everything else is checked by rustls's verifier.

/// One DER element: its tag and contents, and what follows it.
fn element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, &b| (acc << 8) | b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

const SEQUENCE: u8 = 0x30;

/// The fields of `TBSCertificate` up to and including the subject.
struct Tbs<'a> {
    validity: &'a [u8],
    subject: &'a [u8],
}

fn tbs(cert: &[u8]) -> Option<Tbs<'_>> {
    let (SEQUENCE, cert, _) = element(cert)? else { return None };
    let (SEQUENCE, tbs, _) = element(cert)? else { return None };
    let mut rest = tbs;
    // version [0] EXPLICIT, optional.
    if rest.first() == Some(&0xa0) {
        rest = element(rest)?.2;
    }
    let (_serial, _, rest) = element(rest)?;
    let (_sig_alg, _, rest) = element(rest)?;
    let (_issuer, _, rest) = element(rest)?;
    let (SEQUENCE, validity, rest) = element(rest)? else { return None };
    let (SEQUENCE, subject, _) = element(rest)? else { return None };
    Some(Tbs { validity, subject })
}

/// Seconds since the Unix epoch of a UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime
/// (`YYYYMMDDHHMMSSZ`).
fn time(tag: u8, text: &[u8]) -> Option<i64> {
    let digits = |s: &[u8]| -> Option<i64> {
        s.iter().try_fold(0i64, |acc, &b| b.is_ascii_digit().then(|| acc * 10 + (b - b'0') as i64))
    };
    let (year, rest) = match tag {
        0x17 if text.len() >= 13 => {
            let yy = digits(&text[..2])?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &text[2..])
        }
        0x18 if text.len() >= 15 => (digits(&text[..4])?, &text[4..]),
        _ => return None,
    };
    let (mon, day) = (digits(&rest[..2])?, digits(&rest[2..4])?);
    let (h, m, s) = (digits(&rest[4..6])?, digits(&rest[6..8])?, digits(&rest[8..10])?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mon <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mon + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

/// The certificate's validity period, as seconds since the Unix epoch.
pub(crate) fn validity(cert: &[u8]) -> Option<(i64, i64)> {
    let t = tbs(cert)?;
    let (tag, before, rest) = element(t.validity)?;
    let not_before = time(tag, before)?;
    let (tag, after, _) = element(rest)?;
    Some((not_before, time(tag, after)?))
}

/// The certificate's subject as `CN=client,O=Example`: the common attributes, in the
/// certificate's order; others are written by their dotted OID.
pub(crate) fn subject(cert: &[u8]) -> Option<String> {
    let t = tbs(cert)?;
    let mut parts = Vec::new();
    let mut rdns = t.subject;
    while !rdns.is_empty() {
        let (_set, mut set, rest) = element(rdns)?;
        rdns = rest;
        while !set.is_empty() {
            let (SEQUENCE, attr, rest) = element(set)? else { return None };
            set = rest;
            let (0x06, oid, value) = element(attr)? else { return None };
            let (_, value, _) = element(value)?;
            let name = match oid {
                [0x55, 0x04, 0x03] => "CN".to_string(),
                [0x55, 0x04, 0x06] => "C".to_string(),
                [0x55, 0x04, 0x07] => "L".to_string(),
                [0x55, 0x04, 0x08] => "ST".to_string(),
                [0x55, 0x04, 0x0a] => "O".to_string(),
                [0x55, 0x04, 0x0b] => "OU".to_string(),
                _ => dotted(oid),
            };
            parts.push(format!("{name}={}", String::from_utf8_lossy(value)));
        }
    }
    Some(parts.join(","))
}

fn dotted(oid: &[u8]) -> String {
    let mut out = Vec::new();
    let mut acc: u64 = 0;
    for (i, &b) in oid.iter().enumerate() {
        acc = (acc << 7) | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            if out.is_empty() && i < oid.len() {
                let first = (acc / 40).min(2);
                out.push(first.to_string());
                out.push((acc - first * 40).to_string());
            } else {
                out.push(acc.to_string());
            }
            acc = 0;
        }
    }
    out.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_convert_to_unix_seconds() {
        assert_eq!(time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(time(0x17, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(time(0x18, b"20000301000000Z"), Some(951_868_800));
        assert_eq!(time(0x17, b"7001010000"), None);
    }

    #[test]
    fn a_generated_certificate_reads_back() {
        let mut params = rcgen::CertificateParams::new(vec!["example.test".into()]).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, "client one");
        params.distinguished_name.push(rcgen::DnType::OrganizationName, "Example");
        params.not_before = rcgen::date_time_ymd(2020, 1, 2);
        params.not_after = rcgen::date_time_ymd(2031, 3, 4);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let der = cert.der();
        let (from, to) = validity(der).unwrap();
        assert_eq!(from, 1_577_923_200);
        assert_eq!(to, 1_930_348_800);
        let s = subject(der).unwrap();
        assert!(s.contains("CN=client one") && s.contains("O=Example"), "{s}");
        assert_eq!(validity(&der[..40]), None, "a truncated certificate is no certificate");
    }
}
