//! Sorted-set commands (`t_zset.c`) on members one by one: adding, scoring, ranking,
//! popping, random picks and scans; and how a range of pairs is written in a reply.

use tcpio::codec::Sink;

use crate::redis::commands::hashes::{for_each_pick, pick_count, random_args};
use crate::redis::commands::keys::{scan_collection, ScanOptions};
use crate::redis::commands::{
    array, bulk, int, is, null, zset, Ctx, E_NOT_FLOAT, E_POSITIVE, E_SYNTAX, E_WRONGTYPE,
};
use crate::redis::reply::{double, null_array};
use crate::redis::resp::{parse_i64, Args};
use crate::redis::score::{format_d2string, format_g17, parse_score};
use crate::redis::store::{glob_match, scan_dense, Scored, Value, Zset, LISTPACK_VALUE};

/// One member of a range's reply, followed by its score when `with_scores` (the pair
/// a two-element array in RESP3).
pub(super) fn write_pair(out: &mut impl Sink, member: &[u8], score: f64, with_scores: bool, resp3: bool) {
    if with_scores && resp3 {
        array(out, 2);
    }
    bulk(out, member);
    if with_scores {
        double(out, score, resp3);
    }
}

/// A range's reply: the `n` pairs (score, member) of `pairs`, as [`write_pair`] writes
/// each, in one array (of twice as many items in RESP2 with scores).
pub(super) fn reply_pairs<'a>(
    out: &mut impl Sink,
    n: usize,
    pairs: impl Iterator<Item = (f64, &'a [u8])>,
    with_scores: bool,
    resp3: bool,
) {
    array(out, n * if with_scores && !resp3 { 2 } else { 1 });
    pairs.for_each(|(s, m)| write_pair(out, m, s, with_scores, resp3));
}

/// `ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member...`, and `ZINCRBY key increment
/// member` (`incr`: `ZADD`'s `INCR` given), as Redis's `zaddGenericCommand` runs both:
/// options, then every score parsed before anything changes.
pub(super) fn zadd(args: &Args<'_>, incr: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let (mut nx, mut xx, mut gt, mut lt, mut ch, mut incr) = (false, false, false, false, false, incr);
    let mut first = 2;
    while first < args.len() {
        let opt = args.get(first);
        match () {
            _ if is(opt, "nx") => nx = true,
            _ if is(opt, "xx") => xx = true,
            _ if is(opt, "ch") => ch = true,
            _ if is(opt, "incr") => incr = true,
            _ if is(opt, "gt") => gt = true,
            _ if is(opt, "lt") => lt = true,
            _ => break,
        }
        first += 1;
    }
    let rest = args.len() - first;
    if rest == 0 || rest % 2 == 1 {
        return out.put(E_SYNTAX);
    }
    if nx && xx {
        return out.put(b"-ERR XX and NX options at the same time are not compatible\r\n");
    }
    if ((gt || lt) && nx) || (gt && lt) {
        return out.put(b"-ERR GT, LT, and/or NX options at the same time are not compatible\r\n");
    }
    if incr && rest > 2 {
        return out.put(b"-ERR INCR option supports a single increment-element pair\r\n");
    }
    let mut scores = Vec::with_capacity(rest / 2);
    for i in (first..args.len()).step_by(2) {
        match parse_score(args.get(i)) {
            Some(s) => scores.push(s),
            None => return out.put(E_NOT_FLOAT),
        }
    }
    let resp3 = ctx.session.resp3;
    ctx.store.modify(args.get(1), ctx.clock, |v| {
        if v.is_none() {
            if xx {
                // Nothing to update, nothing created.
                return if incr { null(out, resp3) } else { int(out, 0) };
            }
            // Redis 7.0 creates a skiplist at once for a first member too long for a
            // listpack.
            let big = args.get(first + 1).len() > LISTPACK_VALUE;
            *v = Some(Value::Zset(Box::new(if big { Zset::new_skiplist() } else { Zset::new() })));
        }
        let Some(Value::Zset(z)) = v else { return out.put(E_WRONGTYPE) };
        let (mut added, mut updated, mut last) = (0, 0, None);
        for (n, &score) in scores.iter().enumerate() {
            let member = args.get(first + 1 + 2 * n);
            match z.score(member) {
                Some(_) if nx => {}
                Some(current) => {
                    let score = if incr { current + score } else { score };
                    if score.is_nan() {
                        return out.put(b"-ERR resulting score is not a number (NaN)\r\n");
                    }
                    if (lt && score >= current) || (gt && score <= current) {
                        continue;
                    }
                    last = Some(score);
                    if score != current {
                        z.insert(member, score);
                        updated += 1;
                    }
                }
                None if xx => {}
                None => {
                    z.insert(member, score);
                    last = Some(score);
                    added += 1;
                }
            }
        }
        if incr {
            match last {
                Some(score) => double(out, score, resp3),
                None => null(out, resp3),
            }
        } else {
            int(out, if ch { added + updated } else { added });
        }
    });
}

