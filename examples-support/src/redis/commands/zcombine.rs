//! Sorted-set commands over several keys (`zunionInterDiffGenericCommand` in
//! `t_zset.c`): `ZUNION`, `ZINTER`, `ZDIFF`, their `STORE` forms and `ZINTERCARD`. An
//! input may be a sorted set or a set (whose members score 1).
//!
//! Scores combine as Redis combines them: each weighted (a NaN from `inf × 0` counts
//! as 0), then summed (a NaN from `inf + -inf` is 0), or the least or greatest taken;
//! the union and the intersection take the inputs from the smallest to the largest, as
//! Redis sorts them, so the sums are made in its order.

use tcpio::codec::Sink;

use super::table::Cmd;
use super::{array, bulk, int, is, Ctx, E_NOT_INT, E_SYNTAX, E_WRONGTYPE};
use crate::redis::reply::double;
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

/// One input: its members and scores (a copy: several keys are read at once), and its
/// weight.
struct Input {
    pairs: Vec<(Box<[u8]>, f64)>,
    weight: f64,
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
    let mut keys = ctx.store.lock_many(dst.into_iter().chain(names.iter().copied()));
    // Every input is read first, in order, up to one of another type; these lookups
    // count, in the `STORE` forms too.
    let mut inputs = Vec::with_capacity(n);
    for &name in &names {
        let read = keys.get(name, ctx.clock, |v| match v {
            None => Some(None),
            Some(Value::Zset(z)) => {
                Some(Some(z.order().range(0, z.len()).map(|(s, m)| (m.into(), s)).collect()))
            }
            Some(Value::Set(s)) => Some(Some(s.iter().map(|m| (m.clone(), 1.0)).collect())),
            Some(_) => None,
        });
        ctx.counters.looked_up(!matches!(read, Some(None)));
        match read {
            None => return out.put(E_WRONGTYPE),
            Some(pairs) => inputs.push(Input { pairs: pairs.unwrap_or_default(), weight: 1.0 }),
        }
    }
    // Then the options.
    let (mut how, mut with_scores, mut limit) = (Aggregate::Sum, false, 0usize);
    let mut i = at + 1 + n;
    while i < args.len() {
        let left = args.len() - i;
        let opt = args.get(i);
        if op != Cmd::Zdiff && !card && left > n && is(opt, "weights") {
            for (k, input) in inputs.iter_mut().enumerate() {
                match parse_score(args.get(i + 1 + k)) {
                    Some(w) => input.weight = w,
                    None => return out.put(b"-ERR weight value is not a float\r\n"),
                }
            }
            i += 1 + n;
        } else if op != Cmd::Zdiff && !card && left >= 2 && is(opt, "aggregate") {
            how = match args.get(i + 1) {
                a if is(a, "sum") => Aggregate::Sum,
                a if is(a, "min") => Aggregate::Min,
                a if is(a, "max") => Aggregate::Max,
                _ => return out.put(E_SYNTAX),
            };
            i += 2;
        } else if !store && !card && is(opt, "withscores") {
            with_scores = true;
            i += 1;
        } else if card && left >= 2 && is(opt, "limit") {
            match parse_i64(args.get(i + 1)) {
                Some(l) if l >= 0 => limit = l as usize,
                _ => return out.put(b"-ERR LIMIT can't be negative\r\n"),
            }
            i += 2;
        } else {
            return out.put(E_SYNTAX);
        }
    }
    // The union and the intersection take the inputs smallest first (a stable sort,
    // as glibc's `qsort` is for these); a difference keeps the first one first.
    if op != Cmd::Zdiff {
        inputs.sort_by_key(|input| input.pairs.len());
    }
    if card {
        let count = intersect(&inputs, how, limit, |_, _| {});
        return int(out, count as i64);
    }
    let mut result = Zset::new();
    match op {
        Cmd::Zunion => union(&inputs, how, &mut result),
        Cmd::Zinter => _ = intersect(&inputs, how, 0, |m, s| _ = result.insert(m, s)),
        _ => difference(&inputs, &mut result),
    }
    match dst {
        Some(d) => {
            let n = result.len();
            keys.put(d, (n > 0).then(|| Value::Zset(Box::new(result))), NEVER, ctx.clock);
            int(out, n as i64);
        }
        None => {
            let resp3 = ctx.session.resp3;
            array(out, result.len() * if with_scores && !resp3 { 2 } else { 1 });
            for (s, m) in result.order().range(0, result.len()) {
                if with_scores && resp3 {
                    array(out, 2);
                }
                bulk(out, m);
                if with_scores {
                    double(out, s, resp3);
                }
            }
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
fn union(inputs: &[Input], how: Aggregate, result: &mut Zset) {
    let mut scores: hashbrown::HashMap<&[u8], f64> = hashbrown::HashMap::new();
    let mut order: Vec<&[u8]> = Vec::new();
    for input in inputs {
        for (m, s) in &input.pairs {
            let score = weighted(*s, input.weight);
            match scores.get_mut(&m[..]) {
                Some(total) => aggregate(total, score, how),
                None => {
                    scores.insert(m, score);
                    order.push(m);
                }
            }
        }
    }
    for m in order {
        result.insert(m, scores[&m]);
    }
}

/// The intersection of `inputs`: calls `f` with each member and its score, up to
/// `limit` of them (0: all); returns how many.
fn intersect(inputs: &[Input], how: Aggregate, limit: usize, mut f: impl FnMut(&[u8], f64)) -> usize {
    let Some((first, rest)) = inputs.split_first() else { return 0 };
    if rest.iter().any(|input| input.pairs.is_empty()) {
        return 0;
    }
    // Each of the others by a table of its members.
    let tables: Vec<hashbrown::HashMap<&[u8], f64>> =
        rest.iter().map(|input| input.pairs.iter().map(|(m, s)| (&m[..], *s)).collect()).collect();
    let mut count = 0;
    'members: for (m, s) in &first.pairs {
        let mut score = weighted(*s, first.weight);
        for (input, table) in rest.iter().zip(&tables) {
            let Some(&value) = table.get(&m[..]) else { continue 'members };
            aggregate(&mut score, value * input.weight, how);
        }
        f(m, score);
        count += 1;
        if limit > 0 && count >= limit {
            break;
        }
    }
    count
}

/// The members of the first input in none of the others, with their scores.
fn difference(inputs: &[Input], result: &mut Zset) {
    let Some((first, rest)) = inputs.split_first() else { return };
    let others: hashbrown::HashSet<&[u8]> =
        rest.iter().flat_map(|input| input.pairs.iter().map(|(m, _)| &m[..])).collect();
    for (m, s) in &first.pairs {
        if !others.contains(&m[..]) {
            result.insert(m, *s);
        }
    }
}
