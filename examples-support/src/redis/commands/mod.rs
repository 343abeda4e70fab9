//! Command execution and reply encoding, sans-I/O: arguments in, RESP2 replies out.
//!
//! Replies go to a [`Sink`]: the tcpio server writes them straight into the
//! connection's output queue (a [`tcpio::ConnWriter`]), the tokio clone in the bench
//! and the tests into a `Vec<u8>`. A reply is a few `put`s (a header built on the
//! stack, the value as it is stored), so answering allocates nothing and copies a
//! value once. Argument checks, error texts and edge cases follow Redis 7.0
//! (`t_string.c`, `t_list.c`, `t_hash.c`, `t_set.c`, `t_zset.c`, `db.c`, `expire.c`, `server.c`),
//! so clients see the replies they would get from a real server.
//!
//! The commands are split by family: [`strings`], [`keys`] (the generic keyspace
//! commands), [`lists`], [`hashes`], [`sets`], [`zsets`] (sorted sets: members,
//! ranges, several keys, each in a module of its own) and [`server`] (connection and
//! server commands), [`pubsub`] (publish and subscribe), [`blocking`] (`BLPOP`,
//! `BZPOPMIN` and the other blocking commands), [`client`] (`CLIENT`); [`table`] and [`subcommands`]
//! describe each as Redis does, which [`command`] (`COMMAND`) reports.

use tcpio::codec::Sink;

use super::blocking::BlockRequest;
use super::clients::{Client, NO_CMD};
pub use super::reply::{array, bulk, int};
pub(crate) use super::reply::{map, null, null_array};
use super::resp::{parse_i64, Args, Parser, Progress};
use super::stats::{Counters, ErrorStats};
use super::store::{Clock, Databases, Store, Value, Zset};
use super::Shared;
use std::sync::Arc;

pub mod blocking;
pub mod client;
pub mod command;
mod docs;
mod errors;
pub mod hashes;
mod history;
pub mod info;
mod key_specs;
pub mod keys;
pub mod lists;
mod names;
pub mod pubsub;
pub mod server;
pub mod sets;
mod specs;
pub mod strings;
pub mod subcommands;
pub mod table;
pub mod zsets;

use table::Cmd;

pub(crate) use super::reply::E_WRONGTYPE;
pub use errors::protocol_error;
pub(crate) use errors::{
    arity_error, sanitize, unknown_command, unknown_subcommand, E_NOAUTH, E_NOT_FLOAT, E_NOT_INT, E_NO_KEY,
    E_OVERFLOW, E_POSITIVE, E_SYNTAX,
};

/// What the connection does after a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on with the next request.
    Continue,
    /// Close once the replies so far are sent (`QUIT`).
    Close,
    /// A blocking command found nothing to answer with: the connection waits, running
    /// nothing more, until the [`BlockRequest`] in its session is served or times out.
    Block,
}

/// What a connection carries from one command to the next.
#[derive(Clone, Debug)]
pub struct Session {
    /// The connection's number, as `HELLO` reports it.
    pub id: u64,
    /// Whether it may run commands: set at open when no password is required, and by
    /// a successful `AUTH`.
    pub authenticated: bool,
    /// Whether it speaks RESP3 (after `HELLO 3`) rather than RESP2.
    pub resp3: bool,
    /// The database it works in (`SELECT`).
    pub db: usize,
    /// Its channels and patterns; with any, it is in subscribed mode.
    pub subs: super::pubsub::Subscriptions,
    /// Whether a blocking command may block it (a connection of the tcpio server);
    /// without, it gets nil at once, as a Redis client that cannot block.
    pub can_block: bool,
    /// What the blocking command that just ran waits for, for the handler to take.
    pub block: Option<BlockRequest>,
    /// The code of its last command ([`table::code_name`]), set as each request is
    /// looked up; the handler copies it to the registry once per batch.
    pub last: u16,
    /// Its entry in the client registry (a server's connection), or its own entry
    /// made when first needed (a session outside a server).
    pub client: Option<Arc<Client>>,
}

impl Default for Session {
    fn default() -> Session {
        Session {
            id: 0,
            authenticated: false,
            resp3: false,
            db: 0,
            subs: Default::default(),
            last: NO_CMD,
            client: None,
            can_block: false,
            block: None,
        }
    }
}

