//! List commands (`t_list.c`): pushes and pops at both ends, ranges, indexes,
//! insertion, removal, search and moves between lists.

use std::collections::VecDeque;

use tcpio::codec::Sink;

use super::table::Cmd;
use super::{
    array, bulk, int, int_arg, is, null, null_array, Ctx, E_NO_KEY, E_POSITIVE, E_SYNTAX, E_WRONGTYPE,
};
use crate::redis::resp::{parse_i64, Args};
use crate::redis::store::{Bytes, Value};

/// A list.
type List = VecDeque<Bytes>;

/// The list in `v`, `Err(())` after writing `WRONGTYPE` when it holds something else,
/// `Ok(None)` when the key is absent.
fn list<'v>(v: Option<&'v Value>, out: &mut impl Sink) -> Result<Option<&'v List>, ()> {
    match v {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => {
            out.put(E_WRONGTYPE);
            Err(())
        }
    }
}

/// Gives memory back once most of a list's room is unused, so a list that shrank
/// does not keep what it once held.
fn give_back(l: &mut List) {
    if l.capacity() > 64 && l.len() < l.capacity() / 4 {
        l.shrink_to(l.len() * 2);
    }
}

/// `LPUSH`, `RPUSH`, `LPUSHX`, `RPUSHX` `key element...`.
pub(crate) fn push(args: &Args<'_>, cmd: Cmd, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let left = matches!(cmd, Cmd::Lpush | Cmd::Lpushx);
    let only_existing = matches!(cmd, Cmd::Lpushx | Cmd::Rpushx);
    ctx.store.modify(args.get(1), ctx.clock, |v| {
        if v.is_none() && only_existing {
            return int(out, 0);
        }
        let Value::List(l) = v.get_or_insert_with(|| Value::List(List::new())) else {
            return out.put(E_WRONGTYPE);
        };
        for e in args.iter().skip(2) {
            if left {
                l.push_front(e.into());
            } else {
                l.push_back(e.into());
            }
        }
        int(out, l.len() as i64);
    });
}

/// A count argument that must not be negative.
fn positive(arg: &[u8], out: &mut impl Sink) -> Option<usize> {
    match parse_i64(arg) {
        Some(n) if n >= 0 => Some(n as usize),
        _ => {
            out.put(E_POSITIVE);
            None
        }
    }
}

/// `LPOP key [count]`, `RPOP key [count]`.
pub(crate) fn pop(args: &Args<'_>, left: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    if args.len() > 3 {
        return super::arity_error(if left { "lpop" } else { "rpop" }, out);
    }
    let count = if args.len() == 3 {
        match positive(args.get(2), out) {
            Some(n) => Some(n),
            None => return,
        }
    } else {
        None
    };
    ctx.store.modify(args.get(1), ctx.clock, |v| {
        let l = match v {
            None => return if count.is_some() { null_array(out, resp3) } else { null(out, resp3) },
            Some(Value::List(l)) => l,
            Some(_) => return out.put(E_WRONGTYPE),
        };
        let Some(n) = count else {
            let e = if left { l.pop_front() } else { l.pop_back() };
            give_back(l);
            return super::value(out, e.as_deref(), resp3);
        };
        let n = n.min(l.len());
        array(out, n);
        for _ in 0..n {
            let e = if left { l.pop_front() } else { l.pop_back() };
            super::value(out, e.as_deref(), resp3);
        }
        give_back(l);
    });
}

/// `LLEN key`.
pub(crate) fn llen(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.read(args.get(1), |v| {
        if let Ok(l) = list(v, out) {
            int(out, l.map_or(0, |l| l.len() as i64));
        }
    });
}

/// Redis's range of a list of `len` from `start` to `end` (negative counting from
/// the end), clamped; `None` when it is empty.
fn range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    start = start.max(0);
    if start > end || start >= len {
        return None;
    }
    end = end.min(len - 1);
    Some((start as usize, end as usize))
}

/// `LRANGE key start stop`.
pub(crate) fn lrange(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let Some(start) = int_arg(args.get(2), out) else { return };
    let Some(end) = int_arg(args.get(3), out) else { return };
    ctx.read(args.get(1), |v| {
        let Ok(l) = list(v, out) else { return };
        let l = match l {
            Some(l) => l,
            None => return out.put(b"*0\r\n"),
        };
        match range(start, end, l.len()) {
            None => out.put(b"*0\r\n"),
            Some((s, e)) => {
                array(out, e - s + 1);
                for item in l.range(s..=e) {
                    bulk(out, item);
                }
            }
        }
    });
}

