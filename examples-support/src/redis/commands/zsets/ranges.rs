//! Sorted-set commands on ranges (`t_zset.c`): by rank, by score and by member
//! (`BYLEX`), read (`ZRANGE` and its older forms, `ZCOUNT`, `ZLEXCOUNT`), stored
//! (`ZRANGESTORE`) and removed (`ZREMRANGEBY...`).
//!
//! A range is found as Redis finds it: the first pair in it, then the pairs after it
//! while they stay in it (the last and the pairs before it, reversed). For ranks and
//! scores, which the order sorts, that is a slice of the order, both its ends found by
//! binary search, so `ZCOUNT` costs O(log N) whatever the count.
//! A member range assumes the members of the range share one score, as Redis's
//! documentation asks; when they do not, Redis's answer depends on how it holds the
//! set: a small one (a listpack) is walked from its ends, and so it is here, so the
//! answers agree there too.

use std::cmp::Ordering;

use tcpio::codec::Sink;

use super::members::reply_pairs;
use crate::redis::commands::table::Cmd;
use crate::redis::commands::{array, int, int_arg, is, zset, Ctx, E_SYNTAX, E_WRONGTYPE};
use crate::redis::resp::Args;
use crate::redis::score::parse_range_end;
use crate::redis::store::{Value, Zset, NEVER};

const E_NOT_FLOAT_RANGE: &[u8] = b"-ERR min or max is not a float\r\n";
const E_NOT_LEX_RANGE: &[u8] = b"-ERR min or max not valid string range item\r\n";

/// One end of a member range.
#[derive(Clone, Copy, Debug)]
enum LexEnd<'a> {
    /// `-`: before every member.
    Least,
    /// `+`: after every member.
    Most,
    /// `[m`: `m` included.
    Incl(&'a [u8]),
    /// `(m`: `m` excluded.
    Excl(&'a [u8]),
}

/// A range to select pairs by.
#[derive(Clone, Copy, Debug)]
enum Range<'a> {
    /// Ranks, as given (negative from the end).
    Rank(i64, i64),
    /// Scores: min, whether excluded, max, whether excluded.
    Score(f64, bool, f64, bool),
    /// Members.
    Lex(LexEnd<'a>, LexEnd<'a>),
}

/// One end of a member range, as Redis's `zslParseLexRangeItem` reads it.
fn lex_end(arg: &[u8]) -> Option<LexEnd<'_>> {
    // Read as a C string: `+` and `-` must end there.
    let alone = arg.get(1).map_or(true, |&b| b == 0);
    match arg.first()? {
        b'+' if alone => Some(LexEnd::Most),
        b'-' if alone => Some(LexEnd::Least),
        b'(' => Some(LexEnd::Excl(&arg[1..])),
        b'[' => Some(LexEnd::Incl(&arg[1..])),
        _ => None,
    }
}

/// A score range from its two ends; `None` after writing the error.
fn score_range<'a>(min: &[u8], max: &[u8], out: &mut impl Sink) -> Option<Range<'a>> {
    match (parse_range_end(min), parse_range_end(max)) {
        (Some((min, minex)), Some((max, maxex))) => Some(Range::Score(min, minex, max, maxex)),
        _ => {
            out.put(E_NOT_FLOAT_RANGE);
            None
        }
    }
}

/// A member range from its two ends; `None` after writing the error.
fn lex_range<'a>(min: &'a [u8], max: &'a [u8], out: &mut impl Sink) -> Option<Range<'a>> {
    match (lex_end(min), lex_end(max)) {
        (Some(min), Some(max)) => Some(Range::Lex(min, max)),
        _ => {
            out.put(E_NOT_LEX_RANGE);
            None
        }
    }
}

/// A range of `kind` from its two ends; `None` after writing the error.
fn parse_range<'a>(kind: Kind, min: &'a [u8], max: &'a [u8], out: &mut impl Sink) -> Option<Range<'a>> {
    match kind {
        Kind::Rank => Some(Range::Rank(int_arg(min, out)?, int_arg(max, out)?)),
        Kind::Score => score_range(min, max, out),
        Kind::Lex => lex_range(min, max, out),
    }
}

