//! Hash commands (`t_hash.c`): fields and their values under one key.

use std::collections::HashMap;

use tcpio::codec::Sink;

use super::keys::{scan_collection, ScanOptions};
use super::table::Cmd;
use super::{array, bulk, int, int_arg, is, map, null, Ctx, E_NOT_FLOAT, E_SYNTAX, E_WRONGTYPE};
use crate::redis::float::{format_float, parse_float};
use crate::redis::resp::{parse_i64, Args};
use crate::redis::store::{glob_match, scan_dense, Field, Fields, Value};

/// The hash in `v`, `Err(())` after writing `WRONGTYPE` when it holds something else.
fn hash<'v>(v: Option<&'v Value>, out: &mut impl Sink) -> Result<Option<&'v Fields>, ()> {
    match v {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => {
            out.put(E_WRONGTYPE);
            Err(())
        }
    }
}

/// The hash in `v` to change, created when absent; `None` after writing `WRONGTYPE`.
fn hash_mut<'v>(v: &'v mut Option<Value>, out: &mut impl Sink) -> Option<&'v mut Fields> {
    match v.get_or_insert_with(|| Value::Hash(Box::default())) {
        Value::Hash(h) => Some(h),
        _ => {
            out.put(E_WRONGTYPE);
            None
        }
    }
}

/// `HSET key field value [field value ...]`, `HMSET` (which answers `OK`).
pub(crate) fn hset(args: &Args<'_>, hmset: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    if args.len() % 2 == 1 {
        return super::arity_error(if hmset { "hmset" } else { "hset" }, out);
    }
    ctx.store.modify(args.get(1), ctx.clock, |v| {
        let Some(h) = hash_mut(v, out) else { return };
        let mut added = 0;
        for i in (2..args.len()).step_by(2) {
            added += i64::from(h.set(args.get(i), args.get(i + 1)));
        }
        if hmset {
            out.put(b"+OK\r\n");
        } else {
            int(out, added);
        }
    });
}

/// `HSETNX key field value`.
pub(crate) fn hsetnx(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.store.modify(args.get(1), ctx.clock, |v| {
        let Some(h) = hash_mut(v, out) else { return };
        if h.get(args.get(2)).is_some() {
            return int(out, 0);
        }
        h.set(args.get(2), args.get(3));
        int(out, 1);
    });
}

/// `HGET key field`.
pub(crate) fn hget(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    ctx.read(args.get(1), |v| {
        if let Ok(h) = hash(v, out) {
            super::value(out, h.and_then(|h| h.get(args.get(2))), resp3);
        }
    });
}

/// `HMGET key field...`.
pub(crate) fn hmget(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    ctx.read(args.get(1), |v| {
        let Ok(h) = hash(v, out) else { return };
        array(out, args.len() - 2);
        for f in args.iter().skip(2) {
            super::value(out, h.and_then(|h| h.get(f)), resp3);
        }
    });
}

/// `HDEL key field...`.
pub(crate) fn hdel(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.store.modify(args.get(1), ctx.clock, |v| match v {
        None => int(out, 0),
        Some(Value::Hash(h)) => {
            let n = args.iter().skip(2).filter(|f| h.remove(f)).count();
            int(out, n as i64);
        }
        Some(_) => out.put(E_WRONGTYPE),
    });
}

/// `HEXISTS key field`.
pub(crate) fn hexists(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.read(args.get(1), |v| {
        if let Ok(h) = hash(v, out) {
            int(out, i64::from(h.is_some_and(|h| h.get(args.get(2)).is_some())));
        }
    });
}

/// `HLEN key`.
pub(crate) fn hlen(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.read(args.get(1), |v| {
        if let Ok(h) = hash(v, out) {
            int(out, h.map_or(0, |h| h.len() as i64));
        }
    });
}

/// `HSTRLEN key field`.
pub(crate) fn hstrlen(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.read(args.get(1), |v| {
        if let Ok(h) = hash(v, out) {
            int(out, h.and_then(|h| h.get(args.get(2))).map_or(0, |s| s.len() as i64));
        }
    });
}

/// `HKEYS`, `HVALS`, `HGETALL` `key`.
#[inline(never)]
pub(crate) fn hgetall(args: &Args<'_>, cmd: Cmd, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    ctx.read(args.get(1), |v| {
        let Ok(h) = hash(v, out) else { return };
        let len = h.map_or(0, |h| h.len());
        if cmd == Cmd::Hgetall {
            map(out, len, resp3);
        } else {
            array(out, len);
        }
        let Some(h) = h else { return };
        for f in h.iter() {
            if cmd != Cmd::Hvals {
                bulk(out, &f.name);
            }
            if cmd != Cmd::Hkeys {
                bulk(out, &f.value);
            }
        }
    });
}

