//! What the redis targets share about the redis-server example's sans-I/O code
//! (`tcpio_examples::redis`): feeding a stream to the parser the way the server does,
//! Redis's `string2ll` rule, and a checker of RESP2 replies.

use std::borrow::Cow;

use tcpio_examples::redis::resp::{Args, Parser, Progress, ProtocolError, MAX_MULTIBULK_LEN};

/// What parsing a stream came to.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Every request in order, empty ones (`*0`, blank lines) included.
    pub requests: Vec<Vec<Vec<u8>>>,
    /// Bytes those requests took.
    pub used: usize,
    /// The error that ended the stream, if one did.
    pub error: Option<ProtocolError>,
}

/// Feeds `pieces` to one parser the way the server does with successive reads: every
/// complete request is taken, the bytes of an incomplete one are kept and offered again
/// with the next piece, and the connection's [`Progress`] carries over between pieces.
///
/// Calls `each` with every request, the bytes it was parsed from (`&input[..used]`) and
/// the whole input of that call; parsing stops when `each` returns false (as `QUIT`
/// closes the connection). Checks that a request uses at least one byte and no more
/// than it was given.
pub fn drive<'w>(
    pieces: impl IntoIterator<Item = &'w [u8]>,
    mut each: impl FnMut(Args<'_>, &[u8], &[u8]) -> bool,
) -> Outcome {
    let mut parser = Parser::new();
    let mut progress = Progress::default();
    let mut kept = Vec::new();
    let mut outcome = Outcome { requests: Vec::new(), used: 0, error: None };
    for piece in pieces {
        kept.extend_from_slice(piece);
        let mut start = 0;
        loop {
            let input = &kept[start..];
            match parser.parse(input, &mut progress) {
                Ok(Some((args, n))) => {
                    assert!(n >= 1 && n <= input.len(), "a request claims {n} bytes of {}", input.len());
                    outcome.requests.push(args.iter().map(<[u8]>::to_vec).collect());
                    outcome.used += n;
                    start += n;
                    if !each(args, &input[..n], input) {
                        return outcome;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    outcome.error = Some(e);
                    return outcome;
                }
            }
        }
        kept.drain(..start);
    }
    outcome
}

/// Redis's `string2ll` as a rule rather than a parser: the bytes are exactly the decimal
/// form Rust prints for some `i64` (no `+`, no leading zero, no `-0`, no spaces).
pub fn string2ll(s: &[u8]) -> Option<i64> {
    let v: i64 = std::str::from_utf8(s).ok()?.parse().ok()?;
    (v.to_string().as_bytes() == s).then_some(v)
}

/// `wire` with its first request grown by a first argument of `len` bytes, when it is a
/// multibulk request with a positive count (`*N\r?` becomes `*N+1\r\n$len\r\n...\r\n`):
/// libFuzzer's inputs stay small, and this makes requests longer than the parser's
/// 16 KiB resume threshold. Anything else is returned as it is.
pub fn pad(wire: &[u8], len: usize) -> Cow<'_, [u8]> {
    let count_line = wire
        .strip_prefix(b"*")
        .and_then(|rest| rest.iter().position(|&b| b == b'\r').map(|cr| (cr + 1, &rest[..cr])));
    let Some((cr, count)) = count_line else { return wire.into() };
    match string2ll(count) {
        Some(n) if len > 0 && (1..MAX_MULTIBULK_LEN).contains(&n) && cr + 1 < wire.len() => {
            let mut out = format!("*{}\r\n${len}\r\n", n + 1).into_bytes();
            out.resize(out.len() + len, b'p');
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&wire[cr + 2..]);
            out.into()
        }
        _ => wire.into(),
    }
}

/// Checks that `buf` is exactly one well-formed reply: RESP2, or RESP3 if `resp3`.
pub fn check_reply(buf: &[u8], resp3: bool) -> Result<(), String> {
    let used = reply(buf, 0, resp3)?;
    if used != buf.len() {
        return Err(format!("{} bytes after the reply", buf.len() - used));
    }
    Ok(())
}

