//! The request head: `httparse` splits it, and the rules of RFC 9112 and RFC 9110 that
//! `httparse` leaves to its caller are checked here, before anything is answered.
//!
//! What a head must be to be accepted (anything else is refused and the connection
//! closed):
//!
//! - Lines end with CRLF. A bare LF (RFC 9112 §2.2 lets a recipient accept it) is
//!   refused with 400, as is a bare CR (`httparse` refuses it): two parsers that
//!   disagree on where a line ends are how requests are smuggled. So are obs-fold
//!   (§5.2) and whitespace between a field name and its colon (§5.1), which `httparse`
//!   refuses in requests.
//! - The version is `HTTP/1.0` or `HTTP/1.1`; `HTTP/1.2` to `HTTP/1.9` are served as
//!   1.1 (RFC 9110 §6.2); any other major version gets 505.
//! - The method is one of RFC 9110's (or `PATCH`), else 501; the target is in
//!   origin-form, or absolute-form with an `http` or `https` scheme and a valid
//!   authority (RFC 9112 §3.2.2: its host, not the `Host` field, names the resource;
//!   the `Host` rules below still apply), or `*` for `OPTIONS`; else 400. A path and a
//!   query hold only the bytes RFC 3986 allows them, each `%` a pct-encoding (no
//!   fragment, no raw non-ASCII), else 400. `CONNECT` (a proxy's method) gets 501
//!   with an authority-form target, 400 with any other.
//! - A head still incomplete after [`MAX_HEAD`] bytes gets 431, or 414 when the
//!   target has not ended by then, or 501 when the method has not.
//! - `Host` (§3.2): exactly once in HTTP/1.1 (400 when missing), at most once in
//!   HTTP/1.0 (400 when repeated), and a valid `uri-host [ ":" port ]` (400): an IPv6
//!   address in brackets, or a reg-name whose `%`s are pct-encodings; empty allowed.
//! - Framing (§6): `Content-Length` is one field of digits only, no sign, no space,
//!   no list, no overflow; a second `Content-Length`, even with the same value, is
//!   400 (the RFC lets a recipient choose between accepting identical values and
//!   refusing). `Transfer-Encoding` must be exactly `chunked` (empty list elements
//!   aside, which are skipped): `chunked` not last, or twice, or a malformed list is
//!   400; a coding this server lacks before the final
//!   `chunked` (`gzip, chunked`) is 501 (§6.1). Both `Content-Length` and
//!   `Transfer-Encoding` is 400, and so is `Transfer-Encoding` in HTTP/1.0 (§6.1).
//!   A `Content-Length` over [`MAX_BODY`] is 413.
//! - `Expect` (RFC 9110 §10.1.1) is `100-continue` or absent, else 417; HTTP/1.0
//!   requests' `100-continue` is ignored.
//!
//! `Connection` (RFC 9112 §9.3): HTTP/1.1 stays open unless `close` is listed,
//! HTTP/1.0 closes unless `keep-alive` is listed (and `close` is not).

use std::net::Ipv6Addr;

use super::chars::{all_reg_name, is_target, is_tchar};
use super::response::{Allow, Answer, Persist, Refusal, Reply};
use super::strict;
use super::{MAX_BODY, MAX_HEAD, MAX_HEADERS};
use crate::case::is_lower;

/// How the body of an accepted request is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Framing {
    /// No body.
    None,
    /// `Content-Length` bytes, at least 1.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// An accepted head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Head {
    /// Its length in bytes, the final CRLF included.
    pub(super) len: usize,
    pub(super) framing: Framing,
    /// Whether the client waits for `100 Continue` before it sends the body.
    pub(super) expect_continue: bool,
    pub(super) reply: Reply,
}

/// What the bytes at the start of the input are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Parsed {
    /// The beginning of a head; more bytes are needed.
    Incomplete,
    /// A head, accepted.
    Done(Head),
    /// A head (or the beginning of one) that is refused.
    Refused(Refusal),
}

