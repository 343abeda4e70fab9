//! `CLIENT ID|SETNAME|GETNAME|LIST|INFO|KILL|HELP` (`networking.c`), over the client
//! registry every loop shares ([`Clients`](crate::redis::clients::Clients)): `LIST`
//! shows the connections of every loop, `KILL` closes a connection whichever loop
//! serves it.

use tcpio::codec::Sink;

use super::table::code_name;
use super::{bulk, int, is, sanitize, subcommand, Ctx, Flow, E_SYNTAX};
use crate::num::{format_u64, MAX_DIGITS};
use crate::redis::clients::{Client, Kind};
use crate::redis::reply::{help, null, verbatim};
use crate::redis::resp::{parse_i64, Args};

/// `CLIENT HELP`, as Redis 7.0 words it (the subcommands this server lacks included,
/// so the text is Redis's own).
const HELP: &[&str] = &[
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "HELP",
    "    Prints this help.",
];

/// Redis's error for a name it refuses.
pub(crate) const E_BAD_NAME: &[u8] =
    b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n";

/// Whether Redis accepts `name` as a client name: printable ASCII, no spaces.
pub(crate) fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|b| (b'!'..=b'~').contains(b))
}

/// `CLIENT subcommand ...`: returns [`Flow::Close`] when the connection killed itself
/// (after the reply, as Redis does).
#[inline(never)]
pub(crate) fn client(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) -> Flow {
    let Some(sub) = subcommand("client", args, out) else { return Flow::Continue };
    match sub {
        "id" => int(out, ctx.session.id as i64),
        "getname" => {
            let name = ctx.session.client().name();
            if name.is_empty() {
                null(out, ctx.session.resp3);
            } else {
                bulk(out, &name);
            }
        }
        "setname" => {
            let name = args.get(2);
            if !valid_name(name) {
                out.put(E_BAD_NAME);
            } else {
                ctx.session.client().set_name(name);
                out.put(b"+OK\r\n");
            }
        }
        "info" => {
            let me = ctx.session.client().clone();
            let mut text = std::mem::take(ctx.scratch);
            text.clear();
            describe(&me, ctx, &mut text);
            verbatim(out, &text, ctx.session.resp3);
            *ctx.scratch = text;
        }
        "list" => list(args, ctx, out),
        "kill" => return kill(args, ctx, out),
        _ => help(out, HELP),
    }
    Flow::Continue
}

/// `-ERR Unknown client type 'x'`.
fn unknown_type(name: &[u8], out: &mut impl Sink) {
    let name = sanitize(name, 128);
    out.put(b"-ERR Unknown client type '");
    out.put(&name);
    out.put(b"'\r\n");
}

/// `CLIENT LIST [TYPE type | ID id...]`.
fn list(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let registry = &ctx.shared.registry;
    let chosen: Vec<std::sync::Arc<Client>> = if args.len() == 4 && is(args.get(2), "type") {
        let Some(kind) = Kind::parse(args.get(3)) else { return unknown_type(args.get(3), out) };
        registry.all().into_iter().filter(|c| kind_of(c, ctx) == kind).collect()
    } else if args.len() > 3 && is(args.get(2), "id") {
        let mut found = Vec::new();
        for arg in args.iter().skip(3) {
            let Some(id) = parse_i64(arg) else { return out.put(b"-ERR Invalid client ID\r\n") };
            found.extend(u64::try_from(id).ok().and_then(|id| registry.get(id)));
        }
        found
    } else if args.len() != 2 {
        return out.put(E_SYNTAX);
    } else {
        registry.all()
    };
    let mut text = std::mem::take(ctx.scratch);
    text.clear();
    for c in &chosen {
        describe(c, ctx, &mut text);
    }
    verbatim(out, &text, ctx.session.resp3);
    *ctx.scratch = text;
}

/// A client's type; the connection asking is judged by its session (its entry is
/// brought up to date only after the batch).
fn kind_of(c: &Client, ctx: &Ctx<'_>) -> Kind {
    if c.id == ctx.session.id {
        if ctx.session.subs.count() > 0 && !ctx.session.resp3 {
            Kind::Pubsub
        } else {
            Kind::Normal
        }
    } else {
        c.kind()
    }
}

