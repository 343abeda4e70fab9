//! The redis-server example's RESP request parser. Bytes 0 and 1 are the sizes of the
//! pieces the stream arrives in, byte 2 the length of an argument padded into the first
//! multibulk request (× 128 bytes, so requests pass the parser's 16 KiB resume
//! threshold; pieces are then 64 times larger); the rest is the stream.
//!
//! Checks: parsing the stream whole and in pieces (carrying `Progress` between reads,
//! as the server does) gives the same requests, the same error and the same bytes used;
//! both agree with a reference parser written below from Redis's rules
//! (`processMultibulkBuffer`, `processInlineBuffer` and `sdssplitargs`); no request
//! claims more bytes than it was given; arguments are slices of their request's own
//! bytes, except those of an inline request with quotes, which the parser unescapes
//! into its scratch buffer; `parse_i64` reads every argument as `string2ll` does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpio_examples::redis::resp::{
    parse_i64, Args, ProtocolError, MAX_BULK_LEN, MAX_INLINE_LEN, MAX_MULTIBULK_LEN,
};
use tcpio_fuzz::redis::{drive, pad, string2ll, Outcome};
use tcpio_fuzz::{pieces, within};

fuzz_target!(|data: &[u8]| {
    let [a, b, padding, wire @ ..] = data else { return };
    let wire = pad(wire, usize::from(*padding) * 128);
    let scale = if *padding > 0 { 64 } else { 1 };
    let sizes = [usize::from(*a) * scale, usize::from(*b) * scale];
    let whole = drive([&wire[..]], check_request);
    let chunked = drive(pieces(&wire, sizes), check_request);
    assert_eq!(whole, chunked, "whole and in pieces of {sizes:?}");
    assert_eq!(whole, reference(&wire), "the parser and the reference differ");
});

/// Checks one parsed request: `req` is the bytes it used, `input` what it was parsed from.
fn check_request(args: Args<'_>, req: &[u8], input: &[u8]) -> bool {
    // An inline request is unescaped into scratch when its line (up to CR LF, cut at
    // the first NUL as Redis's C string is) holds a quote.
    let line = req.strip_suffix(b"\n").unwrap_or(req);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.split(|&b| b == 0).next().unwrap_or_default();
    let scratch = req[0] != b'*' && line.iter().any(|&b| b == b'"' || b == b'\'');
    assert_eq!(args.len(), args.iter().count());
    assert_eq!(args.is_empty(), args.iter().next().is_none());
    for arg in args.iter() {
        if scratch {
            assert!(arg.is_empty() || !within(arg, input), "an unescaped argument points into the input");
        } else {
            assert!(within(arg, req), "an argument outside its request's bytes");
        }
        assert_eq!(parse_i64(arg), string2ll(arg), "parse_i64({:?})", String::from_utf8_lossy(arg));
    }
    true
}

/// A request's arguments and length, `None` while incomplete, or Redis's error reply.
type Request = Result<Option<(Vec<Vec<u8>>, usize)>, ProtocolError>;

/// Parses `wire` request by request with [`one`].
fn reference(wire: &[u8]) -> Outcome {
    let mut outcome = Outcome { requests: Vec::new(), used: 0, error: None };
    loop {
        match one(&wire[outcome.used..]) {
            Ok(Some((args, n))) => {
                outcome.requests.push(args);
                outcome.used += n;
            }
            Ok(None) => return outcome,
            Err(e) => {
                outcome.error = Some(e);
                return outcome;
            }
        }
    }
}

