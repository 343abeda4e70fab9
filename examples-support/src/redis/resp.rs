//! RESP2 requests, sans-I/O: bytes in, arguments out. Nothing here reads a socket.
//!
//! A request is a multibulk array (what every client library sends) or an inline line
//! (what a person types into telnet, and what `redis-benchmark -t ping_inline` sends):
//!
//! ```text
//!  *3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n   multibulk: a count, then length-prefixed arguments
//!  SET key "two words"\r\n                          inline: words, with Redis's quoting rules
//! ```
//!
//! [`Parser::parse`] looks for one complete request at the start of a buffer and returns
//! its arguments as slices of that buffer: nothing is copied (only quoted inline
//! arguments are unescaped, into a scratch buffer the parser reuses). A request that is
//! not complete yet is `Ok(None)`: the caller keeps the bytes and asks again when more
//! have arrived.
//!
//! The commonest request (a count of one digit, arguments of up to 99 bytes, all of it
//! here) is read by a short path that checks only that shape; anything else, and every
//! error, goes to the general parser, which reads it from its start. A unit test holds
//! the two to the same answer on every prefix and single-byte change of such requests,
//! and the `resp` fuzz target holds both to a reference parser.
//!
//! Claimed lengths are checked, never trusted: the parser reserves nothing for a count or
//! a bulk length a client announces, so `*2147483647\r\n` or `$536870912\r\n` costs a few
//! bytes of bookkeeping, not gigabytes. The limits and the error texts are Redis 7's.

/// Longest bulk argument accepted (Redis's `proto-max-bulk-len`, 512 MiB).
pub const MAX_BULK_LEN: i64 = 512 << 20;

/// Most arguments a multibulk request may announce (Redis 7 accepts up to `INT_MAX`;
/// memory still grows only with the arguments that actually arrive).
pub const MAX_MULTIBULK_LEN: i64 = i32::MAX as i64;

/// Most arguments a client that has not authenticated (on a server with a password)
/// may send in one request, as Redis 7.0: past it the request is refused and the
/// connection closed, so a client without the password cannot make the server hold a
/// big request.
pub const UNAUTHENTICATED_MULTIBULK_LEN: i64 = 10;

/// Longest argument a client that has not authenticated may send (as above).
pub const UNAUTHENTICATED_BULK_LEN: i64 = 16 * 1024;

/// Longest inline request, and longest count line, waited for before giving up
/// (Redis's `PROTO_INLINE_MAX_SIZE`).
pub const MAX_INLINE_LEN: usize = 64 << 10;

/// An incomplete request this long or longer remembers how far it was scanned, so a
/// request that arrives in many reads is not rescanned from its start at every read.
const RESUME_AFTER: usize = 16 << 10;

/// Bytes of scratch space (argument lists, unescaped arguments, reply buffers) kept
/// between requests; what grew past it for one big request is given back after it.
pub const KEEP_SCRATCH: usize = 64 << 10;

/// Marks an argument range that points into the parser's scratch buffer, not the input.
const IN_SCRATCH: usize = 1 << (usize::BITS - 1);

/// A request Redis would refuse; the connection is closed after the error reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// No line end within [`MAX_INLINE_LEN`] bytes of a multibulk count.
    TooBigMultibulkCount,
    /// The multibulk count is not a number or above [`MAX_MULTIBULK_LEN`].
    InvalidMultibulkLength,
    /// No line end within [`MAX_INLINE_LEN`] bytes of a bulk length.
    TooBigBulkCount,
    /// An argument of a multibulk request does not start with `$`; holds the byte found.
    ExpectedDollar(u8),
    /// A bulk length that is not a number, negative, or above [`MAX_BULK_LEN`].
    InvalidBulkLength,
    /// No line end within [`MAX_INLINE_LEN`] bytes of an inline request.
    TooBigInline,
    /// An inline request with an unterminated quote, or a closing quote not followed
    /// by a space.
    UnbalancedQuotes,
    /// A multibulk count above [`UNAUTHENTICATED_MULTIBULK_LEN`] from a client that
    /// has not authenticated.
    UnauthenticatedMultibulkLength,
    /// A bulk length above [`UNAUTHENTICATED_BULK_LEN`] from a client that has not
    /// authenticated.
    UnauthenticatedBulkLength,
}

