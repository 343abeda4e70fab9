//! Sorted-set commands over several keys (`zunionInterDiffGenericCommand` in
//! `t_zset.c`): `ZUNION`, `ZINTER`, `ZDIFF`, their `STORE` forms and `ZINTERCARD`. An
//! input may be a sorted set or a set (whose members score 1).
//!
//! Scores combine as Redis combines them: weighted (a NaN from `inf × 0` in the first
//! score taken counts as 0; in a later one it makes the sum NaN, which counts as 0),
//! then summed (a NaN from `inf + -inf` is 0), or the least or greatest taken; the
//! union and the intersection take the inputs from the smallest to the largest, as
//! Redis sorts them, so the sums are made in its order.
//!
//! The inputs are read where they are, all keys locked together: nothing is copied but
//! the result. An intersection walks its smallest input and looks each member up in
//! the others; a difference walks its first input the same way.

use tcpio::codec::Sink;

use super::members::reply_pairs;
use crate::redis::commands::table::Cmd;
use crate::redis::commands::{int, is, Ctx, E_NOT_INT, E_SYNTAX, E_WRONGTYPE};
use crate::redis::resp::{parse_i64, Args};
use crate::redis::score::parse_score;
use crate::redis::store::{Value, Zset, NEVER};

/// How scores of one member in several inputs combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// `target` combined with `value` (`zunionInterAggregate`).
fn aggregate(target: &mut f64, value: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *target += value;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min if value < *target => *target = value,
        Aggregate::Max if value > *target => *target = value,
        _ => {}
    }
}

/// One input, borrowed where it is: a sorted set, a set (members score 1) or nothing;
/// and its weight.
#[derive(Clone, Copy)]
struct Input<'v> {
    value: Option<&'v Value>,
    weight: f64,
}

impl<'v> Input<'v> {
    fn len(&self) -> usize {
        match self.value {
            Some(Value::Zset(z)) => z.len(),
            Some(Value::Set(s)) => s.len(),
            _ => 0,
        }
    }

