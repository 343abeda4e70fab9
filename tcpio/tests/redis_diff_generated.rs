//! The redis-server example against the real `redis-server` 7.0 on generated command
//! sequences: per family, a few thousand commands from a seeded generator over a small
//! keyspace (so types collide, and a command of another family now and then), each
//! reply compared as `redis_diff.rs` compares them, and the keyspace hits and misses
//! and the error replies by kind `INFO` reports after it (each read lookup and each
//! error counted as Redis counts it), then the final keyspaces. A
//! mismatch names the seed; rerun one with `REDIS_DIFF_SEED=n` (and `REDIS_DIFF_TRACE=1`
//! to print every command).
//!
//! Skipped, with a message, when `redis-server` is not installed, except under `CI=true`.

mod redis_diff_util;
mod redis_util;
mod tools;
mod util;

use redis_diff_util::{pair, seeds, servers, Pair, Reply, Rng};

/// A random argument from a small set, so keys and members collide.
fn pick_key(rng: &mut Rng) -> String {
    format!("k{}", rng.below(4))
}

fn pick_member(rng: &mut Rng) -> String {
    rng.pick(&["a", "b", "c", "d", "e", "1", "-2", "10", "", "x\r\ny"]).to_string()
}

/// A small integer mostly, now and then an extreme one or not a number at all.
fn pick_int(rng: &mut Rng) -> String {
    match rng.below(20) {
        0 => rng
            .pick(&[
                "9223372036854775807",
                "-9223372036854775808",
                "9223372036854775808",
                "x",
                "1.5",
                "",
                "-0",
            ])
            .to_string(),
        1 => rng.pick(&["1000000", "-1000000", "4294967296", "-4294967297"]).to_string(),
        _ => rng.int(-6, 6),
    }
}

