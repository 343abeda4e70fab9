//! Command execution and reply encoding, sans-I/O: arguments in, RESP2 replies out.
//!
//! Replies go to a [`Sink`]: the tcpio server writes them straight into the
//! connection's output queue (a [`tcpio::ConnWriter`]), the tokio clone in the bench
//! and the tests into a `Vec<u8>`. A reply is a few `put`s (a header built on the
//! stack, the value as it is stored), so answering allocates nothing and copies a
//! value once. Argument checks, error texts and edge cases follow Redis 7
//! (`t_string.c`, `expire.c`, `server.c`), so clients see the replies they would get
//! from a real server.

use tcpio::codec::Sink;

use super::resp::{parse_i64, Args, Parser, Progress, ProtocolError};
use super::store::{glob_match, Clock, IncrError, SetIf, SetTtl, Store, NEVER};
use crate::num::{format_i64, MAX_DIGITS};

/// What the connection does after a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on with the next request.
    Continue,
    /// Close once the replies so far are sent (`QUIT`).
    Close,
}

/// The state commands run against: the shared keyspace, the batch's clock, and a
/// scratch buffer for the few replies that must be counted before they are written.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The keyspace.
    pub store: &'a Store,
    /// The time, read at most once per batch.
    pub clock: &'a mut Clock,
    /// Reused by `KEYS` and `INFO`; grows to the largest such reply, then stays.
    pub scratch: &'a mut Vec<u8>,
}

/// The commands this server knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmd {
    Ping,
    Echo,
    Set,
    Get,
    Del,
    Exists,
    Incr,
    Decr,
    IncrBy,
    DecrBy,
    MGet,
    MSet,
    Expire,
    PExpire,
    Ttl,
    PTtl,
    Keys,
    DbSize,
    FlushDb,
    Info,
    Command,
    Config,
    Quit,
    Select,
}

impl Cmd {
    /// Looks up a lower-case command name.
    #[inline]
    fn lookup(name: &[u8]) -> Option<Cmd> {
        Some(match name {
            b"get" => Cmd::Get,
            b"set" => Cmd::Set,
            b"ping" => Cmd::Ping,
            b"echo" => Cmd::Echo,
            b"del" => Cmd::Del,
            b"exists" => Cmd::Exists,
            b"incr" => Cmd::Incr,
            b"decr" => Cmd::Decr,
            b"incrby" => Cmd::IncrBy,
            b"decrby" => Cmd::DecrBy,
            b"mget" => Cmd::MGet,
            b"mset" => Cmd::MSet,
            b"expire" => Cmd::Expire,
            b"pexpire" => Cmd::PExpire,
            b"ttl" => Cmd::Ttl,
            b"pttl" => Cmd::PTtl,
            b"keys" => Cmd::Keys,
            b"dbsize" => Cmd::DbSize,
            b"flushdb" => Cmd::FlushDb,
            b"info" => Cmd::Info,
            b"command" => Cmd::Command,
            b"config" => Cmd::Config,
            b"quit" => Cmd::Quit,
            b"select" => Cmd::Select,
            _ => return None,
        })
    }

    /// Redis's arity: `n` means exactly `n` arguments, `-n` at least `n`.
    fn arity(self) -> i32 {
        match self {
            Cmd::Get | Cmd::Echo | Cmd::Incr | Cmd::Decr | Cmd::Ttl | Cmd::PTtl | Cmd::Keys | Cmd::Select => {
                2
            }
            Cmd::IncrBy | Cmd::DecrBy => 3,
            Cmd::DbSize => 1,
            Cmd::Ping | Cmd::FlushDb | Cmd::Info | Cmd::Command | Cmd::Quit => -1,
            Cmd::Del | Cmd::Exists | Cmd::MGet | Cmd::Config => -2,
            Cmd::Set | Cmd::MSet | Cmd::Expire | Cmd::PExpire => -3,
        }
    }