impl Session {
    /// Its registry entry; a session outside a server gets one of its own.
    pub fn client(&mut self) -> &Arc<Client> {
        let id = self.id;
        self.client.get_or_insert_with(|| Arc::new(Client::new(id, None, String::new(), String::new(), 0)))
    }

    /// A session that may run commands at once (no password required).
    pub fn open() -> Session {
        Session { authenticated: true, ..Session::default() }
    }
}

/// The state commands run against: the shared keyspace and server state, the batch's
/// clock, the connection's session, and a scratch buffer for the few replies that must
/// be counted before they are written.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The keyspace of the session's database.
    pub store: &'a Store,
    /// Every database (`SELECT`, `FLUSHALL`, `COPY ... DB`, `INFO keyspace`).
    pub dbs: &'a Databases,
    /// The time, read at most once per batch.
    pub clock: &'a mut Clock,
    /// Reused by `KEYS`, `INFO` and the like; grows to the largest such reply.
    pub scratch: &'a mut Vec<u8>,
    /// The settings and counters every connection shares.
    pub shared: &'a Shared,
    /// The connection's own state.
    pub session: &'a mut Session,
    /// Where the commands run and the keys looked up are counted (the loop's).
    pub counters: &'a Counters,
}

impl<'a> Ctx<'a> {
    /// The context of a batch for `session`, in the database it has selected.
    #[inline]
    pub fn new(
        dbs: &'a Databases,
        clock: &'a mut Clock,
        scratch: &'a mut Vec<u8>,
        shared: &'a Shared,
        session: &'a mut Session,
        counters: &'a Counters,
    ) -> Ctx<'a> {
        let store = dbs.get(session.db).unwrap_or(dbs.first());
        Ctx { store, dbs, clock, scratch, shared, session, counters }
    }

    /// Calls `f` with the value of `key` for a read command: the lookup is counted
    /// ([`Counters::looked_up`]).
    #[inline(always)]
    pub(crate) fn read<R>(&mut self, key: &[u8], f: impl FnOnce(Option<&Value>) -> R) -> R {
        let mut found = false;
        let r = self.store.get(key, self.clock, |v| {
            found = v.is_some();
            f(v)
        });
        self.counters.looked_up(found);
        r
    }

    /// Calls `f` with the value of `key` for a command that reads it before it
    /// changes it (`GETDEL`, `GETSET`, `SET ... GET`): the lookup is counted, as in
    /// Redis.
    #[inline(always)]
    pub(crate) fn read_modify<R>(&mut self, key: &[u8], f: impl FnOnce(&mut Option<Value>) -> R) -> R {
        let mut found = false;
        let r = self.store.modify(key, self.clock, |v| {
            found = v.is_some();
            f(v)
        });
        self.counters.looked_up(found);
        r
    }
}

/// Makes database `db` (which exists) the session's.
pub(crate) fn select_db(db: usize, ctx: &mut Ctx<'_>) {
    if let Some(store) = ctx.dbs.get(db) {
        ctx.store = store;
        ctx.session.db = db;
        if let Some(client) = &ctx.session.client {
            client.set_db(db);
        }
    }
}

