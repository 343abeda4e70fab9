//! Set commands (`t_set.c`): members, membership, random picks, moves, and the
//! intersection, union and difference of sets.

use tcpio::codec::Sink;

use super::hashes::{for_each_pick, pick_count, random_count};
use super::keys::{scan_collection, ScanOptions};
use super::table::Cmd;
use super::{array, bulk, int, null, Ctx, E_POSITIVE, E_SYNTAX, E_WRONGTYPE};
use crate::redis::reply;
use crate::redis::resp::{parse_i64, Args};
use crate::redis::store::{glob_match, scan_dense, Clock, Members, Multi, Value, NEVER};

/// The set in `v`, `Err(())` after writing `WRONGTYPE` when it holds something else.
fn set<'v>(v: Option<&'v Value>, out: &mut impl Sink) -> Result<Option<&'v Members>, ()> {
    match v {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => {
            out.put(E_WRONGTYPE);
            Err(())
        }
    }
}

/// `SADD key member...`.
pub(crate) fn sadd(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.store.modify(args.get(1), ctx.clock, |v| match v.get_or_insert_with(|| Value::Set(Box::default())) {
        Value::Set(s) => {
            let n = args.iter().skip(2).filter(|m| s.insert(m)).count();
            int(out, n as i64);
        }
        _ => out.put(E_WRONGTYPE),
    });
}

/// `SREM key member...`.
pub(crate) fn srem(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.store.modify(args.get(1), ctx.clock, |v| match v {
        None => int(out, 0),
        Some(Value::Set(s)) => {
            let n = args.iter().skip(2).filter(|m| s.remove(m)).count();
            int(out, n as i64);
        }
        Some(_) => out.put(E_WRONGTYPE),
    });
}

/// `SMEMBERS key`.
#[inline(never)]
pub(crate) fn smembers(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    ctx.read(args.get(1), |v| {
        let Ok(s) = set(v, out) else { return };
        let Some(s) = s else { return reply::set(out, 0, resp3) };
        reply::set(out, s.len(), resp3);
        s.for_each_in_order(|m| bulk(out, m));
    });
}

/// `SISMEMBER key member`.
pub(crate) fn sismember(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.read(args.get(1), |v| {
        if let Ok(s) = set(v, out) {
            int(out, i64::from(s.is_some_and(|s| s.contains(args.get(2)))));
        }
    });
}

/// `SMISMEMBER key member...`.
pub(crate) fn smismember(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.read(args.get(1), |v| {
        let Ok(s) = set(v, out) else { return };
        array(out, args.len() - 2);
        for m in args.iter().skip(2) {
            int(out, i64::from(s.is_some_and(|s| s.contains(m))));
        }
    });
}

/// `SCARD key`.
pub(crate) fn scard(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.read(args.get(1), |v| {
        if let Ok(s) = set(v, out) {
            int(out, s.map_or(0, |s| s.len() as i64));
        }
    });
}

/// `SPOP key [count]`.
#[inline(never)]
pub(crate) fn spop(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    if args.len() > 3 {
        return out.put(E_SYNTAX);
    }
    let count = if args.len() == 3 {
        match parse_i64(args.get(2)) {
            Some(n) if n >= 0 => Some(n as usize),
            _ => return out.put(E_POSITIVE),
        }
    } else {
        None
    };
    let store = ctx.store;
    let mut whole = false;
    store.modify(args.get(1), ctx.clock, |v| {
        let s = match v {
            None => return if count.is_some() { reply::set(out, 0, resp3) } else { null(out, resp3) },
            Some(Value::Set(s)) => s,
            Some(_) => return out.put(E_WRONGTYPE),
        };
        let Some(count) = count else {
            let m = s.remove_at((store.random() % s.len() as u64) as usize);
            return bulk(out, &m);
        };
        let n = count.min(s.len());
        reply::set(out, n, resp3);
        if n == s.len() {
            // All of it, in the set's order, as Redis does.
            s.for_each_in_order(|m| bulk(out, m));
            *v = None;
            whole = true;
            return;
        }
        for _ in 0..n {
            let m = s.remove_at((store.random() % s.len() as u64) as usize);
            bulk(out, &m);
        }
    });
    // Redis looks the key up as a write (not counted), then, to return the whole set,
    // again as `SUNION` does, as a read (counted).
    if whole {
        ctx.counters.looked_up(true);
    }
}

/// `SRANDMEMBER key [count]`.
pub(crate) fn srandmember(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    if args.len() > 3 {
        return out.put(E_SYNTAX);
    }
    let count = if args.len() == 3 {
        let Some(n) = random_count(args.get(2), out) else { return };
        Some(n)
    } else {
        None
    };
    let store = ctx.store;
    let mut found = false;
    store.get(args.get(1), ctx.clock, |v| {
        found = v.is_some();
        let Ok(s) = set(v, out) else { return };
        let Some(s) = s else { return if count.is_some() { array(out, 0) } else { null(out, resp3) } };
        let Some(count) = count else {
            return bulk(out, s.at((store.random() % s.len() as u64) as usize));
        };
        array(out, pick_count(count, s.len()));
        if count >= s.len() as i64 {
            // All of it, in the set's order, as Redis does.
            return s.for_each_in_order(|m| bulk(out, m));
        }
        for_each_pick(count, s.len(), || store.random(), |i| bulk(out, s.at(i)));
    });
    ctx.counters.looked_up(found);
}