/// Parses and checks the head at the start of `input`.
pub(super) fn parse_head(input: &[u8]) -> Parsed {
    // Only the first MAX_HEAD bytes are parsed: a head is judged by them alone, so the
    // answer does not depend on how its bytes arrived (an oversized head is 431 even
    // when something malformed follows its first MAX_HEAD bytes).
    let window = &input[..input.len().min(MAX_HEAD)];
    // A head as clients write it is read here, strictly (a subset of what `httparse`
    // accepts, read the same way); anything else goes to `httparse`, which decides.
    if let Some(parsed) = strict_head(window) {
        // Test builds and the fuzz target check that `httparse` alone says the same.
        if cfg!(any(debug_assertions, fuzzing)) {
            assert_eq!(parsed, general(window, input.len()), "the strict reader disagrees");
        }
        return parsed;
    }
    general(window, input.len())
}

/// The head at the start of `window` read by the strict reader, if it can: `None`
/// for anything it leaves to `httparse` (the head not all here included).
#[inline]
fn strict_head(window: &[u8]) -> Option<Parsed> {
    let line = strict::request_line(window)?;
    let mut fields = Fields::default();
    let (mut at, mut count) = (line.len, 0);
    loop {
        match strict::field(&window[at..])? {
            strict::Field::End => break,
            strict::Field::Line { name, value, len } => {
                count += 1;
                if count > MAX_HEADERS {
                    return Some(Parsed::Refused(Refusal::HeaderFieldsTooLarge));
                }
                fields.add(name, value, line.http11);
                at += len;
            }
        }
    }
    Some(verdict(fields, line.method, line.target, line.http11, at + 2))
}

/// A head whose request line the strict reader left alone: all of it to `httparse`.
#[inline(never)]
fn general(window: &[u8], input_len: usize) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(window) {
        Ok(httparse::Status::Complete(n)) => check(&req, &window[..n]),
        Ok(httparse::Status::Partial) if input_len <= MAX_HEAD => Parsed::Incomplete,
        Ok(httparse::Status::Partial) => Parsed::Refused(too_long(window)),
        Err(httparse::Error::TooManyHeaders) => Parsed::Refused(Refusal::HeaderFieldsTooLarge),
        Err(httparse::Error::Version) => other_version(window, input_len),
        Err(_) => Parsed::Refused(Refusal::BadRequest),
    }
}

/// The refusal of a head that is still incomplete after [`MAX_HEAD`] bytes, all valid so
/// far: 431 when its request line has ended (its fields are what is too long), else
/// 501 while the method has not ended (none that this server knows is that long), 414
/// while the target has not (RFC 9112 §3).
#[cold]
fn too_long(window: &[u8]) -> Refusal {
    let start = window.iter().position(|&b| b != b'\r' && b != b'\n').unwrap_or(window.len());
    let line = &window[start..];
    if line.is_empty() || line.contains(&b'\n') {
        return Refusal::HeaderFieldsTooLarge;
    }
    match line.iter().position(|&b| b == b' ') {
        None => Refusal::NotImplemented,
        Some(space) if !line[space + 1..].contains(&b' ') => Refusal::UriTooLong,
        Some(_) => Refusal::HeaderFieldsTooLarge,
    }
}

