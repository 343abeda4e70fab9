//! [`Zset`]: a sorted set, members each with a score, ordered by score then member.
//!
//! Two structures hold the same members, as Redis's skiplist encoding pairs a skiplist
//! with a dictionary:
//!
//! - a [`Dense`] set of (member, score): a member's score in O(1), a uniform random
//!   pick, and a scan cursor that misses no member present for the whole scan;
//! - an [`Order`]: the (score, member) pairs ascending, in a list of sorted chunks of
//!   at most [`CHUNK`] pairs. A member is found by two binary searches (over the
//!   chunks' last pairs, then in one chunk) and inserted or removed by moving at most a
//!   chunk's pairs; a rank is the lengths of the chunks before it summed. A chunk
//!   under a quarter full is merged into a neighbour that can take it, so a chunk that
//!   small has a neighbour over three quarters full: there is at most one chunk per 32
//!   members (one per 128 to 256 as members are added). So a sorted set of a million
//!   members answers `ZRANK` or `ZRANGE` at any rank in a few microseconds, and `ZADD`
//!   moves no more than a few kilobytes.
//!
//! Scores are never NaN (the commands refuse one), so they compare totally; `-0` equals
//! `0`, and pairs of equal scores are ordered by member, bytewise, as in Redis.

use std::cmp::Ordering;

use super::dense::{hash, Dense, Keyed, LISTPACK_ENTRIES, LISTPACK_VALUE};

/// Most pairs a chunk of an [`Order`] holds; a chunk that would hold more is split in
/// two halves.
pub(super) const CHUNK: usize = 256;

/// A member with its score, as the [`Dense`] side of a [`Zset`] holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    /// The member.
    pub member: Box<[u8]>,
    /// Its score.
    pub score: f64,
}

impl Keyed for Scored {
    fn key(&self) -> &[u8] {
        &self.member
    }
}

/// How (`a_score`, `a`) compares with (`b_score`, `b`) in a sorted set's order.
#[inline]
pub fn compare(a_score: f64, a: &[u8], b_score: f64, b: &[u8]) -> Ordering {
    // Never NaN: `partial_cmp` is total here, and says -0 equals 0.
    a_score.partial_cmp(&b_score).unwrap_or(Ordering::Equal).then_with(|| a.cmp(b))
}

/// The (score, member) pairs of a sorted set, ascending, in chunks (see the module doc).
#[derive(Clone, Debug, Default)]
pub struct Order {
    chunks: Vec<Vec<(f64, Box<[u8]>)>>,
    len: usize,
}

impl Order {
    /// How many pairs it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many pairs, from the first, `before` holds for; `before` must hold for a
    /// first run of pairs and for none after it (a lower bound).
    pub fn count_while(&self, before: impl Fn(f64, &[u8]) -> bool) -> usize {
        let c = self.chunks.partition_point(|c| c.last().is_some_and(|(s, m)| before(*s, m)));
        let whole: usize = self.chunks[..c].iter().map(Vec::len).sum();
        whole + self.chunks.get(c).map_or(0, |chunk| chunk.partition_point(|(s, m)| before(*s, m)))
    }

    /// The chunk and the place in it of the first pair not before (`score`, `member`).
    fn locate(&self, score: f64, member: &[u8]) -> (usize, usize) {
        let before = |s: f64, m: &[u8]| compare(s, m, score, member) == Ordering::Less;
        let c = self.chunks.partition_point(|c| c.last().is_some_and(|(s, m)| before(*s, m)));
        let at = self.chunks.get(c).map_or(0, |chunk| chunk.partition_point(|(s, m)| before(*s, m)));
        (c, at)
    }

    /// Adds the pair; the member must not be in it already.
    pub fn insert(&mut self, score: f64, member: Box<[u8]>) {
        self.len += 1;
        let (mut c, mut at) = self.locate(score, &member);
        if c == self.chunks.len() {
            // After every pair: at the end of the last chunk, or in a new one.
            match self.chunks.last_mut() {
                Some(last) => {
                    c -= 1;
                    at = last.len();
                }
                None => {
                    self.chunks.push(Vec::with_capacity(4));
                    at = 0;
                }
            }
        }
        let chunk = &mut self.chunks[c];
        chunk.insert(at, (score, member));
        if chunk.len() > CHUNK {
            let upper = chunk.split_off(chunk.len() / 2);
            self.chunks.insert(c + 1, upper);
        }
    }

