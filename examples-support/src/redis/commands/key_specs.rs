//! What `COMMAND INFO` says of each command beyond [`Spec`](super::table::Spec)'s
//! table: its tips (for clients that route commands over a cluster) and its key specs
//! (where its keys are and what it does to them), as Redis 7.0 reports them.
//!
//! A command's key specs are written as one string each, its flags then three numbers:
//! the index of the first key, the last key (relative to the first; -1 for the last
//! argument, -2 for the one before it) and the step between keys. `RW access delete 1
//! 0 1` is one key at argument 1, read, written and deleted from. A spec whose keys are
//! counted by an argument (`ZUNION numkeys key...`) has four: the index it starts at,
//! `#` and the place of the count from there, the first key's place from there, and the
//! step: `RO access 1 #0 1 1`.

use tcpio::codec::Sink;

use crate::redis::reply::{bulk, int, map, set, status};

/// `COMMAND INFO`'s tips for `name`: a set of bulk strings (an array in RESP2).
pub(crate) fn tips(name: &str, out: &mut impl Sink, resp3: bool) {
    let tips = TIPS.iter().find(|(n, _)| *n == name).map_or("", |&(_, t)| t);
    set(out, tips.split_whitespace().count(), resp3);
    for tip in tips.split_whitespace() {
        bulk(out, tip.as_bytes());
    }
}

/// `COMMAND INFO`'s key specs for `name`: a set of maps (in RESP2 an array of maps
/// flattened to arrays).
pub(crate) fn key_specs(name: &str, out: &mut impl Sink, resp3: bool) {
    let specs = KEY_SPECS.iter().find(|(n, _)| *n == name).map_or(&[][..], |(_, s)| s);
    set(out, specs.len(), resp3);
    for (i, text) in specs.iter().enumerate() {
        let Some((flags, find)) = parse(text) else {
            // Not reachable: every string is checked by the tests.
            map(out, 0, resp3);
            continue;
        };
        let notes = NOTES.iter().find(|(n, k, _)| *n == name && *k == i).map(|&(_, _, note)| note);
        map(out, if notes.is_some() { 4 } else { 3 }, resp3);
        if let Some(note) = notes {
            bulk(out, b"notes");
            bulk(out, note.as_bytes());
        }
        bulk(out, b"flags");
        set(out, flags.len(), resp3);
        for flag in &flags {
            status(out, flag);
        }
        search(out, "begin_search", "index", &[("index", find.index)], resp3);
        match find.count_at {
            None => search(
                out,
                "find_keys",
                "range",
                &[("lastkey", find.last), ("keystep", find.step), ("limit", 0)],
                resp3,
            ),
            Some(at) => search(
                out,
                "find_keys",
                "keynum",
                &[("keynumidx", at), ("firstkey", find.last), ("keystep", find.step)],
                resp3,
            ),
        }
    }
}

/// Whether the command `name` has keys (a key spec).
pub(crate) fn has_keys(name: &str) -> bool {
    KEY_SPECS.iter().any(|(n, _)| *n == name)
}

/// The keys of the full command `args` (its name first) called `name`: the position
/// of each with its key spec's flags, in the order of the specs, as Redis finds them
/// for `COMMAND GETKEYS`. A position past the arguments (a command whose arity is not
/// fixed, given too few) is left out. `SET`'s flags depend on its `GET` option, as
/// Redis's own finder for it says.
pub(crate) fn keys_of(name: &str, args: &[&[u8]]) -> Vec<(usize, Vec<&'static str>)> {
    if name == "set" {
        let get = args.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"));
        let flags = if get { vec!["RW", "access", "update"] } else { vec!["OW", "update"] };
        return vec![(1, flags)];
    }
    let argc = args.len() as i64;
    let mut keys = Vec::new();
    let specs = KEY_SPECS.iter().find(|(n, _)| *n == name).map_or(&[][..], |(_, s)| s);
    for (flags, find) in specs.iter().filter_map(|text| parse(text)) {
        let (first, end) = match find.count_at {
            None => (find.index, if find.last >= 0 { find.index + find.last } else { argc + find.last }),
            Some(at) => {
                // A count that is not a number of keys the arguments hold fails the spec;
                // Redis then finds the keys with the command's own finder, which reads
                // the count as `atoi` does and finds none unless it is one.
                let count = args.get((find.index + at) as usize).map_or(0, |a| atoi(a));
                let first = find.index + find.last;
                match first.checked_add(count) {
                    Some(end) if count >= 1 && end <= argc => (first, end - 1),
                    _ => return Vec::new(),
                }
            }
        };
        let mut i = first;
        while i <= end && i < argc {
            keys.push((i as usize, flags.clone()));
            i += find.step.max(1);
        }
    }
    keys
}