/// `SMOVE source destination member`.
pub(crate) fn smove(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let (src, dst, m) = (args.get(1), args.get(2), args.get(3));
    let mut keys = ctx.store.lock_many([src, dst]);
    let kind = |v: Option<&Value>| v.map(|v| matches!(v, Value::Set(_)));
    let (from, to) = (keys.get(src, ctx.clock, kind), keys.get(dst, ctx.clock, kind));
    match (from, to) {
        (None, _) => return out.put(b":0\r\n"),
        (Some(false), _) | (_, Some(false)) => return out.put(E_WRONGTYPE),
        _ => {}
    }
    if src == dst {
        let hit = keys.get(src, ctx.clock, |v| matches!(v, Some(Value::Set(s)) if s.contains(m)));
        return int(out, i64::from(hit));
    }
    let removed = keys.modify(src, ctx.clock, |v| match v {
        Some(Value::Set(s)) => s.remove(m),
        _ => false,
    });
    if !removed {
        return out.put(b":0\r\n");
    }
    keys.modify(dst, ctx.clock, |v| {
        if let Value::Set(s) = v.get_or_insert_with(|| Value::Set(Box::default())) {
            s.insert(m);
        }
    });
    out.put(b":1\r\n");
}

/// `SINTER`, `SUNION`, `SDIFF` `key...`, and their `STORE` forms (`dst` given, the
/// keys after it).
#[inline(never)]
pub(crate) fn combine(args: &Args<'_>, op: Cmd, dst: Option<&[u8]>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let first = if dst.is_some() { 2 } else { 1 };
    let mut keys = ctx.store.lock_many(args.iter().skip(1));
    // Every key is checked before anything is computed: a wrong type anywhere is an
    // error. These are the lookups Redis counts, each key's in order up to a wrong
    // type.
    for k in args.iter().skip(first) {
        let kind = keys.get(k, ctx.clock, |v| v.map(|v| matches!(v, Value::Set(_))));
        ctx.counters.looked_up(kind.is_some());
        if kind == Some(false) {
            return out.put(E_WRONGTYPE);
        }
    }
    let mut result = Members::new();
    if op == Cmd::Sinter {
        intersect(args.iter().skip(first), &mut keys, ctx.clock, &mut result);
    } else {
        for (n, k) in args.iter().skip(first).enumerate() {
            keys.get(k, ctx.clock, |v| {
                let Some(Value::Set(s)) = v else { return };
                if op == Cmd::Sunion || n == 0 {
                    s.iter().for_each(|m| _ = result.insert(m));
                } else {
                    s.iter().for_each(|m| _ = result.remove(m));
                }
            });
            // A difference that is empty stays so; the rest need not be read.
            if op == Cmd::Sdiff && result.is_empty() {
                break;
            }
        }
    }
    match dst {
        Some(d) => {
            let n = result.len();
            let value = (n > 0).then(|| Value::Set(Box::new(result)));
            keys.put(d, value, NEVER, ctx.clock);
            int(out, n as i64);
        }
        None => {
            reply::set(out, result.len(), ctx.session.resp3);
            result.for_each_in_order(|m| bulk(out, m));
        }
    }
}

/// The intersection of the sets at `names` (all locked in `keys`), as Redis computes
/// it: empty at once if one is missing, else the members of the smallest that every
/// other one holds. So its cost is the smallest set's size times the number of sets,
/// whatever the size of the others.
fn intersect<'a>(
    names: impl Iterator<Item = &'a [u8]> + Clone,
    keys: &mut Multi<'_>,
    clock: &mut Clock,
    result: &mut Members,
) {
    let mut smallest: Option<(usize, &[u8])> = None;
    for k in names.clone() {
        let len = keys.get(k, clock, |v| match v {
            Some(Value::Set(s)) => s.len(),
            _ => 0,
        });
        if len == 0 {
            return;
        }
        if smallest.map_or(true, |(n, _)| len < n) {
            smallest = Some((len, k));
        }
    }
    let Some((_, seed)) = smallest else { return };
    keys.get(seed, clock, |v| {
        if let Some(Value::Set(s)) = v {
            for m in s.iter() {
                result.insert(m);
            }
        }
    });
    for k in names.filter(|&k| k != seed) {
        keys.get(k, clock, |v| {
            if let Some(Value::Set(s)) = v {
                result.retain(|m| s.contains(m));
            }
        });
        if result.is_empty() {
            return;
        }
    }
}

/// `SSCAN key cursor [MATCH pattern] [COUNT n]`.
pub(crate) fn sscan(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let walk = |v: &Value, start, o: &ScanOptions<'_>, scratch: &mut Vec<u8>| {
        let Value::Set(s) = v else { return (0, 0) };
        let mut n = 0;
        let mut member = |m: &[u8]| {
            if o.pattern.map_or(true, |p| glob_match(p, m)) {
                bulk(scratch, m);
                n += 1;
            }
        };
        // Redis keeps a small set of integers (512 of them) as an intset, which a scan
        // returns whole, ascending; so does this.
        let next = if s.is_intset() {
            s.for_each_in_order(&mut member);
            0
        } else {
            scan_dense(s, start, o.count, |m| member(m))
        };
        (next, n)
    };
    scan_collection(args, ctx, out, |v| matches!(v, Value::Set(_)), walk);
}