    /// Removes the pair; returns whether it was there.
    pub fn remove(&mut self, score: f64, member: &[u8]) -> bool {
        let (c, at) = self.locate(score, member);
        let found = self.chunks.get(c).and_then(|chunk| chunk.get(at));
        let found = found.is_some_and(|(s, m)| compare(*s, m, score, member) == Ordering::Equal);
        if !found {
            return false;
        }
        self.chunks[c].remove(at);
        self.len -= 1;
        self.settle(c);
        true
    }

    /// After a removal from chunk `c`: drops it if empty, or merges it with a
    /// neighbour when it has shrunk under a quarter and both fit in one chunk, so the
    /// chunks stay few (a rank sums their lengths).
    fn settle(&mut self, c: usize) {
        let len = self.chunks[c].len();
        if len == 0 {
            self.chunks.remove(c);
        } else if len < CHUNK / 4 {
            if c + 1 < self.chunks.len() && len + self.chunks[c + 1].len() <= CHUNK {
                let next = self.chunks.remove(c + 1);
                self.chunks[c].extend(next);
            } else if c > 0 && len + self.chunks[c - 1].len() <= CHUNK {
                let this = self.chunks.remove(c);
                self.chunks[c - 1].extend(this);
            }
        }
    }

    /// The rank (from 0, ascending) of the pair, if it is there.
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let (c, at) = self.locate(score, member);
        let (s, m) = self.chunks.get(c)?.get(at)?;
        (compare(*s, m, score, member) == Ordering::Equal)
            .then(|| self.chunks[..c].iter().map(Vec::len).sum::<usize>() + at)
    }

    /// The chunk and place of the pair at `rank` (`rank` ≤ the length: the length gives
    /// the end).
    fn place(&self, rank: usize) -> (usize, usize) {
        let mut left = rank;
        for (c, chunk) in self.chunks.iter().enumerate() {
            if left < chunk.len() {
                return (c, left);
            }
            left -= chunk.len();
        }
        (self.chunks.len(), 0)
    }

    /// The pairs of ranks `start..end` (ascending; `.rev()` for descending).
    pub fn range(&self, start: usize, end: usize) -> impl DoubleEndedIterator<Item = (f64, &[u8])> + '_ {
        let end = end.min(self.len);
        let start = start.min(end);
        let (c0, at0) = self.place(start);
        let (c1, at1) = self.place(end);
        // The chunks from c0 to c1, the first from at0, the last (c1, possibly past the
        // end) up to at1.
        let last = c1.min(self.chunks.len().saturating_sub(1));
        let chunks = if start == end { &self.chunks[..0] } else { &self.chunks[c0..=last] };
        chunks.iter().enumerate().flat_map(move |(i, chunk)| {
            let from = if i == 0 { at0 } else { 0 };
            let to = if c0 + i == c1 { at1 } else { chunk.len() };
            chunk[from..to].iter().map(|(s, m)| (*s, &m[..]))
        })
    }

    /// Removes the pairs of ranks `start..end`, calling `f` with each, ascending.
    pub fn drain(&mut self, start: usize, end: usize, mut f: impl FnMut(f64, Box<[u8]>)) {
        let end = end.min(self.len);
        if start >= end {
            return;
        }
        let (first, at) = self.place(start);
        let (last, end_at) = self.place(end);
        self.len -= end - start;
        // One chunk: part of it.
        if first == last {
            self.chunks[first].drain(at..end_at).for_each(|(s, m)| f(s, m));
            if self.chunks[first].is_empty() {
                self.chunks.remove(first);
            }
        } else {
            // The end of the first chunk, the chunks between whole, the start of the
            // last (if the range ends inside one); emptied chunks go in one move.
            self.chunks[first].drain(at..).for_each(|(s, m)| f(s, m));
            for chunk in &mut self.chunks[first + 1..last] {
                chunk.drain(..).for_each(|(s, m)| f(s, m));
            }
            if let Some(chunk) = self.chunks.get_mut(last) {
                chunk.drain(..end_at).for_each(|(s, m)| f(s, m));
            }
            let keep_first = usize::from(!self.chunks[first].is_empty());
            let keep_last = self.chunks.get(last).is_some_and(|c| !c.is_empty());
            let to = if keep_last { last } else { (last + 1).min(self.chunks.len()) };
            self.chunks.drain(first + keep_first..to);
        }
        // The chunks either side of the hole may have shrunk: at most the first one
        // and the one after it are left partly drained.
        for c in [first + 1, first] {
            if c < self.chunks.len() {
                self.settle(c);
            }
        }
    }
}