/// `HINCRBY key field increment`.
pub(crate) fn hincrby(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let Some(by) = int_arg(args.get(3), out) else { return };
    ctx.store.modify(args.get(1), ctx.clock, |v| {
        let Some(h) = hash_mut(v, out) else { return };
        let current = match h.get(args.get(2)) {
            None => 0,
            Some(s) => match parse_i64(s) {
                Some(n) => n,
                None => return out.put(b"-ERR hash value is not an integer\r\n"),
            },
        };
        let Some(next) = current.checked_add(by) else {
            return out.put(b"-ERR increment or decrement would overflow\r\n");
        };
        let mut buf = [0u8; crate::num::MAX_DIGITS];
        h.set(args.get(2), crate::num::format_i64(next, &mut buf));
        int(out, next);
    });
}

/// `HINCRBYFLOAT key field increment`.
pub(crate) fn hincrbyfloat(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let Some(by) = parse_float(args.get(3)) else { return out.put(E_NOT_FLOAT) };
    if !by.is_finite() {
        return out.put(b"-ERR value is NaN or Infinity\r\n");
    }
    ctx.store.modify(args.get(1), ctx.clock, |v| {
        let Some(h) = hash_mut(v, out) else { return };
        let current = match h.get(args.get(2)) {
            None => crate::redis::float::Float::ZERO,
            Some(s) => match parse_float(s) {
                Some(f) => f,
                None => return out.put(b"-ERR hash value is not a float\r\n"),
            },
        };
        let Some(sum) = current.checked_add(by) else {
            return out.put(b"-ERR increment would produce NaN or Infinity\r\n");
        };
        let text = format_float(sum);
        h.set(args.get(2), &text);
        bulk(out, &text);
    });
}

/// Most picks a negative count may ask for. Redis would try to answer any count (and
/// run out of memory first); here a reply that could never be delivered (it would pass
/// the connection's output cap, [`tcpio::DEFAULT_MAX_OUTPUT`], at six bytes a pick at
/// the least) is refused up front, so no command loops for ever under a shard lock.
pub(crate) const MAX_REPEATED_PICKS: i64 = (tcpio::DEFAULT_MAX_OUTPUT / 6) as i64;

/// A `count` argument of `HRANDFIELD` and `SRANDMEMBER`: any `i64` but the lowest, and
/// not below `-MAX_REPEATED_PICKS`.
pub(crate) fn random_count(arg: &[u8], out: &mut impl Sink) -> Option<i64> {
    let n = int_arg(arg, out)?;
    if n == i64::MIN {
        out.put(b"-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n");
        return None;
    }
    if n < -MAX_REPEATED_PICKS {
        out.put(b"-ERR value is out of range\r\n");
        return None;
    }
    Some(n)
}

/// The count of `HRANDFIELD` or `ZRANDMEMBER` `key [count [with]]` (`with`: its
/// `WITHVALUES` or `WITHSCORES`), if given, checked as Redis checks it: `Err(())` after
/// writing the error.
pub(crate) fn random_args(args: &Args<'_>, with: &str, out: &mut impl Sink) -> Result<Option<i64>, ()> {
    if args.len() < 3 {
        return Ok(None);
    }
    let n = random_count(args.get(2), out).ok_or(())?;
    if args.len() > 4 || (args.len() == 4 && !is(args.get(3), with)) {
        out.put(E_SYNTAX);
        return Err(());
    }
    if args.len() == 4 && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&n) {
        out.put(b"-ERR value is out of range\r\n");
        return Err(());
    }
    Ok(Some(n))
}

/// How many items a random pick of `count` out of `len` replies with: `|count|` for a
/// negative count (repeats allowed), at most `len` for a positive one (distinct).
pub(crate) fn pick_count(count: i64, len: usize) -> usize {
    if count < 0 {
        count.unsigned_abs().min(usize::MAX as u64) as usize
    } else {
        (count as u64).min(len as u64) as usize
    }
}

