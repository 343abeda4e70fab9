//! Commands on keys whatever they hold: deletion, existence, expiry, renaming,
//! copying, listing and scanning (`db.c`, `expire.c`).

use tcpio::codec::Sink;

use super::strings::{clock_to_unix, unix_ms};
use super::table::Cmd;
use super::{array, bulk, int, int_arg, is, null, sanitize, Ctx, E_NO_KEY, E_SYNTAX, E_WRONGTYPE};
use crate::redis::resp::Args;
use crate::redis::store::{glob_match, Value, NEVER};

/// `DEL key...`, `UNLINK key...`: how many existed.
pub(crate) fn del(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let n = args.iter().skip(1).filter(|k| ctx.store.del(k, ctx.clock)).count();
    int(out, n as i64);
}

/// `EXISTS key...`, `TOUCH key...`: how many exist (a key named twice counts twice).
pub(crate) fn exists(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let mut n = 0;
    for k in args.iter().skip(1) {
        let found = ctx.store.exists(k, ctx.clock);
        ctx.counters.looked_up(found);
        n += i64::from(found);
    }
    int(out, n);
}

/// `-ERR invalid expire time in 'expire' command`.
fn bad_expire(name: &str, out: &mut impl Sink) {
    out.put(b"-ERR invalid expire time in '");
    out.put(name.as_bytes());
    out.put(b"' command\r\n");
}

/// `EXPIRE`, `PEXPIRE`, `EXPIREAT`, `PEXPIREAT` `key time [NX|XX|GT|LT]`.
pub(crate) fn expire(args: &Args<'_>, cmd: Cmd, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in args.iter().skip(3) {
        match () {
            _ if is(opt, "nx") => nx = true,
            _ if is(opt, "xx") => xx = true,
            _ if is(opt, "gt") => gt = true,
            _ if is(opt, "lt") => lt = true,
            _ => {
                out.put(b"-ERR Unsupported option ");
                let opt = sanitize(opt, 128);
                out.put(&opt);
                return out.put(b"\r\n");
            }
        }
    }
    if nx && (xx || gt || lt) {
        return out.put(b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
    }
    if gt && lt {
        return out.put(b"-ERR GT and LT options at the same time are not compatible\r\n");
    }
    let Some(v) = int_arg(args.get(2), out) else { return };
    let name = cmd.spec().name;
    let seconds = matches!(cmd, Cmd::Expire | Cmd::Expireat);
    let ms = if seconds {
        match v.checked_mul(1000) {
            Some(ms) => ms,
            None => return bad_expire(name, out),
        }
    } else {
        v
    };
    // Checked against Unix time, as Redis does, then moved onto the store's clock.
    let base = if matches!(cmd, Cmd::Expire | Cmd::Pexpire) { unix_ms() } else { 0 };
    let Some(when) = ms.checked_add(base) else { return bad_expire(name, out) };
    let now = ctx.clock.now() as i64;
    let at = now.saturating_add(when.saturating_sub(unix_ms())).max(0) as u64;
    let changed = ctx.store.expire(args.get(1), at, ctx.clock, |current| {
        let has = current != NEVER;
        !(nx && has || xx && !has || gt && (!has || at <= current) || lt && has && at >= current)
    });
    int(out, i64::from(changed));
}

/// `TTL`, `PTTL`, `EXPIRETIME`, `PEXPIRETIME` `key`.
pub(crate) fn ttl(args: &Args<'_>, cmd: Cmd, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let deadline = ctx.store.deadline(args.get(1), ctx.clock);
    ctx.counters.looked_up(deadline.is_some());
    match deadline {
        None => out.put(b":-2\r\n"),
        Some(NEVER) => out.put(b":-1\r\n"),
        Some(t) => {
            let v = match cmd {
                Cmd::Ttl | Cmd::Pttl => t.saturating_sub(ctx.clock.now()) as i64,
                _ => clock_to_unix(t, ctx.clock).max(0),
            };
            let seconds = matches!(cmd, Cmd::Ttl | Cmd::Expiretime);
            // Rounded to the nearest second without overflow, as Redis answers for a
            // deadline within 500 ms of the largest (`PXAT 9223372036854775807`).
            int(out, if seconds { ((i128::from(v) + 500) / 1000) as i64 } else { v });
        }
    }
}

/// `PERSIST key`: 1 if a deadline was removed.
pub(crate) fn persist(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let changed = ctx.store.expire(args.get(1), NEVER, ctx.clock, |current| current != NEVER);
    int(out, i64::from(changed));
}

/// `TYPE key`.
pub(crate) fn type_(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let name = ctx.read(args.get(1), |v| v.map_or("none", Value::type_name));
    out.put(b"+");
    out.put(name.as_bytes());
    out.put(b"\r\n");
}

