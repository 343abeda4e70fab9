//! String commands: `SET` and its variants, `GET` and its variants, counters, ranges,
//! `LCS` (`t_string.c`).

use tcpio::codec::Sink;

use super::{
    array, bulk, int, int_arg, is, map, null, string_reply, Ctx, E_NOT_FLOAT, E_NOT_INT, E_OVERFLOW,
    E_SYNTAX, E_WRONGTYPE,
};
use crate::redis::float::{format_float, parse_float};
use crate::redis::resp::{parse_i64, Args, MAX_BULK_LEN};
use crate::redis::store::{Clock, IncrError, SetIf, SetTtl, Value, NEVER};

/// `-ERR string exceeds maximum allowed size (proto-max-bulk-len)`.
const E_TOO_BIG: &[u8] = b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";

/// How an expiry option counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// `EX`: seconds from now.
    Ex,
    /// `PX`: milliseconds from now.
    Px,
    /// `EXAT`: a Unix time in seconds.
    ExAt,
    /// `PXAT`: a Unix time in milliseconds.
    PxAt,
}

/// The options of `SET` and `GETEX`, read as Redis's
/// `parseExtendedStringArgumentsOrReply` reads them.
#[derive(Default)]
struct Options<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    expire: Option<(Unit, &'a [u8])>,
}

/// Parses the options from argument `from`; `set` says whether they are `SET`'s (or
/// `GETEX`'s). A conflicting or unknown option is a syntax error; a repeated one is not.
fn options<'a>(args: &Args<'a>, from: usize, set: bool) -> Option<Options<'a>> {
    let mut o = Options::default();
    let mut i = from;
    while i < args.len() {
        let opt = args.get(i);
        let next = (i + 1 < args.len()).then(|| args.get(i + 1));
        let unit = match opt {
            _ if is(opt, "ex") => Some(Unit::Ex),
            _ if is(opt, "px") => Some(Unit::Px),
            _ if is(opt, "exat") => Some(Unit::ExAt),
            _ if is(opt, "pxat") => Some(Unit::PxAt),
            _ => None,
        };
        let other_unit = |u: Unit| o.expire.is_some_and(|(have, _)| have != u);
        if set && is(opt, "nx") && !o.xx {
            o.nx = true;
        } else if set && is(opt, "xx") && !o.nx {
            o.xx = true;
        } else if set && is(opt, "get") {
            o.get = true;
        } else if set && is(opt, "keepttl") && o.expire.is_none() {
            o.keepttl = true;
        } else if !set && is(opt, "persist") && o.expire.is_none() {
            o.persist = true;
        } else if let (Some(u), Some(v)) = (unit, next) {
            if o.keepttl || o.persist || other_unit(u) {
                return None;
            }
            o.expire = Some((u, v));
            i += 1;
        } else {
            return None;
        }
        i += 1;
    }
    Some(o)
}

/// The deadline an expiry option sets, in clock milliseconds, or `None` after writing
/// Redis's error (`name` is the command's, for the message).
pub(crate) fn deadline(
    unit: Unit,
    arg: &[u8],
    name: &str,
    ctx: &mut Ctx<'_>,
    out: &mut impl Sink,
) -> Option<u64> {
    let v = int_arg(arg, out)?;
    let seconds = matches!(unit, Unit::Ex | Unit::ExAt);
    let bad = |out: &mut dyn FnMut(&[u8])| {
        out(b"-ERR invalid expire time in '");
        out(name.as_bytes());
        out(b"' command\r\n");
    };
    if v <= 0 || (seconds && v > i64::MAX / 1000) {
        bad(&mut |b| out.put(b));
        return None;
    }
    let ms = if seconds { v * 1000 } else { v };
    // A relative time is added to the Unix time, as Redis does, so the same values
    // overflow; then it moves onto the store's clock.
    let at = match unit {
        Unit::Ex | Unit::Px => ms.checked_add(unix_ms()).and_then(|at| unix_to_clock(at, ctx.clock)),
        _ => unix_to_clock(ms, ctx.clock),
    };
    match at {
        Some(at) => Some(at.max(1) as u64),
        None => {
            bad(&mut |b| out.put(b));
            None
        }
    }
}

/// The current Unix time in milliseconds.
pub(crate) fn unix_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Converts a Unix time in milliseconds into the store's clock (saturating at 0).
pub(crate) fn unix_to_clock(unix_ms_at: i64, clock: &mut Clock) -> Option<i64> {
    Some((clock.now() as i64).saturating_add(unix_ms_at.checked_sub(unix_ms())?).max(0))
}

/// Converts a deadline on the store's clock into Unix milliseconds (saturating: the
/// largest deadline stays the largest).
pub(crate) fn clock_to_unix(at: u64, clock: &mut Clock) -> i64 {
    unix_ms().saturating_add(at as i64 - clock.now() as i64)
}