/// A request line whose version `httparse` does not take: 505 for another major
/// version, 1.x (x > 1) served as 1.1, 400 for anything else.
#[cold]
fn other_version(window: &[u8], input_len: usize) -> Parsed {
    // `httparse` has checked the method and target: skip empty lines, the method and
    // the target to the version's first byte.
    let start = window.iter().position(|&b| b != b'\r' && b != b'\n').unwrap_or(0);
    let mut spaces = window[start..].iter().enumerate().filter(|(_, &b)| b == b' ');
    let Some((at, _)) = spaces.nth(1) else { return Parsed::Refused(Refusal::BadRequest) };
    let at = start + at + 1;
    let major = match window.get(at..at + 9) {
        Some(&[b'H', b'T', b'T', b'P', b'/', major, b'.', minor, end])
            if major.is_ascii_digit() && minor.is_ascii_digit() && (end == b'\r' || end == b'\n') =>
        {
            major
        }
        Some(_) => return Parsed::Refused(Refusal::BadRequest),
        // The version's end has not arrived: wait for it (or for the limit).
        None if input_len <= MAX_HEAD
            && window[at..].iter().zip(b"HTTP/0.0").all(|(&b, &p)| {
                if p == b'0' {
                    b.is_ascii_digit()
                } else {
                    b == p
                }
            }) =>
        {
            return Parsed::Incomplete
        }
        None => return Parsed::Refused(Refusal::BadRequest),
    };
    if major != b'1' {
        return Parsed::Refused(Refusal::VersionNotSupported);
    }
    // HTTP/1.x, x > 1: parsed again as HTTP/1.1 from a copy.
    let mut copy = [0u8; MAX_HEAD];
    let copy = &mut copy[..window.len()];
    copy.copy_from_slice(window);
    copy[at + 7] = b'1';
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(copy) {
        Ok(httparse::Status::Complete(n)) => check(&req, &copy[..n]),
        Ok(httparse::Status::Partial) if input_len <= MAX_HEAD => Parsed::Incomplete,
        Ok(httparse::Status::Partial) | Err(httparse::Error::TooManyHeaders) => {
            Parsed::Refused(Refusal::HeaderFieldsTooLarge)
        }
        Err(_) => Parsed::Refused(Refusal::BadRequest),
    }
}

/// The methods of RFC 9110 §9 and `PATCH`: known, so a path that does not serve one
/// gets 405, where a method never heard of gets 501.
const KNOWN_METHODS: [&[u8]; 9] =
    [b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"CONNECT", b"OPTIONS", b"TRACE", b"PATCH"];

/// What the fields of a head say, added one at a time; the first refusal stands.
#[derive(Clone, Copy, Debug, Default)]
struct Fields {
    hosts: u32,
    length: Option<u64>,
    chunked: bool,
    codings: Codings,
    close: bool,
    keep_alive: bool,
    expect_continue: bool,
    refused: Option<Refusal>,
}

impl Fields {
    /// Adds the field `name: value` of an HTTP/1.1 (or 1.0) head.
    #[inline]
    fn add(&mut self, name: &[u8], value: &[u8], http11: bool) {
        if self.refused.is_none() {
            if let Err(refusal) = self.check(name, value, http11) {
                self.refused = Some(refusal);
            }
        }
    }