/// `ZREM key member...`.
pub(super) fn zrem(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.store.modify(args.get(1), ctx.clock, |v| match v {
        None => int(out, 0),
        Some(Value::Zset(z)) => {
            let n = args.iter().skip(2).filter(|m| z.remove(m).is_some()).count();
            int(out, n as i64);
        }
        Some(_) => out.put(E_WRONGTYPE),
    });
}

/// `ZCARD key`.
pub(super) fn zcard(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.read(args.get(1), |v| {
        if let Ok(z) = zset(v, out) {
            int(out, z.map_or(0, |z| z.len() as i64));
        }
    });
}

/// `ZSCORE key member`.
pub(super) fn zscore(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    ctx.read(args.get(1), |v| {
        if let Ok(z) = zset(v, out) {
            match z.and_then(|z| z.score(args.get(2))) {
                Some(s) => double(out, s, resp3),
                None => null(out, resp3),
            }
        }
    });
}

/// `ZMSCORE key member...`.
pub(super) fn zmscore(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    ctx.read(args.get(1), |v| {
        let Ok(z) = zset(v, out) else { return };
        array(out, args.len() - 2);
        for m in args.iter().skip(2) {
            match z.and_then(|z| z.score(m)) {
                Some(s) => double(out, s, resp3),
                None => null(out, resp3),
            }
        }
    });
}

/// `ZRANK key member` (`rev`: `ZREVRANK`).
pub(super) fn zrank(args: &Args<'_>, rev: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    ctx.read(args.get(1), |v| {
        let Ok(z) = zset(v, out) else { return };
        match z.and_then(|z| Some((z.rank(args.get(2))?, z.len()))) {
            Some((rank, len)) => int(out, if rev { len - 1 - rank } else { rank } as i64),
            None => null(out, resp3),
        }
    });
}

/// `ZPOPMIN key [count]` (`max`: `ZPOPMAX`).
pub(super) fn zpop(args: &Args<'_>, max: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    if args.len() > 3 {
        return out.put(E_SYNTAX);
    }
    let count = if args.len() == 3 {
        match parse_i64(args.get(2)) {
            Some(n) if n >= 0 => Some(n as u64),
            _ => return out.put(E_POSITIVE),
        }
    } else {
        None
    };
    // Pairs as two-element arrays in RESP3 when a count is given; one flat array
    // otherwise.
    let nested = ctx.session.resp3 && count.is_some();
    let resp3 = ctx.session.resp3;
    ctx.store.modify(args.get(1), ctx.clock, |v| {
        let z = match v {
            None => return array(out, 0),
            Some(Value::Zset(z)) => z,
            Some(_) => return out.put(E_WRONGTYPE),
        };
        let n = count.unwrap_or(1).min(z.len() as u64) as usize;
        array(out, if nested { n } else { 2 * n });
        z.pop(max, n, |m, s| {
            if nested {
                array(out, 2);
            }
            bulk(out, &m);
            double(out, s, resp3);
        });
    });
}

/// What `ZMPOP` and `BZMPOP` read from `numkeys` on (at `at`): how many keys follow,
/// which end to pop from, and how many.
pub(crate) struct Mpop {
    /// How many keys follow `numkeys`.
    pub keys: usize,
    /// The highest (`MAX`), else the lowest.
    pub max: bool,
    /// How many to pop (`COUNT`, 1 if not given).
    pub count: u64,
}

/// Reads `numkeys key... MIN|MAX [COUNT count]` from `at`, as Redis's
/// `zmpopGenericCommand` does; `None` after writing the error.
pub(crate) fn mpop_args(args: &Args<'_>, at: usize, out: &mut impl Sink) -> Option<Mpop> {
    let keys = match parse_i64(args.get(at)) {
        Some(n) if n >= 1 => n as u64,
        _ => {
            out.put(b"-ERR numkeys should be greater than 0\r\n");
            return None;
        }
    };
    let Some(side) = keys.checked_add(at as u64 + 1).filter(|&i| i < args.len() as u64) else {
        out.put(E_SYNTAX);
        return None;
    };
    let side = side as usize;
    let max = match args.get(side) {
        w if is(w, "min") => false,
        w if is(w, "max") => true,
        _ => {
            out.put(E_SYNTAX);
            return None;
        }
    };
    let mut count = None;
    let mut i = side + 1;
    while i < args.len() {
        if count.is_none() && is(args.get(i), "count") && i + 1 < args.len() {
            match parse_i64(args.get(i + 1)) {
                Some(c) if c >= 1 => count = Some(c as u64),
                _ => {
                    out.put(b"-ERR count should be greater than 0\r\n");
                    return None;
                }
            }
            i += 2;
        } else {
            out.put(E_SYNTAX);
            return None;
        }
    }
    Some(Mpop { keys: keys as usize, max, count: count.unwrap_or(1) })
}