/// Runs one request and writes its reply.
pub fn execute(args: Args<'_>, ctx: &mut Ctx<'_>, out: &mut impl Sink) -> Flow {
    let name = args.get(0);
    // The commands of the hot path first (GET, SET, and PING, what health checks
    // send), with their arity, straight from the name: a letter ORed with 0x20 is its
    // lower case, and only the two cases of a letter become that letter so.
    let hot = match *name {
        [a, b, c] => match [a | 0x20, b | 0x20, c | 0x20] {
            [b'g', b'e', b't'] => Some((Cmd::Get, 2)),
            [b's', b'e', b't'] => Some((Cmd::Set, -3)),
            _ => None,
        },
        [a, b, c, d] if u32::from_le_bytes([a, b, c, d]) | 0x2020_2020 == u32::from_le_bytes(*b"ping") => {
            Some((Cmd::Ping, -1))
        }
        _ => None,
    };
    let found = if hot.is_some() { hot } else { names::find(name) };
    let Some((cmd, arity)) = found else {
        ctx.session.last = NO_CMD;
        unknown_command(&args, out);
        return Flow::Continue;
    };
    // The command as `CLIENT LIST` names it: one store here; a container's
    // subcommand is looked up where it runs or is refused (no container is a hot
    // command).
    ctx.session.last = cmd as u16;
    let argc = args.len() as i32;
    if (arity > 0 && argc != arity) || argc < -arity {
        arity_error(cmd.spec().name, out);
        return Flow::Continue;
    }
    if !ctx.session.authenticated && !matches!(cmd, Cmd::Auth | Cmd::Hello | Cmd::Quit | Cmd::Reset) {
        ctx.session.last = table::code_of(cmd, second(&args));
        refuse_unauthenticated(cmd, &args, out);
        return Flow::Continue;
    }
    if ctx.session.subs.count() > 0 && !ctx.session.resp3 && subscribed(cmd, &args, out) {
        ctx.session.last = table::code_of(cmd, second(&args));
        return Flow::Continue;
    }
    ctx.counters.command();
    // This match is inlined into the request loop, and so is every command function
    // the compiler chooses to inline; the larger ones off the benchmarks' path are
    // `#[inline(never)]`, so that what it hoists for them into the loop's entry (paid
    // by every batch) stays out.
    match cmd {
        Cmd::Get => {
            let resp3 = ctx.session.resp3;
            let hit = ctx.store.get(args.get(1), ctx.clock, |v| string_reply(out, v, resp3));
            ctx.counters.looked_up(hit);
        }
        Cmd::Set => strings::set(&args, ctx, out),
        Cmd::Append => strings::append(&args, ctx, out),
        Cmd::Decr => strings::incr(args.get(1), -1, ctx, out),
        Cmd::Incr => strings::incr(args.get(1), 1, ctx, out),
        Cmd::Decrby | Cmd::Incrby => strings::incr_by(&args, cmd == Cmd::Decrby, ctx, out),
        Cmd::Getdel => strings::getdel(&args, ctx, out),
        Cmd::Getex => strings::getex(&args, ctx, out),
        Cmd::Getrange | Cmd::Substr => strings::getrange(&args, ctx, out),
        Cmd::Getset => strings::getset(&args, ctx, out),
        Cmd::Incrbyfloat => strings::incrbyfloat(&args, ctx, out),
        Cmd::Lcs => strings::lcs(&args, ctx, out),
        Cmd::Mget => strings::mget(&args, ctx, out),
        Cmd::Mset => strings::mset(&args, ctx, out),
        Cmd::Msetnx => strings::msetnx(&args, ctx, out),
        Cmd::Psetex | Cmd::Setex => strings::setex(&args, cmd == Cmd::Psetex, ctx, out),
        Cmd::Setnx => strings::setnx(&args, ctx, out),
        Cmd::Setrange => strings::setrange(&args, ctx, out),
        Cmd::Strlen => strings::strlen(&args, ctx, out),
        Cmd::Copy => {
            let db = keys::copy(&args, ctx, out);
            blocking::pushed_in(db, args.get(2), ctx);
        }
        Cmd::Del | Cmd::Unlink => keys::del(&args, ctx, out),
        Cmd::Exists | Cmd::Touch => keys::exists(&args, ctx, out),
        Cmd::Expire | Cmd::Pexpire | Cmd::Expireat | Cmd::Pexpireat => keys::expire(&args, cmd, ctx, out),
        Cmd::Expiretime | Cmd::Pexpiretime | Cmd::Ttl | Cmd::Pttl => keys::ttl(&args, cmd, ctx, out),
        Cmd::Keys => keys::keys(&args, ctx, out),
        Cmd::Move => {
            let db = keys::move_(&args, ctx, out);
            blocking::pushed_in(db, args.get(1), ctx);
        }
        Cmd::Persist => keys::persist(&args, ctx, out),
        Cmd::Randomkey => keys::randomkey(ctx, out),
        Cmd::Rename | Cmd::Renamenx => {
            keys::rename(&args, cmd == Cmd::Renamenx, ctx, out);
            blocking::pushed(args.get(2), ctx);
        }
        Cmd::Scan => keys::scan(&args, ctx, out),
        Cmd::Type => keys::type_(&args, ctx, out),
        Cmd::Lpush | Cmd::Rpush | Cmd::Lpushx | Cmd::Rpushx => {
            lists::push(&args, cmd, ctx, out);
            blocking::pushed(args.get(1), ctx);
        }
        Cmd::Lpop | Cmd::Rpop => lists::pop(&args, cmd == Cmd::Lpop, ctx, out),
        Cmd::Llen => lists::llen(&args, ctx, out),
        Cmd::Lrange => lists::lrange(&args, ctx, out),
        Cmd::Lindex => lists::lindex(&args, ctx, out),
        Cmd::Lset => lists::lset(&args, ctx, out),
        Cmd::Lrem => lists::lrem(&args, ctx, out),
        Cmd::Ltrim => lists::ltrim(&args, ctx, out),
        Cmd::Linsert => {
            lists::linsert(&args, ctx, out);
            blocking::pushed(args.get(1), ctx);
        }
        Cmd::Lpos => lists::lpos(&args, ctx, out),
        Cmd::Lmove | Cmd::Rpoplpush => {
            lists::lmove(&args, cmd == Cmd::Rpoplpush, ctx, out);
            blocking::pushed(args.get(2), ctx);
        }
        Cmd::Blpop | Cmd::Brpop => {
            blocking::bpop(&args, cmd == Cmd::Blpop, ctx, out);
            if ctx.session.block.is_some() {
                return Flow::Block;
            }
        }
        Cmd::Blmove | Cmd::Brpoplpush => {
            blocking::bmove(&args, cmd == Cmd::Brpoplpush, ctx, out);
            if ctx.session.block.is_some() {
                return Flow::Block;
            }
        }
        Cmd::Bzpopmin | Cmd::Bzpopmax | Cmd::Bzmpop => {
            if cmd == Cmd::Bzmpop {
                blocking::bzmpop(&args, ctx, out);
            } else {
                blocking::bzpop(&args, cmd == Cmd::Bzpopmax, ctx, out);
            }
            if ctx.session.block.is_some() {
                return Flow::Block;
            }
        }
        Cmd::Hset | Cmd::Hmset => hashes::hset(&args, cmd == Cmd::Hmset, ctx, out),
        Cmd::Hsetnx => hashes::hsetnx(&args, ctx, out),
        Cmd::Hget => hashes::hget(&args, ctx, out),
        Cmd::Hmget => hashes::hmget(&args, ctx, out),
        Cmd::Hdel => hashes::hdel(&args, ctx, out),
        Cmd::Hexists => hashes::hexists(&args, ctx, out),
        Cmd::Hlen => hashes::hlen(&args, ctx, out),
        Cmd::Hkeys | Cmd::Hvals | Cmd::Hgetall => hashes::hgetall(&args, cmd, ctx, out),
        Cmd::Hincrby => hashes::hincrby(&args, ctx, out),
        Cmd::Hincrbyfloat => hashes::hincrbyfloat(&args, ctx, out),
        Cmd::Hstrlen => hashes::hstrlen(&args, ctx, out),
        Cmd::Hrandfield => hashes::hrandfield(&args, ctx, out),
        Cmd::Hscan => hashes::hscan(&args, ctx, out),
        Cmd::Sadd => sets::sadd(&args, ctx, out),
        Cmd::Srem => sets::srem(&args, ctx, out),
        Cmd::Smembers => sets::smembers(&args, ctx, out),
        Cmd::Sismember => sets::sismember(&args, ctx, out),
        Cmd::Smismember => sets::smismember(&args, ctx, out),
        Cmd::Scard => sets::scard(&args, ctx, out),
        Cmd::Spop => sets::spop(&args, ctx, out),
        Cmd::Srandmember => sets::srandmember(&args, ctx, out),
        Cmd::Smove => sets::smove(&args, ctx, out),
        Cmd::Sinter | Cmd::Sunion | Cmd::Sdiff => sets::combine(&args, cmd, None, ctx, out),
        Cmd::Sinterstore => sets::combine(&args, Cmd::Sinter, Some(args.get(1)), ctx, out),
        Cmd::Sunionstore => sets::combine(&args, Cmd::Sunion, Some(args.get(1)), ctx, out),
        Cmd::Sdiffstore => sets::combine(&args, Cmd::Sdiff, Some(args.get(1)), ctx, out),
        Cmd::Sscan => sets::sscan(&args, ctx, out),
        Cmd::Zadd
        | Cmd::Zcard
        | Cmd::Zcount
        | Cmd::Zincrby
        | Cmd::Zlexcount
        | Cmd::Zmscore
        | Cmd::Zpopmax
        | Cmd::Zpopmin
        | Cmd::Zrandmember
        | Cmd::Zrange
        | Cmd::Zrangebylex
        | Cmd::Zrangebyscore
        | Cmd::Zrangestore
        | Cmd::Zrank
        | Cmd::Zrem
        | Cmd::Zremrangebylex
        | Cmd::Zremrangebyrank
        | Cmd::Zremrangebyscore
        | Cmd::Zrevrange
        | Cmd::Zrevrangebylex
        | Cmd::Zrevrangebyscore
        | Cmd::Zrevrank
        | Cmd::Zscan
        | Cmd::Zscore
        | Cmd::Zunion
        | Cmd::Zinter
        | Cmd::Zdiff
        | Cmd::Zunionstore
        | Cmd::Zinterstore
        | Cmd::Zdiffstore
        | Cmd::Zintercard
        | Cmd::Zmpop => zsets::execute(cmd, &args, ctx, out),
        Cmd::Ping => server::ping(&args, out),
        Cmd::Echo => bulk(out, args.get(1)),
        Cmd::Quit => {
            out.put(b"+OK\r\n");
            return Flow::Close;
        }
        Cmd::Select => server::select(&args, ctx, out),
        Cmd::Hello => server::hello(&args, ctx, out),
        Cmd::Auth => server::auth(&args, ctx, out),
        Cmd::Dbsize => int(out, ctx.store.counts().0 as i64),
        Cmd::Flushdb | Cmd::Flushall => server::flush(&args, cmd == Cmd::Flushall, ctx, out),
        Cmd::Time => server::time(out),
        Cmd::Info => info::info(&args, ctx, out),
        Cmd::Config => {
            ctx.session.last = table::code_of(cmd, second(&args));
            server::config(&args, ctx, out)
        }
        Cmd::Command => {
            ctx.session.last = table::code_of(cmd, second(&args));
            command::command(&args, out, ctx.session.resp3)
        }
        Cmd::Subscribe | Cmd::Psubscribe => pubsub::subscribe(&args, cmd == Cmd::Psubscribe, ctx, out),
        Cmd::Unsubscribe | Cmd::Punsubscribe => {
            pubsub::unsubscribe(&args, cmd == Cmd::Punsubscribe, ctx, out)
        }
        Cmd::Publish => pubsub::publish(&args, ctx, out),
        Cmd::Pubsub => {
            ctx.session.last = table::code_of(cmd, second(&args));
            pubsub::pubsub(&args, ctx, out)
        }
        Cmd::Reset => pubsub::reset(ctx, out),
        Cmd::Client => {
            ctx.session.last = table::code_of(cmd, second(&args));
            return client::client(&args, ctx, out);
        }
    }
    Flow::Continue
}

