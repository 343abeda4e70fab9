//! The redis-server example's glob matching (`KEYS`, `CONFIG GET`). Bytes 0 and 1 say
//! where the rest splits into the pattern and the string.
//!
//! Checks: `glob_match` agrees with `stringmatchlen` below, Redis's own recursive
//! backtracking matcher (src/util.c, Redis 7) ported statement by statement, on every
//! pattern and string; and a pattern escaping every byte of a string matches that
//! string and nothing else.
//!
//! The example's matcher differs from Redis on x86-64 in one corner case, a named
//! switch of [`Dialect`] so the check stays exact everywhere else (an empty string,
//! which Redis's loop `while (patternLen && stringLen)` lets match only an empty
//! pattern, not `*`, and a pattern nested past 1000 `*`, which Redis gives up on, are
//! matched as Redis does):
//!
//! - Range ends in a class: Redis compares `[a-b]` as C `char`, signed on x86-64, so a
//!   range with one end below 0x80 and one at or above it covers other bytes there than
//!   on ARM (where `char` is unsigned); the example compares unsigned bytes, as ARM does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tcpio_examples::redis::store::glob_match;

fuzz_target!(|data: &[u8]| {
    static DIALECTS: std::sync::Once = std::sync::Once::new();
    DIALECTS.call_once(dialects_differ_as_documented);
    let [a, b, rest @ ..] = data else { return };
    let split = usize::from(u16::from_le_bytes([*a, *b])) % (rest.len() + 1);
    let (pattern, string) = rest.split_at(split);
    assert_eq!(
        glob_match(pattern, string),
        stringmatchlen(pattern, string, EXAMPLE),
        "pattern {:?} string {:?}",
        String::from_utf8_lossy(pattern),
        String::from_utf8_lossy(string)
    );
    let literal = escape(string);
    assert!(glob_match(&literal, string), "an escaped string does not match itself");
    assert_eq!(glob_match(&literal, pattern), pattern == string, "an escaped string matches another");
});

/// Where a matcher departs from Redis built for x86-64 (see the module docs).
#[derive(Clone, Copy)]
struct Dialect {
    /// Range ends and the byte tested are C `char`s, signed.
    signed_char: bool,
    /// `*` nesting past which the match fails.
    max_nesting: usize,
}

/// Redis's own behaviour on x86-64; the reference the example's is described against.
const REDIS_X86_64: Dialect = Dialect { signed_char: true, max_nesting: 1000 };

/// The example's matcher.
const EXAMPLE: Dialect = Dialect { signed_char: false, max_nesting: 1000 };

/// One case of each documented difference, both ways, so the switches stay honest.
fn dialects_differ_as_documented() {
    let cases: [(&[u8], &[u8], bool); 2] = [(b"[a-\xe9]", b"\xf0", false), (b"[a-\xe9]", b"b", true)];
    for (pattern, string, example) in cases {
        assert_eq!(glob_match(pattern, string), example);
        assert_eq!(stringmatchlen(pattern, string, EXAMPLE), example);
        assert_eq!(stringmatchlen(pattern, string, REDIS_X86_64), !example);
    }
    // And the same: an empty string matches only an empty pattern; past 1000 runs of
    // `*` before the end, nothing matches.
    for (pattern, matches) in [(&b""[..], true), (b"*", false), (b"**", false), (b"?", false)] {
        assert_eq!(glob_match(pattern, b""), matches);
        assert_eq!(stringmatchlen(pattern, b"", REDIS_X86_64), matches);
    }
    for (runs, matches) in [(1000, true), (1001, false)] {
        let pattern = b"*a".repeat(runs);
        let string = vec![b'a'; runs];
        assert_eq!(glob_match(&pattern, &string), matches);
        assert_eq!(stringmatchlen(&pattern, &string, REDIS_X86_64), matches);
    }
}

/// `stringmatchlen(pattern, string, nocase = 0)` in `dialect`.
fn stringmatchlen(pattern: &[u8], string: &[u8], dialect: Dialect) -> bool {
    let mut skip_longer_matches = false;
    Matcher { pattern, string, dialect }.matches(0, 0, &mut skip_longer_matches, 0)
}