/// A sorted set (see the module doc).
#[derive(Clone, Debug, Default)]
pub struct Zset {
    scores: Dense<Scored>,
    order: Order,
    /// Whether Redis would hold it as a listpack: it was not created for a first
    /// member longer than [`LISTPACK_VALUE`] bytes, and has never had more than
    /// [`LISTPACK_ENTRIES`] members nor such a member since (Redis converts a listpack
    /// to a skiplist then, and never back).
    listpack: bool,
}

impl Zset {
    /// An empty sorted set, as Redis would hold it.
    pub fn new() -> Zset {
        Zset { scores: Dense::new(), order: Order::default(), listpack: true }
    }

    /// An empty sorted set that Redis would hold as a skiplist from the start (one
    /// created for a first member too long for a listpack).
    pub fn new_skiplist() -> Zset {
        Zset { listpack: false, ..Zset::new() }
    }

    /// How many members it holds.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Whether Redis would hold it as a listpack (see the field).
    pub fn is_listpack(&self) -> bool {
        self.listpack
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.find(hash(member), member).map(|i| self.scores.at(i).score)
    }

    /// Gives `member` the score `score`, adding it if it is new; returns whether it
    /// was new. A listpack keeps a score as text, where `-0` reads back as `0`; so does
    /// this one while Redis would hold it as a listpack.
    pub fn insert(&mut self, member: &[u8], score: f64) -> bool {
        let h = hash(member);
        if let Some(i) = self.scores.find(h, member) {
            let score = self.stored(score);
            let slot = &mut self.scores.at_mut(i).score;
            let old = std::mem::replace(slot, score);
            if old.to_bits() != score.to_bits() {
                self.order.remove(old, member);
                self.order.insert(score, member.into());
            }
            return false;
        }
        if self.listpack && (self.len() >= LISTPACK_ENTRIES || member.len() > LISTPACK_VALUE) {
            self.listpack = false;
        }
        let score = self.stored(score);
        self.scores.push(h, Scored { member: member.into(), score });
        self.order.insert(score, member.into());
        true
    }

    /// `score` as this set keeps it.
    fn stored(&self, score: f64) -> f64 {
        if self.listpack && score == 0.0 {
            0.0
        } else {
            score
        }
    }