/// `SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]`.
#[inline]
pub(crate) fn set(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    if args.len() == 3 {
        // A plain SET, the hot path: no options to read.
        ctx.store.set(args.get(1), args.get(2), SetTtl::Clear, SetIf::Always, ctx.clock, |_| true);
        return out.put(b"+OK\r\n");
    }
    set_with_options(args, ctx, out);
}

/// [`set`] with options.
#[inline(never)]
fn set_with_options(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    let Some(o) = options(args, 3, true) else { return out.put(E_SYNTAX) };
    let ttl = match o.expire {
        Some((unit, arg)) => match deadline(unit, arg, "set", ctx, out) {
            Some(at) => SetTtl::At(at),
            None => return,
        },
        None if o.keepttl => SetTtl::Keep,
        None => SetTtl::Clear,
    };
    let cond = match (o.nx, o.xx) {
        (true, _) => SetIf::Absent,
        (_, true) => SetIf::Present,
        _ => SetIf::Always,
    };
    let get = o.get;
    let mut found = false;
    let written = ctx.store.set(args.get(1), args.get(2), ttl, cond, ctx.clock, |old| {
        if get {
            found = old.is_some();
            if old.is_some_and(|v| !matches!(v, Value::Str(_))) {
                out.put(E_WRONGTYPE);
                return false;
            }
            string_reply(out, old, resp3);
        }
        true
    });
    if get {
        // `GET` reads the old value as the `GET` command does, counted.
        ctx.counters.looked_up(found);
    } else if written {
        out.put(b"+OK\r\n");
    } else {
        null(out, resp3);
    }
}

/// `SETNX key value`.
pub(crate) fn setnx(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let written = ctx.store.set(args.get(1), args.get(2), SetTtl::Clear, SetIf::Absent, ctx.clock, |_| true);
    int(out, i64::from(written));
}

/// `SETEX key seconds value`, `PSETEX key milliseconds value`.
pub(crate) fn setex(args: &Args<'_>, millis: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let (unit, name) = if millis { (Unit::Px, "psetex") } else { (Unit::Ex, "setex") };
    let Some(at) = deadline(unit, args.get(2), name, ctx, out) else { return };
    ctx.store.set(args.get(1), args.get(3), SetTtl::At(at), SetIf::Always, ctx.clock, |_| true);
    out.put(b"+OK\r\n");
}

/// `GETSET key value`.
pub(crate) fn getset(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    let mut found = false;
    ctx.store.set(args.get(1), args.get(2), SetTtl::Clear, SetIf::Always, ctx.clock, |old| {
        found = old.is_some();
        match old {
            Some(Value::Str(_)) | None => {
                string_reply(out, old, resp3);
                true
            }
            Some(_) => {
                out.put(E_WRONGTYPE);
                false
            }
        }
    });
    ctx.counters.looked_up(found);
}

/// `GETDEL key`.
pub(crate) fn getdel(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    ctx.read_modify(args.get(1), |v| {
        if string_reply(out, v.as_ref(), resp3) && matches!(v, Some(Value::Str(_))) {
            *v = None;
        }
    });
}

/// `GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]`.
pub(crate) fn getex(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    let Some(o) = options(args, 2, false) else { return out.put(E_SYNTAX) };
    let key = args.get(1);
    let kind = ctx.read(key, |v| v.map(|v| matches!(v, Value::Str(_))));
    match kind {
        None => return null(out, resp3),
        Some(false) => return out.put(E_WRONGTYPE),
        Some(true) => {}
    }
    let at = match o.expire {
        Some((unit, arg)) => match deadline(unit, arg, "getex", ctx, out) {
            Some(at) => Some(at),
            None => return,
        },
        None => None,
    };
    ctx.store.get(key, ctx.clock, |v| string_reply(out, v, resp3));
    if let Some(at) = at {
        // A deadline in the past (EXAT, PXAT) deletes the key, as `expire` does.
        ctx.store.expire(key, at, ctx.clock, |_| true);
    } else if o.persist {
        ctx.store.expire(key, NEVER, ctx.clock, |_| true);
    }
}

/// `APPEND key value`.
pub(crate) fn append(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let add = args.get(2);
    ctx.store.modify(args.get(1), ctx.clock, |v| match v {
        None => {
            *v = Some(Value::Str(add.to_vec()));
            int(out, add.len() as i64);
        }
        Some(Value::Str(s)) => {
            if (s.len() + add.len()) as i64 > MAX_BULK_LEN {
                return out.put(E_TOO_BIG);
            }
            s.extend_from_slice(add);
            int(out, s.len() as i64);
        }
        Some(_) => out.put(E_WRONGTYPE),
    });
}