/// Generates one command of `family` (or, now and then, of another, so types collide).
fn generate(family: &str, rng: &mut Rng) -> Vec<String> {
    let family = if rng.below(10) == 0 {
        *rng.pick(&["strings", "lists", "hashes", "sets", "zsets", "keys"])
    } else {
        family
    };
    let k = pick_key(rng);
    let k2 = pick_key(rng);
    let m = pick_member(rng);
    let m2 = pick_member(rng);
    let i = pick_int(rng);
    let j = pick_int(rng);
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    match family {
        "strings" => match rng.below(22) {
            0 => v(&["SET", &k, &m]),
            1 => v(&["GET", &k]),
            2 => v(&["APPEND", &k, &m]),
            3 => v(&["INCR", &k]),
            4 => v(&["DECRBY", &k, &i]),
            5 => v(&["INCRBY", &k, *rng.pick(&["9223372036854775807", "-9223372036854775808", "x", "3"])]),
            6 => v(&["GETRANGE", &k, &i, &j]),
            7 => v(&["SETRANGE", &k, &rng.int(-1, 8), &m]),
            8 => v(&["STRLEN", &k]),
            9 => v(&["GETSET", &k, &m]),
            10 => v(&["GETDEL", &k]),
            11 => v(&["MSET", &k, &m, &k2, &m2]),
            12 => v(&["MGET", &k, &k2, "nope"]),
            13 => v(&["MSETNX", &k, &m, &k2, &m2]),
            14 => v(&["SETNX", &k, &m]),
            15 => v(&[
                "SET",
                &k,
                &m,
                *rng.pick(&["NX", "XX", "GET", "KEEPTTL", "EX", "FOO"]),
                &rng.int(-1, 100),
            ]),
            16 => v(&["INCRBYFLOAT", &k, *rng.pick(&["1.5", "-2", "0.1", "nan", "x", "1e2", "inf"])]),
            17 => v(&["LCS", &k, &k2]),
            18 => v(&["LCS", &k, &k2, *rng.pick(&["LEN", "IDX", "WITHMATCHLEN", "MINMATCHLEN"])]),
            19 => v(&["GETEX", &k, *rng.pick(&["PERSIST", "EX", "FOO"]), "100"]),
            20 => v(&["SUBSTR", &k, &i, &j]),
            _ => v(&["SETEX", &k, &rng.int(-1, 100), &m]),
        },
        "lists" => match rng.below(20) {
            0 => v(&["LPUSH", &k, &m, &m2]),
            1 => v(&["RPUSH", &k, &m]),
            2 => v(&["LPUSHX", &k, &m]),
            3 => v(&["RPUSHX", &k, &m]),
            4 => v(&["LPOP", &k]),
            5 => v(&["RPOP", &k, &rng.int(-1, 3)]),
            6 => v(&["LLEN", &k]),
            7 => v(&["LRANGE", &k, &i, &j]),
            8 => v(&["LINDEX", &k, &i]),
            9 => v(&["LSET", &k, &i, &m]),
            10 => v(&["LREM", &k, &i, &m]),
            11 => v(&["LTRIM", &k, &i, &j]),
            12 => v(&["LINSERT", &k, *rng.pick(&["BEFORE", "AFTER", "X"]), &m, &m2]),
            13 => v(&["LPOS", &k, &m]),
            14 => v(&["LPOS", &k, &m, "RANK", &i, "COUNT", &rng.int(0, 3)]),
            15 => v(&["LPOS", &k, &m, "MAXLEN", &rng.int(0, 4), "COUNT", "0"]),
            16 => v(&["LMOVE", &k, &k2, *rng.pick(&["LEFT", "RIGHT"]), *rng.pick(&["LEFT", "RIGHT"])]),
            17 => v(&["RPOPLPUSH", &k, &k2]),
            18 => v(&["LPOP", &k, &rng.int(0, 3)]),
            _ => v(&["RPUSH", &k, &m, &m2, &m]),
        },
        "hashes" => match rng.below(17) {
            0 => v(&["HSET", &k, &m, &m2]),
            1 => v(&["HSET", &k, &m, &i, &m2, &j]),
            2 => v(&["HSETNX", &k, &m, &m2]),
            3 => v(&["HGET", &k, &m]),
            4 => v(&["HMGET", &k, &m, &m2]),
            5 => v(&["HDEL", &k, &m, &m2]),
            6 => v(&["HEXISTS", &k, &m]),
            7 => v(&["HLEN", &k]),
            8 => v(&["HKEYS", &k]),
            9 => v(&["HVALS", &k]),
            10 => v(&["HGETALL", &k]),
            11 => v(&["HINCRBY", &k, &m, &i]),
            12 => v(&["HINCRBYFLOAT", &k, &m, *rng.pick(&["1.5", "-2", "x", "inf", "10"])]),
            13 => v(&["HSTRLEN", &k, &m]),
            14 => v(&["HMSET", &k, &m, &m2]),
            15 => v(&["HSCAN", &k, "0", "MATCH", *rng.pick(&["*", "a*", "?"])]),
            _ => v(&["HRANDFIELD", &k, &rng.int(-3, 3)]),
        },
        "sets" => match rng.below(18) {
            0 => v(&["SADD", &k, &m, &m2]),
            1 => v(&["SREM", &k, &m]),
            2 => v(&["SMEMBERS", &k]),
            3 => v(&["SISMEMBER", &k, &m]),
            4 => v(&["SMISMEMBER", &k, &m, &m2]),
            5 => v(&["SCARD", &k]),
            6 => v(&["SMOVE", &k, &k2, &m]),
            7 => v(&["SINTER", &k, &k2]),
            8 => v(&["SUNION", &k, &k2, "nope"]),
            9 => v(&["SDIFF", &k, &k2]),
            10 => v(&["SINTERSTORE", &pick_key(rng), &k, &k2]),
            11 => v(&["SUNIONSTORE", &pick_key(rng), &k, &k2]),
            12 => v(&["SDIFFSTORE", &pick_key(rng), &k, &k2]),
            13 => v(&["SRANDMEMBER", &k, &rng.int(-3, 3)]),
            14 => v(&["SPOP", &k, "100"]),
            15 => v(&["SADD", &k, &m, &m2, &i]),
            16 => v(&["SSCAN", &k, "0", "COUNT", &rng.int(1, 3)]),
            _ => v(&["SRANDMEMBER", &k]),
        },
        "zsets" => zset_command(rng, &k, &k2, &m, &m2),
        _ => match rng.below(16) {
            0 => v(&["DEL", &k, &k2]),
            1 => v(&["EXISTS", &k, &k2, &k]),
            2 => v(&["TYPE", &k]),
            3 => v(&["EXPIRE", &k, &rng.int(-1, 1000), *rng.pick(&["NX", "XX", "GT", "LT"])]),
            4 => v(&["TTL", &k]),
            5 => v(&["PERSIST", &k]),
            6 => v(&["RENAME", &k, &k2]),
            7 => v(&["RENAMENX", &k, &k2]),
            8 => v(&["COPY", &k, &k2]),
            9 => v(&["COPY", &k, &k2, "REPLACE"]),
            10 => v(&["KEYS", *rng.pick(&["*", "k[0-1]", "?1", "x*"])]),
            11 => v(&["DBSIZE"]),
            12 => v(&["UNLINK", &k]),
            13 => v(&["MOVE", &k, *rng.pick(&["0", "1", "2"])]),
            14 => v(&["SELECT", *rng.pick(&["0", "1"])]),
            _ => v(&["PEXPIRE", &k, &rng.int(1000, 100000)]),
        },
    }
}