/// Pops from the first of `keys` that exists, if it is a sorted set: `count` `None`
/// answers `[key, member, score]` (`BZPOPMIN`), `Some(n)` `[key, [[member, score]...]]`
/// with up to `n` pairs (`ZMPOP`). Returns whether it answered (`WRONGTYPE` included);
/// `false` when no key exists.
pub(crate) fn pop_first<'k>(
    keys: impl Iterator<Item = &'k [u8]>,
    max: bool,
    count: Option<u64>,
    ctx: &mut Ctx<'_>,
    out: &mut impl Sink,
) -> bool {
    let resp3 = ctx.session.resp3;
    for key in keys {
        let done = ctx.store.modify(key, ctx.clock, |v| match v {
            None => false,
            Some(Value::Zset(z)) => {
                let n = count.unwrap_or(1).min(z.len() as u64) as usize;
                array(out, if count.is_some() { 2 } else { 3 });
                bulk(out, key);
                if count.is_some() {
                    array(out, n);
                }
                z.pop(max, n, |m, s| {
                    if count.is_some() {
                        array(out, 2);
                    }
                    bulk(out, &m);
                    double(out, s, resp3);
                });
                true
            }
            Some(_) => {
                out.put(E_WRONGTYPE);
                true
            }
        });
        if done {
            return true;
        }
    }
    false
}

/// `ZMPOP numkeys key... MIN|MAX [COUNT count]`: pops from the first of the keys that
/// exists (`WRONGTYPE` if it is not a sorted set); a null when none does.
pub(super) fn zmpop(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let Some(m) = mpop_args(args, 1, out) else { return };
    if !pop_first(args.iter().skip(2).take(m.keys), m.max, Some(m.count), ctx, out) {
        null_array(out, ctx.session.resp3);
    }
}

/// `ZRANDMEMBER key [count [WITHSCORES]]`.
#[inline(never)]
pub(super) fn zrandmember(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    let Ok(count) = random_args(args, "withscores", out) else { return };
    let with_scores = args.len() == 4;
    let store = ctx.store;
    let mut found = false;
    store.get(args.get(1), ctx.clock, |v| {
        found = v.is_some();
        let Ok(z) = zset(v, out) else { return };
        let Some(z) = z else { return if count.is_some() { array(out, 0) } else { null(out, resp3) } };
        let members = z.members();
        let Some(count) = count else {
            return bulk(out, &members.at((store.random() % z.len() as u64) as usize).member);
        };
        if count > 1 && count as u64 >= z.len() as u64 {
            // All of it, highest first, as Redis does.
            return reply_pairs(out, z.len(), z.order().range(0, z.len()).rev(), with_scores, resp3);
        }
        array(out, pick_count(count, z.len()) * if with_scores && !resp3 { 2 } else { 1 });
        for_each_pick(
            count,
            z.len(),
            || store.random(),
            |i| {
                let Scored { member, score } = members.at(i);
                write_pair(out, member, *score, with_scores, resp3);
            },
        );
    });
    ctx.counters.looked_up(found);
}

/// `ZSCAN key cursor [MATCH pattern] [COUNT n]`: members with their scores, written as
/// Redis writes them: as a listpack keeps them (`d2string`), or for a skiplist as
/// `%.17Lg` (the same digits as `%.17g` for a double).
pub(super) fn zscan(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let walk = |v: &Value, start, o: &ScanOptions<'_>, scratch: &mut Vec<u8>| {
        let Value::Zset(z) = v else { return (0, 0) };
        let mut n = 0;
        let mut text = Vec::with_capacity(32);
        let listpack = z.is_listpack();
        let mut pair = |m: &[u8], s: f64| {
            if o.pattern.map_or(true, |p| glob_match(p, m)) {
                bulk(scratch, m);
                text.clear();
                if listpack {
                    format_d2string(s, &mut text);
                } else {
                    format_g17(s, &mut text);
                }
                bulk(scratch, &text);
                n += 2;
            }
        };
        // Redis keeps a small sorted set as a listpack, which a scan returns whole, in
        // order; so does this.
        let next = if listpack {
            z.order().range(0, z.len()).for_each(|(s, m)| pair(m, s));
            0
        } else {
            scan_dense(z.members(), start, o.count, |e| pair(&e.member, e.score))
        };
        (next, n)
    };
    scan_collection(args, ctx, out, |v| matches!(v, Value::Zset(_)), walk);
}
