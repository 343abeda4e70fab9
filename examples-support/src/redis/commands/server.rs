//! Connection and server commands: `PING`, `SELECT`, `HELLO`, `AUTH`, `FLUSHDB`,
//! `TIME`, `CONFIG` (`server.c`, `acl.c`, `config.c`).

use std::sync::atomic::Ordering;

use tcpio::codec::Sink;

use super::{arity_error, array, bulk, int, is, sanitize, subcommand, Ctx, E_NOT_INT, E_SYNTAX};
use crate::num::{format_u64, MAX_DIGITS};
use crate::redis::reply::{help, map};
use crate::redis::resp::{parse_i64, Args};
use crate::redis::store::glob_match;
use crate::redis::VERSION;

/// `PING [message]`.
pub(crate) fn ping(args: &Args<'_>, out: &mut impl Sink) {
    match args.len() {
        1 => out.put(b"+PONG\r\n"),
        2 => bulk(out, args.get(1)),
        _ => arity_error("ping", out),
    }
}

/// `SELECT index`: the database the connection works in from now on.
pub(crate) fn select(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    if let Some(db) = db_index(args.get(1), ctx, out) {
        super::select_db(db, ctx);
        out.put(b"+OK\r\n");
    }
}

/// A database index (`SELECT`, `MOVE`, `COPY ... DB`), read as Redis reads it (an
/// integer in C's `int` range, then one of the databases); `None` once the error is
/// written.
pub(crate) fn db_index(arg: &[u8], ctx: &Ctx<'_>, out: &mut impl Sink) -> Option<usize> {
    match parse_i64(arg) {
        Some(n) if (0..ctx.dbs.len() as i64).contains(&n) => return Some(n as usize),
        Some(n) if i32::try_from(n).is_ok() => out.put(b"-ERR DB index is out of range\r\n"),
        Some(_) => out.put(b"-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"),
        None => out.put(E_NOT_INT),
    }
    None
}

/// `-WRONGPASS ...`.
const E_WRONGPASS: &[u8] = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n";

/// Whether `user` and `password` are the default user's credentials.
fn credentials_ok(user: &[u8], password: &[u8], ctx: &Ctx<'_>) -> bool {
    if user != b"default" {
        return false;
    }
    match &*ctx.shared.requirepass.lock().unwrap_or_else(|e| e.into_inner()) {
        None => true,
        Some(p) => p == password,
    }
}

/// `AUTH [username] password`.
pub(crate) fn auth(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    if args.len() > 3 {
        return out.put(E_SYNTAX);
    }
    let (user, password) = if args.len() == 2 {
        if ctx.shared.requirepass.lock().unwrap_or_else(|e| e.into_inner()).is_none() {
            return out.put(b"-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n");
        }
        (&b"default"[..], args.get(1))
    } else {
        (args.get(1), args.get(2))
    };
    if credentials_ok(user, password, ctx) {
        ctx.session.authenticated = true;
        out.put(b"+OK\r\n");
    } else {
        out.put(E_WRONGPASS);
    }
}

/// `HELLO [protover [AUTH username password] [SETNAME name]]`: RESP2 or RESP3, from
/// this reply on (the reply is a map, in the protocol asked for).
#[inline(never)]
pub(crate) fn hello(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let mut resp3 = ctx.session.resp3;
    if args.len() >= 2 {
        match parse_i64(args.get(1)) {
            None => return out.put(b"-ERR Protocol version is not an integer or out of range\r\n"),
            Some(v @ (2 | 3)) => resp3 = v == 3,
            Some(_) => return out.put(b"-NOPROTO unsupported protocol version\r\n"),
        }
    }
    let mut name = None;
    let mut i = 2;
    while i < args.len() {
        let opt = args.get(i);
        let more = args.len() - 1 - i;
        if is(opt, "auth") && more >= 2 {
            if !credentials_ok(args.get(i + 1), args.get(i + 2), ctx) {
                return out.put(E_WRONGPASS);
            }
            ctx.session.authenticated = true;
            i += 3;
        } else if is(opt, "setname") && more >= 1 {
            if !super::client::valid_name(args.get(i + 1)) {
                return out.put(super::client::E_BAD_NAME);
            }
            name = Some(args.get(i + 1));
            i += 2;
        } else {
            out.put(b"-ERR Syntax error in HELLO option '");
            let opt = sanitize(opt, usize::MAX);
            out.put(&opt);
            return out.put(b"'\r\n");
        }
    }
    if !ctx.session.authenticated {
        return out.put(b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n");
    }
    if let Some(name) = name {
        ctx.session.client().set_name(name);
    }
    super::pubsub::set_protocol(ctx, resp3);
    map(out, 7, resp3);
    bulk(out, b"server");
    bulk(out, b"redis");
    bulk(out, b"version");
    bulk(out, VERSION.as_bytes());
    bulk(out, b"proto");
    int(out, if resp3 { 3 } else { 2 });
    bulk(out, b"id");
    int(out, ctx.session.id as i64);
    bulk(out, b"mode");
    bulk(out, b"standalone");
    bulk(out, b"role");
    bulk(out, b"master");
    bulk(out, b"modules");
    array(out, 0);
}

/// `FLUSHDB` (the session's database), `FLUSHALL` (every one) `[ASYNC|SYNC]`.
pub(crate) fn flush(args: &Args<'_>, all: bool, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    if args.len() == 2 && !is(args.get(1), "async") && !is(args.get(1), "sync") || args.len() > 2 {
        out.put(E_SYNTAX);
    } else {
        if all {
            ctx.dbs.flush();
        } else {
            ctx.store.flush();
        }
        out.put(b"+OK\r\n");
    }
}