    /// The name Redis uses in error messages.
    fn name(self) -> &'static str {
        match self {
            Cmd::Ping => "ping",
            Cmd::Echo => "echo",
            Cmd::Set => "set",
            Cmd::Get => "get",
            Cmd::Del => "del",
            Cmd::Exists => "exists",
            Cmd::Incr => "incr",
            Cmd::Decr => "decr",
            Cmd::IncrBy => "incrby",
            Cmd::DecrBy => "decrby",
            Cmd::MGet => "mget",
            Cmd::MSet => "mset",
            Cmd::Expire => "expire",
            Cmd::PExpire => "pexpire",
            Cmd::Ttl => "ttl",
            Cmd::PTtl => "pttl",
            Cmd::Keys => "keys",
            Cmd::DbSize => "dbsize",
            Cmd::FlushDb => "flushdb",
            Cmd::Info => "info",
            Cmd::Command => "command",
            Cmd::Config => "config",
            Cmd::Quit => "quit",
            Cmd::Select => "select",
        }
    }
}

/// Number of commands, for `COMMAND COUNT`.
const COMMAND_COUNT: i64 = 24;

/// Error replies used more than once.
const E_SYNTAX: &[u8] = b"-ERR syntax error\r\n";
const E_NOT_INT: &[u8] = b"-ERR value is not an integer or out of range\r\n";
const E_OVERFLOW: &[u8] = b"-ERR increment or decrement would overflow\r\n";

