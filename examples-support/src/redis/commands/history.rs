//! `COMMAND DOCS`'s `history`: the changes Redis 7.0 lists for each command since the
//! version that added it, in the order it lists them.

/// Each command's changes, by name (`container|sub` for a subcommand): the version and
/// what changed. Commands without changes are not listed.
const HISTORY: &[(&str, &[(&str, &str)])] = &[
    ("auth", &[("6.0.0", "Added ACL style (username and password).")]),
    ("blpop", &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")]),
    ("brpop", &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")]),
    ("brpoplpush", &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")]),
    ("client|kill", &[("2.8.12", "Added new filter format."), ("2.8.12", "`ID` option."), ("3.2.0", "Added `master` type in for `TYPE` option."), ("5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."), ("6.2.0", "`LADDR` option.")]),
    ("client|list", &[("2.8.12", "Added unique client `id` field."), ("5.0.0", "Added optional `TYPE` filter."), ("6.0.0", "Added `user` field."), ("6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."), ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."), ("7.0.3", "Added `ssub` field.")]),
    ("command|info", &[("7.0.0", "Allowed to be called with no argument to get info on all commands.")]),
    ("config|get", &[("7.0.0", "Added the ability to pass multiple pattern parameters in one call")]),
    ("config|set", &[("7.0.0", "Added the ability to set multiple parameters in one call.")]),
    ("exists", &[("3.0.3", "Accepts multiple `key` arguments.")]),
    ("expire", &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")]),
    ("expireat", &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")]),
    ("flushall", &[("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")]),
    ("flushdb", &[("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")]),
    ("hdel", &[("2.4.0", "Accepts multiple `field` arguments.")]),
    ("hello", &[("6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context.")]),
    ("hset", &[("4.0.0", "Accepts multiple `field` and `value` arguments.")]),
    ("info", &[("7.0.0", "Added support for taking multiple section arguments.")]),
    ("lpop", &[("6.2.0", "Added the `count` argument.")]),
    ("lpush", &[("2.4.0", "Accepts multiple `element` arguments.")]),
    ("lpushx", &[("4.0.0", "Accepts multiple `element` arguments.")]),
    ("pexpire", &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")]),
    ("pexpireat", &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")]),
    ("pttl", &[("2.8.0", "Added the -2 reply.")]),
    ("renamenx", &[("3.2.0", "The command no longer returns an error when source and destination names are the same.")]),
    ("rpop", &[("6.2.0", "Added the `count` argument.")]),
    ("rpush", &[("2.4.0", "Accepts multiple `element` arguments.")]),
    ("rpushx", &[("4.0.0", "Accepts multiple `element` arguments.")]),
    ("sadd", &[("2.4.0", "Accepts multiple `member` arguments.")]),
    ("scan", &[("6.0.0", "Added the `TYPE` subcommand.")]),
    ("set", &[("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."), ("6.0.0", "Added the `KEEPTTL` option."), ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."), ("7.0.0", "Allowed the `NX` and `GET` options to be used together.")]),
    ("spop", &[("3.2.0", "Added the `count` argument.")]),
    ("srandmember", &[("2.6.0", "Added the optional `count` argument.")]),
    ("srem", &[("2.4.0", "Accepts multiple `member` arguments.")]),
    ("ttl", &[("2.8.0", "Added the -2 reply.")]),
    ("zadd", &[("2.4.0", "Accepts multiple elements."), ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."), ("6.2.0", "Added the `GT` and `LT` options.")]),
    ("zrange", &[("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.")]),
    ("zrangebyscore", &[("2.0.0", "Added the `WITHSCORES` modifier.")]),
    ("zrem", &[("2.4.0", "Accepts multiple elements.")]),
    ("zrevrangebyscore", &[("2.1.6", "`min` and `max` can be exclusive.")]),
    ("bzpopmin", &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")]),
    ("bzpopmax", &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")]),
];

/// The changes of the command named `name`; empty for one without.
pub(super) fn history(name: &str) -> &'static [(&'static str, &'static str)] {
    HISTORY.iter().find(|(n, _)| *n == name).map_or(&[], |&(_, h)| h)
}