impl Range<'_> {
    /// Whether a pair is not below the range's start.
    fn above_min(&self, s: f64, m: &[u8]) -> bool {
        match *self {
            Range::Score(min, true, ..) => s > min,
            Range::Score(min, false, ..) => s >= min,
            Range::Lex(LexEnd::Least, _) => true,
            Range::Lex(LexEnd::Most, _) => false,
            Range::Lex(LexEnd::Incl(x), _) => m >= x,
            Range::Lex(LexEnd::Excl(x), _) => m > x,
            Range::Rank(..) => true,
        }
    }

    /// Whether a pair is not above the range's end.
    fn below_max(&self, s: f64, m: &[u8]) -> bool {
        match *self {
            Range::Score(.., max, true) => s < max,
            Range::Score(.., max, false) => s <= max,
            Range::Lex(_, LexEnd::Most) => true,
            Range::Lex(_, LexEnd::Least) => false,
            Range::Lex(_, LexEnd::Incl(x)) => m <= x,
            Range::Lex(_, LexEnd::Excl(x)) => m < x,
            Range::Rank(..) => true,
        }
    }

    /// Whether the range is empty whatever the set (`zslIsInRange`'s first test).
    fn is_void(&self) -> bool {
        match *self {
            Range::Score(min, minex, max, maxex) => min > max || (min == max && (minex || maxex)),
            Range::Lex(min, max) => {
                let (cmp, either_excluded) = match (min, max) {
                    (LexEnd::Least, LexEnd::Least) | (LexEnd::Most, LexEnd::Most) => (Ordering::Equal, true),
                    (LexEnd::Least, _) | (_, LexEnd::Most) => (Ordering::Less, false),
                    (LexEnd::Most, _) | (_, LexEnd::Least) => (Ordering::Greater, false),
                    (LexEnd::Incl(a) | LexEnd::Excl(a), LexEnd::Incl(b) | LexEnd::Excl(b)) => {
                        (a.cmp(b), matches!(min, LexEnd::Excl(_)) || matches!(max, LexEnd::Excl(_)))
                    }
                };
                cmp == Ordering::Greater || (cmp == Ordering::Equal && either_excluded)
            }
            Range::Rank(..) => false,
        }
    }

    /// Whether the range may hold a pair of `z` (`zslIsInRange`): it is not void, the
    /// last pair is not below it, the first is not above it.
    fn may_hold(&self, z: &Zset) -> bool {
        let order = z.order();
        let (Some(first), Some(last)) = (order.range(0, 1).next(), order.range(0, z.len()).next_back())
        else {
            return false;
        };
        !self.is_void() && self.above_min(last.0, last.1) && self.below_max(first.0, first.1)
    }

    /// The rank of the first pair in the range, if any (`zslFirstInRange`).
    fn first(&self, z: &Zset) -> Option<usize> {
        let (order, len) = (z.order(), z.len());
        if !self.may_hold(z) {
            return None;
        }
        let i = if matches!(self, Range::Lex(..)) && z.is_listpack() {
            order.range(0, len).position(|(s, m)| self.above_min(s, m))?
        } else {
            order.count_while(|s, m| !self.above_min(s, m))
        };
        let (s, m) = order.range(i, i + 1).next()?;
        self.below_max(s, m).then_some(i)
    }

    /// The rank of the last pair in the range, if any (`zslLastInRange`).
    fn last(&self, z: &Zset) -> Option<usize> {
        let (order, len) = (z.order(), z.len());
        if !self.may_hold(z) {
            return None;
        }
        let i = if matches!(self, Range::Lex(..)) && z.is_listpack() {
            len - 1 - order.range(0, len).rev().position(|(s, m)| self.below_max(s, m))?
        } else {
            order.count_while(|s, m| self.below_max(s, m)).checked_sub(1)?
        };
        let (s, m) = order.range(i, i + 1).next()?;
        self.above_min(s, m).then_some(i)
    }

    /// The ranks `start..end` of the pairs in the range from the first on (`rev`: from
    /// the last back), after skipping `offset` of them unchecked and taking at most
    /// `limit` (negative: all), as Redis's range commands walk them.
    fn ranks(&self, z: &Zset, rev: bool, offset: i64, limit: i64) -> (usize, usize) {
        let len = z.len();
        if let Range::Rank(start, end) = *self {
            let n = len as i64;
            let start = if start < 0 { n + start } else { start }.max(0);
            let end = if end < 0 { n + end } else { end };
            if start > end || start >= n {
                return (0, 0);
            }
            let (start, end) = (start as usize, end.min(n - 1) as usize + 1);
            return if rev { (len - end, len - start) } else { (start, end) };
        }
        if offset < 0 || (offset > 0 && offset as u64 >= len as u64) {
            return (0, 0);
        }
        let limit = if limit < 0 { usize::MAX } else { limit as usize };
        let offset = offset as usize;
        let order = z.order();
        // A member range on a listpack is walked, as Redis walks it (at most 128
        // pairs); the others are sorted by what they are ranges of, and searched.
        let walk = matches!(self, Range::Lex(..)) && z.is_listpack();
        if rev {
            let Some(last) = self.last(z) else { return (0, 0) };
            let Some(top) = (last + 1).checked_sub(offset).filter(|&t| t > 0) else { return (0, 0) };
            let bottom = if walk {
                top - order.range(0, top).rev().take_while(|&(s, m)| self.above_min(s, m)).count()
            } else {
                order.count_while(|s, m| !self.above_min(s, m)).min(top)
            };
            (top.saturating_sub(limit).max(bottom), top)
        } else {
            let Some(first) = self.first(z) else { return (0, 0) };
            let from = first + offset;
            let end = if walk {
                from + order.range(from, len).take_while(|&(s, m)| self.below_max(s, m)).count()
            } else {
                order.count_while(|s, m| self.below_max(s, m)).max(from)
            };
            (from, end.min(from.saturating_add(limit)))
        }
    }
}