    fn check(&mut self, name: &[u8], value: &[u8], http11: bool) -> Result<(), Refusal> {
        // Dispatch on the length first: most fields are compared with one name at most.
        match name.len() {
            4 if is_lower(name, b"host") => {
                self.hosts += 1;
                if self.hosts > 1 || !valid_authority(value, true) {
                    return Err(Refusal::BadRequest);
                }
            }
            6 if is_lower(name, b"expect") => {
                if !value.eq_ignore_ascii_case(b"100-continue") {
                    return Err(Refusal::ExpectationFailed);
                }
                self.expect_continue = http11;
            }
            10 if is_lower(name, b"connection") => {
                for token in value.split(|&b| b == b',') {
                    let token = token.trim_ascii();
                    self.close |= token.eq_ignore_ascii_case(b"close");
                    self.keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
                }
            }
            14 if is_lower(name, b"content-length") => {
                if self.length.is_some() {
                    return Err(Refusal::BadRequest);
                }
                self.length = Some(content_length(value).ok_or(Refusal::BadRequest)?);
            }
            17 if is_lower(name, b"transfer-encoding") => {
                if !http11 {
                    return Err(Refusal::BadRequest);
                }
                self.chunked = true;
                self.codings.add(value)?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// Checks a complete head that `httparse` accepted.
fn check(req: &httparse::Request<'_, '_>, head: &[u8]) -> Parsed {
    if !crlf_only(req, head) {
        return Parsed::Refused(Refusal::BadRequest);
    }
    let http11 = req.version == Some(1);
    let mut fields = Fields::default();
    for h in req.headers.iter() {
        fields.add(h.name.as_bytes(), h.value, http11);
    }
    let (method, target) = (req.method.unwrap_or("").as_bytes(), req.path.unwrap_or("").as_bytes());
    verdict(fields, method, target, http11, head.len())
}

/// The verdict on a head of `len` bytes whose fields said `fields`.
// Inlined into both callers: the fields are then read where they were counted, not
// copied, and the call's register saves go.
#[inline(always)]
fn verdict(fields: Fields, method: &[u8], target: &[u8], http11: bool, len: usize) -> Parsed {
    if let Some(refusal) = fields.refused {
        return Parsed::Refused(refusal);
    }
    let framing = match (fields.length, fields.chunked) {
        (Some(_), true) => return Parsed::Refused(Refusal::BadRequest),
        (None, true) => match fields.codings.finish() {
            Ok(()) => Framing::Chunked,
            Err(refusal) => return Parsed::Refused(refusal),
        },
        (Some(n), false) if n > MAX_BODY as u64 => return Parsed::Refused(Refusal::ContentTooLarge),
        (Some(n), false) if n > 0 => Framing::Length(n),
        _ => Framing::None,
    };
    if http11 && fields.hosts == 0 {
        return Parsed::Refused(Refusal::BadRequest);
    }
    let (get, head_only) = match method {
        b"GET" => (true, false),
        b"HEAD" => (false, true),
        // A proxy's method, not served: its target must be an authority (§3.2.3).
        b"CONNECT" if connect_target(target) => return Parsed::Refused(Refusal::NotImplemented),
        b"CONNECT" => return Parsed::Refused(Refusal::BadRequest),
        _ if KNOWN_METHODS.contains(&method) => (false, false),
        _ => return Parsed::Refused(Refusal::NotImplemented),
    };
    // The routes as they are usually asked for need no taking apart: the target is
    // compared with them once.
    let route = match route(target) {
        Route::Other => match origin_path(target, method) {
            Some(path) => route(path),
            None => return Parsed::Refused(Refusal::BadRequest),
        },
        known => known,
    };
    let answer = match route {
        Route::Plaintext if get || head_only => Answer::Plaintext,
        Route::Json if get || head_only => Answer::Json,
        Route::Plaintext | Route::Json => Answer::NotAllowed(Allow::GetHead),
        Route::Upload if method == b"POST" => Answer::Upload,
        Route::Upload => Answer::NotAllowed(Allow::Post),
        Route::Other => Answer::NotFound,
    };
    let persist = match (http11, fields.close, fields.keep_alive) {
        (_, true, _) | (false, false, false) => Persist::Close,
        (true, false, _) => Persist::Keep,
        (false, false, true) => Persist::KeepAlive,
    };
    Parsed::Done(Head {
        len,
        framing,
        expect_continue: fields.expect_continue && framing != Framing::None,
        reply: Reply { answer, head_only, persist },
    })
}

/// The paths the server serves, and the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Plaintext,
    Json,
    Upload,
    Other,
}

/// The route of `path` (a path without its query).
#[inline]
fn route(path: &[u8]) -> Route {
    // Compared with `==`, each a length test and a word or two (a slice pattern is
    // compared a byte at a time).
    if path == b"/plaintext" {
        Route::Plaintext
    } else if path == b"/json" {
        Route::Json
    } else if path == b"/upload" {
        Route::Upload
    } else {
        Route::Other
    }
}

/// Whether every line of `head` ends with CRLF. `httparse` accepts a line that ends in
/// a bare LF, and refuses a CR that no LF follows: so a line ends well when a CR comes
/// right after its last byte (trailing spaces and tabs of a field aside). The places
/// are known from the slices `httparse` returns, so the check is a few loads per line,
/// not a pass over the head.
fn crlf_only(req: &httparse::Request<'_, '_>, head: &[u8]) -> bool {
    if matches!(head.first(), Some(b'\r' | b'\n')) {
        // Empty lines before the request line (RFC 9112 §2.2): rare, counted.
        return balanced(head);
    }
    // The offset of a slice of `head` in it.
    let offset = |part: &[u8]| (part.as_ptr() as usize).wrapping_sub(head.as_ptr() as usize);
    let ends_with_cr = |mut at: usize| {
        while let Some(b' ' | b'\t') = head.get(at) {
            at += 1;
        }
        head.get(at) == Some(&b'\r')
    };
    // The request line: the target, one space, `HTTP/1.x`.
    let target = req.path.unwrap_or("").as_bytes();
    if head.get(offset(target) + target.len() + 9) != Some(&b'\r') {
        return false;
    }
    // Each field line; then the empty line that ends the head.
    req.headers.iter().all(|h| ends_with_cr(offset(h.value) + h.value.len())) && head.ends_with(b"\r\n")
}

/// Whether `head` has as many LFs as CRs (so, `httparse` having refused bare CRs,
/// whether every LF has its CR): counted in 64-byte pieces whose difference fits an
/// `i8`, a loop on bytes that the compiler vectorizes.
#[cold]
fn balanced(head: &[u8]) -> bool {
    let piece = |c: &[u8]| {
        c.iter().fold(0i8, |d, &b| d.wrapping_add(i8::from(b == b'\n')).wrapping_sub(i8::from(b == b'\r')))
    };
    head.chunks(64).map(|c| isize::from(piece(c))).sum::<isize>() == 0
}

/// `Content-Length = 1*DIGIT` (RFC 9110 §8.6), without overflow.
fn content_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |n, &b| {
        let digit = b.wrapping_sub(b'0');
        (digit < 10).then_some(())?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// The transfer codings listed so far, over every `Transfer-Encoding` field in order.
#[derive(Clone, Copy, Debug, Default)]
struct Codings {
    /// Whether the last one listed is `chunked`.
    last_chunked: bool,
    /// Whether `chunked` came before the last one (it may only be applied once, last).
    early_chunked: bool,
    /// Whether a coding other than `chunked` was listed.
    other: bool,
}

impl Codings {
    /// Adds one field's list: 400 for an element that is not a token (parameters
    /// included: `chunked` takes none). Empty elements (`chunked,`) are skipped, as
    /// RFC 9110 §5.6.1.2 asks; a list of nothing but those leaves no coding, and the
    /// head is refused for that.
    fn add(&mut self, value: &[u8]) -> Result<(), Refusal> {
        for element in value.split(|&b| b == b',') {
            let coding = element.trim_ascii();
            if coding.is_empty() {
                continue;
            }
            if !coding.iter().all(|&b| is_tchar(b)) {
                return Err(Refusal::BadRequest);
            }
            self.early_chunked |= self.last_chunked;
            self.last_chunked = coding.eq_ignore_ascii_case(b"chunked");
            self.other |= !self.last_chunked;
        }
        Ok(())
    }

    /// The verdict on the whole list: `chunked` last and once, nothing else.
    fn finish(self) -> Result<(), Refusal> {
        match self {
            Codings { last_chunked: false, .. } | Codings { early_chunked: true, .. } => {
                Err(Refusal::BadRequest)
            }
            Codings { other: true, .. } => Err(Refusal::NotImplemented),
            _ => Ok(()),
        }
    }
}

/// `uri-host [ ":" port ]` (RFC 9110 §7.2, RFC 3986 §3.2.2): a bracketed IP literal or
/// a reg-name (which covers IPv4 addresses), then an optional port of digits. Empty
/// only where `empty` allows it (a `Host` field may be; an absolute URI's may not).
#[inline]
fn valid_authority(value: &[u8], empty: bool) -> bool {
    match value.first() {
        None => empty,
        Some(b'[') => ip_literal(value),
        Some(_) => {
            // A reg-name has no colon: the port is the digits at the end if a colon
            // comes before them. Read from the end, it is found without a pass over
            // the name, which is then checked in one.
            let digits = value.iter().rev().take_while(|b| b.is_ascii_digit()).count();
            let name = match value.len().checked_sub(digits + 1) {
                Some(colon) if value[colon] == b':' => &value[..colon],
                _ => value,
            };
            !name.is_empty() && all_reg_name(name)
        }
    }
}

/// Whether `target` is in authority-form, `uri-host ":" port`, as `CONNECT` needs.
fn connect_target(target: &[u8]) -> bool {
    let digits = target.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    digits > 0
        && target.len() > digits
        && target[target.len() - digits - 1] == b':'
        && valid_authority(target, false)
}

/// [`valid_authority`] for `[` IP-literal `]` `[ ":" port ]`: IPv6 addresses
/// (IPv4-mapped ones included) only; IPvFuture is not served.
#[cold]
fn ip_literal(value: &[u8]) -> bool {
    let Some(close) = value.iter().position(|&b| b == b']') else { return false };
    std::str::from_utf8(&value[1..close]).is_ok_and(|s| s.parse::<Ipv6Addr>().is_ok())
        && match &value[close + 1..] {
            [] => true,
            [b':', port @ ..] => port.iter().all(u8::is_ascii_digit),
            _ => false,
        }
}

/// The path a request target names, without its query: the target itself in
/// origin-form, the part after the authority in absolute-form (`/` when empty);
/// `*` for `OPTIONS *`. `None` for any other target, or one with a byte a path or a
/// query may not hold (a fragment's `#` included).
fn origin_path<'t>(target: &'t [u8], method: &[u8]) -> Option<&'t [u8]> {
    let path = match target.first() {
        Some(b'/') => is_target(target).then_some(target)?,
        Some(b'*') if target.len() == 1 && method == b"OPTIONS" => target,
        _ => {
            let scheme = target.iter().position(|&b| b == b':')?;
            if !target[..scheme].eq_ignore_ascii_case(b"http")
                && !target[..scheme].eq_ignore_ascii_case(b"https")
            {
                return None;
            }
            let rest = target[scheme + 1..].strip_prefix(b"//")?;
            let end = rest.iter().position(|&b| b == b'/' || b == b'?' || b == b'#').unwrap_or(rest.len());
            if !valid_authority(&rest[..end], false) || !is_target(&rest[end..]) {
                return None;
            }
            match &rest[end..] {
                [] | [b'?', ..] => b"/",
                path => path,
            }
        }
    };
    let end = path.iter().position(|&b| b == b'?').unwrap_or(path.len());
    Some(&path[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_name_matches_in_any_case_and_nothing_else_does() {
        let names: [&[u8]; 5] = [b"host", b"expect", b"connection", b"content-length", b"transfer-encoding"];
        for lower in names {
            let upper = lower.to_ascii_uppercase();
            assert!(is_lower(lower, lower) && is_lower(&upper, lower));
            // Every token byte in every place: a match exactly when the bytes are equal
            // but for case.
            for at in 0..lower.len() {
                for b in (0..=255u8).filter(|&b| crate::http::chars::is_tchar(b)) {
                    let mut name = lower.to_vec();
                    name[at] = b;
                    assert_eq!(
                        is_lower(&name, lower),
                        name.eq_ignore_ascii_case(lower),
                        "{:?}",
                        name.escape_ascii().to_string()
                    );
                }
            }
            assert!(!is_lower(&lower[1..], lower) && !is_lower(&[lower, b"s"].concat(), lower));
        }
    }
}
