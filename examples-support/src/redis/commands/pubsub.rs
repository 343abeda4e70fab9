//! Pub/sub commands: `SUBSCRIBE`, `UNSUBSCRIBE`, `PSUBSCRIBE`, `PUNSUBSCRIBE`,
//! `PUBLISH`, `PUBSUB CHANNELS|NUMSUB|NUMPAT|HELP`, `RESET`, and the rules of
//! subscribed mode (`pubsub.c` and `server.c` in Redis 7.0). Subscribed mode restricts
//! the commands of a RESP2 connection only: over RESP3, confirmations and messages are
//! pushes, told apart from replies by their type, so every command may run.
//!
//! The commands record the connection's subscriptions in its session and count them
//! in the shared [`PubSub`](crate::redis::pubsub::PubSub) registry; the groups to join
//! or leave are queued in the session for the handler, which holds the connection.

use tcpio::codec::Sink;

use super::table::Cmd;
use super::{arity_error, array, bulk, int, is, sanitize, subcommand, Ctx, Session};
use crate::redis::reply::{help, null, push};
use crate::redis::resp::Args;
use crate::redis::store::glob_match;

/// Whether `cmd` may run on a connection in subscribed mode.
pub(crate) fn allowed_subscribed(cmd: Cmd) -> bool {
    matches!(
        cmd,
        Cmd::Subscribe
            | Cmd::Unsubscribe
            | Cmd::Psubscribe
            | Cmd::Punsubscribe
            | Cmd::Ping
            | Cmd::Quit
            | Cmd::Reset
    )
}