struct Matcher<'a> {
    pattern: &'a [u8],
    string: &'a [u8],
    dialect: Dialect,
}

impl Matcher<'_> {
    /// `pattern[p]`, or the C string's terminating NUL past the end (Redis's patterns
    /// are sds strings, which end with one, and its matcher reads it).
    fn pat(&self, p: usize) -> u8 {
        self.pattern.get(p).copied().unwrap_or(0)
    }

    /// A byte as C's `int` conversion of a `char` gives it.
    fn int(&self, c: u8) -> i32 {
        if self.dialect.signed_char {
            i32::from(c as i8)
        } else {
            i32::from(c)
        }
    }

    /// `stringmatchlen_impl(pattern + p, patternLen, string + s, stringLen, 0,
    /// skipLongerMatches, nesting)`, with the lengths derived from the positions.
    fn matches(&self, mut p: usize, mut s: usize, skip_longer_matches: &mut bool, nesting: usize) -> bool {
        // Protection against abusive patterns.
        if nesting > self.dialect.max_nesting {
            return false;
        }
        let mut pattern_len = (self.pattern.len() - p) as isize;
        let mut string_len = (self.string.len() - s) as isize;
        while pattern_len > 0 && string_len > 0 {
            match self.pat(p) {
                b'*' => {
                    while pattern_len > 0 && self.pat(p + 1) == b'*' {
                        p += 1;
                        pattern_len -= 1;
                    }
                    if pattern_len == 1 {
                        return true;
                    }
                    while string_len > 0 {
                        if self.matches(p + 1, s, skip_longer_matches, nesting + 1) {
                            return true;
                        }
                        if *skip_longer_matches {
                            return false;
                        }
                        s += 1;
                        string_len -= 1;
                    }
                    // No match for the rest of the pattern anywhere in the rest of the
                    // string: earlier stars need not try longer matches.
                    *skip_longer_matches = true;
                    return false;
                }
                b'?' => {
                    s += 1;
                    string_len -= 1;
                }
                b'[' => {
                    p += 1;
                    pattern_len -= 1;
                    let not = self.pat(p) == b'^';
                    if not {
                        p += 1;
                        pattern_len -= 1;
                    }
                    let mut hit = false;
                    let c = self.string[s];
                    loop {
                        if self.pat(p) == b'\\' && pattern_len >= 2 {
                            p += 1;
                            pattern_len -= 1;
                            if self.pat(p) == c {
                                hit = true;
                            }
                        } else if self.pat(p) == b']' {
                            break;
                        } else if pattern_len == 0 {
                            p -= 1;
                            pattern_len += 1;
                            break;
                        } else if pattern_len >= 3 && self.pat(p + 1) == b'-' {
                            let (mut start, mut end) = (self.int(self.pat(p)), self.int(self.pat(p + 2)));
                            if start > end {
                                std::mem::swap(&mut start, &mut end);
                            }
                            p += 2;
                            pattern_len -= 2;
                            if (start..=end).contains(&self.int(c)) {
                                hit = true;
                            }
                        } else if self.pat(p) == c {
                            hit = true;
                        }
                        p += 1;
                        pattern_len -= 1;
                    }
                    if hit == not {
                        return false;
                    }
                    s += 1;
                    string_len -= 1;
                }
                first => {
                    // `\x` matches `x`; a lone `\` at the end matches itself.
                    let literal = if first == b'\\' && pattern_len >= 2 {
                        p += 1;
                        pattern_len -= 1;
                        self.pat(p)
                    } else {
                        first
                    };
                    if literal != self.string[s] {
                        return false;
                    }
                    s += 1;
                    string_len -= 1;
                }
            }
            p += 1;
            pattern_len -= 1;
            if string_len == 0 {
                while self.pat(p) == b'*' {
                    p += 1;
                    pattern_len -= 1;
                }
                break;
            }
        }
        pattern_len == 0 && string_len == 0
    }
}

/// A pattern matching exactly `s`: every byte escaped.
fn escape(s: &[u8]) -> Vec<u8> {
    s.iter().flat_map(|&b| [b'\\', b]).collect()
}