/// A client that has not authenticated: `NOAUTH`, once a container's subcommand is
/// known to exist and to have its arguments (Redis looks the command up first).
#[cold]
#[inline(never)]
fn refuse_unauthenticated(cmd: Cmd, args: &Args<'_>, out: &mut impl Sink) {
    let name = cmd.spec().name;
    let container = subcommands::SUBCOMMANDS.iter().any(|s| s.container == name);
    if !container || args.len() < 2 || subcommand(name, args, out).is_some() {
        out.put(E_NOAUTH);
    }
}

/// The argument after the command's name, if any: a container's subcommand.
fn second<'a>(args: &Args<'a>) -> Option<&'a [u8]> {
    (args.len() > 1).then(|| args.get(1))
}

/// Subscribed mode: refuses the commands not allowed there and answers `PING` its
/// own way; returns whether the request is done.
#[cold]
#[inline(never)]
fn subscribed(cmd: Cmd, args: &Args<'_>, out: &mut impl Sink) -> bool {
    if cmd == Cmd::Ping {
        pubsub::ping(args, out);
        return true;
    }
    pubsub::refuse_subscribed(cmd, args, out)
}

/// The replies of a batch, on their way to the connection: counts each that is an
/// error (it starts with `-`) by kind, as Redis does for `INFO errorstats`. Only the
/// first write of a reply is looked at (`fresh`), so a value that starts with `-` is
/// not taken for an error.
struct Replies<'a, S> {
    out: &'a mut S,
    fresh: bool,
    errors: &'a ErrorStats,
}