/// C's `atoi`: white space, a sign, then digits as far as they go (saturating).
fn atoi(s: &[u8]) -> i64 {
    let s = &s[s.iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')).count()..];
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let v = digits
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0i64, |v, &d| v.saturating_mul(10).saturating_add(i64::from(d - b'0')));
    if neg {
        -v
    } else {
        v
    }
}

/// One step of finding the keys: `field`, a map of its `kind` and its numbers.
fn search(out: &mut impl Sink, field: &str, kind: &str, spec: &[(&str, i64)], resp3: bool) {
    bulk(out, field.as_bytes());
    map(out, 2, resp3);
    bulk(out, b"type");
    bulk(out, kind.as_bytes());
    bulk(out, b"spec");
    map(out, spec.len(), resp3);
    for &(key, value) in spec {
        bulk(out, key.as_bytes());
        int(out, value);
    }
}

/// Where a key spec's keys are (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Find {
    /// The argument the search begins at.
    index: i64,
    /// For a counted spec, the place of the count from `index`.
    count_at: Option<i64>,
    /// The last key relative to `index`; for a counted spec, the first key's place.
    last: i64,
    /// The step between keys.
    step: i64,
}

/// The flags and the place of the keys of one key spec; `None` if it is not well formed.
fn parse(text: &'static str) -> Option<(Vec<&'static str>, Find)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let counted = words.iter().any(|w| w.starts_with('#'));
    let (flags, numbers) = words.split_at(words.len().checked_sub(if counted { 4 } else { 3 })?);
    let number = |w: &str| w.parse::<i64>().ok();
    let find = match *numbers {
        [index, at, last, step] => Find {
            index: number(index)?,
            count_at: Some(number(at.strip_prefix('#')?)?),
            last: number(last)?,
            step: number(step)?,
        },
        [index, last, step] => {
            Find { index: number(index)?, count_at: None, last: number(last)?, step: number(step)? }
        }
        _ => return None,
    };
    flags.iter().all(|f| FLAGS.contains(f)).then_some((flags.to_vec(), find))
}

/// The key spec flags Redis 7.0 reports, as it spells them.
const FLAGS: &[&str] =
    &["RW", "RO", "OW", "RM", "access", "update", "insert", "delete", "variable_flags", "incomplete"];

/// The commands with tips, and their tips.
const TIPS: &[(&str, &str)] = &[
    ("mget", "request_policy:multi_shard"),
    ("mset", "request_policy:multi_shard response_policy:all_succeeded"),
    ("msetnx", "request_policy:multi_shard response_policy:agg_min"),
    ("del", "request_policy:multi_shard response_policy:agg_sum"),
    ("exists", "request_policy:multi_shard response_policy:agg_sum"),
    ("touch", "request_policy:multi_shard response_policy:agg_sum"),
    ("unlink", "request_policy:multi_shard response_policy:agg_sum"),
    ("keys", "request_policy:all_shards nondeterministic_output_order"),
    ("randomkey", "request_policy:all_shards nondeterministic_output"),
    ("scan", "nondeterministic_output request_policy:special"),
    ("pttl", "nondeterministic_output"),
    ("ttl", "nondeterministic_output"),
    ("hkeys", "nondeterministic_output_order"),
    ("hvals", "nondeterministic_output_order"),
    ("hgetall", "nondeterministic_output_order"),
    ("hrandfield", "nondeterministic_output"),
    ("hscan", "nondeterministic_output"),
    ("smembers", "nondeterministic_output_order"),
    ("spop", "nondeterministic_output"),
    ("srandmember", "nondeterministic_output"),
    ("sinter", "nondeterministic_output_order"),
    ("sunion", "nondeterministic_output_order"),
    ("sdiff", "nondeterministic_output_order"),
    ("sscan", "nondeterministic_output"),
    ("zrandmember", "nondeterministic_output"),
    ("zscan", "nondeterministic_output"),
    ("ping", "request_policy:all_shards response_policy:all_succeeded"),
    ("dbsize", "request_policy:all_shards response_policy:agg_sum"),
    ("flushdb", "request_policy:all_shards response_policy:all_succeeded"),
    ("flushall", "request_policy:all_shards response_policy:all_succeeded"),
    ("time", "nondeterministic_output"),
    ("info", "nondeterministic_output request_policy:all_shards response_policy:special"),
    ("config|set", "request_policy:all_nodes response_policy:all_succeeded"),
    ("command", "nondeterministic_output_order"),
    ("command|docs", "nondeterministic_output_order"),
    ("command|info", "nondeterministic_output_order"),
    ("command|list", "nondeterministic_output_order"),
    ("client|info", "nondeterministic_output"),
    ("client|list", "nondeterministic_output"),
];