/// `ZCOUNT key min max`.
pub(super) fn zcount(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let Some(range) = score_range(args.get(2), args.get(3), out) else { return };
    count(args, range, ctx, out);
}

/// `ZLEXCOUNT key min max`.
pub(super) fn zlexcount(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let Some(range) = lex_range(args.get(2), args.get(3), out) else { return };
    count(args, range, ctx, out);
}

fn count(args: &Args<'_>, range: Range<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.read(args.get(1), |v| {
        let Ok(z) = zset(v, out) else { return };
        let (start, end) = z.map_or((0, 0), |z| range.ranks(z, false, 0, -1));
        int(out, (end - start) as i64);
    });
}

/// `ZREMRANGEBYRANK`, `ZREMRANGEBYSCORE`, `ZREMRANGEBYLEX` `key min max`.
pub(super) fn zremrange(args: &Args<'_>, cmd: Cmd, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let kind = match cmd {
        Cmd::Zremrangebyrank => Kind::Rank,
        Cmd::Zremrangebyscore => Kind::Score,
        _ => Kind::Lex,
    };
    let Some(range) = parse_range(kind, args.get(2), args.get(3), out) else { return };
    ctx.store.modify(args.get(1), ctx.clock, |v| match v {
        None => int(out, 0),
        Some(Value::Zset(z)) => {
            let (start, end) = range.ranks(z, false, 0, -1);
            int(out, z.remove_ranks(start, end) as i64);
        }
        Some(_) => out.put(E_WRONGTYPE),
    });
}

/// How a range command was called: where its key is, whether it stores, and what its
/// name fixes of the range's kind and direction.
struct Form {
    /// The index of the source key (2 for `ZRANGESTORE`, after its destination).
    key: usize,
    /// Whether the range is stored (`ZRANGESTORE`) rather than returned.
    store: bool,
    /// By rank, score or member, when the name says (`ZRANGEBYSCORE`); else the
    /// options choose (`BYSCORE`), by rank if none does.
    kind: Option<Kind>,
    /// Reversed or not, when the name says (`ZREVRANGE`); else `REV` chooses.
    rev: Option<bool>,
}

/// What a range is of.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Rank,
    Score,
    Lex,
}