/// The position of `index` (negative from the end) in a list of `len`.
fn position(index: i64, len: usize) -> Option<usize> {
    let i = if index < 0 { len as i64 + index } else { index };
    (0..len as i64).contains(&i).then_some(i as usize)
}

/// `LINDEX key index`.
pub(crate) fn lindex(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    let index = args.get(2);
    ctx.read(args.get(1), |v| {
        let Ok(l) = list(v, out) else { return };
        let Some(l) = l else { return null(out, resp3) };
        let Some(index) = int_arg(index, out) else { return };
        super::value(out, position(index, l.len()).map(|i| &l[i][..]), resp3);
    });
}

/// `LSET key index element`.
pub(crate) fn lset(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.store.modify(args.get(1), ctx.clock, |v| {
        let l = match v {
            None => return out.put(E_NO_KEY),
            Some(Value::List(l)) => l,
            Some(_) => return out.put(E_WRONGTYPE),
        };
        let Some(index) = int_arg(args.get(2), out) else { return };
        match position(index, l.len()) {
            Some(i) => {
                l[i] = args.get(3).into();
                out.put(b"+OK\r\n");
            }
            None => out.put(b"-ERR index out of range\r\n"),
        }
    });
}

/// `LREM key count element`.
pub(crate) fn lrem(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let Some(count) = int_arg(args.get(2), out) else { return };
    let e = args.get(3);
    ctx.store.modify(args.get(1), ctx.clock, |v| {
        let l = match v {
            None => return int(out, 0),
            Some(Value::List(l)) => l,
            Some(_) => return out.put(E_WRONGTYPE),
        };
        let limit =
            if count == 0 { usize::MAX } else { count.unsigned_abs().min(usize::MAX as u64) as usize };
        let mut removed = 0;
        if count >= 0 {
            l.retain(|x| {
                let drop = removed < limit && &x[..] == e;
                removed += usize::from(drop);
                !drop
            });
        } else {
            // From the tail: find where the last `limit` matches begin, then drop the
            // matches from there on in one pass (linear, as Redis; removing each one
            // where it stands would move the rest of the list each time).
            let mut from = l.len();
            while from > 0 && removed < limit {
                from -= 1;
                removed += usize::from(&l[from][..] == e);
            }
            let mut i = 0;
            l.retain(|x| {
                let keep = i < from || &x[..] != e;
                i += 1;
                keep
            });
        }
        give_back(l);
        int(out, removed as i64);
    });
}

/// `LTRIM key start stop`.
pub(crate) fn ltrim(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let Some(start) = int_arg(args.get(2), out) else { return };
    let Some(end) = int_arg(args.get(3), out) else { return };
    ctx.store.modify(args.get(1), ctx.clock, |v| {
        let l = match v {
            None => return out.put(b"+OK\r\n"),
            Some(Value::List(l)) => l,
            Some(_) => return out.put(E_WRONGTYPE),
        };
        match range(start, end, l.len()) {
            None => l.clear(),
            Some((s, e)) => {
                l.truncate(e + 1);
                l.drain(..s);
            }
        }
        give_back(l);
        out.put(b"+OK\r\n");
    });
}

/// `LINSERT key BEFORE|AFTER pivot element`.
pub(crate) fn linsert(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let after = match args.get(2) {
        w if is(w, "after") => true,
        w if is(w, "before") => false,
        _ => return out.put(E_SYNTAX),
    };
    let (pivot, e) = (args.get(3), args.get(4));
    ctx.store.modify(args.get(1), ctx.clock, |v| {
        let l = match v {
            None => return int(out, 0),
            Some(Value::List(l)) => l,
            Some(_) => return out.put(E_WRONGTYPE),
        };
        match l.iter().position(|x| &x[..] == pivot) {
            Some(i) => {
                l.insert(i + usize::from(after), e.into());
                int(out, l.len() as i64);
            }
            None => out.put(b":-1\r\n"),
        }
    });
}

