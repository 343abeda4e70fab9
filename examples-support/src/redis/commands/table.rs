//! The commands this server knows: [`Cmd`], one variant per command, found by its
//! lower-case name, and the [`Spec`] that describes each, as `COMMAND INFO` and
//! `COMMAND DOCS` report it (Redis 7.0's own values: arity, flags, key positions, ACL
//! categories, summary). The rows are in the `specs` module, one per command in the
//! order of [`Cmd`]; the subcommands are in [`subcommands`](super::subcommands).

pub use super::specs::SPECS;
pub use super::subcommands::SUBCOMMANDS;
use crate::redis::clients::NO_CMD;

/// A command's description, as Redis 7.0 reports it.
#[derive(Debug)]
pub struct Spec {
    /// Lower-case name (`container|sub` for a subcommand).
    pub name: &'static str,
    /// `n`: exactly `n` arguments with the name; `-n`: at least `n`.
    pub arity: i32,
    /// Flags (`write`, `readonly`, `fast`...).
    pub flags: &'static [&'static str],
    /// Position of the first key, 0 when none.
    pub first: i32,
    /// Position of the last key, -1 for the last argument.
    pub last: i32,
    /// Step between keys.
    pub step: i32,
    /// ACL categories.
    pub categories: &'static [&'static str],
    /// One line on what it does.
    pub summary: &'static str,
    /// The Redis version that introduced it.
    pub since: &'static str,
    /// Its group (`string`, `list`...).
    pub group: &'static str,
    /// Its time complexity.
    pub complexity: &'static str,
    /// The command it is a subcommand of, or empty.
    pub container: &'static str,
}

/// The subcommands of `spec`.
pub(crate) fn subcommands(spec: &Spec) -> impl Iterator<Item = &'static Spec> + '_ {
    SUBCOMMANDS.iter().filter(move |s| s.container == spec.name)
}