/// `ZRANGE`, `ZRANGESTORE`, `ZREVRANGE`, `ZRANGEBYSCORE`, `ZREVRANGEBYSCORE`,
/// `ZRANGEBYLEX`, `ZREVRANGEBYLEX`, as Redis's `zrangeGenericCommand` reads them.
#[inline(never)]
pub(super) fn zrange(args: &Args<'_>, cmd: Cmd, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let form = |kind, rev| Form { key: 1, store: false, kind, rev };
    let mut f = match cmd {
        Cmd::Zrangestore => Form { key: 2, store: true, kind: None, rev: None },
        Cmd::Zrevrange => form(Some(Kind::Rank), Some(true)),
        Cmd::Zrangebyscore => form(Some(Kind::Score), Some(false)),
        Cmd::Zrevrangebyscore => form(Some(Kind::Score), Some(true)),
        Cmd::Zrangebylex => form(Some(Kind::Lex), Some(false)),
        Cmd::Zrevrangebylex => form(Some(Kind::Lex), Some(true)),
        _ => form(None, None),
    };
    let (mut with_scores, mut offset, mut limit) = (false, 0, -1);
    let mut i = f.key + 3;
    while i < args.len() {
        let opt = args.get(i);
        if !f.store && is(opt, "withscores") {
            with_scores = true;
        } else if is(opt, "limit") && i + 2 < args.len() {
            let Some(o) = int_arg(args.get(i + 1), out) else { return };
            let Some(l) = int_arg(args.get(i + 2), out) else { return };
            (offset, limit) = (o, l);
            i += 2;
        } else if f.rev.is_none() && is(opt, "rev") {
            f.rev = Some(true);
        } else if f.kind.is_none() && is(opt, "bylex") {
            f.kind = Some(Kind::Lex);
        } else if f.kind.is_none() && is(opt, "byscore") {
            f.kind = Some(Kind::Score);
        } else {
            return out.put(E_SYNTAX);
        }
        i += 1;
    }
    let (kind, rev) = (f.kind.unwrap_or(Kind::Rank), f.rev.unwrap_or(false));
    if limit != -1 && kind == Kind::Rank {
        return out.put(
            b"-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n",
        );
    }
    if with_scores && kind == Kind::Lex {
        return out.put(b"-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n");
    }
    // A reversed score or member range is given as max, min.
    let (mut min, mut max) = (args.get(f.key + 1), args.get(f.key + 2));
    if rev && kind != Kind::Rank {
        std::mem::swap(&mut min, &mut max);
    }
    let Some(range) = parse_range(kind, min, max, out) else { return };
    if f.store {
        return store(args, range, rev, offset, limit, ctx, out);
    }
    let resp3 = ctx.session.resp3;
    ctx.read(args.get(f.key), |v| {
        let Ok(z) = zset(v, out) else { return };
        let Some(z) = z else { return array(out, 0) };
        let (start, end) = range.ranks(z, rev, offset, limit);
        let pairs = z.order().range(start, end);
        if rev {
            reply_pairs(out, end - start, pairs.rev(), with_scores, resp3);
        } else {
            reply_pairs(out, end - start, pairs, with_scores, resp3);
        }
    });
}

/// `ZRANGESTORE dst src min max ...`: the range of `src` stored at `dst` (deleted when
/// the range is empty), with no deadline; replies with its size.
fn store(
    args: &Args<'_>,
    range: Range<'_>,
    rev: bool,
    offset: i64,
    limit: i64,
    ctx: &mut Ctx<'_>,
    out: &mut impl Sink,
) {
    let (dst, src) = (args.get(1), args.get(2));
    let mut keys = ctx.store.lock_many([dst, src]);
    let mut found = false;
    let result = keys.get(src, ctx.clock, |v| -> Result<Zset, ()> {
        found = v.is_some();
        let z = zset(v, out)?;
        let mut result = Zset::new();
        if let Some(z) = z {
            let (start, end) = range.ranks(z, rev, offset, limit);
            // A listpack first, as Redis starts it, turned into a skiplist past its
            // limits.
            for (s, m) in z.order().range(start, end) {
                result.insert(m, s);
            }
        }
        Ok(result)
    });
    // The source is looked up as a read, counted.
    ctx.counters.looked_up(found);
    let Ok(result) = result else { return };
    let n = result.len();
    keys.put(dst, (n > 0).then(|| Value::Zset(Box::new(result))), NEVER, ctx.clock);
    int(out, n as i64);
}