/// `TIME`: seconds and microseconds.
pub(crate) fn time(out: &mut impl Sink) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let mut buf = [0u8; MAX_DIGITS];
    array(out, 2);
    bulk(out, format_u64(now.as_secs(), &mut buf));
    bulk(out, format_u64(u64::from(now.subsec_micros()), &mut buf));
}

/// The parameters `CONFIG GET` reports, with their current values.
fn config_values(ctx: &Ctx<'_>) -> Vec<(&'static str, Vec<u8>)> {
    let s = ctx.shared;
    let pass = s.requirepass.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default();
    let mut buf = [0u8; MAX_DIGITS];
    vec![
        ("save", Vec::new()),
        ("appendonly", b"no".to_vec()),
        ("databases", format_u64(ctx.dbs.len() as u64, &mut buf).to_vec()),
        ("maxmemory", b"0".to_vec()),
        ("requirepass", pass),
        ("timeout", format_u64(s.timeout.load(Ordering::Relaxed), &mut buf).to_vec()),
        ("maxclients", format_u64(s.maxclients.load(Ordering::Relaxed), &mut buf).to_vec()),
        ("client-output-buffer-limit", s.output_limits().format()),
    ]
}

/// `CONFIG HELP`, as Redis 7.0 words it.
const CONFIG_HELP: &[&str] = &[
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
    "HELP",
    "    Prints this help.",
];