/// `KEYS pattern`.
pub(crate) fn keys(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    ctx.scratch.clear();
    let mut n = 0;
    let scratch = &mut *ctx.scratch;
    ctx.store.keys(args.get(1), ctx.clock, |k| {
        bulk(scratch, k);
        n += 1;
    });
    array(out, n);
    out.put(ctx.scratch);
}

/// `RANDOMKEY`.
pub(crate) fn randomkey(ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    match ctx.store.random_key(ctx.clock) {
        Some(k) => bulk(out, &k),
        None => null(out, resp3),
    }
}

/// `RENAME key newkey`, `RENAMENX key newkey`.
pub(crate) fn rename(args: &Args<'_>, nx: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let (from, to) = (args.get(1), args.get(2));
    let mut keys = ctx.store.lock_many([from, to]);
    if !keys.get(from, ctx.clock, |v| v.is_some()) {
        return out.put(E_NO_KEY);
    }
    let done: &[u8] = if nx { b":1\r\n" } else { b"+OK\r\n" };
    if from == to {
        return out.put(if nx { b":0\r\n" } else { done });
    }
    if nx && keys.get(to, ctx.clock, |v| v.is_some()) {
        return out.put(b":0\r\n");
    }
    if let Some((value, expires)) = keys.take(from, ctx.clock) {
        keys.put(to, Some(value), expires, ctx.clock);
    }
    out.put(done);
}

/// `COPY source destination [DB index] [REPLACE]`: returns the destination's database.
pub(crate) fn copy(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) -> usize {
    let mut replace = false;
    let mut db = ctx.session.db;
    let mut i = 3;
    while i < args.len() {
        let opt = args.get(i);
        if is(opt, "replace") {
            replace = true;
        } else if is(opt, "db") && i + 1 < args.len() {
            match super::server::db_index(args.get(i + 1), ctx, out) {
                Some(n) => db = n,
                None => return db,
            }
            i += 1;
        } else {
            out.put(E_SYNTAX);
            return db;
        }
        i += 1;
    }
    let (from, to) = (args.get(1), args.get(2));
    if db != ctx.session.db {
        copy_across(from, to, db, replace, ctx, out);
        return db;
    }
    if from == to {
        out.put(b"-ERR source and destination objects are the same\r\n");
        return db;
    }
    copy_within(from, to, replace, ctx, out);
    db
}

/// `COPY` within the session's database: both keys locked at once.
fn copy_within(from: &[u8], to: &[u8], replace: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let mut keys = ctx.store.lock_many([from, to]);
    let source = keys.copy_of(from, ctx.clock);
    ctx.counters.looked_up(source.is_some());
    let Some((copy, expires)) = source else { return out.put(b":0\r\n") };
    if !replace && keys.get(to, ctx.clock, |v| v.is_some()) {
        return out.put(b":0\r\n");
    }
    keys.put(to, Some(copy), expires, ctx.clock);
    out.put(b":1\r\n");
}

/// `MOVE key db`: moves `key` into database `db` with its deadline, unless it is
/// there already; returns the database a key may have reached.
pub(crate) fn move_(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) -> usize {
    let (key, here) = (args.get(1), ctx.session.db);
    let Some(db) = super::server::db_index(args.get(2), ctx, out) else { return here };
    let Some(dst) = ctx.dbs.get(db).filter(|_| db != here) else {
        out.put(b"-ERR source and destination objects are the same\r\n");
        return here;
    };
    // Both shards locked, the lower database's first, so two moves the opposite way
    // cannot wait for each other.
    let (mut from, mut to) = if here < db {
        let from = ctx.store.lock_many([key]);
        (from, dst.lock_many([key]))
    } else {
        let to = dst.lock_many([key]);
        (ctx.store.lock_many([key]), to)
    };
    if !from.get(key, ctx.clock, |v| v.is_some()) || to.get(key, ctx.clock, |v| v.is_some()) {
        out.put(b":0\r\n");
        return here;
    }
    if let Some((value, expires)) = from.take(key, ctx.clock) {
        to.put(key, Some(value), expires, ctx.clock);
    }
    out.put(b":1\r\n");
    db
}

/// `COPY` into another database: the source is read under its lock, then the copy is
/// written under the destination's.
#[cold]
fn copy_across(from: &[u8], to: &[u8], db: usize, replace: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let source = ctx.store.lock_many([from]).copy_of(from, ctx.clock);
    ctx.counters.looked_up(source.is_some());
    let Some((value, expires)) = source else { return out.put(b":0\r\n") };
    let Some(dst) = ctx.dbs.get(db) else { return out.put(b":0\r\n") };
    let mut keys = dst.lock_many([to]);
    if !replace && keys.get(to, ctx.clock, |v| v.is_some()) {
        return out.put(b":0\r\n");
    }
    keys.put(to, Some(value), expires, ctx.clock);
    out.put(b":1\r\n");
}

