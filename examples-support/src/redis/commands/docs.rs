//! `COMMAND DOCS`: what Redis 7.0 says of each command beyond [`Spec`]'s table, that
//! is its arguments (what `redis-cli` shows for `help <command>` and as hints while a
//! command is typed) and, for the old commands it keeps, what replaced them.
//!
//! The arguments are written in a short notation, one string per command, turned into
//! Redis's argument maps when asked for. Arguments are separated by spaces:
//!
//! ```text
//! key:key               an argument named `key` of type `key`
//! EX=seconds:integer    the same, introduced by the token `EX`
//! NX                    a pure token: named after it in lower case (`nx`)
//! LEFT=l:pure-token     a pure token named otherwise
//! name{a|b|c}           one of `a`, `b`, `c` (type `oneof`); TOKEN=name{...} too
//! name(a b c)           `a`, `b` and `c` together (type `block`); TOKEN=name(...) too
//! ?arg  *arg  +arg      flags, in any number: optional, multiple, multiple_token
//! key2:key#0            a key of the key spec 0 (keys are otherwise numbered in order)
//! arg@6.2.0  arg~2.8.12 the version that added it, and that deprecated it
//! ```
//!
//! A name may hold a colon (`ip:port:string`): the type is after the last one.

use tcpio::codec::Sink;

use super::history::history;
use super::table::{subcommands, Spec};
use crate::redis::reply::{array, bulk, int, map, set, status};

/// One command's `COMMAND DOCS` entry (a map, flattened for RESP2): summary, since,
/// group, complexity, the deprecation if any, the changes since it came if any,
/// arguments if any, subcommands if any.
pub(crate) fn command_docs(spec: &Spec, out: &mut impl Sink, resp3: bool) {
    let subs = subcommands(spec).count();
    let args = notation(spec.name).and_then(parse).unwrap_or_default();
    let deprecated = DEPRECATED.iter().find(|d| d.0 == spec.name);
    let history = history(spec.name);
    let pairs = 4
        + 3 * usize::from(deprecated.is_some())
        + usize::from(!history.is_empty())
        + usize::from(!args.is_empty())
        + usize::from(subs > 0);
    map(out, pairs, resp3);
    for (k, v) in [
        ("summary", spec.summary),
        ("since", spec.since),
        ("group", spec.group),
        ("complexity", spec.complexity),
    ] {
        pair(out, k, v);
    }
    if let Some(&(_, since, replaced_by)) = deprecated {
        bulk(out, b"doc_flags");
        set(out, 1, resp3);
        status(out, "deprecated");
        pair(out, "deprecated_since", since);
        pair(out, "replaced_by", replaced_by);
    }
    if !history.is_empty() {
        // A set of (version, change) pairs in RESP3, as Redis writes it.
        bulk(out, b"history");
        set(out, history.len(), resp3);
        for (version, change) in history {
            array(out, 2);
            bulk(out, version.as_bytes());
            bulk(out, change.as_bytes());
        }
    }
    if !args.is_empty() {
        bulk(out, b"arguments");
        list(&args, &mut 0, out, resp3);
    }
    if subs > 0 {
        bulk(out, b"subcommands");
        map(out, subs, resp3);
        for sub in subcommands(spec) {
            bulk(out, sub.name.as_bytes());
            command_docs(sub, out, resp3);
        }
    }
}

/// The commands Redis 7.0 keeps but calls deprecated: since when, and what to use.
const DEPRECATED: &[(&str, &str, &str)] = &[
    ("getset", "6.2.0", "`SET` with the `!GET` argument"),
    ("substr", "2.0.0", "`GETRANGE`"),
    ("rpoplpush", "6.2.0", "`LMOVE` with the `RIGHT` and `LEFT` arguments"),
    ("brpoplpush", "6.2.0", "`BLMOVE` with the `RIGHT` and `LEFT` arguments"),
    ("hmset", "4.0.0", "`HSET` with multiple field-value pairs"),
    ("zrangebylex", "6.2.0", "`ZRANGE` with the `BYLEX` argument"),
    ("zrangebyscore", "6.2.0", "`ZRANGE` with the `BYSCORE` argument"),
    ("zrevrange", "6.2.0", "`ZRANGE` with the `REV` argument"),
    ("zrevrangebylex", "6.2.0", "`ZRANGE` with the `REV` and `BYLEX` arguments"),
    ("zrevrangebyscore", "6.2.0", "`ZRANGE` with the `REV` and `BYSCORE` arguments"),
];