/// Notes on a command's key spec (by its place among the command's specs).
const NOTES: &[(&str, usize, &str)] = &[
    ("getex", 0, "RW and UPDATE because it changes the TTL"),
    ("set", 0, "RW and ACCESS due to the optional `GET` argument"),
];

/// One key at argument 1, read.
const READ: &[&str] = &["RO access 1 0 1"];
/// One key at argument 1, read without its value being returned.
const LOOK: &[&str] = &["RO 1 0 1"];
/// One key at argument 1, read and changed.
const CHANGE: &[&str] = &["RW access update 1 0 1"];
/// One key at argument 1, added to.
const ADD: &[&str] = &["RW insert 1 0 1"];
/// One key at argument 1, changed without being read.
const UPDATE: &[&str] = &["RW update 1 0 1"];
/// One key at argument 1, taken from.
const TAKE: &[&str] = &["RW access delete 1 0 1"];
/// One key at argument 1, removed from.
const REMOVE: &[&str] = &["RW delete 1 0 1"];
/// A source taken from and a destination added to (arguments 1 and 2).
const MOVE: &[&str] = &["RW access delete 1 0 1", "RW insert 2 0 1"];
/// Every argument from 1 on, read.
const READ_ALL: &[&str] = &["RO access 1 -1 1"];
/// A destination written over (argument 1) from keys read (arguments 2 on).
const STORE: &[&str] = &["OW update 1 0 1", "RO access 2 -1 1"];