impl ProtocolError {
    /// The error text after `Protocol error: `, split around the one byte some errors
    /// quote, so a reply can be written without formatting.
    pub fn text(&self) -> (&'static str, Option<u8>) {
        match self {
            ProtocolError::TooBigMultibulkCount => ("too big mbulk count string", None),
            ProtocolError::InvalidMultibulkLength => ("invalid multibulk length", None),
            ProtocolError::TooBigBulkCount => ("too big bulk count string", None),
            ProtocolError::ExpectedDollar(b) => ("expected '$', got '", Some(*b)),
            ProtocolError::InvalidBulkLength => ("invalid bulk length", None),
            ProtocolError::TooBigInline => ("too big inline request", None),
            ProtocolError::UnbalancedQuotes => ("unbalanced quotes in request", None),
            ProtocolError::UnauthenticatedMultibulkLength => ("unauthenticated multibulk length", None),
            ProtocolError::UnauthenticatedBulkLength => ("unauthenticated bulk length", None),
        }
    }
}

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.text() {
            (t, Some(b)) => write!(f, "Protocol error: {t}{}'", b as char),
            (t, None) => write!(f, "Protocol error: {t}"),
        }
    }
}

/// How far an incomplete multibulk request has been checked. Kept per connection by
/// the caller and handed back to [`Parser::parse`] with the same request at the start
/// of the buffer; reset it whenever bytes are consumed some other way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Offset of the first argument header not yet checked; 0 when nothing is saved.
    pos: usize,
    /// Arguments still to check from `pos`.
    left: u64,
}

/// The arguments of one request, borrowed from the input (and the parser's scratch
/// buffer for unescaped inline arguments).
#[derive(Clone, Copy, Debug)]
pub struct Args<'a> {
    input: &'a [u8],
    scratch: &'a [u8],
    ranges: &'a [(usize, usize)],
}

impl<'a> Args<'a> {
    /// Number of arguments, the command name included.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether the request was empty (`*0\r\n`, a blank line); such requests are skipped.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Argument `i`; the command name is argument 0.
    ///
    /// # Panics
    ///
    /// If `i` is not below [`len`](Self::len).
    #[inline(always)]
    pub fn get(&self, i: usize) -> &'a [u8] {
        let (start, end) = self.ranges[i];
        if start & IN_SCRATCH == 0 {
            &self.input[start..end]
        } else {
            &self.scratch[start & !IN_SCRATCH..end]
        }
    }

    /// The arguments in order.
    pub fn iter(&self) -> ArgsIter<'a> {
        ArgsIter { args: *self, next: 0, end: self.len() }
    }
}

/// The arguments of a request in order ([`Args::iter`]); skipping some (`nth`, `skip`)
/// costs nothing per argument skipped.
#[derive(Clone, Debug)]
pub struct ArgsIter<'a> {
    args: Args<'a>,
    next: usize,
    end: usize,
}

impl<'a> Iterator for ArgsIter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.next == self.end {
            return None;
        }
        self.next += 1;
        Some(self.args.get(self.next - 1))
    }

    #[inline]
    fn nth(&mut self, n: usize) -> Option<&'a [u8]> {
        self.next = self.next.saturating_add(n).min(self.end);
        self.next()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.end - self.next, Some(self.end - self.next))
    }
}

impl ExactSizeIterator for ArgsIter<'_> {}

impl DoubleEndedIterator for ArgsIter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.next == self.end {
            return None;
        }
        self.end -= 1;
        Some(self.args.get(self.end))
    }
}

/// Finds requests in a byte stream. One per event loop: the argument list and scratch
/// buffer it keeps are reused from request to request, so parsing allocates only while
/// they grow to the largest request seen.
#[derive(Debug, Default)]
pub struct Parser {
    ranges: Vec<(usize, usize)>,
    scratch: Vec<u8>,
    /// Whether the requests come from a client that must authenticate and has not:
    /// their counts and lengths are then held to Redis's limits for such clients.
    unauthenticated: bool,
}