/// One argument of a command.
#[derive(Debug, PartialEq, Eq)]
struct Arg<'s> {
    /// The name; for a pure token written alone, the token, named in lower case.
    name: &'s str,
    lower_name: bool,
    kind: &'s str,
    /// For a key: the key spec it belongs to, when not the next one.
    key_spec: Option<i64>,
    /// The version that added it, when later than the command.
    since: Option<&'s str>,
    /// The version that deprecated it.
    deprecated: Option<&'s str>,
    token: Option<&'s str>,
    optional: bool,
    multiple: bool,
    multiple_token: bool,
    /// The arguments of a `oneof` or a `block`.
    inner: Vec<Arg<'s>>,
}

/// The arguments of `name` (`container|sub` for a subcommand) in the notation above;
/// `None` for a command this table does not know.
fn notation(name: &str) -> Option<&'static str> {
    ARGUMENTS.iter().find(|(n, _)| *n == name).map(|&(_, s)| s)
}

/// Argument maps in order; `keys` counts the key arguments written so far.
fn list(args: &[Arg<'_>], keys: &mut i64, out: &mut impl Sink, resp3: bool) {
    array(out, args.len());
    for a in args {
        let flags =
            [(a.optional, "optional"), (a.multiple, "multiple"), (a.multiple_token, "multiple_token")];
        let flag_count = flags.iter().filter(|(on, _)| *on).count();
        let fields = 2
            + usize::from(a.kind == "key")
            + usize::from(a.token.is_some())
            + usize::from(a.since.is_some())
            + usize::from(a.deprecated.is_some())
            + usize::from(flag_count > 0)
            + usize::from(!a.inner.is_empty());
        map(out, fields, resp3);
        bulk(out, b"name");
        if a.lower_name {
            bulk(out, a.name.to_ascii_lowercase().as_bytes());
        } else {
            bulk(out, a.name.as_bytes());
        }
        pair(out, "type", a.kind);
        if a.kind == "key" {
            bulk(out, b"key_spec_index");
            int(out, a.key_spec.unwrap_or(*keys));
            *keys += i64::from(a.key_spec.is_none());
        }
        if let Some(token) = a.token {
            pair(out, "token", token);
        }
        if let Some(since) = a.since {
            pair(out, "since", since);
        }
        if let Some(deprecated) = a.deprecated {
            pair(out, "deprecated_since", deprecated);
        }
        if flag_count > 0 {
            bulk(out, b"flags");
            set(out, flag_count, resp3);
            for (_, flag) in flags.iter().filter(|(on, _)| *on) {
                status(out, flag);
            }
        }
        if !a.inner.is_empty() {
            bulk(out, b"arguments");
            list(&a.inner, keys, out, resp3);
        }
    }
}

/// A key and its bulk string value.
fn pair(out: &mut impl Sink, key: &str, value: &str) {
    bulk(out, key.as_bytes());
    bulk(out, value.as_bytes());
}

/// The arguments a notation string describes; `None` if it is not well formed.
fn parse(text: &str) -> Option<Vec<Arg<'_>>> {
    let mut at = 0;
    let args = if text.is_empty() { Vec::new() } else { items(text, &mut at, b' ')? };
    (at == text.len()).then_some(args)
}

/// Arguments separated by `sep`, up to a closing bracket or the end.
fn items<'s>(text: &'s str, at: &mut usize, sep: u8) -> Option<Vec<Arg<'s>>> {
    let mut args = vec![item(text, at)?];
    while text.as_bytes().get(*at) == Some(&sep) {
        *at += 1;
        args.push(item(text, at)?);
    }
    Some(args)
}