/// Refuses `cmd` on a connection in subscribed mode unless it is allowed there:
/// writes Redis's error, naming the command as Redis does (`container|sub` for a
/// subcommand), and returns true. A container's unknown subcommand is not refused
/// here: it gets its own error first, as in Redis.
pub(crate) fn refuse_subscribed(cmd: Cmd, args: &Args<'_>, out: &mut impl Sink) -> bool {
    if allowed_subscribed(cmd) {
        return false;
    }
    let name = cmd.spec().name;
    let mut subs = super::table::SUBCOMMANDS.iter().filter(|s| s.container == name).peekable();
    let sub = if subs.peek().is_some() && args.len() > 1 {
        let wanted = args.get(1);
        match subs.map(|s| &s.name[name.len() + 1..]).find(|s| is(wanted, s)) {
            Some(s) => Some(s),
            None => return false,
        }
    } else {
        None
    };
    out.put(b"-ERR Can't execute '");
    out.put(name.as_bytes());
    if let Some(sub) = sub {
        out.put(b"|");
        out.put(sub.as_bytes());
    }
    out.put(
        b"': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    true
}

/// `PING [message]` in subscribed mode: `pong` and the message (empty if none), as an
/// array.
pub(crate) fn ping(args: &Args<'_>, out: &mut impl Sink) {
    if args.len() > 2 {
        return arity_error("ping", out);
    }
    array(out, 2);
    bulk(out, b"pong");
    bulk(out, if args.len() == 2 { args.get(1) } else { b"" });
}

/// One confirmation: `kind name count`, a push over RESP3.
fn confirm(out: &mut impl Sink, kind: &[u8], name: Option<&[u8]>, count: usize, resp3: bool) {
    push(out, 3, resp3);
    bulk(out, kind);
    match name {
        Some(n) => bulk(out, n),
        None => null(out, resp3),
    }
    int(out, count as i64);
}

/// `SUBSCRIBE channel...` or (`pattern`) `PSUBSCRIBE pattern...`: one confirmation
/// each, with the connection's count of subscriptions after it.
#[inline(never)]
pub(crate) fn subscribe(args: &Args<'_>, pattern: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let kind: &[u8] = if pattern { b"psubscribe" } else { b"subscribe" };
    let registry = &ctx.shared.pubsub;
    let resp3 = ctx.session.resp3;
    for name in args.iter().skip(1) {
        let subs = &mut ctx.session.subs;
        let mine = if pattern { &mut subs.patterns } else { &mut subs.channels };
        if !mine.contains_key(name) {
            let group = registry.subscribe(pattern, name, resp3);
            mine.insert(name.to_vec(), group.clone());
            subs.pending.push((group, true));
        }
        confirm(out, kind, Some(name), subs.count(), resp3);
    }
}

/// `UNSUBSCRIBE [channel...]` or (`pattern`) `PUNSUBSCRIBE [pattern...]`: one
/// confirmation per name given, or per subscription when none is (a nil name when
/// there is none).
#[inline(never)]
pub(crate) fn unsubscribe(args: &Args<'_>, pattern: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let kind: &[u8] = if pattern { b"punsubscribe" } else { b"unsubscribe" };
    let registry = &ctx.shared.pubsub;
    let resp3 = ctx.session.resp3;
    let subs = &mut ctx.session.subs;
    let names: Vec<Vec<u8>> = if args.len() > 1 {
        args.iter().skip(1).map(<[u8]>::to_vec).collect()
    } else {
        let mine = if pattern { &subs.patterns } else { &subs.channels };
        if mine.is_empty() {
            return confirm(out, kind, None, subs.count(), resp3);
        }
        mine.keys().cloned().collect()
    };
    for name in names {
        let mine = if pattern { &mut subs.patterns } else { &mut subs.channels };
        if let Some(group) = mine.remove(&name) {
            crate::redis::shrink_if_sparse(mine);
            registry.unsubscribe(pattern, &name, resp3);
            subs.pending.push((group, false));
        }
        confirm(out, kind, Some(&name), subs.count(), resp3);
    }
}

/// Leaves every channel and pattern, with no reply (`RESET`).
fn unsubscribe_all(ctx: &mut Ctx<'_>) {
    let subs = &mut ctx.session.subs;
    for (pattern, mine) in [(false, &mut subs.channels), (true, &mut subs.patterns)] {
        for (name, group) in mine.drain() {
            ctx.shared.pubsub.unsubscribe(pattern, &name, ctx.session.resp3);
            subs.pending.push((group, false));
        }
    }
}

/// Switches the connection to RESP3 (`resp3`) or RESP2 (`HELLO`, `RESET`): its
/// subscriptions move to their channels' and patterns' groups of the new protocol,
/// whose messages are framed for it.
#[inline(never)]
pub(crate) fn set_protocol(ctx: &mut Ctx<'_>, resp3: bool) {
    let session = &mut *ctx.session;
    if session.resp3 == resp3 {
        return;
    }
    session.resp3 = resp3;
    if let Some(client) = &session.client {
        client.set_resp3(resp3);
    }
    let registry = &ctx.shared.pubsub;
    let subs = &mut session.subs;
    for (pattern, mine) in [(false, &mut subs.channels), (true, &mut subs.patterns)] {
        for (name, group) in mine.iter_mut() {
            subs.pending.push((group.clone(), false));
            registry.unsubscribe(pattern, name, !resp3);
            *group = registry.subscribe(pattern, name, resp3);
            subs.pending.push((group.clone(), true));
        }
    }
}

/// `PUBLISH channel message`: the number of receivers.
pub(crate) fn publish(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let (channel, message) = (args.get(1), args.get(2));
    // Only a RESP3 client may publish while subscribed.
    let except =
        if ctx.session.subs.count() > 0 { own_copies(channel, message, ctx.session, out) } else { None };
    let n = ctx.shared.pubsub.publish(channel, message, except);
    int(out, n as i64);
}

/// A subscriber publishes: Redis writes the message to each subscriber as it
/// publishes, so the publisher's own copies come before its reply. Writes them here
/// (for the channel, then each matching pattern) and returns the connection's id,
/// which the groups then leave out.
#[cold]
#[inline(never)]
fn own_copies(channel: &[u8], message: &[u8], session: &Session, out: &mut impl Sink) -> Option<u64> {
    let id = session.client.as_ref()?.conn_id()?;
    let kind: &[u8] = if session.resp3 { b">" } else { b"*" };
    if session.subs.channels.contains_key(channel) {
        out.put(kind);
        out.put(b"3\r\n$7\r\nmessage\r\n");
        bulk(out, channel);
        bulk(out, message);
    }
    for pattern in session.subs.patterns.keys().filter(|p| glob_match(p, channel)) {
        out.put(kind);
        out.put(b"4\r\n$8\r\npmessage\r\n");
        bulk(out, pattern);
        bulk(out, channel);
        bulk(out, message);
    }
    Some(id)
}

/// `RESET`: leaves every subscription and goes back to a fresh connection's state
/// (unauthenticated if a password is required).
#[inline(never)]
pub(crate) fn reset(ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    unsubscribe_all(ctx);
    set_protocol(ctx, false);
    super::select_db(0, ctx);
    if let Some(client) = &ctx.session.client {
        client.set_name(b"");
    }
    ctx.session.authenticated = ctx.shared.requirepass.lock().unwrap_or_else(|e| e.into_inner()).is_none();
    out.put(b"+RESET\r\n");
}

/// `PUBSUB HELP`, as Redis 7.0 words it.
const HELP: &[&str] = &[
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
];

/// `PUBSUB CHANNELS [pattern]`, `PUBSUB NUMSUB [channel...]`, `PUBSUB NUMPAT`,
/// `PUBSUB HELP`.
#[inline(never)]
pub(crate) fn pubsub(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let Some(sub) = subcommand("pubsub", args, out) else { return };
    let registry = &ctx.shared.pubsub;
    if sub == "channels" {
        if args.len() > 3 {
            let sub = sanitize(args.get(1), 128);
            out.put(b"-ERR unknown subcommand or wrong number of arguments for '");
            out.put(&sub);
            return out.put(b"'. Try PUBSUB HELP.\r\n");
        }
        let channels = registry.channels((args.len() == 3).then(|| args.get(2)));
        array(out, channels.len());
        for c in &channels {
            bulk(out, c);
        }
    } else if sub == "numsub" {
        array(out, 2 * (args.len() - 2));
        for c in args.iter().skip(2) {
            bulk(out, c);
            int(out, registry.numsub(c) as i64);
        }
    } else if sub == "numpat" {
        int(out, registry.numpat() as i64);
    } else {
        help(out, HELP);
    }
}