impl Parser {
    /// A parser with nothing allocated yet.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Holds the next requests to the limits of a client that has not authenticated
    /// ([`UNAUTHENTICATED_MULTIBULK_LEN`], [`UNAUTHENTICATED_BULK_LEN`]), or lifts
    /// them. A request short enough for the short path is within them anyway.
    #[inline]
    pub fn set_unauthenticated(&mut self, unauthenticated: bool) {
        self.unauthenticated = unauthenticated;
    }

    /// Whether the limits of [`set_unauthenticated`](Self::set_unauthenticated) are on.
    #[inline]
    pub fn unauthenticated(&self) -> bool {
        self.unauthenticated
    }

    /// Gives back the argument list and scratch buffer once they have grown past
    /// [`KEEP_SCRATCH`] bytes (a request with millions of arguments), keeping a modest
    /// size. Call between requests; it costs two comparisons when there is nothing to do.
    #[inline]
    pub fn shrink(&mut self) {
        let keep = KEEP_SCRATCH / std::mem::size_of::<(usize, usize)>();
        if self.ranges.capacity() > keep {
            self.ranges = Vec::with_capacity(keep / 16);
        }
        if self.scratch.capacity() > KEEP_SCRATCH {
            self.scratch = Vec::new();
        }
    }

    /// Bytes the parser holds for its argument list and scratch buffer.
    pub fn capacity(&self) -> usize {
        self.ranges.capacity() * std::mem::size_of::<(usize, usize)>() + self.scratch.capacity()
    }

    /// Parses the request at the start of `input`: `Ok(Some((args, used)))` when it is
    /// complete (`used` bytes long; `args` may be empty, meaning "skip it"),
    /// `Ok(None)` when more bytes are needed, an error when Redis would refuse it.
    ///
    /// `progress` is the connection's saved scan position; see [`Progress`].
    pub fn parse<'p>(
        &'p mut self,
        input: &'p [u8],
        progress: &mut Progress,
    ) -> Result<Option<(Args<'p>, usize)>, ProtocolError> {
        Ok(self.parse_len(input, progress)?.map(|used| (self.args(input), used)))
    }

    /// [`parse`](Self::parse) returning only the request's length, its arguments then
    /// in [`args`](Self::args): a result small enough to come back in registers, for the
    /// request loop.
    #[inline]
    pub fn parse_len(
        &mut self,
        input: &[u8],
        progress: &mut Progress,
    ) -> Result<Option<usize>, ProtocolError> {
        let Some(&first) = input.first() else { return Ok(None) };
        self.ranges.clear();
        if first == b'*' {
            if let Some(used) = short_multibulk(input, &mut self.ranges) {
                return Ok(Some(used));
            }
            self.ranges.clear();
            self.multibulk(input, progress)
        } else {
            self.inline(input)
        }
    }

    /// The arguments of the request [`parse_len`](Self::parse_len) last found at the
    /// start of `input` (the same input).
    #[inline]
    pub fn args<'p>(&'p self, input: &'p [u8]) -> Args<'p> {
        Args { input, scratch: &self.scratch, ranges: &self.ranges }
    }

    /// A multibulk request; returns the bytes used once complete.
    fn multibulk(&mut self, input: &[u8], progress: &mut Progress) -> Result<Option<usize>, ProtocolError> {
        let Some((count, mut pos)) = length_line(input, 1, ProtocolError::TooBigMultibulkCount)? else {
            return Ok(None);
        };
        let count = match count {
            Some(n) if n <= MAX_MULTIBULK_LEN => n,
            _ => return Err(ProtocolError::InvalidMultibulkLength),
        };
        let max_bulk = if self.unauthenticated {
            if count > UNAUTHENTICATED_MULTIBULK_LEN {
                return Err(ProtocolError::UnauthenticatedMultibulkLength);
            }
            UNAUTHENTICATED_BULK_LEN
        } else {
            MAX_BULK_LEN
        };
        if count <= 0 {
            // `*0` and `*-1` are empty requests: Redis skips them silently.
            return Ok(Some(pos));
        }
        let mut left = count as u64;
        if progress.pos > 0 {
            // Check the arguments that arrived since the last try without recording
            // them; only once the whole request is here is it parsed for real.
            let (p, l) = (progress.pos, progress.left);
            *progress = Progress::default();
            if !scan(input, p, l, max_bulk, progress)? {
                return Ok(None);
            }
        }
        while left > 0 {
            match bulk(input, pos, max_bulk)? {
                Some((start, end)) => {
                    self.ranges.push((start, end));
                    pos = end + 2;
                    left -= 1;
                }
                None => {
                    if pos >= RESUME_AFTER {
                        *progress = Progress { pos, left };
                    }
                    return Ok(None);
                }
            }
        }
        Ok(Some(pos))
    }

    /// An inline request: one line, split into words.
    fn inline(&mut self, input: &[u8]) -> Result<Option<usize>, ProtocolError> {
        let Some(nl) = input.iter().position(|&b| b == b'\n') else {
            if input.len() > MAX_INLINE_LEN {
                return Err(ProtocolError::TooBigInline);
            }
            return Ok(None);
        };
        let mut line = &input[..nl];
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        // Redis splits a C string: a NUL byte ends the line.
        if let Some(z) = line.iter().position(|&b| b == 0) {
            line = &line[..z];
        }
        if line.iter().any(|&b| b == b'"' || b == b'\'') {
            self.split_quoted(line)?;
        } else {
            split_plain(line, &mut self.ranges);
        }
        Ok(Some(nl + 1))
    }

    /// Splits a line with quotes the way Redis's `sdssplitargs` does, unescaping into
    /// the scratch buffer.
    fn split_quoted(&mut self, line: &[u8]) -> Result<(), ProtocolError> {
        self.scratch.clear();
        let at = |i: usize| line.get(i).copied().unwrap_or(0);
        let mut i = 0;
        loop {
            while i < line.len() && is_space(line[i]) {
                i += 1;
            }
            if i >= line.len() {
                return Ok(());
            }
            let start = self.scratch.len();
            // The quote the argument is inside of, if any: `"` or `'`.
            let mut quote = None;
            loop {
                let c = at(i);
                match quote {
                    Some(q) => {
                        if let Some((byte, len)) = escape(line, i, q) {
                            self.scratch.push(byte);
                            i += len;
                            continue;
                        } else if c == q {
                            // A closing quote must be followed by a space or the end.
                            if i + 1 < line.len() && !is_space(line[i + 1]) {
                                return Err(ProtocolError::UnbalancedQuotes);
                            }
                            i += 1;
                            break;
                        } else if i >= line.len() {
                            return Err(ProtocolError::UnbalancedQuotes);
                        }
                        self.scratch.push(c);
                    }
                    None => match c {
                        _ if i >= line.len() => break,
                        b' ' | b'\n' | b'\r' | b'\t' => break,
                        b'"' | b'\'' => quote = Some(c),
                        _ => self.scratch.push(c),
                    },
                }
                i += 1;
            }
            self.ranges.push((start | IN_SCRATCH, self.scratch.len()));
        }
    }
}