/// `STRLEN key`.
pub(crate) fn strlen(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.read(args.get(1), |v| match v {
        None => int(out, 0),
        Some(Value::Str(s)) => int(out, s.len() as i64),
        Some(_) => out.put(E_WRONGTYPE),
    });
}

/// `INCR`, `DECR`: adds `delta`.
pub(crate) fn incr(key: &[u8], delta: i64, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    match ctx.store.incr_by(key, delta, ctx.clock) {
        Ok(v) => int(out, v),
        Err(IncrError::NotInteger) => out.put(E_NOT_INT),
        Err(IncrError::Overflow) => out.put(E_OVERFLOW),
        Err(IncrError::WrongType) => out.put(E_WRONGTYPE),
    }
}

/// `INCRBY key n`, `DECRBY key n`.
pub(crate) fn incr_by(args: &Args<'_>, decr: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    match parse_i64(args.get(2)) {
        None => out.put(E_NOT_INT),
        Some(i64::MIN) if decr => out.put(b"-ERR decrement would overflow\r\n"),
        Some(d) => incr(args.get(1), if decr { -d } else { d }, ctx, out),
    }
}

/// `INCRBYFLOAT key increment`.
pub(crate) fn incrbyfloat(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let by = args.get(2);
    ctx.store.modify(args.get(1), ctx.clock, |v| {
        let current = match v {
            None => Some(crate::redis::float::Float::ZERO),
            Some(Value::Str(s)) => parse_float(s),
            Some(_) => return out.put(E_WRONGTYPE),
        };
        let (Some(current), Some(by)) = (current, parse_float(by)) else { return out.put(E_NOT_FLOAT) };
        let Some(sum) = current.checked_add(by) else {
            return out.put(b"-ERR increment would produce NaN or Infinity\r\n");
        };
        let text = format_float(sum);
        bulk(out, &text);
        *v = Some(Value::Str(text));
    });
}

/// `GETRANGE key start end` (and its old name `SUBSTR`).
pub(crate) fn getrange(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let Some(start) = int_arg(args.get(2), out) else { return };
    let Some(end) = int_arg(args.get(3), out) else { return };
    ctx.read(args.get(1), |v| {
        let s = match v {
            None => return out.put(b"$0\r\n\r\n"),
            Some(Value::Str(s)) => s,
            Some(_) => return out.put(E_WRONGTYPE),
        };
        let len = s.len() as i64;
        if start < 0 && end < 0 && start > end {
            return out.put(b"$0\r\n\r\n");
        }
        let mut start = if start < 0 { len + start } else { start };
        let mut end = if end < 0 { len + end } else { end };
        start = start.max(0);
        end = end.max(0);
        if end >= len {
            end = len - 1;
        }
        if start > end || len == 0 {
            out.put(b"$0\r\n\r\n");
        } else {
            bulk(out, &s[start as usize..=end as usize]);
        }
    });
}

/// `SETRANGE key offset value`.
pub(crate) fn setrange(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let Some(offset) = int_arg(args.get(2), out) else { return };
    if offset < 0 {
        return out.put(b"-ERR offset is out of range\r\n");
    }
    let add = args.get(3);
    let too_big = offset.saturating_add(add.len() as i64) > MAX_BULK_LEN;
    ctx.store.modify(args.get(1), ctx.clock, |v| {
        let s = match v {
            None if add.is_empty() => return int(out, 0),
            None => {
                if too_big {
                    return out.put(E_TOO_BIG);
                }
                v.insert(Value::Str(Vec::new()))
            }
            Some(Value::Str(s)) => {
                if add.is_empty() {
                    return int(out, s.len() as i64);
                }
                if too_big {
                    return out.put(E_TOO_BIG);
                }
                return write_at(s, offset as usize, add, out);
            }
            Some(_) => return out.put(E_WRONGTYPE),
        };
        if let Value::Str(s) = s {
            write_at(s, offset as usize, add, out);
        }
    });
}

/// Writes `add` into `s` at `offset`, padding with zeros; replies with the new length.
fn write_at(s: &mut Vec<u8>, offset: usize, add: &[u8], out: &mut impl Sink) {
    if s.len() < offset + add.len() {
        s.resize(offset + add.len(), 0);
    }
    s[offset..offset + add.len()].copy_from_slice(add);
    int(out, s.len() as i64);
}

/// `MGET key...`: a value for each key, nil for a missing key or one of another type.
pub(crate) fn mget(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    array(out, args.len() - 1);
    for key in args.iter().skip(1) {
        ctx.read(key, |v| match v {
            Some(Value::Str(s)) => bulk(out, s),
            _ => null(out, resp3),
        });
    }
}