/// Calls `f` with the positions of a random pick of `count` items out of `len` (see
/// [`pick_count`]). Repeated picks are made one by one, so a huge negative count costs
/// no memory up front; distinct ones shuffle the positions, only those the shuffle
/// moves being stored, so a pick of n costs O(n) whatever the collection's size.
pub(crate) fn for_each_pick(
    count: i64,
    len: usize,
    mut random: impl FnMut() -> u64,
    mut f: impl FnMut(usize),
) {
    let n = pick_count(count, len);
    if count < 0 {
        for _ in 0..n {
            f((random() % len as u64) as usize);
        }
        return;
    }
    if n >= len {
        return (0..len).for_each(f);
    }
    // A partial Fisher-Yates shuffle of the positions 0..len.
    if n > len / 4 {
        // Most of them: all the positions, in a vector.
        let mut all: Vec<usize> = (0..len).collect();
        for i in 0..n {
            let j = i + (random() % (len - i) as u64) as usize;
            all.swap(i, j);
            f(all[i]);
        }
        return;
    }
    // A few: only the places the shuffle has moved are kept (any other place still
    // holds its own position). Place i is never read after step i, so only place j's
    // new content is stored.
    let mut moved: HashMap<usize, usize> = HashMap::with_capacity(n);
    for i in 0..n {
        let j = i + (random() % (len - i) as u64) as usize;
        let picked = moved.get(&j).copied().unwrap_or(j);
        moved.insert(j, moved.get(&i).copied().unwrap_or(i));
        f(picked);
    }
}

/// `HRANDFIELD key [count [WITHVALUES]]`.
#[inline(never)]
pub(crate) fn hrandfield(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    let Ok(count) = random_args(args, "withvalues", out) else { return };
    let with_values = args.len() == 4;
    let store = ctx.store;
    let mut found = false;
    store.get(args.get(1), ctx.clock, |v| {
        found = v.is_some();
        let Ok(h) = hash(v, out) else { return };
        let Some(h) = h else { return if count.is_some() { array(out, 0) } else { null(out, resp3) } };
        let Some(count) = count else {
            return bulk(out, &h.at((store.random() % h.len() as u64) as usize).name);
        };
        // With values: pairs as two-element arrays in RESP3, one flat array in RESP2.
        let pairs = with_values && resp3;
        array(out, pick_count(count, h.len()) * if with_values && !resp3 { 2 } else { 1 });
        for_each_pick(
            count,
            h.len(),
            || store.random(),
            |i| {
                if pairs {
                    array(out, 2);
                }
                bulk(out, &h.at(i).name);
                if with_values {
                    bulk(out, &h.at(i).value);
                }
            },
        );
    });
    ctx.counters.looked_up(found);
}

/// `HSCAN key cursor [MATCH pattern] [COUNT n]`.
pub(crate) fn hscan(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let walk = |v: &Value, start, o: &ScanOptions<'_>, scratch: &mut Vec<u8>| {
        let Value::Hash(h) = v else { return (0, 0) };
        let mut n = 0;
        let mut field = |f: &Field| {
            if o.pattern.map_or(true, |p| glob_match(p, &f.name)) {
                bulk(scratch, &f.name);
                bulk(scratch, &f.value);
                n += 2;
            }
        };
        // Redis keeps a small hash (128 fields, none longer than 64 bytes) as a
        // listpack, which a scan returns whole, in its order (the order of insertion,
        // which removals keep); so does this.
        let next = if h.is_listpack() {
            h.iter().for_each(&mut field);
            0
        } else {
            scan_dense(h, start, o.count, field)
        };
        (next, n)
    };
    scan_collection(args, ctx, out, |v| matches!(v, Value::Hash(_)), walk);
}

#[cfg(test)]
mod tests {
    use super::for_each_pick;

    /// A small deterministic generator (xorshift) for the picks.
    fn rng(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    #[test]
    fn distinct_picks_are_distinct_in_range_and_as_many_as_asked() {
        // Both ways of shuffling: a few of many (the places moved, kept apart) and
        // most of them (a vector of every position).
        for (len, count) in [(1_000_000, 1), (1_000_000, 5), (100, 25), (100, 26), (100, 99), (7, 3), (7, 7)]
        {
            let mut seen = vec![false; len];
            let mut n = 0;
            for_each_pick(count, len, rng(len as u64 * 31 + count as u64), |i| {
                assert!(!std::mem::replace(&mut seen[i], true), "{i} twice of {len}");
                n += 1;
            });
            assert_eq!(n, count as usize, "{count} of {len}");
        }
        // More than there are: each once.
        let mut n = 0;
        for_each_pick(10, 4, rng(1), |i| {
            assert!(i < 4);
            n += 1;
        });
        assert_eq!(n, 4);
    }

    #[test]
    fn a_few_picks_of_many_reach_every_position() {
        // One pick of 10 positions, many times over: every position comes up.
        let mut random = rng(7);
        let mut hits = [0u32; 10];
        for _ in 0..1_000 {
            for_each_pick(2, 10, &mut random, |i| hits[i] += 1);
        }
        assert!(hits.iter().all(|&h| h > 100), "{hits:?}");
    }
}