    /// Each member with its score (unweighted), while `f` returns true.
    fn each(&self, mut f: impl FnMut(&'v [u8], f64) -> bool) {
        match self.value {
            Some(Value::Zset(z)) => _ = z.members().iter().all(|e| f(&e.member, e.score)),
            Some(Value::Set(s)) => _ = s.iter().all(|m| f(m, 1.0)),
            _ => {}
        }
    }

    /// The score of `member` (unweighted).
    fn score(&self, member: &[u8]) -> Option<f64> {
        match self.value {
            Some(Value::Zset(z)) => z.score(member),
            Some(Value::Set(s)) => s.contains(member).then_some(1.0),
            _ => None,
        }
    }
}

/// `ZUNION`, `ZINTER`, `ZDIFF` `numkeys key... [options]`, their `STORE` forms
/// (`destination numkeys key...`) and `ZINTERCARD numkeys key... [LIMIT n]`.
#[inline(never)]
pub(super) fn combine(args: &Args<'_>, cmd: Cmd, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let store = matches!(cmd, Cmd::Zunionstore | Cmd::Zinterstore | Cmd::Zdiffstore);
    let card = cmd == Cmd::Zintercard;
    let op = match cmd {
        Cmd::Zunion | Cmd::Zunionstore => Cmd::Zunion,
        Cmd::Zdiff | Cmd::Zdiffstore => Cmd::Zdiff,
        _ => Cmd::Zinter,
    };
    let at = if store { 2 } else { 1 };
    let Some(n) = parse_i64(args.get(at)) else { return out.put(E_NOT_INT) };
    if n < 1 {
        out.put(b"-ERR at least 1 input key is needed for '");
        out.put(cmd.spec().name.as_bytes());
        return out.put(b"' command\r\n");
    }
    if n > (args.len() - at - 1) as i64 {
        return out.put(E_SYNTAX);
    }
    let n = n as usize;
    let names: Vec<&[u8]> = args.iter().skip(at + 1).take(n).collect();
    let dst = store.then(|| args.get(1));
    let mut with_scores = false;
    let mut keys = ctx.store.lock_many(dst.into_iter().chain(names.iter().copied()));
    let resp3 = ctx.session.resp3;
    let counters = ctx.counters;
    let result = keys.get_all(&names, ctx.clock, |values| -> Option<Result<Zset, usize>> {
        // Every input is looked at first, in order, up to one of another type; these
        // lookups count, in the `STORE` forms too.
        for v in values {
            counters.looked_up(v.is_some());
            if v.is_some_and(|v| !matches!(v, Value::Zset(_) | Value::Set(_))) {
                out.put(E_WRONGTYPE);
                return None;
            }
        }
        let mut inputs: Vec<Input<'_>> = values.iter().map(|&value| Input { value, weight: 1.0 }).collect();
        // Then the options.
        let (mut how, mut limit) = (Aggregate::Sum, 0usize);
        let mut i = at + 1 + n;
        while i < args.len() {
            let left = args.len() - i;
            let opt = args.get(i);
            if op != Cmd::Zdiff && !card && left > n && is(opt, "weights") {
                for (k, input) in inputs.iter_mut().enumerate() {
                    match parse_score(args.get(i + 1 + k)) {
                        Some(w) => input.weight = w,
                        None => {
                            out.put(b"-ERR weight value is not a float\r\n");
                            return None;
                        }
                    }
                }
                i += 1 + n;
            } else if op != Cmd::Zdiff && !card && left >= 2 && is(opt, "aggregate") {
                how = match args.get(i + 1) {
                    a if is(a, "sum") => Aggregate::Sum,
                    a if is(a, "min") => Aggregate::Min,
                    a if is(a, "max") => Aggregate::Max,
                    _ => {
                        out.put(E_SYNTAX);
                        return None;
                    }
                };
                i += 2;
            } else if !store && !card && is(opt, "withscores") {
                with_scores = true;
                i += 1;
            } else if card && left >= 2 && is(opt, "limit") {
                match parse_i64(args.get(i + 1)) {
                    Some(l) if l >= 0 => limit = l as usize,
                    _ => {
                        out.put(b"-ERR LIMIT can't be negative\r\n");
                        return None;
                    }
                }
                i += 2;
            } else {
                out.put(E_SYNTAX);
                return None;
            }
        }
        // The union and the intersection take the inputs smallest first (a stable
        // sort, as glibc's `qsort` is for these); a difference keeps the first first.
        if op != Cmd::Zdiff {
            inputs.sort_by_key(Input::len);
        }
        if card {
            return Some(Err(intersect(&inputs, how, limit, |_, _| {})));
        }
        let mut result = Zset::new();
        match op {
            Cmd::Zunion => union(&inputs, how, &mut result),
            Cmd::Zinter => _ = intersect(&inputs, how, 0, |m, s| _ = result.insert(m, s)),
            _ => difference(&inputs, &mut result),
        }
        Some(Ok(result))
    });
    let result = match result {
        None => return,
        Some(Err(count)) => return int(out, count as i64),
        Some(Ok(result)) => result,
    };
    match dst {
        Some(d) => {
            let n = result.len();
            keys.put(d, (n > 0).then(|| Value::Zset(Box::new(result))), NEVER, ctx.clock);
            int(out, n as i64);
        }
        None => {
            drop(keys);
            reply_pairs(out, result.len(), result.order().range(0, result.len()), with_scores, resp3);
        }
    }
}

/// `weight × score`, a NaN counted as 0.
fn weighted(score: f64, weight: f64) -> f64 {
    let v = score * weight;
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

/// The union of `inputs` into `result`.
fn union(inputs: &[Input<'_>], how: Aggregate, result: &mut Zset) {
    let mut scores: hashbrown::HashMap<&[u8], f64> = hashbrown::HashMap::new();
    for input in inputs {
        input.each(|m, s| {
            let score = weighted(s, input.weight);
            match scores.get_mut(m) {
                Some(total) => aggregate(total, score, how),
                None => _ = scores.insert(m, score),
            }
            true
        });
    }
    for (m, s) in scores {
        result.insert(m, s);
    }
}

/// The intersection of `inputs` (smallest first): calls `f` with each member and its
/// score, up to `limit` of them (0: all); returns how many.
fn intersect(inputs: &[Input<'_>], how: Aggregate, limit: usize, mut f: impl FnMut(&[u8], f64)) -> usize {
    let Some((first, rest)) = inputs.split_first() else { return 0 };
    if first.len() == 0 {
        return 0;
    }
    let mut count = 0;
    first.each(|m, s| {
        let mut score = weighted(s, first.weight);
        for input in rest {
            let Some(value) = input.score(m) else { return true };
            aggregate(&mut score, value * input.weight, how);
        }
        f(m, score);
        count += 1;
        // `ZINTERCARD`'s limit reached: the rest is not looked at.
        limit == 0 || count < limit
    });
    count
}

/// The members of the first input in none of the others, with their scores.
fn difference(inputs: &[Input<'_>], result: &mut Zset) {
    let Some((first, rest)) = inputs.split_first() else { return };
    first.each(|m, s| {
        if rest.iter().all(|input| input.score(m).is_none()) {
            result.insert(m, s);
        }
        true
    });
}