/// One argument at `at`, its flags included.
fn item<'s>(text: &'s str, at: &mut usize) -> Option<Arg<'s>> {
    let bytes = text.as_bytes();
    let (mut optional, mut multiple, mut multiple_token) = (false, false, false);
    loop {
        match bytes.get(*at) {
            Some(b'?') => optional = true,
            Some(b'*') => multiple = true,
            Some(b'+') => multiple_token = true,
            _ => break,
        }
        *at += 1;
    }
    let start = *at;
    while let Some(&b) = bytes.get(*at) {
        if matches!(b, b' ' | b'|' | b'{' | b'}' | b'(' | b')' | b'@' | b'~') {
            break;
        }
        *at += 1;
    }
    let word = &text[start..*at];
    let (mut token, rest) = match word.split_once('=') {
        Some((token, rest)) => (Some(token), rest),
        None => (None, word),
    };
    let (mut name, mut lower_name, mut key_spec, mut inner) = (rest, false, None, Vec::new());
    let mut kind;
    match bytes.get(*at) {
        Some(&open @ (b'{' | b'(')) => {
            *at += 1;
            let (close, sep) = if open == b'{' { (b'}', b'|') } else { (b')', b' ') };
            kind = if open == b'{' { "oneof" } else { "block" };
            inner = items(text, at, sep)?;
            if bytes.get(*at) != Some(&close) {
                return None;
            }
            *at += 1;
        }
        _ => match rest.rsplit_once(':') {
            Some((n, k)) => {
                name = n;
                kind = k;
                if let Some(index) = k.strip_prefix("key#") {
                    (kind, key_spec) = ("key", Some(index.parse().ok()?));
                }
            }
            // A pure token alone (`NX`), named after itself in lower case.
            None if token.is_none() && rest.bytes().all(|b| b.is_ascii_uppercase() || b == b'-') => {
                (token, kind, lower_name) = (Some(rest), "pure-token", true);
            }
            None => return None,
        },
    }
    if name.is_empty() || !KINDS.contains(&kind) {
        return None;
    }
    let (mut since, mut deprecated) = (None, None);
    while let Some(&mark @ (b'@' | b'~')) = bytes.get(*at) {
        *at += 1;
        let start = *at;
        while bytes.get(*at).is_some_and(|b| b.is_ascii_digit() || *b == b'.') {
            *at += 1;
        }
        let version = Some(&text[start..*at]).filter(|v| !v.is_empty());
        *(if mark == b'@' { &mut since } else { &mut deprecated }) = Some(version?);
    }
    Some(Arg {
        name,
        lower_name,
        kind,
        key_spec,
        since,
        deprecated,
        token,
        optional,
        multiple,
        multiple_token,
        inner,
    })
}

/// The argument types Redis 7.0 reports.
const KINDS: &[&str] =
    &["string", "integer", "double", "key", "pattern", "unix-time", "pure-token", "oneof", "block"];