/// A command, by its place in [`SPECS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// `APPEND`.
    Append,
    /// `DECR`.
    Decr,
    /// `DECRBY`.
    Decrby,
    /// `GET`.
    Get,
    /// `GETDEL`.
    Getdel,
    /// `GETEX`.
    Getex,
    /// `GETRANGE`.
    Getrange,
    /// `GETSET`.
    Getset,
    /// `INCR`.
    Incr,
    /// `INCRBY`.
    Incrby,
    /// `INCRBYFLOAT`.
    Incrbyfloat,
    /// `LCS`.
    Lcs,
    /// `MGET`.
    Mget,
    /// `MSET`.
    Mset,
    /// `MSETNX`.
    Msetnx,
    /// `PSETEX`.
    Psetex,
    /// `SET`.
    Set,
    /// `SETEX`.
    Setex,
    /// `SETNX`.
    Setnx,
    /// `SETRANGE`.
    Setrange,
    /// `STRLEN`.
    Strlen,
    /// `SUBSTR`.
    Substr,
    /// `COPY`.
    Copy,
    /// `DEL`.
    Del,
    /// `EXISTS`.
    Exists,
    /// `EXPIRE`.
    Expire,
    /// `EXPIREAT`.
    Expireat,
    /// `EXPIRETIME`.
    Expiretime,
    /// `MOVE`.
    Move,
    /// `KEYS`.
    Keys,
    /// `PERSIST`.
    Persist,
    /// `PEXPIRE`.
    Pexpire,
    /// `PEXPIREAT`.
    Pexpireat,
    /// `PEXPIRETIME`.
    Pexpiretime,
    /// `PTTL`.
    Pttl,
    /// `RANDOMKEY`.
    Randomkey,
    /// `RENAME`.
    Rename,
    /// `RENAMENX`.
    Renamenx,
    /// `SCAN`.
    Scan,
    /// `TOUCH`.
    Touch,
    /// `TTL`.
    Ttl,
    /// `TYPE`.
    Type,
    /// `UNLINK`.
    Unlink,
    /// `LPUSH`.
    Lpush,
    /// `RPUSH`.
    Rpush,
    /// `LPUSHX`.
    Lpushx,
    /// `RPUSHX`.
    Rpushx,
    /// `LPOP`.
    Lpop,
    /// `RPOP`.
    Rpop,
    /// `LLEN`.
    Llen,
    /// `LRANGE`.
    Lrange,
    /// `LINDEX`.
    Lindex,
    /// `LSET`.
    Lset,
    /// `LREM`.
    Lrem,
    /// `LTRIM`.
    Ltrim,
    /// `LINSERT`.
    Linsert,
    /// `LPOS`.
    Lpos,
    /// `LMOVE`.
    Lmove,
    /// `RPOPLPUSH`.
    Rpoplpush,
    /// `BLPOP`.
    Blpop,
    /// `BRPOP`.
    Brpop,
    /// `BLMOVE`.
    Blmove,
    /// `BRPOPLPUSH`.
    Brpoplpush,
    /// `HSET`.
    Hset,
    /// `HSETNX`.
    Hsetnx,
    /// `HGET`.
    Hget,
    /// `HMGET`.
    Hmget,
    /// `HDEL`.
    Hdel,
    /// `HEXISTS`.
    Hexists,
    /// `HLEN`.
    Hlen,
    /// `HKEYS`.
    Hkeys,
    /// `HVALS`.
    Hvals,
    /// `HGETALL`.
    Hgetall,
    /// `HINCRBY`.
    Hincrby,
    /// `HINCRBYFLOAT`.
    Hincrbyfloat,
    /// `HSTRLEN`.
    Hstrlen,
    /// `HRANDFIELD`.
    Hrandfield,
    /// `HSCAN`.
    Hscan,
    /// `HMSET`.
    Hmset,
    /// `SADD`.
    Sadd,
    /// `SREM`.
    Srem,
    /// `SMEMBERS`.
    Smembers,
    /// `SISMEMBER`.
    Sismember,
    /// `SMISMEMBER`.
    Smismember,
    /// `SCARD`.
    Scard,
    /// `SPOP`.
    Spop,
    /// `SRANDMEMBER`.
    Srandmember,
    /// `SMOVE`.
    Smove,
    /// `SINTER`.
    Sinter,
    /// `SINTERSTORE`.
    Sinterstore,
    /// `SUNION`.
    Sunion,
    /// `SUNIONSTORE`.
    Sunionstore,
    /// `SDIFF`.
    Sdiff,
    /// `SDIFFSTORE`.
    Sdiffstore,
    /// `SSCAN`.
    Sscan,
    /// `ZADD`.
    Zadd,
    /// `ZCARD`.
    Zcard,
    /// `ZCOUNT`.
    Zcount,
    /// `ZINCRBY`.
    Zincrby,
    /// `ZLEXCOUNT`.
    Zlexcount,
    /// `ZMSCORE`.
    Zmscore,
    /// `ZPOPMAX`.
    Zpopmax,
    /// `ZPOPMIN`.
    Zpopmin,
    /// `ZRANDMEMBER`.
    Zrandmember,
    /// `ZRANGE`.
    Zrange,
    /// `ZRANGEBYLEX`.
    Zrangebylex,
    /// `ZRANGEBYSCORE`.
    Zrangebyscore,
    /// `ZRANGESTORE`.
    Zrangestore,
    /// `ZRANK`.
    Zrank,
    /// `ZREM`.
    Zrem,
    /// `ZREMRANGEBYLEX`.
    Zremrangebylex,
    /// `ZREMRANGEBYRANK`.
    Zremrangebyrank,
    /// `ZREMRANGEBYSCORE`.
    Zremrangebyscore,
    /// `ZREVRANGE`.
    Zrevrange,
    /// `ZREVRANGEBYLEX`.
    Zrevrangebylex,
    /// `ZREVRANGEBYSCORE`.
    Zrevrangebyscore,
    /// `ZREVRANK`.
    Zrevrank,
    /// `ZSCAN`.
    Zscan,
    /// `ZSCORE`.
    Zscore,
    /// `ZUNION`.
    Zunion,
    /// `ZINTER`.
    Zinter,
    /// `ZDIFF`.
    Zdiff,
    /// `ZUNIONSTORE`.
    Zunionstore,
    /// `ZINTERSTORE`.
    Zinterstore,
    /// `ZDIFFSTORE`.
    Zdiffstore,
    /// `ZINTERCARD`.
    Zintercard,
    /// `ZMPOP`.
    Zmpop,
    /// `BZPOPMIN`.
    Bzpopmin,
    /// `BZPOPMAX`.
    Bzpopmax,
    /// `BZMPOP`.
    Bzmpop,
    /// `PING`.
    Ping,
    /// `ECHO`.
    Echo,
    /// `QUIT`.
    Quit,
    /// `SELECT`.
    Select,
    /// `HELLO`.
    Hello,
    /// `AUTH`.
    Auth,
    /// `DBSIZE`.
    Dbsize,
    /// `FLUSHDB`.
    Flushdb,
    /// `FLUSHALL`.
    Flushall,
    /// `TIME`.
    Time,
    /// `INFO`.
    Info,
    /// `CONFIG`.
    Config,
    /// `COMMAND`.
    Command,
    /// `SUBSCRIBE`.
    Subscribe,
    /// `UNSUBSCRIBE`.
    Unsubscribe,
    /// `PSUBSCRIBE`.
    Psubscribe,
    /// `PUNSUBSCRIBE`.
    Punsubscribe,
    /// `PUBLISH`.
    Publish,
    /// `PUBSUB`.
    Pubsub,
    /// `RESET`.
    Reset,
    /// `CLIENT`.
    Client,
}