/// The key specs of every command that has keys.
const KEY_SPECS: &[(&str, &[&str])] = &[
    // strings
    ("append", ADD),
    ("decr", CHANGE),
    ("decrby", CHANGE),
    ("get", READ),
    ("getdel", TAKE),
    ("getex", CHANGE),
    ("getrange", READ),
    ("getset", CHANGE),
    ("incr", CHANGE),
    ("incrby", CHANGE),
    ("incrbyfloat", CHANGE),
    ("lcs", &["RO access 1 1 1"]),
    ("mget", READ_ALL),
    ("mset", &["OW update 1 -1 2"]),
    ("msetnx", &["OW insert 1 -1 2"]),
    ("psetex", &["OW update 1 0 1"]),
    ("set", &["RW access update variable_flags 1 0 1"]),
    ("setex", &["OW update 1 0 1"]),
    ("setnx", &["OW insert 1 0 1"]),
    ("setrange", UPDATE),
    ("strlen", LOOK),
    ("substr", READ),
    // keys
    ("copy", &["RO access 1 0 1", "OW update 2 0 1"]),
    ("del", &["RM delete 1 -1 1"]),
    ("exists", &["RO 1 -1 1"]),
    ("expire", UPDATE),
    ("expireat", UPDATE),
    ("expiretime", READ),
    ("move", CHANGE),
    ("persist", UPDATE),
    ("pexpire", UPDATE),
    ("pexpireat", UPDATE),
    ("pexpiretime", READ),
    ("pttl", READ),
    ("rename", &["RW access delete 1 0 1", "OW update 2 0 1"]),
    ("renamenx", &["RW access delete 1 0 1", "OW insert 2 0 1"]),
    ("touch", &["RO 1 -1 1"]),
    ("ttl", READ),
    ("type", LOOK),
    ("unlink", &["RM delete 1 -1 1"]),
    // lists
    ("lpush", ADD),
    ("rpush", ADD),
    ("lpushx", ADD),
    ("rpushx", ADD),
    ("lpop", TAKE),
    ("rpop", TAKE),
    ("llen", LOOK),
    ("lrange", READ),
    ("lindex", READ),
    ("lset", UPDATE),
    ("lrem", REMOVE),
    ("ltrim", REMOVE),
    ("linsert", ADD),
    ("lpos", READ),
    ("lmove", MOVE),
    ("rpoplpush", MOVE),
    ("blpop", &["RW access delete 1 -2 1"]),
    ("brpop", &["RW access delete 1 -2 1"]),
    ("blmove", MOVE),
    ("brpoplpush", MOVE),
    // hashes
    ("hset", UPDATE),
    ("hsetnx", ADD),
    ("hget", READ),
    ("hmget", READ),
    ("hdel", REMOVE),
    ("hexists", LOOK),
    ("hlen", LOOK),
    ("hkeys", READ),
    ("hvals", READ),
    ("hgetall", READ),
    ("hincrby", CHANGE),
    ("hincrbyfloat", CHANGE),
    ("hstrlen", LOOK),
    ("hrandfield", READ),
    ("hscan", READ),
    ("hmset", UPDATE),
    // sets
    ("sadd", ADD),
    ("srem", REMOVE),
    ("smembers", READ),
    ("sismember", LOOK),
    ("smismember", READ),
    ("scard", LOOK),
    ("spop", TAKE),
    ("srandmember", READ),
    ("smove", MOVE),
    ("sinter", READ_ALL),
    ("sinterstore", &["RW update 1 0 1", "RO access 2 -1 1"]),
    ("sunion", READ_ALL),
    ("sunionstore", STORE),
    ("sdiff", READ_ALL),
    ("sdiffstore", STORE),
    ("sscan", READ),
    // sorted sets
    ("zadd", UPDATE),
    ("zcard", LOOK),
    ("zcount", READ),
    ("zincrby", CHANGE),
    ("zlexcount", READ),
    ("zmscore", READ),
    ("zpopmax", TAKE),
    ("zpopmin", TAKE),
    ("zrandmember", READ),
    ("zrange", READ),
    ("zrangebylex", READ),
    ("zrangebyscore", READ),
    ("zrangestore", &["OW update 1 0 1", "RO access 2 0 1"]),
    ("zrank", READ),
    ("zrem", REMOVE),
    ("zremrangebylex", REMOVE),
    ("zremrangebyrank", REMOVE),
    ("zremrangebyscore", REMOVE),
    ("zrevrange", READ),
    ("zrevrangebylex", READ),
    ("zrevrangebyscore", READ),
    ("zrevrank", READ),
    ("zscan", READ),
    ("zscore", READ),
    ("zunion", &["RO access 1 #0 1 1"]),
    ("zinter", &["RO access 1 #0 1 1"]),
    ("zdiff", &["RO access 1 #0 1 1"]),
    ("zunionstore", &["OW update 1 0 1", "RO access 2 #0 1 1"]),
    ("zinterstore", &["OW update 1 0 1", "RO access 2 #0 1 1"]),
    ("zdiffstore", &["OW update 1 0 1", "RO access 2 #0 1 1"]),
    ("zintercard", &["RO access 1 #0 1 1"]),
    ("zmpop", &["RW access delete 1 #0 1 1"]),
    ("bzpopmin", &["RW access delete 1 -2 1"]),
    ("bzpopmax", &["RW access delete 1 -2 1"]),
    ("bzmpop", &["RW access delete 2 #0 1 1"]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redis::commands::table::{SPECS, SUBCOMMANDS};

    #[test]
    fn every_key_spec_is_well_formed_and_names_a_command_with_keys() {
        for (name, specs) in KEY_SPECS {
            let spec =
                SPECS.iter().find(|s| s.name == *name).unwrap_or_else(|| panic!("{name} is not served"));
            let finds: Vec<Find> =
                specs.iter().map(|t| parse(t).unwrap_or_else(|| panic!("{name}: `{t}`")).1).collect();
            // A command whose keys are counted by an argument (`movablekeys`) has its
            // first key in its table row only when it comes before the counted ones.
            if spec.flags.contains(&"movablekeys") {
                assert!(finds.iter().any(|f| f.count_at.is_some()), "{name} has no counted keys");
                assert_eq!(spec.first > 0, finds[0].count_at.is_none(), "{name}'s table row");
            } else {
                assert!(spec.first > 0, "{name} has no keys in its table row");
            }
            if spec.first > 0 {
                assert_eq!(
                    finds[0].index,
                    i64::from(spec.first),
                    "{name}: the first spec starts at the first key"
                );
            }
        }
        // Every command with keys has specs.
        for spec in SPECS.iter().filter(|s| s.first > 0 || s.flags.contains(&"movablekeys")) {
            assert!(KEY_SPECS.iter().any(|(n, _)| *n == spec.name), "{} has no key specs", spec.name);
        }
        for (name, _) in TIPS {
            assert!(SPECS.iter().chain(SUBCOMMANDS).any(|s| s.name == *name), "tips for {name}, not served");
        }
        for (name, i, _) in NOTES {
            assert!(KEY_SPECS.iter().any(|(n, s)| n == name && *i < s.len()), "a note on no spec of {name}");
        }
    }

    #[test]
    fn bad_key_specs_are_refused() {
        for bad in ["", "RO 1 0", "RO x 0 1", "ro 1 0 1", "RO access 1 0 1 2 x"] {
            assert!(parse(bad).is_none(), "`{bad}` accepted");
        }
        assert_eq!(parse("1 -1 2"), Some((vec![], Find { index: 1, count_at: None, last: -1, step: 2 })));
        assert_eq!(
            parse("RO 2 #0 1 1"),
            Some((vec!["RO"], Find { index: 2, count_at: Some(0), last: 1, step: 1 }))
        );
        for bad in ["RO 2 0 1 1", "RO 2 #x 1 1", "RO #0 1 1"] {
            assert!(parse(bad).is_none(), "`{bad}` accepted");
        }
    }
}
