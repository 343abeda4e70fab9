//! Redis's glob patterns, as `KEYS`, `SCAN MATCH` and `CONFIG GET` read them.

/// Redis's glob matching (`stringmatchlen`): `*` any run, `?` any byte, `[abc]`,
/// `[^a]`, `[a-z]` classes, `\` escapes. Iterative, backtracking only to the last `*`,
/// so a hostile pattern costs at most pattern × string steps.
///
/// As in Redis, an empty string matches only an empty pattern (not `*`: Redis's loop
/// runs while both have bytes left), so `PSUBSCRIBE *` does not hear a message
/// published to the empty channel; `KEYS *` and `SCAN` without `MATCH` list an empty
/// key all the same, as they match nothing at all (Redis's shortcut).
///
/// Also as in Redis, a pattern with more than 1,000 runs of `*` before its
/// last element matches nothing: Redis matches each run by recursion and gives up
/// past that depth.
pub fn glob_match(pattern: &[u8], s: &[u8]) -> bool {
    if s.is_empty() {
        return pattern.is_empty();
    }
    // Each run of `*` but a last one takes at least two bytes.
    if pattern.len() > 2 * MAX_NESTING && too_nested(pattern) {
        return false;
    }
    let (mut p, mut i) = (0, 0);
    // Where to resume after the last `*`: (pattern position after it, string position).
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p < pattern.len() {
            match pattern[p] {
                b'*' => {
                    while p < pattern.len() && pattern[p] == b'*' {
                        p += 1;
                    }
                    if p == pattern.len() {
                        return true;
                    }
                    star = Some((p, i));
                    continue;
                }
                _ if i < s.len() => {
                    if let Some(next) = match_one(pattern, p, s[i]) {
                        p = next;
                        i += 1;
                        continue;
                    }
                }
                _ => {}
            }
        } else if i == s.len() {
            return true;
        }
        // Mismatch: let the last `*` take one more byte, or fail.
        match star {
            Some((sp, si)) if si < s.len() => {
                star = Some((sp, si + 1));
                p = sp;
                i = si + 1;
            }
            _ => return false,
        }
    }
}

/// Runs of `*` not at the end of a pattern past which Redis's matcher gives up.
const MAX_NESTING: usize = 1000;

/// Whether `pattern` has more than [`MAX_NESTING`] runs of `*` before its end (a `*`
/// in a class or escaped is a plain byte).
#[cold]
fn too_nested(pattern: &[u8]) -> bool {
    let (mut p, mut runs) = (0, 0);
    while p < pattern.len() {
        match pattern[p] {
            b'*' => {
                while p < pattern.len() && pattern[p] == b'*' {
                    p += 1;
                }
                runs += usize::from(p < pattern.len());
            }
            b'\\' if p + 1 < pattern.len() => p += 2,
            b'[' => p = class(pattern, p, 0).1,
            _ => p += 1,
        }
    }
    runs > MAX_NESTING
}

/// Matches one pattern element at `p` (not `*`) against byte `c`; returns the pattern
/// position after the element when it matches.
fn match_one(pattern: &[u8], p: usize, c: u8) -> Option<usize> {
    match pattern[p] {
        b'?' => Some(p + 1),
        b'\\' if p + 1 < pattern.len() => (pattern[p + 1] == c).then_some(p + 2),
        b'[' => {
            let (hit, next) = class(pattern, p, c);
            hit.then_some(next)
        }
        other => (other == c).then_some(p + 1),
    }
}

/// The class (`[...]`) at `p` against byte `c`: whether it matches, and the pattern
/// position after it.
fn class(pattern: &[u8], mut p: usize, c: u8) -> (bool, usize) {
    p += 1;
    let negate = pattern.get(p) == Some(&b'^');
    if negate {
        p += 1;
    }
    let mut hit = false;
    // Like Redis, an unterminated class runs to the end of the pattern.
    while p < pattern.len() && pattern[p] != b']' {
        if pattern[p] == b'\\' && p + 1 < pattern.len() {
            hit |= pattern[p + 1] == c;
            p += 2;
        } else if p + 2 < pattern.len() && pattern[p + 1] == b'-' {
            let (a, b) = (pattern[p].min(pattern[p + 2]), pattern[p].max(pattern[p + 2]));
            hit |= (a..=b).contains(&c);
            p += 3;
        } else {
            hit |= pattern[p] == c;
            p += 1;
        }
    }
    if p >= pattern.len() {
        // Unterminated: Redis treats the class as ending at the last byte.
        p = pattern.len() - 1;
    }
    (hit != negate, p + 1)
}