/// A `SCAN`-family cursor as Redis reads it (`strtoul`): digits after an optional sign,
/// where a minus wraps around; an empty string is 0.
pub(crate) fn parse_cursor(arg: &[u8]) -> Option<u64> {
    let (neg, digits) = match arg.first() {
        Some(b'-') => (true, &arg[1..]),
        Some(b'+') => (false, &arg[1..]),
        _ => (false, arg),
    };
    if arg.is_empty() {
        return Some(0);
    }
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// The options of a `SCAN`-family command: `MATCH`, `COUNT` and (for `SCAN`) `TYPE`.
pub(crate) struct ScanOptions<'a> {
    /// The glob pattern, unless it matches everything.
    pub pattern: Option<&'a [u8]>,
    /// How many items to visit.
    pub count: usize,
    /// Only keys of this type.
    pub kind: Option<&'a [u8]>,
}

/// Parses the options from argument `from`; `None` after writing the error.
pub(crate) fn scan_options<'a>(
    args: &Args<'a>,
    from: usize,
    with_type: bool,
    out: &mut impl Sink,
) -> Option<ScanOptions<'a>> {
    let mut o = ScanOptions { pattern: None, count: 10, kind: None };
    let mut i = from;
    while i < args.len() {
        let more = i + 1 < args.len();
        let opt = args.get(i);
        if is(opt, "count") && more {
            let n = int_arg(args.get(i + 1), out)?;
            if n < 1 {
                out.put(E_SYNTAX);
                return None;
            }
            o.count = n.min(i64::from(u32::MAX)) as usize;
        } else if is(opt, "match") && more {
            let p = args.get(i + 1);
            o.pattern = (p != b"*").then_some(p);
        } else if is(opt, "type") && with_type && more {
            o.kind = Some(args.get(i + 1));
        } else {
            out.put(E_SYNTAX);
            return None;
        }
        i += 2;
    }
    Some(o)
}

/// The reply of a `SCAN`-family command: the next cursor and the items in `items`
/// (already encoded as `n` bulk strings).
pub(crate) fn scan_reply(out: &mut impl Sink, cursor: u64, n: usize, items: &[u8]) {
    array(out, 2);
    let mut buf = [0u8; crate::num::MAX_DIGITS];
    bulk(out, crate::num::format_u64(cursor, &mut buf));
    array(out, n);
    out.put(items);
}

/// `HSCAN`, `SSCAN`, `ZSCAN key cursor [MATCH pattern] [COUNT n]`, as Redis runs them:
/// the cursor read, the key looked up (counted), an empty scan for a missing key and
/// `WRONGTYPE` for one that is not `of_kind`, then the options; `walk` writes the items
/// it returns, from `start` (`u64::MAX` to begin), into the buffer and gives the next
/// cursor and how many it wrote.
pub(crate) fn scan_collection(
    args: &Args<'_>,
    ctx: &mut Ctx<'_>,
    out: &mut impl Sink,
    of_kind: impl FnOnce(&Value) -> bool,
    walk: impl FnOnce(&Value, u64, &ScanOptions<'_>, &mut Vec<u8>) -> (u64, usize),
) {
    let Some(cursor) = parse_cursor(args.get(2)) else { return out.put(b"-ERR invalid cursor\r\n") };
    let scratch = &mut *ctx.scratch;
    let mut found = false;
    ctx.store.get(args.get(1), ctx.clock, |v| {
        found = v.is_some();
        let Some(v) = v else { return out.put(b"*2\r\n$1\r\n0\r\n*0\r\n") };
        if !of_kind(v) {
            return out.put(E_WRONGTYPE);
        }
        let Some(o) = scan_options(args, 3, false, out) else { return };
        scratch.clear();
        let (next, n) = walk(v, if cursor == 0 { u64::MAX } else { cursor }, &o, scratch);
        scan_reply(out, next, n, scratch);
    });
    ctx.counters.looked_up(found);
}

/// `SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]`.
pub(crate) fn scan(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let Some(cursor) = parse_cursor(args.get(1)) else { return out.put(b"-ERR invalid cursor\r\n") };
    let Some(o) = scan_options(args, 2, true, out) else { return };
    ctx.scratch.clear();
    let scratch = &mut *ctx.scratch;
    let mut n = 0;
    let counters = ctx.counters;
    let next = ctx.store.scan(cursor, o.count, ctx.clock, |k, v| {
        if o.pattern.is_some_and(|p| !glob_match(p, k)) {
            return;
        }
        if let Some(t) = o.kind {
            // Redis reads each key that matched to learn its type: a lookup, counted.
            counters.looked_up(v.is_some());
            if !t.eq_ignore_ascii_case(v.map_or("none", Value::type_name).as_bytes()) {
                return;
            }
        }
        if v.is_none() {
            return;
        }
        bulk(scratch, k);
        n += 1;
    });
    scan_reply(out, next, n, ctx.scratch);
}