/// The escape sequence at `i` inside quote `q`, as `sdssplitargs` reads it: the byte it
/// stands for and its length. Inside `"`: `\xHH` and `\n`, `\r`, `\t`, `\b`, `\a` (a
/// backslash before any other byte stands for that byte); inside `'`: only `\'`.
fn escape(line: &[u8], i: usize, q: u8) -> Option<(u8, usize)> {
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    if at(i) != b'\\' {
        return None;
    }
    if q == b'\'' {
        return (at(i + 1) == b'\'').then_some((b'\'', 2));
    }
    if let (b'x', Some(hi), Some(lo)) = (at(i + 1), hex(at(i + 2)), hex(at(i + 3))) {
        return Some((hi * 16 + lo, 4));
    }
    let byte = match *line.get(i + 1)? {
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'b' => 8,
        b'a' => 7,
        other => other,
    };
    Some((byte, 2))
}

/// The commonest request, whole: a count of one digit (1 to 9), then arguments whose
/// lengths have one or two digits, all of them here. Records the arguments and returns
/// the bytes used; `None` for anything else (some arguments may be recorded), which the
/// general path then parses from the start. Such a request is far shorter than
/// [`RESUME_AFTER`], so no saved progress can belong to it.
#[inline(always)]
fn short_multibulk(input: &[u8], ranges: &mut Vec<(usize, usize)>) -> Option<usize> {
    let [b'*', n @ b'1'..=b'9', b'\r', _, ..] = *input else { return None };
    let mut left = n - b'0';
    let mut pos = 4;
    loop {
        let (len, start) = match *input.get(pos..)? {
            [b'$', d @ b'0'..=b'9', b'\r', _, ..] => (usize::from(d - b'0'), pos + 4),
            [b'$', d0 @ b'1'..=b'9', d1 @ b'0'..=b'9', b'\r', _, ..] => {
                (usize::from(d0 - b'0') * 10 + usize::from(d1 - b'0'), pos + 5)
            }
            _ => return None,
        };
        // Like Redis, the two bytes after the payload are skipped, not checked.
        let end = start + len;
        if input.len() < end + 2 {
            return None;
        }
        ranges.push((start, end));
        pos = end + 2;
        left -= 1;
        if left == 0 {
            return Some(pos);
        }
    }
}