/// Every command's arguments, in the notation above.
const ARGUMENTS: &[(&str, &str)] = &[
    // strings
    ("append", "key:key value:string"),
    ("decr", "key:key"),
    ("decrby", "key:key decrement:integer"),
    ("get", "key:key"),
    ("getdel", "key:key"),
    (
        "getex",
        "key:key ?expiration{EX=seconds:integer|PX=milliseconds:integer|EXAT=unix-time-seconds:unix-time\
         |PXAT=unix-time-milliseconds:unix-time|PERSIST}",
    ),
    ("getrange", "key:key start:integer end:integer"),
    ("getset", "key:key value:string"),
    ("incr", "key:key"),
    ("incrby", "key:key increment:integer"),
    ("incrbyfloat", "key:key increment:double"),
    ("lcs", "key1:key key2:key#0 ?LEN ?IDX ?MINMATCHLEN=len:integer ?WITHMATCHLEN"),
    ("mget", "*key:key"),
    ("mset", "*key_value(key:key value:string)"),
    ("msetnx", "*key_value(key:key value:string)"),
    ("psetex", "key:key milliseconds:integer value:string"),
    (
        "set",
        "key:key value:string ?condition{NX|XX}@2.6.12 ?GET@6.2.0 ?expiration{EX=seconds:integer@2.6.12\
         |PX=milliseconds:integer@2.6.12|EXAT=unix-time-seconds:unix-time@6.2.0\
         |PXAT=unix-time-milliseconds:unix-time@6.2.0|KEEPTTL@6.0.0}",
    ),
    ("setex", "key:key seconds:integer value:string"),
    ("setnx", "key:key value:string"),
    ("setrange", "key:key offset:integer value:string"),
    ("strlen", "key:key"),
    ("substr", "key:key start:integer end:integer"),
    // keys
    ("copy", "source:key destination:key ?DB=destination-db:integer ?REPLACE"),
    ("del", "*key:key"),
    ("exists", "*key:key"),
    ("expire", "key:key seconds:integer ?condition{NX|XX|GT|LT}@7.0.0"),
    ("expireat", "key:key unix-time-seconds:unix-time ?condition{NX|XX|GT|LT}@7.0.0"),
    ("expiretime", "key:key"),
    ("keys", "pattern:pattern"),
    ("move", "key:key db:integer"),
    ("persist", "key:key"),
    ("pexpire", "key:key milliseconds:integer ?condition{NX|XX|GT|LT}@7.0.0"),
    ("pexpireat", "key:key unix-time-milliseconds:unix-time ?condition{NX|XX|GT|LT}@7.0.0"),
    ("pexpiretime", "key:key"),
    ("pttl", "key:key"),
    ("randomkey", ""),
    ("rename", "key:key newkey:key"),
    ("renamenx", "key:key newkey:key"),
    ("scan", "cursor:integer ?MATCH=pattern:pattern ?COUNT=count:integer ?TYPE=type:string@6.0.0"),
    ("touch", "*key:key"),
    ("ttl", "key:key"),
    ("type", "key:key"),
    ("unlink", "*key:key"),
    // lists
    ("lpush", "key:key *element:string"),
    ("rpush", "key:key *element:string"),
    ("lpushx", "key:key *element:string"),
    ("rpushx", "key:key *element:string"),
    ("lpop", "key:key ?count:integer@6.2.0"),
    ("rpop", "key:key ?count:integer@6.2.0"),
    ("llen", "key:key"),
    ("lrange", "key:key start:integer stop:integer"),
    ("lindex", "key:key index:integer"),
    ("lset", "key:key index:integer element:string"),
    ("lrem", "key:key count:integer element:string"),
    ("ltrim", "key:key start:integer stop:integer"),
    ("linsert", "key:key where{BEFORE|AFTER} pivot:string element:string"),
    ("lpos", "key:key element:string ?RANK=rank:integer ?COUNT=num-matches:integer ?MAXLEN=len:integer"),
    ("lmove", "source:key destination:key wherefrom{LEFT|RIGHT} whereto{LEFT|RIGHT}"),
    ("rpoplpush", "source:key destination:key"),
    ("blpop", "*key:key timeout:double"),
    ("brpop", "*key:key timeout:double"),
    ("blmove", "source:key destination:key wherefrom{LEFT|RIGHT} whereto{LEFT|RIGHT} timeout:double"),
    ("brpoplpush", "source:key destination:key timeout:double"),
    // hashes
    ("hset", "key:key *field_value(field:string value:string)"),
    ("hsetnx", "key:key field:string value:string"),
    ("hget", "key:key field:string"),
    ("hmget", "key:key *field:string"),
    ("hdel", "key:key *field:string"),
    ("hexists", "key:key field:string"),
    ("hlen", "key:key"),
    ("hkeys", "key:key"),
    ("hvals", "key:key"),
    ("hgetall", "key:key"),
    ("hincrby", "key:key field:string increment:integer"),
    ("hincrbyfloat", "key:key field:string increment:double"),
    ("hstrlen", "key:key field:string"),
    ("hrandfield", "key:key ?options(count:integer ?WITHVALUES)"),
    ("hscan", "key:key cursor:integer ?MATCH=pattern:pattern ?COUNT=count:integer"),
    ("hmset", "key:key *field_value(field:string value:string)"),
    // sets
    ("sadd", "key:key *member:string"),
    ("srem", "key:key *member:string"),
    ("smembers", "key:key"),
    ("sismember", "key:key member:string"),
    ("smismember", "key:key *member:string"),
    ("scard", "key:key"),
    ("spop", "key:key ?count:integer@3.2.0"),
    ("srandmember", "key:key ?count:integer@2.6.0"),
    ("smove", "source:key destination:key member:string"),
    ("sinter", "*key:key"),
    ("sinterstore", "destination:key *key:key"),
    ("sunion", "*key:key"),
    ("sunionstore", "destination:key *key:key"),
    ("sdiff", "*key:key"),
    ("sdiffstore", "destination:key *key:key"),
    ("sscan", "key:key cursor:integer ?MATCH=pattern:pattern ?COUNT=count:integer"),
    // sorted sets
    ("zadd", "key:key ?condition{NX|XX}@3.0.2 ?comparison{GT|LT}@6.2.0 ?CH=change:pure-token@3.0.2 ?INCR=increment:pure-token@3.0.2 *score_member(score:double member:string)"),
    ("zcard", "key:key"),
    ("zcount", "key:key min:double max:double"),
    ("zincrby", "key:key increment:integer member:string"),
    ("zlexcount", "key:key min:string max:string"),
    ("zmscore", "key:key *member:string"),
    ("zpopmax", "key:key ?count:integer"),
    ("zpopmin", "key:key ?count:integer"),
    ("zrandmember", "key:key ?options(count:integer ?WITHSCORES)"),
    ("zrange", "key:key start:string stop:string ?sortby{BYSCORE|BYLEX}@6.2.0 ?REV@6.2.0 ?LIMIT=offset_count(offset:integer count:integer)@6.2.0 ?WITHSCORES"),
    ("zrangebylex", "key:key min:string max:string ?LIMIT=offset_count(offset:integer count:integer)"),
    ("zrangebyscore", "key:key min:double max:double ?WITHSCORES@2.0.0 ?LIMIT=offset_count(offset:integer count:integer)"),
    ("zrangestore", "dst:key src:key min:string max:string ?sortby{BYSCORE|BYLEX} ?REV ?LIMIT=offset_count(offset:integer count:integer)"),
    ("zrank", "key:key member:string"),
    ("zrem", "key:key *member:string"),
    ("zremrangebylex", "key:key min:string max:string"),
    ("zremrangebyrank", "key:key start:integer stop:integer"),
    ("zremrangebyscore", "key:key min:double max:double"),
    ("zrevrange", "key:key start:integer stop:integer ?WITHSCORES"),
    ("zrevrangebylex", "key:key max:string min:string ?LIMIT=offset_count(offset:integer count:integer)"),
    ("zrevrangebyscore", "key:key max:double min:double ?WITHSCORES ?LIMIT=offset_count(offset:integer count:integer)"),
    ("zrevrank", "key:key member:string"),
    ("zscan", "key:key cursor:integer ?MATCH=pattern:pattern ?COUNT=count:integer"),
    ("zscore", "key:key member:string"),
    ("zunion", "numkeys:integer *key:key ?*WEIGHTS=weight:integer ?AGGREGATE=aggregate{SUM|MIN|MAX} ?WITHSCORES"),
    ("zinter", "numkeys:integer *key:key ?*WEIGHTS=weight:integer ?AGGREGATE=aggregate{SUM|MIN|MAX} ?WITHSCORES"),
    ("zdiff", "numkeys:integer *key:key ?WITHSCORES"),
    ("zunionstore", "destination:key numkeys:integer *key:key ?*WEIGHTS=weight:integer ?AGGREGATE=aggregate{SUM|MIN|MAX}"),
    ("zinterstore", "destination:key numkeys:integer *key:key ?*WEIGHTS=weight:integer ?AGGREGATE=aggregate{SUM|MIN|MAX}"),
    ("zdiffstore", "destination:key numkeys:integer *key:key"),
    ("zintercard", "numkeys:integer *key:key ?LIMIT=limit:integer"),
    ("zmpop", "numkeys:integer *key:key where{MIN|MAX} ?COUNT=count:integer"),
    ("bzpopmin", "*key:key timeout:double"),
    ("bzpopmax", "*key:key timeout:double"),
    ("bzmpop", "timeout:double numkeys:integer *key:key where{MIN|MAX} ?COUNT=count:integer"),
    // connection and server
    ("ping", "?message:string"),
    ("echo", "message:string"),
    ("quit", ""),
    ("select", "index:integer"),
    (
        "hello",
        "?arguments(protover:integer ?AUTH=username_password(username:string password:string) \
         ?SETNAME=clientname:string)",
    ),
    ("auth", "?username:string@6.0.0 password:string"),
    ("dbsize", ""),
    ("flushdb", "?async{ASYNC@4.0.0|SYNC@6.2.0}"),
    ("flushall", "?async{ASYNC@4.0.0|SYNC@6.2.0}"),
    ("time", ""),
    ("info", "?*section:string"),
    ("config", ""),
    ("command", ""),
    ("reset", ""),
    ("client", ""),
    ("config|get", "*parameter(parameter:string)"),
    ("config|set", "*parameter_value(parameter:string value:string)"),
    ("config|resetstat", ""),
    ("config|help", ""),
    ("config|rewrite", ""),
    ("command|count", ""),
    ("command|help", ""),
    ("command|getkeys", ""),
    ("command|getkeysandflags", ""),
    ("command|docs", "?*command-name:string"),
    ("command|info", "?*command-name:string"),
    (
        "command|list",
        "?FILTERBY=filterby{MODULE=module-name:string|ACLCAT=category:string|PATTERN=pattern:pattern}",
    ),
    ("client|getname", ""),
    ("client|help", ""),
    ("pubsub|help", ""),
    ("client|id", ""),
    ("client|info", ""),
    (
        "client|kill",
        "filter{ip:port:string~2.8.12|*new-format{?ID=client-id:integer@2.8.12\
         |?TYPE=normal_master_slave_pubsub{NORMAL|MASTER@3.2.0|SLAVE|REPLICA@5.0.0|PUBSUB}@2.8.12\
         |?USER=username:string|?ADDR=ip:port:string|?LADDR=ip:port:string@6.2.0|?SKIPME=yes/no:string}}",
    ),
    (
        "client|list",
        "?TYPE=normal_master_replica_pubsub{NORMAL|MASTER|REPLICA|PUBSUB}@5.0.0 ?ID=id(*client-id:integer)@6.2.0",
    ),
    ("client|setname", "connection-name:string"),
    // pub/sub
    ("subscribe", "*channel:string"),
    ("unsubscribe", "?*channel:string"),
    ("psubscribe", "*pattern(pattern:pattern)"),
    ("punsubscribe", "?*pattern:pattern"),
    ("publish", "channel:string message:string"),
    ("pubsub", ""),
    ("pubsub|channels", "?pattern:pattern"),
    ("pubsub|numpat", ""),
    ("pubsub|numsub", "?*channel:string"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redis::commands::table::{SPECS, SUBCOMMANDS};

    #[test]
    fn every_command_has_well_formed_arguments() {
        for spec in SPECS.iter().chain(SUBCOMMANDS) {
            let text = notation(spec.name).unwrap_or_else(|| panic!("no arguments for {}", spec.name));
            assert!(parse(text).is_some(), "{}: `{text}` is not well formed", spec.name);
        }
        assert_eq!(
            ARGUMENTS.len(),
            SPECS.len() + SUBCOMMANDS.len(),
            "an entry for a command that is not served"
        );
    }

    #[test]
    fn the_notation_reads_as_documented() {
        let args = parse(
            "key:key ?EX=seconds:integer ?*c{NX|LEFT=l:pure-token} +ID=ip:port:string d(a:string b:key)",
        )
        .unwrap();
        let named = |a: &Arg<'_>| if a.lower_name { a.name.to_ascii_lowercase() } else { a.name.to_string() };
        let names: Vec<_> = args.iter().map(|a| (named(a), a.kind, a.token)).collect();
        assert_eq!(
            names,
            [
                ("key".to_string(), "key", None),
                ("seconds".to_string(), "integer", Some("EX")),
                ("c".to_string(), "oneof", None),
                ("ip:port".to_string(), "string", Some("ID")),
                ("d".to_string(), "block", None),
            ]
        );
        assert!(args[1].optional && !args[1].multiple);
        assert!(args[2].optional && args[2].multiple);
        assert!(args[3].multiple_token && !args[3].optional);
        let inner: Vec<_> = args[2].inner.iter().map(|a| (named(a), a.kind, a.token)).collect();
        assert_eq!(
            inner,
            [("nx".to_string(), "pure-token", Some("NX")), ("l".to_string(), "pure-token", Some("LEFT"))]
        );
        assert_eq!(args[4].inner.len(), 2);
        for bad in
            ["key", "key:nosuch", "a{b:string", "a(b:string c:string", "EX=", ":string", "x:string  y:key"]
        {
            assert!(parse(bad).is_none(), "`{bad}` accepted");
        }
    }

    #[test]
    fn keys_are_numbered_in_order_through_blocks() {
        let mut out = Vec::new();
        list(&parse(notation("lmove").unwrap()).unwrap(), &mut 0, &mut out, false);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches("key_spec_index").count(), 2);
        assert!(text.find(":0\r\n").unwrap() < text.find(":1\r\n").unwrap());
    }
}