/// `LPOS key element [RANK rank] [COUNT n] [MAXLEN len]`.
pub(crate) fn lpos(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    let (mut rank, mut count, mut maxlen) = (1i64, None::<usize>, 0usize);
    let mut i = 3;
    while i < args.len() {
        let opt = args.get(i);
        let more = i + 1 < args.len();
        let negative = |what: &str, arg: &[u8], out: &mut dyn FnMut(&[u8])| -> Option<usize> {
            match parse_i64(arg) {
                Some(n) if n >= 0 => Some(n as usize),
                _ => {
                    out(b"-ERR ");
                    out(what.as_bytes());
                    out(b" can't be negative\r\n");
                    None
                }
            }
        };
        if is(opt, "rank") && more {
            let Some(r) = int_arg(args.get(i + 1), out) else { return };
            if r == 0 {
                return out.put(
                    b"-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n",
                );
            }
            rank = r;
        } else if is(opt, "count") && more {
            let Some(n) = negative("COUNT", args.get(i + 1), &mut |b| out.put(b)) else { return };
            count = Some(n);
        } else if is(opt, "maxlen") && more {
            let Some(n) = negative("MAXLEN", args.get(i + 1), &mut |b| out.put(b)) else { return };
            maxlen = n;
        } else {
            return out.put(E_SYNTAX);
        }
        i += 2;
    }
    let e = args.get(2);
    ctx.read(args.get(1), |v| {
        let Ok(l) = list(v, out) else { return };
        let Some(l) = l else { return if count.is_some() { array(out, 0) } else { null(out, resp3) } };
        let from_tail = rank < 0;
        // Redis negates the rank in a C `long`: the lowest one stays negative, so
        // every match counts and COUNT no longer stops the search.
        let wrapped = rank == i64::MIN;
        let rank = if wrapped { 1 } else { rank.unsigned_abs() };
        let count = if wrapped { count.map(|_| 0) } else { count };
        let len = l.len();
        let mut found: Vec<usize> = Vec::new();
        let mut matches = 0u64;
        let limit = if maxlen == 0 { len } else { maxlen.min(len) };
        for k in 0..limit {
            let i = if from_tail { len - 1 - k } else { k };
            if &l[i][..] == e {
                matches += 1;
                if matches >= rank {
                    found.push(i);
                    match count {
                        None => break,
                        Some(c) if c != 0 && found.len() >= c => break,
                        _ => {}
                    }
                }
            }
        }
        match count {
            Some(_) => {
                array(out, found.len());
                for i in found {
                    int(out, i as i64);
                }
            }
            None => match found.first() {
                Some(&i) => int(out, i as i64),
                None => null(out, resp3),
            },
        }
    });
}

/// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`, `RPOPLPUSH source destination`.
pub(crate) fn lmove(args: &Args<'_>, rpoplpush: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    let side = |w: &[u8]| match w {
        _ if is(w, "left") => Some(true),
        _ if is(w, "right") => Some(false),
        _ => None,
    };
    let (from_left, to_left) = if rpoplpush {
        (false, true)
    } else {
        match (side(args.get(3)), side(args.get(4))) {
            (Some(a), Some(b)) => (a, b),
            _ => return out.put(E_SYNTAX),
        }
    };
    let (src, dst) = (args.get(1), args.get(2));
    if !move_element(src, dst, from_left, to_left, ctx, out) {
        null(out, resp3);
    }
}

/// Moves an element from `src` to `dst` (both keys' shards locked together) and
/// writes the reply: the element, or `WRONGTYPE`. False, with nothing written, when
/// `src` does not exist.
pub(crate) fn move_element(
    src: &[u8],
    dst: &[u8],
    from_left: bool,
    to_left: bool,
    ctx: &mut Ctx<'_>,
    out: &mut impl Sink,
) -> bool {
    let mut keys = ctx.store.lock_many([src, dst]);
    match keys.get(src, ctx.clock, |v| v.map(|v| matches!(v, Value::List(_)))) {
        None => return false,
        Some(false) => {
            out.put(E_WRONGTYPE);
            return true;
        }
        Some(true) => {}
    }
    if keys.get(dst, ctx.clock, |v| v.is_some_and(|v| !matches!(v, Value::List(_)))) {
        out.put(E_WRONGTYPE);
        return true;
    }
    if src == dst {
        // A rotation within one list, done in place so the list (and its deadline)
        // never goes missing in between.
        keys.modify(src, ctx.clock, |v| {
            if let Some(Value::List(l)) = v {
                let e = if from_left { l.pop_front() } else { l.pop_back() };
                if let Some(e) = e {
                    bulk(out, &e);
                    if to_left {
                        l.push_front(e);
                    } else {
                        l.push_back(e);
                    }
                }
            }
        });
        return true;
    }
    let e = keys.modify(src, ctx.clock, |v| match v {
        Some(Value::List(l)) => {
            if from_left {
                l.pop_front()
            } else {
                l.pop_back()
            }
        }
        _ => None,
    });
    // The source exists and is a list, so it is not empty.
    let Some(e) = e else { return false };
    bulk(out, &e);
    keys.modify(dst, ctx.clock, |v| {
        let l = v.get_or_insert_with(|| Value::List(List::new()));
        if let Value::List(l) = l {
            if to_left {
                l.push_front(e);
            } else {
                l.push_back(e);
            }
        }
    });
    true
}