/// Appends `c`'s line of `CLIENT LIST`, with Redis 7.0.15's fields in its order.
/// Values with no counterpart here are those of an idle Redis client (`multi=-1`,
/// `redir=-1`) or 0 (Redis's own buffer sizes); `fd` is not exposed by
/// tcpio and shows as -1.
fn describe(c: &Client, ctx: &Ctx<'_>, text: &mut Vec<u8>) {
    let me = c.id == ctx.session.id;
    let resp3 = if me { ctx.session.resp3 } else { c.resp3() };
    let now = ctx.shared.started.elapsed().as_millis() as u64;
    let (idle, last, (sub, psub)) = if me {
        let s = &ctx.session.subs;
        (0, ctx.session.last, (s.channels.len() as u32, s.patterns.len() as u32))
    } else {
        (now.saturating_sub(c.last_active()) / 1000, c.last_cmd(), c.subscriptions())
    };
    let qbuf = c.qbuf();
    let omem = c.output_queued() as u64;
    let mut buf = [0u8; MAX_DIGITS];
    let mut num = |text: &mut Vec<u8>, field: &str, v: u64| {
        text.extend_from_slice(field.as_bytes());
        text.extend_from_slice(format_u64(v, &mut buf));
    };
    num(text, "id=", c.id);
    text.extend_from_slice(b" addr=");
    text.extend_from_slice(c.addr.as_bytes());
    text.extend_from_slice(b" laddr=");
    text.extend_from_slice(c.laddr.as_bytes());
    text.extend_from_slice(b" fd=-1 name=");
    text.extend_from_slice(&c.name());
    num(text, " age=", c.age());
    num(text, " idle=", idle);
    text.extend_from_slice(b" flags=");
    let mut flagged = false;
    if sub + psub > 0 {
        text.push(b'P');
        flagged = true;
    }
    if c.blocked() {
        text.push(b'b');
        flagged = true;
    }
    if !flagged {
        text.push(b'N');
    }
    num(text, " db=", u64::from(c.db()));
    num(text, " sub=", u64::from(sub));
    num(text, " psub=", u64::from(psub));
    text.extend_from_slice(b" ssub=0 multi=-1");
    num(text, " qbuf=", qbuf);
    text.extend_from_slice(b" qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0");
    num(text, " omem=", omem);
    num(text, " tot-mem=", qbuf + omem);
    text.extend_from_slice(if omem > 0 { b" events=rw cmd=" } else { b" events=r cmd=" });
    text.extend_from_slice(code_name(last).as_bytes());
    text.extend_from_slice(if resp3 {
        b" user=default redir=-1 resp=3\n"
    } else {
        b" user=default redir=-1 resp=2\n"
    });
}

/// `CLIENT KILL ip:port` (`+OK` or `-ERR No such client`; may kill the caller) or
/// `CLIENT KILL [ID id] [TYPE type] [ADDR ip:port] [LADDR ip:port] [USER name]
/// [SKIPME yes|no]` (the number killed). Every option is checked before any client is
/// killed; a connection of another loop is closed through its handle, the caller's
/// own after the reply.
fn kill(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) -> Flow {
    let mut addr: Option<&[u8]> = None;
    let mut laddr: Option<&[u8]> = None;
    let mut kind: Option<Kind> = None;
    let mut id: Option<u64> = None;
    let mut skipme = true;
    let old_form = args.len() == 3;
    if old_form {
        addr = Some(args.get(2));
        skipme = false;
    } else {
        let mut i = 2;
        while i < args.len() {
            let (opt, more) = (args.get(i), i + 1 < args.len());
            if !more {
                out.put(E_SYNTAX);
                return Flow::Continue;
            }
            let value = args.get(i + 1);
            if is(opt, "id") {
                match parse_i64(value) {
                    Some(n) if n >= 1 => id = Some(n as u64),
                    _ => {
                        out.put(b"-ERR client-id should be greater than 0\r\n");
                        return Flow::Continue;
                    }
                }
            } else if is(opt, "type") {
                let Some(k) = Kind::parse(value) else {
                    unknown_type(value, out);
                    return Flow::Continue;
                };
                kind = Some(k);
            } else if is(opt, "addr") {
                addr = Some(value);
            } else if is(opt, "laddr") {
                laddr = Some(value);
            } else if is(opt, "user") {
                // The default user is the only one.
                if value != b"default" {
                    let name = sanitize(value, 128);
                    out.put(b"-ERR No such user '");
                    out.put(&name);
                    out.put(b"'\r\n");
                    return Flow::Continue;
                }
            } else if is(opt, "skipme") {
                if is(value, "yes") {
                    skipme = true;
                } else if is(value, "no") {
                    skipme = false;
                } else {
                    out.put(E_SYNTAX);
                    return Flow::Continue;
                }
            } else {
                out.put(E_SYNTAX);
                return Flow::Continue;
            }
            i += 2;
        }
    }
    let shared = ctx.shared;
    let mut killed = 0;
    let mut close_me = false;
    for c in shared.registry.all() {
        let me = c.id == ctx.session.id;
        if addr.is_some_and(|a| a != c.addr.as_bytes())
            || laddr.is_some_and(|a| a != c.laddr.as_bytes())
            || kind.is_some_and(|k| k != kind_of(&c, ctx))
            || id.is_some_and(|id| id != c.id)
            || (me && skipme)
        {
            continue;
        }
        if me {
            // Closed after the reply: the caller's loop is this one.
            shared.forget(&c);
            close_me = true;
            killed += 1;
        } else if shared.kill(&c) {
            killed += 1;
        }
    }
    if old_form {
        out.put(if killed == 0 { b"-ERR No such client\r\n" } else { b"+OK\r\n" });
    } else {
        int(out, killed);
    }
    if close_me {
        Flow::Close
    } else {
        Flow::Continue
    }
}