impl Cmd {
    /// Looks up a lower-case command name.
    #[inline]
    pub fn lookup(name: &[u8]) -> Option<Cmd> {
        Some(match name {
            b"append" => Cmd::Append,
            b"decr" => Cmd::Decr,
            b"decrby" => Cmd::Decrby,
            b"get" => Cmd::Get,
            b"getdel" => Cmd::Getdel,
            b"getex" => Cmd::Getex,
            b"getrange" => Cmd::Getrange,
            b"getset" => Cmd::Getset,
            b"incr" => Cmd::Incr,
            b"incrby" => Cmd::Incrby,
            b"incrbyfloat" => Cmd::Incrbyfloat,
            b"lcs" => Cmd::Lcs,
            b"mget" => Cmd::Mget,
            b"mset" => Cmd::Mset,
            b"msetnx" => Cmd::Msetnx,
            b"psetex" => Cmd::Psetex,
            b"set" => Cmd::Set,
            b"setex" => Cmd::Setex,
            b"setnx" => Cmd::Setnx,
            b"setrange" => Cmd::Setrange,
            b"strlen" => Cmd::Strlen,
            b"substr" => Cmd::Substr,
            b"copy" => Cmd::Copy,
            b"del" => Cmd::Del,
            b"exists" => Cmd::Exists,
            b"expire" => Cmd::Expire,
            b"expireat" => Cmd::Expireat,
            b"expiretime" => Cmd::Expiretime,
            b"move" => Cmd::Move,
            b"keys" => Cmd::Keys,
            b"persist" => Cmd::Persist,
            b"pexpire" => Cmd::Pexpire,
            b"pexpireat" => Cmd::Pexpireat,
            b"pexpiretime" => Cmd::Pexpiretime,
            b"pttl" => Cmd::Pttl,
            b"randomkey" => Cmd::Randomkey,
            b"rename" => Cmd::Rename,
            b"renamenx" => Cmd::Renamenx,
            b"scan" => Cmd::Scan,
            b"touch" => Cmd::Touch,
            b"ttl" => Cmd::Ttl,
            b"type" => Cmd::Type,
            b"unlink" => Cmd::Unlink,
            b"lpush" => Cmd::Lpush,
            b"rpush" => Cmd::Rpush,
            b"lpushx" => Cmd::Lpushx,
            b"rpushx" => Cmd::Rpushx,
            b"lpop" => Cmd::Lpop,
            b"rpop" => Cmd::Rpop,
            b"llen" => Cmd::Llen,
            b"lrange" => Cmd::Lrange,
            b"lindex" => Cmd::Lindex,
            b"lset" => Cmd::Lset,
            b"lrem" => Cmd::Lrem,
            b"ltrim" => Cmd::Ltrim,
            b"linsert" => Cmd::Linsert,
            b"lpos" => Cmd::Lpos,
            b"lmove" => Cmd::Lmove,
            b"rpoplpush" => Cmd::Rpoplpush,
            b"blpop" => Cmd::Blpop,
            b"brpop" => Cmd::Brpop,
            b"blmove" => Cmd::Blmove,
            b"brpoplpush" => Cmd::Brpoplpush,
            b"hset" => Cmd::Hset,
            b"hsetnx" => Cmd::Hsetnx,
            b"hget" => Cmd::Hget,
            b"hmget" => Cmd::Hmget,
            b"hdel" => Cmd::Hdel,
            b"hexists" => Cmd::Hexists,
            b"hlen" => Cmd::Hlen,
            b"hkeys" => Cmd::Hkeys,
            b"hvals" => Cmd::Hvals,
            b"hgetall" => Cmd::Hgetall,
            b"hincrby" => Cmd::Hincrby,
            b"hincrbyfloat" => Cmd::Hincrbyfloat,
            b"hstrlen" => Cmd::Hstrlen,
            b"hrandfield" => Cmd::Hrandfield,
            b"hscan" => Cmd::Hscan,
            b"hmset" => Cmd::Hmset,
            b"sadd" => Cmd::Sadd,
            b"srem" => Cmd::Srem,
            b"smembers" => Cmd::Smembers,
            b"sismember" => Cmd::Sismember,
            b"smismember" => Cmd::Smismember,
            b"scard" => Cmd::Scard,
            b"spop" => Cmd::Spop,
            b"srandmember" => Cmd::Srandmember,
            b"smove" => Cmd::Smove,
            b"sinter" => Cmd::Sinter,
            b"sinterstore" => Cmd::Sinterstore,
            b"sunion" => Cmd::Sunion,
            b"sunionstore" => Cmd::Sunionstore,
            b"sdiff" => Cmd::Sdiff,
            b"sdiffstore" => Cmd::Sdiffstore,
            b"sscan" => Cmd::Sscan,
            b"zadd" => Cmd::Zadd,
            b"zcard" => Cmd::Zcard,
            b"zcount" => Cmd::Zcount,
            b"zincrby" => Cmd::Zincrby,
            b"zlexcount" => Cmd::Zlexcount,
            b"zmscore" => Cmd::Zmscore,
            b"zpopmax" => Cmd::Zpopmax,
            b"zpopmin" => Cmd::Zpopmin,
            b"zrandmember" => Cmd::Zrandmember,
            b"zrange" => Cmd::Zrange,
            b"zrangebylex" => Cmd::Zrangebylex,
            b"zrangebyscore" => Cmd::Zrangebyscore,
            b"zrangestore" => Cmd::Zrangestore,
            b"zrank" => Cmd::Zrank,
            b"zrem" => Cmd::Zrem,
            b"zremrangebylex" => Cmd::Zremrangebylex,
            b"zremrangebyrank" => Cmd::Zremrangebyrank,
            b"zremrangebyscore" => Cmd::Zremrangebyscore,
            b"zrevrange" => Cmd::Zrevrange,
            b"zrevrangebylex" => Cmd::Zrevrangebylex,
            b"zrevrangebyscore" => Cmd::Zrevrangebyscore,
            b"zrevrank" => Cmd::Zrevrank,
            b"zscan" => Cmd::Zscan,
            b"zscore" => Cmd::Zscore,
            b"zunion" => Cmd::Zunion,
            b"zinter" => Cmd::Zinter,
            b"zdiff" => Cmd::Zdiff,
            b"zunionstore" => Cmd::Zunionstore,
            b"zinterstore" => Cmd::Zinterstore,
            b"zdiffstore" => Cmd::Zdiffstore,
            b"zintercard" => Cmd::Zintercard,
            b"zmpop" => Cmd::Zmpop,
            b"bzpopmin" => Cmd::Bzpopmin,
            b"bzpopmax" => Cmd::Bzpopmax,
            b"bzmpop" => Cmd::Bzmpop,
            b"ping" => Cmd::Ping,
            b"echo" => Cmd::Echo,
            b"quit" => Cmd::Quit,
            b"select" => Cmd::Select,
            b"hello" => Cmd::Hello,
            b"auth" => Cmd::Auth,
            b"dbsize" => Cmd::Dbsize,
            b"flushdb" => Cmd::Flushdb,
            b"flushall" => Cmd::Flushall,
            b"time" => Cmd::Time,
            b"info" => Cmd::Info,
            b"config" => Cmd::Config,
            b"command" => Cmd::Command,
            b"subscribe" => Cmd::Subscribe,
            b"unsubscribe" => Cmd::Unsubscribe,
            b"psubscribe" => Cmd::Psubscribe,
            b"punsubscribe" => Cmd::Punsubscribe,
            b"publish" => Cmd::Publish,
            b"pubsub" => Cmd::Pubsub,
            b"reset" => Cmd::Reset,
            b"client" => Cmd::Client,
            _ => return None,
        })
    }