/// The request at the start of `input` by Redis 7's rules: its arguments and length,
/// `None` while incomplete, or the protocol error Redis replies with.
fn one(input: &[u8]) -> Request {
    let Some(&first) = input.first() else { return Ok(None) };
    if first != b'*' {
        return inline(input);
    }
    let Some((count, mut pos)) = number_line(input, 1, ProtocolError::TooBigMultibulkCount)? else {
        return Ok(None);
    };
    let count = match count {
        Some(n) if n <= MAX_MULTIBULK_LEN => n,
        _ => return Err(ProtocolError::InvalidMultibulkLength),
    };
    // `*0` and negative counts are empty requests.
    let mut args = Vec::new();
    for _ in 0..count.max(0) {
        match input.get(pos) {
            None => return Ok(None),
            Some(b'$') => {}
            Some(&other) => return Err(ProtocolError::ExpectedDollar(other)),
        }
        let Some((len, start)) = number_line(input, pos + 1, ProtocolError::TooBigBulkCount)? else {
            return Ok(None);
        };
        let len = match len {
            Some(n) if (0..=MAX_BULK_LEN).contains(&n) => n as usize,
            _ => return Err(ProtocolError::InvalidBulkLength),
        };
        // The payload and the two bytes after it, which are skipped unchecked.
        if input.len() < start + len + 2 {
            return Ok(None);
        }
        args.push(input[start..start + len].to_vec());
        pos = start + len + 2;
    }
    Ok(Some((args, pos)))
}

/// A number (`None` if the line is not one) and the offset after its line.
type NumberLine = (Option<i64>, usize);

/// The number on the line from `pos` to the first CR (which must be followed by one more
/// byte, skipped unchecked) and the offset after that byte; `too_big` when no CR came in
/// the first [`MAX_INLINE_LEN`] bytes.
fn number_line(
    input: &[u8],
    pos: usize,
    too_big: ProtocolError,
) -> Result<Option<NumberLine>, ProtocolError> {
    let rest = &input[pos..];
    match rest.iter().position(|&b| b == b'\r') {
        Some(cr) if cr + 1 < rest.len() => Ok(Some((string2ll(&rest[..cr]), pos + cr + 2))),
        Some(_) => Ok(None),
        None if rest.len() > MAX_INLINE_LEN => Err(too_big),
        None => Ok(None),
    }
}

/// An inline request: one line up to LF (without the CR before it), cut at the first
/// NUL, split by `sdssplitargs`.
fn inline(input: &[u8]) -> Request {
    let Some(nl) = input.iter().position(|&b| b == b'\n') else {
        if input.len() > MAX_INLINE_LEN {
            return Err(ProtocolError::TooBigInline);
        }
        return Ok(None);
    };
    let line = &input[..nl];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.split(|&b| b == 0).next().unwrap_or_default();
    match sdssplitargs(line) {
        Some(args) => Ok(Some((args, nl + 1))),
        None => Err(ProtocolError::UnbalancedQuotes),
    }
}

/// Redis's `sdssplitargs` (sds.c) ported statement by statement over a C string: `at`
/// reads the terminating NUL past the end. `None` is its error (unbalanced quotes).
fn sdssplitargs(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let is_space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut p = 0;
    let mut argv = Vec::new();
    loop {
        while at(p) != 0 && is_space(at(p)) {
            p += 1;
        }
        if at(p) == 0 {
            return Some(argv);
        }
        let (mut inq, mut insq, mut done) = (false, false, false);
        let mut current = Vec::new();
        while !done {
            if inq {
                if let (b'\\', b'x', Some(h), Some(l)) = (at(p), at(p + 1), hex(at(p + 2)), hex(at(p + 3))) {
                    current.push(h * 16 + l);
                    p += 3;
                } else if at(p) == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    current.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        c => c,
                    });
                } else if at(p) == b'"' {
                    // A closing quote must be followed by a space or nothing at all.
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    done = true;
                } else if at(p) == 0 {
                    return None;
                } else {
                    current.push(at(p));
                }
            } else if insq {
                if at(p) == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    current.push(b'\'');
                } else if at(p) == b'\'' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return None;
                    }
                    done = true;
                } else if at(p) == 0 {
                    return None;
                } else {
                    current.push(at(p));
                }
            } else {
                match at(p) {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => done = true,
                    b'"' => inq = true,
                    b'\'' => insq = true,
                    c => current.push(c),
                }
            }
            if at(p) != 0 {
                p += 1;
            }
        }
        argv.push(current);
    }
}