impl<S: Sink> Sink for Replies<'_, S> {
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) {
        if self.fresh {
            self.fresh = false;
            if bytes.first() == Some(&b'-') {
                self.errors.count(bytes);
            }
        }
        self.out.put(bytes);
    }
}

/// Runs every complete request at the start of `input` and writes their replies, as a
/// server does with what one read brought: returns the bytes the requests took and
/// whether the connection goes on.
///
/// Stops at a request that has not fully arrived (its bytes are left for the next call,
/// with `progress`, the connection's saved scan position), after `QUIT`, after a
/// command that blocked ([`Flow::Block`]: what follows waits in the input), or at a
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
    // The limits of a client that has not authenticated, lifted by an `AUTH` (or
    // `HELLO ... AUTH`) earlier in the batch. (A `RESET` that ends the client's
    // authentication takes effect from the next batch.)
    parser.set_unauthenticated(!ctx.session.authenticated);
    let mut out = Replies { out, fresh: false, errors: &ctx.shared.errors };
    let out = &mut out;
    loop {
        let rest = &input[used..];
        if parser.unauthenticated() && ctx.session.authenticated {
            parser.set_unauthenticated(false);
        }
        match parser.parse_len(rest, progress) {
            Ok(Some(n)) => {
                used += n;
                let args = parser.args(rest);
                if !args.is_empty() {
                    out.fresh = true;
                    match execute(args, ctx, out) {
                        Flow::Continue => {}
                        flow => return (used, flow),
                    }
                }
            }
            Ok(None) => return (used, Flow::Continue),
            Err(e) => {
                // Like Redis: answer what came before, then the error, then close.
                out.fresh = true;
                protocol_error(e, out);
                return (used, Flow::Close);
            }
        }
    }
}