/// Checks that `buf` is one or more well-formed replies (RESP2, or RESP3 if `resp3`)
/// and nothing else.
pub fn check_replies(buf: &[u8], resp3: bool) -> Result<(), String> {
    let mut at = 0;
    loop {
        at += reply(&buf[at..], 0, resp3)?;
        if at == buf.len() {
            return Ok(());
        }
    }
}

/// The length of the well-formed value at the start of `buf`. RESP2's: a simple string
/// (`+`), an error (`-`, not empty), an integer (`:`, as `string2ll` reads it), a bulk
/// string (`$len` then exactly `len` bytes and CRLF, or `$-1`) or an array (`*n` and `n`
/// values, or `*-1`). With `resp3`, RESP3's too (and only then): a null (`_`), a map
/// (`%n` and `2n` values), a set (`~n`), a push (`>n`), a verbatim string (`=len`, its
/// first four bytes a format and a colon), a double (`,`), a boolean (`#t`, `#f`) and
/// a big number (`(`). Lines hold no CR or LF of their own.
pub fn reply(buf: &[u8], depth: usize, resp3: bool) -> Result<usize, String> {
    let kind = *buf.first().ok_or("a reply expected, nothing found")?;
    let end = 1 + buf[1..].windows(2).position(|w| w == b"\r\n").ok_or("a line without CRLF")?;
    let line = &buf[1..end];
    if line.iter().any(|&b| b == b'\r' || b == b'\n') {
        return Err(format!("a line break inside the line {:?}", String::from_utf8_lossy(line)));
    }
    let number =
        || string2ll(line).ok_or_else(|| format!("not a number: {:?}", String::from_utf8_lossy(line)));
    let after = end + 2;
    // `n` values after the header line.
    let values = |n: i64| -> Result<usize, String> {
        // `COMMAND DOCS` nests arguments in arguments: eleven deep for `CLIENT KILL`.
        if depth >= 16 {
            return Err("aggregates nested too deep".into());
        }
        let mut pos = after;
        for _ in 0..n {
            pos += reply(&buf[pos..], depth + 1, resp3)?;
        }
        Ok(pos)
    };
    // `n` bytes and CRLF after the header line.
    let payload = |n: i64| -> Result<usize, String> {
        let n = n as usize;
        match buf.get(after + n..after + n + 2) {
            Some(b"\r\n") => Ok(after + n + 2),
            Some(_) => Err(format!("a payload of {n} bytes not followed by CRLF")),
            None => Err(format!("a payload of {n} bytes cut short")),
        }
    };
    match kind {
        b'+' => Ok(after),
        b'-' if line.is_empty() => Err("an empty error".into()),
        b'-' => Ok(after),
        b':' => number().map(|_| after),
        b'$' => match number()? {
            -1 => Ok(after),
            n if n < 0 => Err(format!("bulk length {n}")),
            n => payload(n),
        },
        b'*' => match number()? {
            -1 => Ok(after),
            n if n < 0 => Err(format!("array length {n}")),
            n => values(n),
        },
        b'_' | b'%' | b'~' | b'>' | b'=' | b',' | b'#' | b'(' if !resp3 => {
            Err(format!("RESP3's type {:?} in a RESP2 reply", kind as char))
        }
        b'_' if line.is_empty() => Ok(after),
        b'%' | b'~' | b'>' => match number()? {
            n if n < 0 => Err(format!("aggregate length {n}")),
            n if kind == b'%' => values(2 * n),
            n => values(n),
        },
        b'=' => match number()? {
            n if n < 4 => Err(format!("verbatim length {n}")),
            n if buf.get(after + 3) != Some(&b':') => {
                Err(format!("verbatim of {n} bytes without its format"))
            }
            n => payload(n),
        },
        b',' if std::str::from_utf8(line).is_ok_and(|t| t.parse::<f64>().is_ok()) => Ok(after),
        b'#' if line == b"t" || line == b"f" => Ok(after),
        b'(' if !line.is_empty()
            && line.strip_prefix(b"-").unwrap_or(line).iter().all(u8::is_ascii_digit) =>
        {
            Ok(after)
        }
        other => Err(format!("type byte {:?} with {:?}", other as char, String::from_utf8_lossy(line))),
    }
}
