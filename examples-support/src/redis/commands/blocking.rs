//! The blocking commands (`blocked.c`, `t_list.c`, `t_zset.c`): `BLPOP`, `BRPOP`,
//! `BLMOVE`, `BRPOPLPUSH` on lists, `BZPOPMIN`, `BZPOPMAX`, `BZMPOP` on sorted sets.
//!
//! With an element at hand they answer at once, as `LPOP`/`RPOP` (with the key),
//! `LMOVE` and `ZMPOP` do. Otherwise a session that may block records a
//! [`BlockRequest`] for the handler, which registers the client in the shared
//! [`Blocking`](crate::redis::blocking::Blocking) registry and arms its timer; a
//! session that may not (the sans-I/O users: tests, fuzzing, the benchmark's clone)
//! gets nil at once, as Redis answers a client that cannot block.
//!
//! `pushed` is what the commands that may fill a list or create a sorted set call
//! after they ran: it serves the clients blocked on the key, if any client is blocked
//! at all.

use std::collections::HashSet;

use tcpio::codec::Sink;

use super::{array, bulk, is, null, null_array, Ctx, E_SYNTAX, E_WRONGTYPE};
use crate::redis::blocking::{BlockRequest, Op};
use crate::redis::float::parse_float;
use crate::redis::resp::Args;
use crate::redis::store::Value;

/// Serves the clients blocked on `key` after a command that may have filled it; one
/// atomic load when nobody is blocked.
#[inline]
pub(crate) fn pushed(key: &[u8], ctx: &mut Ctx<'_>) {
    let blocking = ctx.shared.blocking(ctx.session.db);
    if blocking.active() {
        blocking.serve(key, ctx.store, ctx.clock);
    }
}

/// [`pushed`] for a key of database `db` (`COPY ... DB`).
pub(crate) fn pushed_in(db: usize, key: &[u8], ctx: &mut Ctx<'_>) {
    let (Some(blocking), Some(store)) = (ctx.shared.blocking.get(db), ctx.dbs.get(db)) else { return };
    if blocking.active() {
        blocking.serve(key, store, ctx.clock);
    }
}

/// A timeout argument, seconds as a float, in milliseconds (0: no limit), or Redis's
/// error. Huge values follow Redis's C conversion: past `i64` they read as negative.
fn timeout(arg: &[u8]) -> Result<u64, &'static [u8]> {
    let Some(f) = parse_float(arg) else {
        return Err(b"-ERR timeout is not a float or out of range\r\n");
    };
    match f.millis() {
        Some(ms) if ms >= 0 => Ok(ms as u64),
        _ => Err(b"-ERR timeout is negative\r\n"),
    }
}

/// `BLPOP key... timeout` (`left`), `BRPOP key... timeout`.
pub(crate) fn bpop(args: &Args<'_>, left: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    let last = args.len() - 1;
    let timeout_ms = match timeout(args.get(last)) {
        Ok(t) => t,
        Err(e) => return out.put(e),
    };
    for key in args.iter().take(last).skip(1) {
        // Popped with the key's shard locked; a list left empty goes with its key.
        let found = ctx.store.modify(key, ctx.clock, |v| match v {
            None => Ok(false),
            Some(Value::List(l)) => {
                let e = if left { l.pop_front() } else { l.pop_back() };
                array(out, 2);
                bulk(out, key);
                super::value(out, e.as_deref(), resp3);
                Ok(true)
            }
            Some(_) => Err(()),
        });
        match found {
            Ok(true) => return,
            Ok(false) => {}
            Err(()) => return out.put(E_WRONGTYPE),
        }
    }
    block(
        BlockRequest { keys: distinct(args.iter().take(last).skip(1)), op: Op::Pop { left }, timeout_ms },
        ctx,
        out,
    );
}

/// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`,
/// `BRPOPLPUSH source destination timeout`.
pub(crate) fn bmove(args: &Args<'_>, brpoplpush: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let side = |w: &[u8]| match w {
        _ if is(w, "left") => Some(true),
        _ if is(w, "right") => Some(false),
        _ => None,
    };
    let (from_left, to_left) = if brpoplpush {
        (false, true)
    } else {
        match (side(args.get(3)), side(args.get(4))) {
            (Some(a), Some(b)) => (a, b),
            _ => return out.put(E_SYNTAX),
        }
    };
    let timeout_ms = match timeout(args.get(args.len() - 1)) {
        Ok(t) => t,
        Err(e) => return out.put(e),
    };
    let (src, dst) = (args.get(1), args.get(2));
    if super::lists::move_element(src, dst, from_left, to_left, ctx, out) {
        return pushed(dst, ctx);
    }
    let op = Op::Move { dest: dst.to_vec(), from_left, to_left };
    block(BlockRequest { keys: vec![src.to_vec()], op, timeout_ms }, ctx, out);
}

/// `BZPOPMIN key... timeout`, `BZPOPMAX key... timeout` (`max`).
pub(crate) fn bzpop(args: &Args<'_>, max: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let last = args.len() - 1;
    let timeout_ms = match timeout(args.get(last)) {
        Ok(t) => t,
        Err(e) => return out.put(e),
    };
    if super::zsets::members::pop_first(args.iter().take(last).skip(1), max, None, ctx, out) {
        return;
    }
    let op = Op::ZPop { max, count: None, resp3: ctx.session.resp3 };
    block(BlockRequest { keys: distinct(args.iter().take(last).skip(1)), op, timeout_ms }, ctx, out);
}

/// `BZMPOP timeout numkeys key... MIN|MAX [COUNT count]`.
pub(crate) fn bzmpop(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    // Its keys and options first, then its timeout, as Redis reads them.
    let Some(m) = super::zsets::members::mpop_args(args, 2, out) else { return };
    let timeout_ms = match timeout(args.get(1)) {
        Ok(t) => t,
        Err(e) => return out.put(e),
    };
    let keys = || args.iter().skip(3).take(m.keys);
    if super::zsets::members::pop_first(keys(), m.max, Some(m.count), ctx, out) {
        return;
    }
    let op = Op::ZPop { max: m.max, count: Some(m.count), resp3: ctx.session.resp3 };
    block(BlockRequest { keys: distinct(keys()), op, timeout_ms }, ctx, out);
}

/// Each key once, in the order given (a set: a request may name many thousands).
fn distinct<'a>(keys: impl Iterator<Item = &'a [u8]>) -> Vec<Vec<u8>> {
    let mut seen = HashSet::new();
    keys.filter(|key| seen.insert(*key)).map(<[u8]>::to_vec).collect()
}

/// No element: blocks if the session may, else answers nil at once as Redis answers
/// a client that cannot block (the nil array for the pops, the nil bulk for the
/// moves).
fn block(request: BlockRequest, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let resp3 = ctx.session.resp3;
    if ctx.session.can_block {
        ctx.session.block = Some(request);
    } else if let Op::Move { .. } = request.op {
        null(out, resp3);
    } else {
        null_array(out, resp3);
    }
}