/// Runs one request and writes its reply.
pub fn execute(args: Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) -> Flow {
    let name = args.get(0);
    // Command names are matched case-insensitively through a lower-case copy on the
    // stack; no known name is longer than 16 bytes.
    let mut lower = [0u8; 16];
    let cmd = match lower.get_mut(..name.len()) {
        Some(l) => {
            // Copied and lowered in one pass: names are a few bytes, for which a
            // `memcpy` call costs more than the loop.
            for (d, &c) in l.iter_mut().zip(name) {
                *d = c.to_ascii_lowercase();
            }
            Cmd::lookup(l)
        }
        None => None,
    };
    let Some(cmd) = cmd else {
        unknown_command(&args, out);
        return Flow::Continue;
    };
    let (arity, argc) = (cmd.arity(), args.len() as i32);
    if (arity > 0 && argc != arity) || argc < -arity {
        arity_error(cmd.name(), out);
        return Flow::Continue;
    }
    match cmd {
        Cmd::Get => ctx.store.get(args.get(1), ctx.clock, |v| value(out, v)),
        Cmd::Set => set(&args, ctx, out),
        Cmd::Ping => match args.len() {
            1 => out.put(b"+PONG\r\n"),
            2 => bulk(out, args.get(1)),
            _ => arity_error("ping", out),
        },
        Cmd::Echo => bulk(out, args.get(1)),
        Cmd::Del | Cmd::Exists => {
            let mut n = 0;
            for key in args.iter().skip(1) {
                let hit = match cmd {
                    Cmd::Del => ctx.store.del(key, ctx.clock),
                    _ => ctx.store.exists(key, ctx.clock),
                };
                n += i64::from(hit);
            }
            int(out, n);
        }
        Cmd::Incr => incr(args.get(1), 1, ctx, out),
        Cmd::Decr => incr(args.get(1), -1, ctx, out),
        Cmd::IncrBy | Cmd::DecrBy => match (parse_i64(args.get(2)), cmd) {
            (None, _) => out.put(E_NOT_INT),
            (Some(i64::MIN), Cmd::DecrBy) => out.put(b"-ERR decrement would overflow\r\n"),
            (Some(d), Cmd::DecrBy) => incr(args.get(1), -d, ctx, out),
            (Some(d), _) => incr(args.get(1), d, ctx, out),
        },
        Cmd::MGet => {
            array(out, args.len() - 1);
            for key in args.iter().skip(1) {
                ctx.store.get(key, ctx.clock, |v| value(out, v));
            }
        }
        Cmd::MSet => {
            if args.len() & 1 == 0 {
                arity_error("mset", out);
                return Flow::Continue;
            }
            for i in (1..args.len()).step_by(2) {
                ctx.store.set(args.get(i), args.get(i + 1), SetTtl::Clear, SetIf::Always, ctx.clock, |_| {});
            }
            out.put(b"+OK\r\n");
        }
        Cmd::Expire | Cmd::PExpire => expire(&args, cmd, ctx, out),
        Cmd::Ttl | Cmd::PTtl => match ctx.store.deadline(args.get(1), ctx.clock) {
            None => out.put(b":-2\r\n"),
            Some(NEVER) => out.put(b":-1\r\n"),
            Some(t) => {
                let left = t.saturating_sub(ctx.clock.now());
                let v = if cmd == Cmd::Ttl { (left + 500) / 1000 } else { left };
                int(out, v as i64);
            }
        },
        Cmd::Keys => {
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
        Cmd::DbSize => int(out, ctx.store.counts().0 as i64),
        Cmd::FlushDb => {
            if args.len() == 2 && !is(args.get(1), "async") && !is(args.get(1), "sync") || args.len() > 2 {
                out.put(E_SYNTAX);
            } else {
                ctx.store.flush();
                out.put(b"+OK\r\n");
            }
        }
        Cmd::Info => info(&args, ctx, out),
        Cmd::Command => command(&args, out),
        Cmd::Config => config(&args, out),
        Cmd::Quit => {
            out.put(b"+OK\r\n");
            return Flow::Close;
        }
        Cmd::Select => match parse_i64(args.get(1)) {
            Some(0) => out.put(b"+OK\r\n"),
            Some(n) if i32::try_from(n).is_ok() => out.put(b"-ERR DB index is out of range\r\n"),
            Some(_) => {
                out.put(b"-ERR value is out of range, value must between -2147483648 and 2147483647\r\n")
            }
            None => out.put(E_NOT_INT),
        },
    }
    Flow::Continue
}

/// Runs every complete request at the start of `input` and writes their replies, as a
/// server does with what one read brought: returns the bytes the requests took and
/// whether the connection goes on.
///
/// Stops at a request that has not fully arrived (its bytes are left for the next call,
/// with `progress`, the connection's saved scan position), after `QUIT`, or at a
/// request Redis would refuse, whose error reply is written last ([`Flow::Close`]; the
/// rest of the input is then of no use).
#[inline]
pub fn run_all(
    parser: &mut Parser,
    progress: &mut Progress,
    input: &[u8],
    ctx: &mut Ctx<'_>,
    out: &mut impl Sink,
) -> (usize, Flow) {
    let mut used = 0;
    loop {
        match parser.parse(&input[used..], progress) {
            Ok(Some((args, n))) => {
                used += n;
                if !args.is_empty() && execute(args, ctx, out) == Flow::Close {
                    return (used, Flow::Close);
                }
            }
            Ok(None) => return (used, Flow::Continue),
            Err(e) => {
                // Like Redis: answer what came before, then the error, then close.
                protocol_error(e, out);
                return (used, Flow::Close);
            }
        }
    }
}

/// `SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]`.
fn set(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    // Options are parsed the way Redis's `parseExtendedStringArgumentsOrReply` does:
    // a conflicting or unknown option is a syntax error, a repeated one is allowed.
    #[derive(PartialEq)]
    enum Unit {
        None,
        Keep,
        Ex,
        Px,
        ExAt,
        PxAt,
    }
    let (mut cond, mut get, mut unit, mut expire) = (SetIf::Always, false, Unit::None, &b""[..]);
    let mut i = 3;
    while i < args.len() {
        let opt = args.get(i);
        let has_next = i + 1 < args.len();
        let timed = match opt {
            o if is(o, "ex") => Some(Unit::Ex),
            o if is(o, "px") => Some(Unit::Px),
            o if is(o, "exat") => Some(Unit::ExAt),
            o if is(o, "pxat") => Some(Unit::PxAt),
            _ => None,
        };
        if is(opt, "nx") && cond != SetIf::Present {
            cond = SetIf::Absent;
        } else if is(opt, "xx") && cond != SetIf::Absent {
            cond = SetIf::Present;
        } else if is(opt, "get") {
            get = true;
        } else if is(opt, "keepttl") && matches!(unit, Unit::None | Unit::Keep) {
            unit = Unit::Keep;
        } else if let Some(want) = timed.filter(|w| has_next && (unit == Unit::None || unit == *w)) {
            unit = want;
            expire = args.get(i + 1);
            i += 1;
        } else {
            out.put(E_SYNTAX);
            return;
        }
        i += 1;
    }
    let ttl = match unit {
        Unit::None => SetTtl::Clear,
        Unit::Keep => SetTtl::Keep,
        _ => {
            let v = match parse_i64(expire) {
                Some(v) => v,
                None => return out.put(E_NOT_INT),
            };
            let bad = b"-ERR invalid expire time in 'set' command\r\n";
            if v <= 0 || (matches!(unit, Unit::Ex | Unit::ExAt) && v > i64::MAX / 1000) {
                return out.put(bad);
            }
            let ms = if matches!(unit, Unit::Ex | Unit::ExAt) { v * 1000 } else { v };
            let at = match unit {
                Unit::Ex | Unit::Px => (ctx.clock.now() as i64).checked_add(ms),
                _ => unix_to_clock(ms, ctx.clock),
            };
            match at {
                Some(at) => SetTtl::At(at.max(1) as u64),
                None => return out.put(bad),
            }
        }
    };
    let written = ctx.store.set(args.get(1), args.get(2), ttl, cond, ctx.clock, |old| {
        if get {
            value(out, old);
        }
    });
    if !get {
        if written {
            out.put(b"+OK\r\n");
        } else {
            out.put(b"$-1\r\n");
        }
    }
}

/// Converts a Unix time in milliseconds into the store's clock.
fn unix_to_clock(unix_ms: i64, clock: &mut Clock) -> Option<i64> {
    let now_unix =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_millis() as i64;
    (clock.now() as i64).checked_add(unix_ms.checked_sub(now_unix)?)
}

/// `INCR`, `DECR`, `INCRBY`, `DECRBY`.
fn incr(key: &[u8], delta: i64, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    match ctx.store.incr_by(key, delta, ctx.clock) {
        Ok(v) => int(out, v),
        Err(IncrError::NotInteger) => out.put(E_NOT_INT),
        Err(IncrError::Overflow) => out.put(E_OVERFLOW),
    }
}

/// `EXPIRE key seconds [NX|XX|GT|LT]` and `PEXPIRE`.
fn expire(args: &Args<'_>, cmd: Cmd, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in args.iter().skip(3) {
        match () {
            _ if is(opt, "nx") => nx = true,
            _ if is(opt, "xx") => xx = true,
            _ if is(opt, "gt") => gt = true,
            _ if is(opt, "lt") => lt = true,
            _ => {
                out.put(b"-ERR Unsupported option ");
                let opt = sanitize(opt);
                out.put(&opt[..opt.len().min(128)]);
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
    let Some(v) = parse_i64(args.get(2)) else { return out.put(E_NOT_INT) };
    let ms = if cmd == Cmd::Expire { v.checked_mul(1000) } else { Some(v) };
    let Some(at) = ms.and_then(|ms| (ctx.clock.now() as i64).checked_add(ms)) else {
        out.put(b"-ERR invalid expire time in '");
        out.put(cmd.name().as_bytes());
        return out.put(b"' command\r\n");
    };
    // A deadline at or before now deletes the key, as in Redis.
    let at = at.max(0) as u64;
    let changed = ctx.store.expire(args.get(1), at, ctx.clock, |current| {
        let has = current != NEVER;
        !(nx && has || xx && !has || gt && (!has || at <= current) || lt && has && at >= current)
    });
    int(out, i64::from(changed));
}

/// `INFO [section ...]`: the server and keyspace sections.
fn info(args: &Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) {
    let all = args.len() == 1
        || args.iter().skip(1).any(|s| is(s, "all") || is(s, "default") || is(s, "everything"));
    let want = |name: &str| all || args.iter().skip(1).any(|s| is(s, name));
    let text = &mut *ctx.scratch;
    text.clear();
    if want("server") {
        text.put(b"# Server\r\n");
        // The version clients see is the protocol level this server emulates.
        text.put(b"redis_version:7.0.0\r\nredis_mode:standalone\r\nserver_name:tcpio-redis-example\r\n");
        text.put(b"multiplexing_api:tcpio\r\nprocess_id:");
        let mut buf = [0u8; MAX_DIGITS];
        text.put(format_i64(i64::from(std::process::id()), &mut buf));
        text.put(b"\r\nuptime_in_seconds:");
        let up = ctx.store.origin().elapsed().as_secs() as i64;
        text.put(format_i64(up, &mut buf));
        text.put(b"\r\nuptime_in_days:");
        text.put(format_i64(up / 86400, &mut buf));
        text.put(b"\r\n");
    }
    if want("keyspace") {
        if !text.is_empty() {
            text.put(b"\r\n");
        }
        text.put(b"# Keyspace\r\n");
        let (keys, volatile) = ctx.store.counts();
        if keys > 0 {
            let mut buf = [0u8; MAX_DIGITS];
            text.put(b"db0:keys=");
            text.put(format_i64(keys as i64, &mut buf));
            text.put(b",expires=");
            text.put(format_i64(volatile as i64, &mut buf));
            text.put(b",avg_ttl=0\r\n");
        }
    }
    bulk(out, ctx.scratch);
}

/// `COMMAND`, `COMMAND COUNT`, `COMMAND DOCS`, `COMMAND INFO`: enough for `redis-cli`,
/// which asks for the docs at start and falls back to its own help when they are empty.
fn command(args: &Args<'_>, out: &mut impl Sink) {
    if args.len() == 1 {
        return out.put(b"*0\r\n");
    }
    let sub = args.get(1);
    if is(sub, "count") {
        if args.len() != 2 {
            return arity_error("command|count", out);
        }
        int(out, COMMAND_COUNT);
    } else if is(sub, "docs") {
        out.put(b"*0\r\n");
    } else if is(sub, "info") {
        array(out, args.len() - 2);
        for _ in 2..args.len() {
            out.put(b"*-1\r\n");
        }
    } else {
        unknown_subcommand(sub, "COMMAND", out);
    }
}

/// Configuration parameters `CONFIG GET` reports: those `redis-benchmark` asks about.
const CONFIG: [(&str, &str); 4] =
    [("save", ""), ("appendonly", "no"), ("databases", "1"), ("maxmemory", "0")];

/// `CONFIG GET pattern...`, `CONFIG SET` (accepted for the reported parameters, which
/// change nothing here), `CONFIG RESETSTAT`.
fn config(args: &Args<'_>, out: &mut impl Sink) {
    let sub = args.get(1);
    if is(sub, "get") {
        if args.len() < 3 {
            return arity_error("config|get", out);
        }
        let hit =
            |name: &str| args.iter().skip(2).any(|p| glob_match(&p.to_ascii_lowercase(), name.as_bytes()));
        array(out, 2 * CONFIG.iter().filter(|(n, _)| hit(n)).count());
        for (name, value) in CONFIG.iter().filter(|(n, _)| hit(n)) {
            bulk(out, name.as_bytes());
            bulk(out, value.as_bytes());
        }
    } else if is(sub, "set") {
        if args.len() < 4 {
            return arity_error("config|set", out);
        }
        if args.len() & 1 == 1 {
            return out.put(E_SYNTAX);
        }
        for i in (2..args.len()).step_by(2) {
            if !CONFIG.iter().any(|(n, _)| is(args.get(i), n)) {
                out.put(b"-ERR Unknown option or number of arguments for CONFIG SET - '");
                let name = sanitize(args.get(i));
                out.put(&name[..name.len().min(128)]);
                return out.put(b"'\r\n");
            }
        }
        out.put(b"+OK\r\n");
    } else if is(sub, "resetstat") {
        if args.len() != 2 {
            return arity_error("config|resetstat", out);
        }
        out.put(b"+OK\r\n");
    } else {
        unknown_subcommand(sub, "CONFIG", out);
    }
}

/// Whether `arg` equals the lower-case `word`, ignoring ASCII case.
#[inline]
fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// An argument quoted in an error message: Redis replaces line breaks with spaces so the
/// reply stays one line. The result may be shorter than `arg` (see below): limit its
/// length, not the argument's.
fn sanitize(arg: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    // Redis formats arguments as C strings: a NUL ends them.
    let arg = &arg[..arg.iter().position(|&b| b == 0).unwrap_or(arg.len())];
    if arg.iter().any(|&b| b == b'\r' || b == b'\n') {
        arg.iter().map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }).collect::<Vec<u8>>().into()
    } else {
        arg.into()
    }
}

/// `-ERR unknown command 'foo', with args beginning with: 'a' 'b' `.
fn unknown_command(args: &Args<'_>, out: &mut impl Sink) {
    let name = sanitize(args.get(0));
    out.put(b"-ERR unknown command '");
    out.put(&name[..name.len().min(128)]);
    out.put(b"', with args beginning with: ");
    // Redis quotes arguments until the quoted text reaches 128 bytes.
    let mut quoted = 0;
    for arg in args.iter().skip(1) {
        if quoted >= 128 {
            break;
        }
        let arg = sanitize(arg);
        let take = arg.len().min(128 - quoted);
        out.put(b"'");
        out.put(&arg[..take]);
        out.put(b"' ");
        quoted += take + 3;
    }
    out.put(b"\r\n");
}

/// `-ERR unknown subcommand 'x'. Try CONFIG HELP.`
fn unknown_subcommand(sub: &[u8], container: &str, out: &mut impl Sink) {
    let sub = sanitize(sub);
    out.put(b"-ERR unknown subcommand '");
    out.put(&sub[..sub.len().min(128)]);
    out.put(b"'. Try ");
    out.put(container.as_bytes());
    out.put(b" HELP.\r\n");
}

/// `-ERR wrong number of arguments for 'get' command`.
fn arity_error(name: &str, out: &mut impl Sink) {
    out.put(b"-ERR wrong number of arguments for '");
    out.put(name.as_bytes());
    out.put(b"' command\r\n");
}

/// The reply to a request Redis would refuse; the connection closes after it.
pub fn protocol_error(e: ProtocolError, out: &mut impl Sink) {
    let (text, byte) = e.text();
    out.put(b"-ERR Protocol error: ");
    out.put(text.as_bytes());
    if let Some(b) = byte {
        let b = if b == b'\r' || b == b'\n' { b' ' } else { b };
        out.put(&[b, b'\'']);
    }
    out.put(b"\r\n");
}

/// A bulk string, or the null bulk for `None`.
#[inline]
fn value(out: &mut impl Sink, v: Option<&[u8]>) {
    match v {
        Some(v) => bulk(out, v),
        None => out.put(b"$-1\r\n"),
    }
}

/// A bulk string: `$<len>\r\n<bytes>\r\n`, the value put as it is (one copy).
#[inline]
pub fn bulk(out: &mut impl Sink, v: &[u8]) {
    header(out, b'$', v.len() as i64);
    out.put(v);
    out.put(b"\r\n");
}

/// An integer reply: `:<n>\r\n`.
#[inline]
pub fn int(out: &mut impl Sink, n: i64) {
    header(out, b':', n);
}

/// An array header: `*<n>\r\n`.
#[inline]
pub fn array(out: &mut impl Sink, n: usize) {
    header(out, b'*', n as i64);
}

/// A type byte, a number and a line end, written in one piece.
#[inline(always)]
fn header(out: &mut impl Sink, kind: u8, n: i64) {
    // One digit (most values, counts and flags) without the general formatting loop,
    // inlined into each reply; longer numbers out of line.
    if (0..10).contains(&n) {
        return out.put(&[kind, b'0' + n as u8, b'\r', b'\n']);
    }
    header_long(out, kind, n);
}

/// [`header`] for a number of more than one digit.
#[inline(never)]
fn header_long(out: &mut impl Sink, kind: u8, n: i64) {
    let mut num = [0u8; MAX_DIGITS];
    let digits = format_i64(n, &mut num);
    let mut buf = [0u8; 24];
    buf[0] = kind;
    buf[1..1 + digits.len()].copy_from_slice(digits);
    buf[1 + digits.len()..3 + digits.len()].copy_from_slice(b"\r\n");
    out.put(&buf[..3 + digits.len()]);
}