    /// The command's description.
    #[inline]
    pub fn spec(self) -> &'static Spec {
        &SPECS[self as usize]
    }
}

/// The full name (`get`, `client|list`) of the command or subcommand numbered `code`
/// ([`Cmd`]'s place in [`SPECS`], or [`SPECS`]' length plus a place in
/// [`SUBCOMMANDS`]), `NULL` for [`NO_CMD`] or any other number.
pub fn code_name(code: u16) -> &'static str {
    let code = usize::from(code);
    match SPECS.get(code) {
        Some(s) => s.name,
        None => SUBCOMMANDS.get(code - SPECS.len()).map_or("NULL", |s| s.name),
    }
}

/// The code of the command `cmd` was called as: its subcommand's when it is a
/// container and `sub` names one it has (`None` is the code's [`NO_CMD`] then, as
/// Redis records no command for an unknown subcommand), `cmd`'s own otherwise.
#[cold]
pub fn code_of(cmd: Cmd, sub: Option<&[u8]>) -> u16 {
    let name = cmd.spec().name;
    let Some(sub) = sub else { return cmd as u16 };
    let mut subs = SUBCOMMANDS.iter().enumerate().filter(|(_, s)| s.container == name).peekable();
    if subs.peek().is_none() {
        return cmd as u16;
    }
    subs.find(|(_, s)| sub.eq_ignore_ascii_case(&s.name.as_bytes()[name.len() + 1..]))
        .map_or(NO_CMD, |(i, _)| (SPECS.len() + i) as u16)
}