/// `CONFIG GET pattern...`, `CONFIG SET name value...` (for the parameters above;
/// `save`, `appendonly` and `maxmemory` accept their own value only), `CONFIG
/// RESETSTAT`, `CONFIG REWRITE` (refused: the server reads no file) and `CONFIG HELP`.
#[inline(never)]
pub(crate) fn config(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let Some(sub) = subcommand("config", args, out) else { return };
    if sub == "get" {
        let values = config_values(ctx);
        let hit =
            |name: &str| args.iter().skip(2).any(|p| glob_match(&p.to_ascii_lowercase(), name.as_bytes()));
        let found: Vec<_> = values.iter().filter(|(n, _)| hit(n)).collect();
        map(out, found.len(), ctx.session.resp3);
        for (name, value) in found {
            // A name asked for without a wildcard is answered as it was written.
            let asked = args.iter().skip(2).find(|p| is(p, name) && !p.iter().any(|b| b"*?[\\".contains(b)));
            bulk(out, asked.unwrap_or(name.as_bytes()));
            bulk(out, value);
        }
    } else if sub == "set" {
        if args.len() & 1 == 1 {
            return out.put(E_SYNTAX);
        }
        let values = config_values(ctx);
        // Every pair is checked before any is applied, as Redis does: the names first
        // (the first unknown, immutable or repeated one is the error, named as typed),
        // then the values (named as the setting is).
        let known_as = |name: &[u8]| values.iter().find(|(n, _)| is(name, n));
        for i in (2..args.len()).step_by(2) {
            let name = args.get(i);
            let why = match known_as(name) {
                None => {
                    out.put(b"-ERR Unknown option or number of arguments for CONFIG SET - '");
                    let name = sanitize(name, 128);
                    out.put(&name);
                    return out.put(b"'\r\n");
                }
                Some((known, _)) if *known == "databases" => "can't set immutable config",
                Some(_) if (2..i).step_by(2).any(|j| known_as(args.get(j)) == known_as(name)) => {
                    "duplicate parameter"
                }
                Some(_) => continue,
            };
            out.put(b"-ERR CONFIG SET failed (possibly related to argument '");
            let name = sanitize(name, 128);
            out.put(&name);
            out.put(b"') - ");
            out.put(why.as_bytes());
            return out.put(b"\r\n");
        }
        for i in (2..args.len()).step_by(2) {
            let (name, value) = (args.get(i), args.get(i + 1));
            let Some((known, current)) = known_as(name) else { continue };
            let fail = |why: &str, out: &mut dyn FnMut(&[u8])| {
                out(b"-ERR CONFIG SET failed (possibly related to argument '");
                out(known.as_bytes());
                out(b"') - ");
                out(why.as_bytes());
                out(b"\r\n");
            };
            // Integers as Redis reads them (`string2ll`: no sign but `-`, no leading
            // zero, no `-0`).
            let number = parse_i64(value);
            match *known {
                "timeout" if number.is_none() => {
                    return fail("argument couldn't be parsed into an integer", &mut |b| out.put(b))
                }
                "timeout" if !(0..=i64::from(i32::MAX)).contains(&number.unwrap_or(0)) => {
                    return fail("argument must be between 0 and 2147483647 inclusive", &mut |b| out.put(b))
                }
                "maxclients" if number.is_none() => {
                    return fail("argument couldn't be parsed into an integer", &mut |b| out.put(b))
                }
                "maxclients" if !(1..=i64::from(u32::MAX)).contains(&number.unwrap_or(0)) => {
                    return fail("argument must be between 1 and 4294967295 inclusive", &mut |b| out.put(b))
                }
                "client-output-buffer-limit" => {
                    if let Err(why) = ctx.shared.output_limits().with(value) {
                        return fail(why, &mut |b| out.put(b));
                    }
                }
                "appendonly" if !is(value, "yes") && !is(value, "no") => {
                    return fail("argument must be 'yes' or 'no'", &mut |b| out.put(b))
                }
                "maxmemory" if !is_memory(value) => {
                    return fail("argument must be a memory value", &mut |b| out.put(b))
                }
                // Valid, but not a value this example can run with (it keeps no files
                // and has no memory limit).
                "save" | "appendonly" | "maxmemory"
                    if !value.eq_ignore_ascii_case(current) && value != b"0" =>
                {
                    return fail("this example keeps no other value", &mut |b| out.put(b))
                }
                _ => {}
            }
        }
        for i in (2..args.len()).step_by(2) {
            let (name, value) = (args.get(i), args.get(i + 1));
            let number = parse_i64(value).map_or(0, |n| n.max(0) as u64);
            if is(name, "requirepass") {
                *ctx.shared.requirepass.lock().unwrap_or_else(|e| e.into_inner()) =
                    (!value.is_empty()).then(|| value.to_vec());
            } else if is(name, "timeout") {
                ctx.shared.set_timeout(number);
            } else if is(name, "maxclients") {
                ctx.shared.maxclients.store(number, Ordering::Relaxed);
            } else if is(name, "client-output-buffer-limit") {
                if let Ok(limits) = ctx.shared.output_limits().with(value) {
                    ctx.shared.set_output_limits(limits);
                }
            }
        }
        out.put(b"+OK\r\n");
    } else if sub == "resetstat" {
        ctx.shared.reset_stats();
        ctx.dbs.reset_expired();
        out.put(b"+OK\r\n");
    } else if sub == "rewrite" {
        // As Redis answers when it was started without a configuration file.
        out.put(b"-ERR The server is running without a config file\r\n");
    } else {
        help(out, CONFIG_HELP);
    }
}

/// Whether `v` is a memory size as Redis reads one (`memtoull`): digits and an optional
/// unit (`k`, `kb`, `m`, `mb`, `g`, `gb`, any case).
fn is_memory(v: &[u8]) -> bool {
    let digits = v.iter().take_while(|b| b.is_ascii_digit()).count();
    let unit = v[digits..].to_ascii_lowercase();
    digits > 0 && matches!(&unit[..], b"" | b"b" | b"k" | b"kb" | b"m" | b"mb" | b"g" | b"gb")
}
