//! The sorted-set commands (`t_zset.c`): [`members`] on members one by one (adding,
//! scoring, ranking, popping, random picks, scans), `ranges` on ranges by rank, score
//! or member, `combine` over several keys (union, intersection, difference). The
//! blocking pops are with the other blocking commands, in
//! [`super::blocking`].

use tcpio::codec::Sink;

use super::table::Cmd;
use super::{blocking, Ctx};
use crate::redis::resp::Args;

mod combine;
pub mod members;
mod ranges;

/// Runs the sorted-set command `cmd` (kept out of the request loop's own match: none
/// is on the benchmarks' path).
#[inline(never)]
pub(crate) fn execute(cmd: Cmd, args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    run(cmd, args, ctx, out);
    // A command that may have created a sorted set serves the clients blocked on it.
    let created = match cmd {
        Cmd::Zadd | Cmd::Zincrby => Some(args.get(1)),
        Cmd::Zrangestore | Cmd::Zunionstore | Cmd::Zinterstore | Cmd::Zdiffstore => Some(args.get(1)),
        _ => None,
    };
    if let Some(key) = created {
        blocking::pushed(key, ctx);
    }
}

/// Runs `cmd`.
fn run(cmd: Cmd, args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    match cmd {
        Cmd::Zadd => members::zadd(args, false, ctx, out),
        Cmd::Zincrby => members::zadd(args, true, ctx, out),
        Cmd::Zrem => members::zrem(args, ctx, out),
        Cmd::Zcard => members::zcard(args, ctx, out),
        Cmd::Zscore => members::zscore(args, ctx, out),
        Cmd::Zmscore => members::zmscore(args, ctx, out),
        Cmd::Zrank => members::zrank(args, false, ctx, out),
        Cmd::Zrevrank => members::zrank(args, true, ctx, out),
        Cmd::Zpopmin => members::zpop(args, false, ctx, out),
        Cmd::Zpopmax => members::zpop(args, true, ctx, out),
        Cmd::Zrandmember => members::zrandmember(args, ctx, out),
        Cmd::Zscan => members::zscan(args, ctx, out),
        Cmd::Zcount => ranges::zcount(args, ctx, out),
        Cmd::Zlexcount => ranges::zlexcount(args, ctx, out),
        Cmd::Zremrangebyrank | Cmd::Zremrangebyscore | Cmd::Zremrangebylex => {
            ranges::zremrange(args, cmd, ctx, out)
        }
        Cmd::Zunion
        | Cmd::Zinter
        | Cmd::Zdiff
        | Cmd::Zunionstore
        | Cmd::Zinterstore
        | Cmd::Zdiffstore
        | Cmd::Zintercard => combine::combine(args, cmd, ctx, out),
        Cmd::Zmpop => members::zmpop(args, ctx, out),
        _ => ranges::zrange(args, cmd, ctx, out),
    }
}