    /// Removes `member`; returns its score if it was there.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let i = self.scores.find(hash(member), member)?;
        let Scored { member, score } = self.scores.remove_at(i);
        self.order.remove(score, &member);
        Some(score)
    }

    /// The rank of `member` (from 0, ascending).
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let score = self.score(member)?;
        self.order.rank(score, member)
    }

    /// The pairs in order.
    pub fn order(&self) -> &Order {
        &self.order
    }

    /// Removes the pairs of ranks `start..end`; returns how many it removed.
    pub fn remove_ranks(&mut self, start: usize, end: usize) -> usize {
        let before = self.len();
        let scores = &mut self.scores;
        self.order.drain(start, end, |_, m| {
            if let Some(i) = scores.find(hash(&m), &m) {
                scores.remove_at(i);
            }
        });
        before - self.len()
    }

    /// Removes the `n` lowest pairs (`max`: the highest), calling `f` with each, lowest
    /// first (`max`: highest first).
    pub fn pop(&mut self, max: bool, n: usize, mut f: impl FnMut(Box<[u8]>, f64)) {
        let n = n.min(self.len());
        let (start, end) = if max { (self.len() - n, self.len()) } else { (0, n) };
        let scores = &mut self.scores;
        let mut popped = Vec::with_capacity(if max { n } else { 0 });
        self.order.drain(start, end, |s, m| {
            if let Some(i) = scores.find(hash(&m), &m) {
                scores.remove_at(i);
            }
            if max {
                popped.push((m, s));
            } else {
                f(m, s);
            }
        });
        popped.into_iter().rev().for_each(|(m, s)| f(m, s));
    }

    /// The members and scores by position, for random picks and scans.
    pub fn members(&self) -> &Dense<Scored> {
        &self.scores
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model: the pairs in a sorted vector.
    fn model(z: &Zset) -> Vec<(f64, Vec<u8>)> {
        let mut v: Vec<_> = z.members().iter().map(|s| (s.score, s.member.to_vec())).collect();
        v.sort_by(|a, b| compare(a.0, &a.1, b.0, &b.1));
        v
    }

    fn check(z: &Zset) {
        let want = model(z);
        let got: Vec<_> = z.order().range(0, usize::MAX).map(|(s, m)| (s, m.to_vec())).collect();
        assert_eq!(got, want);
        let rev: Vec<_> = z.order().range(0, z.len()).rev().map(|(s, m)| (s, m.to_vec())).collect();
        assert_eq!(rev, want.iter().rev().cloned().collect::<Vec<_>>());
        for (rank, (_, m)) in want.iter().enumerate() {
            assert_eq!(z.rank(m), Some(rank));
        }
        let chunks = &z.order.chunks;
        assert!(chunks.iter().all(|c| !c.is_empty() && c.len() <= CHUNK));
        assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), z.len());
    }

    /// A small deterministic generator.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn order_ranks_ranges_and_removals_agree_with_a_sorted_vector() {
        let mut z = Zset::new();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..20_000 {
            let member = format!("m{}", next(&mut state) % 3000).into_bytes();
            match next(&mut state) % 4 {
                0 | 1 => _ = z.insert(&member, (next(&mut state) % 50) as f64 - 25.0),
                2 => _ = z.remove(&member),
                _ if round % 50 == 0 => {
                    let a = (next(&mut state) % 100) as usize;
                    let n = (next(&mut state) % 700) as usize;
                    let want = model(&z).len().min(a + n).saturating_sub(a);
                    assert_eq!(z.remove_ranks(a, a + n), want);
                }
                _ => {
                    // Now and then a pop across chunks; popped in order either way.
                    let n = if round % 50 == 1 { next(&mut state) % 600 } else { next(&mut state) % 3 };
                    let max = next(&mut state) % 2 == 0;
                    let mut want = model(&z);
                    if max {
                        want.reverse();
                    }
                    want.truncate(n as usize);
                    let mut got = Vec::new();
                    z.pop(max, n as usize, |m, s| got.push((s, m.to_vec())));
                    assert_eq!(got, want);
                }
            }
            if round % 997 == 0 {
                check(&z);
            }
        }
        check(&z);
        let n = z.len();
        for (a, b) in [(0, n), (1, n - 1), (n / 3, n / 2), (n, n), (5, 3), (n - 1, n + 10)] {
            let want: Vec<_> = model(&z).into_iter().skip(a).take(b.saturating_sub(a)).collect();
            let got: Vec<_> = z.order().range(a, b).map(|(s, m)| (s, m.to_vec())).collect();
            assert_eq!(got, want, "{a}..{b}");
        }
    }

    #[test]
    fn equal_scores_order_by_member_and_minus_zero_equals_zero() {
        let mut z = Zset::new_skiplist();
        z.insert(b"b", 0.0);
        z.insert(b"a", -0.0);
        z.insert(b"c", -1.0);
        let order: Vec<_> = z.order().range(0, 3).map(|(_, m)| m.to_vec()).collect();
        assert_eq!(order, [b"c".to_vec(), b"a".to_vec(), b"b".to_vec()]);
        // A skiplist keeps -0; a listpack reads it back as 0.
        assert!(z.score(b"a").unwrap().is_sign_negative());
        let mut small = Zset::new();
        small.insert(b"a", -0.0);
        assert!(small.score(b"a").unwrap().is_sign_positive());
        assert_eq!(small.rank(b"a"), Some(0));
    }

    #[test]
    fn a_listpack_becomes_a_skiplist_past_redis_limits_and_stays_one() {
        let mut z = Zset::new();
        for i in 0..LISTPACK_ENTRIES {
            z.insert(format!("{i}").as_bytes(), i as f64);
        }
        assert!(z.is_listpack());
        z.insert(b"one more", 1.0);
        assert!(!z.is_listpack());
        z.remove(b"one more");
        assert!(!z.is_listpack());
        let mut z = Zset::new();
        z.insert(&[b'x'; LISTPACK_VALUE], 1.0);
        assert!(z.is_listpack());
        z.insert(&[b'x'; LISTPACK_VALUE + 1], 1.0);
        assert!(!z.is_listpack());
    }
}