/// `MSET key value [key value ...]`.
pub(crate) fn mset(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    if args.len() & 1 == 0 {
        return super::arity_error("mset", out);
    }
    let mut keys = ctx.store.lock_many((1..args.len()).step_by(2).map(|i| args.get(i)));
    for i in (1..args.len()).step_by(2) {
        keys.put(args.get(i), Some(Value::Str(args.get(i + 1).to_vec())), NEVER, ctx.clock);
    }
    out.put(b"+OK\r\n");
}

/// `MSETNX key value [key value ...]`: all or nothing.
pub(crate) fn msetnx(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    if args.len() & 1 == 0 {
        return super::arity_error("msetnx", out);
    }
    let mut keys = ctx.store.lock_many((1..args.len()).step_by(2).map(|i| args.get(i)));
    for i in (1..args.len()).step_by(2) {
        if keys.get(args.get(i), ctx.clock, |v| v.is_some()) {
            return int(out, 0);
        }
    }
    for i in (1..args.len()).step_by(2) {
        keys.put(args.get(i), Some(Value::Str(args.get(i + 1).to_vec())), NEVER, ctx.clock);
    }
    int(out, 1);
}

/// `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]`.
#[inline(never)]
pub(crate) fn lcs(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    // The strings are copied out so the table is built without holding a lock.
    let mut keys = ctx.store.lock_many([args.get(1), args.get(2)]);
    let mut fetch = |k: &[u8]| {
        let mut found = false;
        let s = keys.get(k, ctx.clock, |v| {
            found = v.is_some();
            match v {
                None => Some(Vec::new()),
                Some(Value::Str(s)) => Some(s.clone()),
                Some(_) => None,
            }
        });
        ctx.counters.looked_up(found);
        s
    };
    let (a, b) = (fetch(args.get(1)), fetch(args.get(2)));
    drop(keys);
    let (Some(a), Some(b)) = (a, b) else {
        return out.put(b"-ERR The specified keys must contain string values\r\n");
    };
    let (mut get_len, mut get_idx, mut with_len, mut min_len) = (false, false, false, 0i64);
    let mut i = 3;
    while i < args.len() {
        let opt = args.get(i);
        if is(opt, "idx") {
            get_idx = true;
        } else if is(opt, "len") {
            get_len = true;
        } else if is(opt, "withmatchlen") {
            with_len = true;
        } else if is(opt, "minmatchlen") && i + 1 < args.len() {
            let Some(n) = int_arg(args.get(i + 1), out) else { return };
            min_len = n.max(0);
            i += 1;
        } else {
            return out.put(E_SYNTAX);
        }
        i += 1;
    }
    if get_idx && get_len {
        return out.put(b"-ERR If you want both the length and indexes, please just use IDX.\r\n");
    }
    let cells = (a.len() as u64 + 1) * (b.len() as u64 + 1);
    if cells * 4 > MAX_BULK_LEN as u64 {
        return out.put(b"-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n");
    }
    let w = b.len() + 1;
    let mut t = vec![0u32; cells as usize];
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            t[i * w + j] = if a[i - 1] == b[j - 1] {
                t[(i - 1) * w + j - 1] + 1
            } else {
                t[(i - 1) * w + j].max(t[i * w + j - 1])
            };
        }
    }
    let total = t[a.len() * w + b.len()];
    if get_len && !get_idx {
        return int(out, i64::from(total));
    }
    // Walk back from the end, as Redis does, collecting the string and the ranges.
    let mut result = vec![0u8; total as usize];
    let mut ranges: Vec<[u32; 5]> = Vec::new();
    let (mut idx, mut i, mut j) = (total as usize, a.len(), b.len());
    let unset = a.len();
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (unset, 0, 0, 0);
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            if a_start == unset {
                (a_start, a_end, b_start, b_end) = (i - 1, i - 1, j - 1, j - 1);
            } else if a_start == i && b_start == j {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if t[(i - 1) * w + j] > t[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if a_start != unset {
                emit = true;
            }
        }
        let match_len = a_end as i64 - a_start as i64 + 1;
        if emit {
            if min_len == 0 || match_len >= min_len {
                ranges.push([a_start as u32, a_end as u32, b_start as u32, b_end as u32, match_len as u32]);
            }
            a_start = unset;
        }
    }
    if !get_idx {
        return bulk(out, &result);
    }
    map(out, 2, ctx.session.resp3);
    bulk(out, b"matches");
    array(out, ranges.len());
    for r in ranges {
        array(out, 2 + usize::from(with_len));
        array(out, 2);
        int(out, i64::from(r[0]));
        int(out, i64::from(r[1]));
        array(out, 2);
        int(out, i64::from(r[2]));
        int(out, i64::from(r[3]));
        if with_len {
            int(out, i64::from(r[4]));
        }
    }
    bulk(out, b"len");
    int(out, i64::from(total));
}