/// Checks `left` arguments from `pos` (none longer than `max_bulk`) without recording
/// them; true when all are here. When not, saves where to go on in `progress`.
fn scan(
    input: &[u8],
    mut pos: usize,
    mut left: u64,
    max_bulk: i64,
    progress: &mut Progress,
) -> Result<bool, ProtocolError> {
    while left > 0 {
        match bulk(input, pos, max_bulk)? {
            Some((_, end)) => {
                pos = end + 2;
                left -= 1;
            }
            None => {
                *progress = Progress { pos, left };
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// The bulk argument whose `$` header starts at `pos`: its range, or `None` when it
/// has not fully arrived (the payload and the two bytes that end it). A length above
/// `max_bulk` (below [`MAX_BULK_LEN`] only for a client that has not authenticated)
/// is refused.
#[inline(always)]
fn bulk(input: &[u8], pos: usize, max_bulk: i64) -> Result<Option<(usize, usize)>, ProtocolError> {
    let rest = input.get(pos..).unwrap_or_default();
    let (len, start) = match *rest {
        // Lengths of one or two digits (command names, most keys and values) are read
        // without the general number parser.
        [b'$', d, b'\r', _, ..] if d.is_ascii_digit() => (usize::from(d - b'0'), pos + 4),
        [b'$', d0 @ b'1'..=b'9', d1, b'\r', _, ..] if d1.is_ascii_digit() => {
            (usize::from(d0 - b'0') * 10 + usize::from(d1 - b'0'), pos + 5)
        }
        [] => return Ok(None),
        [b'$', ..] => {
            let Some((len, start)) = length_line(input, pos + 1, ProtocolError::TooBigBulkCount)? else {
                return Ok(None);
            };
            match len {
                Some(n) if (0..=max_bulk).contains(&n) => (n as usize, start),
                Some(n) if (0..=MAX_BULK_LEN).contains(&n) => {
                    return Err(ProtocolError::UnauthenticatedBulkLength)
                }
                _ => return Err(ProtocolError::InvalidBulkLength),
            }
        }
        [other, ..] => return Err(ProtocolError::ExpectedDollar(other)),
    };
    // Like Redis, the two bytes after the payload are skipped, not checked.
    if input.len() - start < len + 2 {
        return Ok(None);
    }
    Ok(Some((start, start + len)))
}

/// The number on the line starting at `pos` (just after its `*` or `$`): the value
/// (`None` when it is not a number) and the offset after the line end, or `Ok(None)`
/// while the line end has not arrived. Like Redis, the line ends at `\r` and the byte
/// after it is skipped unchecked.
#[inline(always)]
fn length_line(
    input: &[u8],
    pos: usize,
    too_big: ProtocolError,
) -> Result<Option<(Option<i64>, usize)>, ProtocolError> {
    let rest = &input[pos..];
    // Argument lengths and counts of one digit (`$3\r\n`, `*2\r\n`): the commonest
    // case, checked without the loop below.
    if let [d, b'\r', _, ..] = *rest {
        if d.is_ascii_digit() {
            return Ok(Some((Some(i64::from(d - b'0')), pos + 3)));
        }
    }
    // The common case in one pass: a few digits, no sign, no leading zero, then `\r`
    // and one more byte. Eighteen digits cannot overflow.
    let mut v: i64 = 0;
    let mut k = 0;
    while k < rest.len() && k < 18 {
        let d = rest[k].wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v * 10 + i64::from(d);
        k += 1;
    }
    if k > 0 && k + 1 < rest.len() && rest[k] == b'\r' && (rest[0] != b'0' || k == 1) {
        return Ok(Some((Some(v), pos + k + 2)));
    }
    length_line_slow(input, pos, too_big)
}

/// [`length_line`] for everything but a short, complete, positive number.
#[cold]
fn length_line_slow(
    input: &[u8],
    pos: usize,
    too_big: ProtocolError,
) -> Result<Option<(Option<i64>, usize)>, ProtocolError> {
    let rest = &input[pos..];
    let Some(cr) = rest.iter().position(|&b| b == b'\r') else {
        if rest.len() > MAX_INLINE_LEN {
            return Err(too_big);
        }
        return Ok(None);
    };
    if cr + 1 >= rest.len() {
        return Ok(None);
    }
    Ok(Some((parse_i64(&rest[..cr]), pos + cr + 2)))
}

/// Splits a line without quotes on spaces, borrowing every word.
fn split_plain(line: &[u8], ranges: &mut Vec<(usize, usize)>) {
    let mut i = 0;
    while i < line.len() {
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        let start = i;
        while i < line.len() && !matches!(line[i], b' ' | b'\n' | b'\r' | b'\t') {
            i += 1;
        }
        if i > start {
            ranges.push((start, i));
        }
    }
}

/// C's `isspace`.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// The value of a hexadecimal digit.
fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Parses a decimal integer exactly as Redis's `string2ll` does: an optional `-`, no
/// `+`, no spaces, no leading zeros, at most 20 characters, no overflow.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if !matches!(digits.first(), Some(b'1'..=b'9')) {
        return None;
    }
    // Accumulate negatively: i64::MIN has no positive counterpart.
    let mut v: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_sub(i64::from(d - b'0'))?;
    }
    if neg {
        Some(v)
    } else {
        v.checked_neg()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The short path agrees with the general one wherever it answers, and answers
    /// nothing the general one would refuse or wait on: checked on requests of every
    /// shape near its limits, each cut short at every byte and each with every byte
    /// replaced by one that matters to the grammar.
    #[test]
    fn the_short_path_agrees_with_the_general_one() {
        let mut requests: Vec<Vec<u8>> = vec![
            b"*1\r\n$4\r\nPING\r\n".to_vec(),
            b"*2\r\n$3\r\nGET\r\n$16\r\nkey:__rand_int__\r\n".to_vec(),
            b"*3\r\n$3\r\nSET\r\n$0\r\n\r\n$9\r\n012345678\r\n".to_vec(),
            b"*2\r\n$1\r\nx\r\n$10\r\n0123456789\r\n".to_vec(),
            b"*10\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n"
                .to_vec(),
            b"*1\r\n$100\r\n".iter().copied().chain([b'v'; 100]).chain(*b"\r\n").collect(),
        ];
        let mut nine = b"*9\r\n".to_vec();
        for i in 0..9 {
            let arg = vec![b'a' + i as u8; 90 + i];
            nine.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            nine.extend_from_slice(&arg);
            nine.extend_from_slice(b"\r\n");
        }
        requests.push(nine);
        let mut cases = Vec::new();
        for r in &requests {
            for cut in 0..=r.len() {
                cases.push(r[..cut].to_vec());
            }
            for i in 0..r.len() {
                for b in [b'*', b'$', b'\r', b'\n', b'0', b'1', b'9', b'-', b'a', 0] {
                    let mut m = r.clone();
                    m[i] = b;
                    cases.push(m);
                }
            }
            // Two requests back to back: only the first is used.
            cases.push([r.as_slice(), r.as_slice()].concat());
        }
        let mut shorts = 0;
        for input in &cases {
            let mut ranges = Vec::new();
            let short = short_multibulk(input, &mut ranges);
            let mut general = Parser::new();
            let want = if input.first() == Some(&b'*') {
                general.multibulk(input, &mut Progress::default())
            } else {
                continue;
            };
            if let Some(used) = short {
                shorts += 1;
                assert_eq!(want, Ok(Some(used)), "{:?}", String::from_utf8_lossy(input));
                assert_eq!(ranges, general.ranges, "{:?}", String::from_utf8_lossy(input));
            }
        }
        assert!(shorts > requests.len() * 2, "the short path took only {shorts} cases");
    }
}