/// Whether `arg` equals the lower-case `word`, ignoring ASCII case.
#[inline]
pub(crate) fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// An integer argument, or `None` after writing Redis's error for one that is not.
pub(crate) fn int_arg(arg: &[u8], out: &mut impl Sink) -> Option<i64> {
    let v = parse_i64(arg);
    if v.is_none() {
        out.put(E_NOT_INT);
    }
    v
}

/// The subcommand of `container` (`config`, `command`, `pubsub`, `client`) that `args`
/// names (its name after the container's), with its arity checked as Redis checks it
/// (from [`subcommands::SUBCOMMANDS`]); `None` once the error is written.
pub(crate) fn subcommand(container: &str, args: &Args<'_>, out: &mut impl Sink) -> Option<&'static str> {
    let sub = args.get(1);
    let name = |s: &'static table::Spec| &s.name[container.len() + 1..];
    let Some(spec) = subcommands::SUBCOMMANDS.iter().find(|s| s.container == container && is(sub, name(s)))
    else {
        unknown_subcommand(sub, &container.to_ascii_uppercase(), out);
        return None;
    };
    let argc = args.len() as i32;
    if (spec.arity > 0 && argc != spec.arity) || argc < -spec.arity {
        arity_error(spec.name, out);
        return None;
    }
    Some(name(spec))
}

/// The reply of a command reading a string: the value, nil, or `WRONGTYPE`; returns
/// whether the key was found.
#[inline(always)]
pub(crate) fn string_reply(out: &mut impl Sink, v: Option<&Value>, resp3: bool) -> bool {
    match v {
        Some(Value::Str(s)) => bulk(out, s),
        None => {
            null(out, resp3);
            return false;
        }
        Some(_) => out.put(E_WRONGTYPE),
    }
    true
}

/// The sorted set in `v`, `Err(())` after writing `WRONGTYPE` when it holds something
/// else.
pub(crate) fn zset<'v>(v: Option<&'v Value>, out: &mut impl Sink) -> Result<Option<&'v Zset>, ()> {
    match v {
        None => Ok(None),
        Some(Value::Zset(z)) => Ok(Some(z)),
        Some(_) => {
            out.put(E_WRONGTYPE);
            Err(())
        }
    }
}

/// A bulk string, or a null for `None`.
#[inline]
pub(crate) fn value(out: &mut impl Sink, v: Option<&[u8]>, resp3: bool) {
    match v {
        Some(v) => bulk(out, v),
        None => null(out, resp3),
    }
}