/// A score: mostly small, now and then one Redis refuses or reads in its own way.
fn pick_score(rng: &mut Rng) -> String {
    let odd = ["inf", "-inf", "+inf", "1e400", "nan", "x", "0x10", " 1", "1e-5", "-0", "1.5", "-3.25", ""];
    if rng.below(4) == 0 {
        rng.pick(&odd).to_string()
    } else {
        rng.int(-3, 3)
    }
}

/// One end of a score range.
fn pick_score_end(rng: &mut Rng) -> String {
    let ends = ["1", "(1", "-inf", "+inf", "(2", "0", "(-0", "x", "", "(", "2.5", "inf", "(inf", "((1", " 1"];
    rng.pick(&ends).to_string()
}

/// One end of a member range.
fn pick_lex_end(rng: &mut Rng) -> String {
    rng.pick(&["-", "+", "[a", "(a", "[b", "(c", "[", "(", "a", "[aa", "(x", "[e", "+x", ""]).to_string()
}

/// A sorted-set command. Keys k0 and k1 may grow past what Redis keeps as a listpack
/// (many members, a long one). The member ranges go to l0 and l1, which no other
/// command touches and so stay small: on a large set of mixed scores, Redis's answer
/// depends on its skiplist's random levels; on a small one it is defined, and
/// compared.
fn zset_command(rng: &mut Rng, k: &str, k2: &str, m: &str, m2: &str) -> Vec<String> {
    let big = format!("k{}", rng.below(2));
    let small = format!("l{}", rng.below(2));
    let (s, s2) = (pick_score(rng), pick_score(rng));
    let (a, b) = (pick_int(rng), pick_int(rng));
    let (lo, hi) = (pick_score_end(rng), pick_score_end(rng));
    let (lmin, lmax) = (pick_lex_end(rng), pick_lex_end(rng));
    let flags = ["NX", "XX", "GT", "LT", "CH", "INCR"];
    let mut v: Vec<String> = match rng.below(34) {
        0 => vec!["ZADD".into(), big.clone(), s, rng.pick(&[m, &"b".repeat(70)]).to_string()],
        1 => vec!["ZADD".into(), k.into(), rng.pick(&flags).to_string(), s, m.into()],
        2 => {
            let (f1, f2) = (rng.pick(&flags).to_string(), rng.pick(&flags).to_string());
            vec!["ZADD".into(), k.into(), f1, f2, s, m.into(), s2, m2.into()]
        }
        3 => vec![
            "ZINCRBY".into(),
            k.into(),
            rng.pick(&["1", "-inf", "inf", "nx", "0", "x", "2.5"]).to_string(),
            m.into(),
        ],
        4 => vec!["ZREM".into(), k.into(), m.into(), m2.into()],
        5 => vec!["ZCARD".into(), k.into()],
        6 => vec!["ZSCORE".into(), k.into(), m.into()],
        7 => vec!["ZMSCORE".into(), k.into(), m.into(), m2.into()],
        8 => vec![rng.pick(&["ZRANK", "ZREVRANK"]).to_string(), k.into(), m.into()],
        9 => vec!["ZCOUNT".into(), k.into(), lo, hi],
        10 => vec!["ZLEXCOUNT".into(), small, lmin, lmax],
        11 => vec!["ZRANGE".into(), k.into(), a, b],
        12 => vec!["ZRANGE".into(), k.into(), lo, hi, "BYSCORE".into()],
        13 => vec!["ZRANGE".into(), small, lmin, lmax, "BYLEX".into()],
        14 => vec![rng.pick(&["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]).to_string(), k.into(), lo, hi],
        15 => vec![rng.pick(&["ZRANGEBYLEX", "ZREVRANGEBYLEX"]).to_string(), small, lmin, lmax],
        16 => vec!["ZREVRANGE".into(), k.into(), a, b],
        17 => vec!["ZRANGESTORE".into(), big, k.into(), a, b],
        18 => vec!["ZRANGESTORE".into(), big, k.into(), lo, hi, "BYSCORE".into()],
        19 => vec![rng.pick(&["ZPOPMIN", "ZPOPMAX"]).to_string(), k.into()],
        20 => vec![rng.pick(&["ZPOPMIN", "ZPOPMAX"]).to_string(), k.into(), a],
        21 => vec!["ZREMRANGEBYRANK".into(), k.into(), a, b],
        22 => vec!["ZREMRANGEBYSCORE".into(), k.into(), lo, hi],
        23 => vec!["ZREMRANGEBYLEX".into(), small, lmin, lmax],
        24 => vec!["ZRANDMEMBER".into(), k.into(), rng.pick(&["100", "0", "x", "-0", "1"]).to_string()],
        25 => vec!["ZSCAN".into(), k.into(), "0".into()],
        26 => {
            // Many members at once: past a listpack's 128.
            let mut v = vec!["ZADD".to_string(), big];
            for _ in 0..1 + rng.below(60) {
                v.push(rng.int(-3, 3));
                v.push(format!("m{}", rng.below(200)));
            }
            v
        }
        27 => vec!["ZADD".into(), small, s, m.into(), rng.pick(&["0", "1"]).to_string(), m2.into()],
        28 => vec!["COPY".into(), k.into(), big, "REPLACE".into()],
        29 => vec!["ZREM".into(), small, m.into()],
        30 => combine_command(rng, k, k2, big),
        31 => {
            let side = rng.pick(&["MIN", "MAX", "FOO"]).to_string();
            let mut v =
                vec!["ZMPOP".to_string(), rng.pick(&["1", "2", "0", "x"]).to_string(), k.into(), k2.into()];
            v.push(side);
            if rng.below(2) == 0 {
                v.extend(["COUNT".to_string(), rng.pick(&["1", "3", "0", "x"]).to_string()]);
            }
            v
        }
        _ => vec!["ZRANDMEMBER".into(), k2.into()],
    };
    // Options after the range, now and then, in any order Redis reads them.
    let range = matches!(v[0].as_str(), "ZRANGE" | "ZRANGEBYSCORE" | "ZREVRANGEBYSCORE" | "ZRANGEBYLEX")
        || matches!(v[0].as_str(), "ZREVRANGEBYLEX" | "ZREVRANGE" | "ZRANGESTORE");
    if range && rng.below(2) == 0 {
        for _ in 0..1 + rng.below(2) {
            match rng.below(5) {
                0 => v.push("WITHSCORES".into()),
                1 => v.push("REV".into()),
                2 => v.extend(["LIMIT".to_string(), pick_int(rng), pick_int(rng)]),
                3 => v.push(rng.pick(&["BYSCORE", "BYLEX", "FOO"]).to_string()),
                _ => v.extend(["LIMIT".to_string(), "1".into()]),
            }
        }
    }
    if v[0] == "ZRANDMEMBER" && v.len() == 3 && rng.below(2) == 0 {
        v.push(rng.pick(&["WITHSCORES", "FOO"]).to_string());
    }
    if v[0] == "ZSCAN" && rng.below(2) == 0 {
        v.extend([rng.pick(&["MATCH", "COUNT"]).to_string(), rng.pick(&["a*", "1", "m1*"]).to_string()]);
    }
    v
}

/// A `ZUNION`, `ZINTER`, `ZDIFF` (or `STORE` form into `dst`) or `ZINTERCARD` over two
/// keys (sorted sets, sets, or neither), with options now and then.
fn combine_command(rng: &mut Rng, k: &str, k2: &str, dst: String) -> Vec<String> {
    let op =
        *rng.pick(&["ZUNION", "ZINTER", "ZDIFF", "ZINTERCARD", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]);
    let mut v = vec![op.to_string()];
    if op.ends_with("STORE") {
        v.push(dst);
    }
    v.extend([rng.pick(&["2", "2", "1", "0", "3", "x"]).to_string(), k.into(), k2.into()]);
    match rng.below(6) {
        0 => v.push("WITHSCORES".into()),
        1 => v.extend(["WEIGHTS".into(), rng.pick(&["2", "0.5", "-1", "x", "inf"]).to_string(), "1".into()]),
        2 => v.extend(["AGGREGATE".into(), rng.pick(&["SUM", "MIN", "MAX", "FOO"]).to_string()]),
        3 => v.extend(["LIMIT".into(), rng.pick(&["0", "1", "-1"]).to_string()]),
        _ => {}
    }
    v
}

/// Runs a few thousand generated commands of `family` on both servers, per seed.
fn random_family(family: &str) {
    let Some((ours, real)) = servers() else { return };
    for (i, seed) in seeds().into_iter().enumerate() {
        // Every other seed (the second of the fixed ones) over RESP3, or every seed
        // with `REDIS_DIFF_RESP3=1`.
        let resp3 = i % 2 == 1 || std::env::var_os("REDIS_DIFF_RESP3").is_some();
        let mut p = if resp3 { Pair::new_resp3(ours.addr, real.addr) } else { pair(&ours, &real) };
        p.line("FLUSHALL");
        p.line("CONFIG RESETSTAT");
        let mut rng = Rng::new(seed ^ family.len() as u64);
        for n in 0..2500 {
            let cmd = generate(family, &mut rng);
            let args: Vec<&[u8]> = cmd.iter().map(String::as_bytes).collect();
            if std::env::var_os("REDIS_DIFF_TRACE").is_some() {
                eprintln!("#{n} {}", redis_diff_util::show_args(&args));
            }
            let context = format!("family {family}, seed {seed} (REDIS_DIFF_SEED={seed}), command #{n}");
            p.check_with(&args, &context);
            // The keys it read, found or missed, and the error replies by kind, counted
            // as Redis counts them.
            assert_eq!(
                p.ours.keyspace_stats(),
                p.real.keyspace_stats(),
                "keyspace_hits and keyspace_misses after {}, {context}",
                redis_diff_util::show_args(&args)
            );
            assert_eq!(
                p.ours.error_stats(),
                p.real.error_stats(),
                "errorstats after {}, {context}",
                redis_diff_util::show_args(&args)
            );
        }
        // The keyspaces agree at the end too.
        let (o, _) = p.line("KEYS *");
        for k in o.items() {
            let k = k.bytes();
            let (kind, _) = p.check_with(&[b"TYPE", k], &format!("seed {seed}"));
            p.check_with(&[b"TTL", k], &format!("seed {seed}"));
            let read: &[&[u8]] = match kind {
                Reply::Status(t) if t == b"string" => &[b"GET", k],
                Reply::Status(t) if t == b"list" => &[b"LRANGE", k, b"0", b"-1"],
                Reply::Status(t) if t == b"hash" => &[b"HGETALL", k],
                Reply::Status(t) if t == b"zset" => &[b"ZRANGE", k, b"0", b"-1", b"WITHSCORES"],
                _ => &[b"SMEMBERS", k],
            };
            p.check_with(read, &format!("seed {seed}"));
        }
    }
}

#[test]
fn random_strings_match() {
    random_family("strings");
}

#[test]
fn random_lists_match() {
    random_family("lists");
}

#[test]
fn random_hashes_match() {
    random_family("hashes");
}

#[test]
fn random_sets_match() {
    random_family("sets");
}

#[test]
fn random_zsets_match() {
    random_family("zsets");
}

#[test]
fn random_keys_match() {
    random_family("keys");
}
