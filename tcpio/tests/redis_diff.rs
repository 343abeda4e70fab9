//! The redis-server example against the real `redis-server` 7.0, reply for reply: the
//! same requests go to both over plain sockets and the replies must match byte for
//! byte, or as multisets where Redis's order is its hash table's (SMEMBERS, HGETALL,
//! KEYS...), or by their properties where they are random (RANDOMKEY, SPOP,
//! SRANDMEMBER, HRANDFIELD) or cursor-driven (SCAN, HSCAN, SSCAN). Each family has its
//! hand-written cases (normal, every error, edge arguments) and a few thousand
//! commands generated from a seed over a small keyspace, so types collide; a mismatch
//! prints the seed (rerun one with `REDIS_DIFF_SEED=n`).
//!
//! Skipped, with a message, when `redis-server` is not installed (apt package
//! `redis-server`), except under `CI=true`.

mod redis_diff_util;
mod redis_util;
mod tools;
mod util;

use std::collections::BTreeSet;
use std::net::SocketAddr;

use redis_diff_util::{seeds, Pair, RealRedis, Reply, Rng};
use redis_util::start;
use tools::tool;
use util::Running;

/// Both servers, fresh, or `None` when `redis-server` is missing.
fn servers() -> Option<(Running, RealRedis)> {
    let bin = tool("redis-server", "redis-server")?;
    Some((start(1), RealRedis::start(&bin, &[])))
}

/// A pair of connections to both.
fn pair(ours: &Running, real: &RealRedis) -> Pair {
    Pair::new(ours.addr, real.addr)
}

#[test]
fn strings_match() {
    let Some((ours, real)) = servers() else { return };
    let mut p = pair(&ours, &real);
    p.lines(&[
        "SET k v",
        "GET k",
        "SET k w NX",
        "SET k x XX GET",
        "SET nk x XX GET",
        "SET k v EX 0",
        "SET k v EX -1",
        "SET k v EX x",
        "SET k v PX 9223372036854775807",
        "SET k v EX 9223372036854775",
        "SET k v NX XX",
        "SET k v KEEPTTL EX 5",
        "SET k v EX 5 PX 5",
        "SET k v EX 5 EX 6",
        "SET k v FOO",
        "SET k v EX",
        "SET k v KEEPTTL",
        "SET k v GET GET",
        "APPEND k abc",
        "APPEND new abc",
        "STRLEN k",
        "STRLEN nope",
        "GETRANGE k 0 -1",
        "GETRANGE k 1 2",
        "GETRANGE k -2 -1",
        "GETRANGE k -1 -2",
        "GETRANGE k 10 20",
        "GETRANGE k 0 100",
        "GETRANGE k -100 1",
        "GETRANGE nope 0 -1",
        "GETRANGE k x 1",
        "GETRANGE k 0 9223372036854775808",
        "SUBSTR k 0 1",
        "SETRANGE k 1 ZZ",
        "SETRANGE k 10 pad",
        "GET k",
        "SETRANGE k -1 x",
        "SETRANGE k x x",
        "SETRANGE nk 0 ",
        "SETRANGE nk 3 abc",
        "GET nk",
        "SETRANGE nk 536870911 ab",
        "SETRANGE k 2 ",
        "GETSET k new",
        "GETSET nope2 new",
        "GETDEL k",
        "GETDEL k",
        "SET n 10",
        "INCR n",
        "DECR n",
        "INCRBY n 5",
        "DECRBY n 5",
        "INCRBY n x",
        "INCRBY n 1.5",
        "DECRBY n -9223372036854775808",
        "SET n 9223372036854775807",
        "INCR n",
        "SET n -9223372036854775808",
        "DECR n",
        "SET n 007",
        "INCR n",
        "SET n ' 1'",
        "INCR n",
        "SET n 1",
        "INCRBYFLOAT n 1.5",
        "INCRBYFLOAT n -0.5",
        "INCRBYFLOAT n 1e3",
        "INCRBYFLOAT n nan",
        "INCRBYFLOAT n inf",
        "INCRBYFLOAT n -inf",
        "INCRBYFLOAT n abc",
        "INCRBYFLOAT n 1.0.0",
        "INCRBYFLOAT n ''",
        "INCRBYFLOAT f 3.0",
        "INCRBYFLOAT f 0.25",
        "INCRBYFLOAT f -3.25",
        "SET f abc",
        "INCRBYFLOAT f 1",
        "INCRBYFLOAT g 12345.6789",
        "INCRBYFLOAT g 0.1",
        "INCRBYFLOAT g -12345.7789",
        "INCRBYFLOAT g 1e300",
        "INCRBYFLOAT g -1e300",
        "INCRBYFLOAT g 1.5e-10",
        "INCRBYFLOAT g 1e-30",
        "INCRBYFLOAT g 123456789012345678901234567890",
        "INCRBYFLOAT g 0.000000000000000000000000000001234567890123456789",
        "INCRBYFLOAT g 1e4932",
        "INCRBYFLOAT g 1e-5000",
        "INCRBYFLOAT g 1e4000",
        "INCRBYFLOAT g 1e4000",
        "INCRBYFLOAT g -1e4000",
        "INCRBYFLOAT g 3.14159265358979323846264338327950288",
        "INCRBYFLOAT g +5",
        "INCRBYFLOAT g .5",
        "INCRBYFLOAT g 5.",
        "INCRBYFLOAT g 1E2",
        "INCRBYFLOAT g 1e+2",
        "INCRBYFLOAT g -0",
        "INCRBYFLOAT g Infinity",
        "INCRBYFLOAT g 0x10",
        "INCRBYFLOAT g -0x1.8p1",
        "INCRBYFLOAT g 0x.1P-4",
        "INCRBYFLOAT g 0xg",
        "INCRBYFLOAT g 0x1p",
        "INCRBYFLOAT g 9007199254740993",
        "INCRBYFLOAT g 18446744073709551617",
        "GET g",
        "SET g 10",
        "INCRBYFLOAT g 0.1",
        "SET g 1e2",
        "INCRBYFLOAT g 1",
        "SET g 0.1",
        "INCRBYFLOAT g 0.2",
        "SET g 3.0000000000000000001",
        "INCRBYFLOAT g 0",
        "MSET a 1 b 2 c 3",
        "MSET a 1 b",
        "MGET a b c nope",
        "MSETNX a 1 z 2",
        "MSETNX y 1 z 2",
        "MGET y z",
        "MSETNX y",
        "SETNX a 5",
        "SETNX s 5",
        "SETEX e 100 v",
        "SETEX e 0 v",
        "SETEX e -5 v",
        "SETEX e x v",
        "PSETEX e 100000 v",
        "PSETEX e 0 v",
        "TTL e",
        "GETEX e",
        "GETEX e PERSIST",
        "TTL e",
        "GETEX e EX 100",
        "TTL e",
        "GETEX e PX 0",
        "GETEX e EX 10 PX 10",
        "GETEX e PERSIST EX 10",
        "GETEX e FOO",
        "GETEX e EX x",
        "GETEX nope EX 10",
        "GETEX e EXAT 1",
        "EXISTS e",
        "SET lcs1 ohmytext",
        "SET lcs2 mynewtext",
        "LCS lcs1 lcs2",
        "LCS lcs1 lcs2 LEN",
        "LCS lcs1 lcs2 IDX",
        "LCS lcs1 lcs2 IDX MINMATCHLEN 4",
        "LCS lcs1 lcs2 IDX MINMATCHLEN 2 WITHMATCHLEN",
        "LCS lcs1 lcs2 IDX LEN",
        "LCS lcs1 lcs2 FOO",
        "LCS lcs1 lcs2 MINMATCHLEN x",
        "LCS lcs1 nope",
        "LCS nope nope2 IDX",
        "GET",
        "SET k",
        "GETRANGE k 0",
        "LCS a",
    ]);
    // Wrong types.
    p.lines(&["RPUSH list a", "SADD set a", "HSET hash f v"]);
    for key in ["list", "set", "hash"] {
        for cmd in [
            "GET $",
            "APPEND $ x",
            "STRLEN $",
            "GETRANGE $ 0 1",
            "SETRANGE $ 0 x",
            "INCR $",
            "DECRBY $ 2",
            "INCRBYFLOAT $ 1",
            "GETSET $ x",
            "GETDEL $",
            "GETEX $",
            "SET $ v GET",
            "LCS $ k",
            "MGET $ a",
            "SETNX $ x",
        ] {
            p.line(&cmd.replace('$', key));
        }
    }
    p.lines(&["SET list x", "TYPE list", "MSET set 1 hash 2", "TYPE set", "GET hash"]);
    // Binary values, with line breaks and NULs inside.
    let bin: &[u8] = b"a\r\nb\0c\r\n";
    p.check(&[&b"SET"[..], b"bin\r\nkey", bin]);
    p.check(&[&b"GET"[..], b"bin\r\nkey"]);
    p.check(&[&b"APPEND"[..], b"bin\r\nkey", b"\0\0"]);
    p.check(&[&b"GETRANGE"[..], b"bin\r\nkey", b"1", b"-2"]);
    p.check(&[&b"SETRANGE"[..], b"bin\r\nkey", b"3", b"\r\n"]);
    p.check(&[&b"STRLEN"[..], b"bin\r\nkey"]);
    p.check(&[&b"INCRBYFLOAT"[..], b"fl", b"1\0junk"]);
    p.check(&[&b"INCR"[..], b"\0"]);
    p.check(&[&b"LCS"[..], b"bin\r\nkey", b"k"]);
}

#[test]
fn keys_match() {
    let Some((ours, real)) = servers() else { return };
    let mut p = pair(&ours, &real);
    p.lines(&[
        "SET a 1",
        "RPUSH l x y",
        "SADD s m",
        "HSET h f v",
        "TYPE a",
        "TYPE l",
        "TYPE s",
        "TYPE h",
        "TYPE nope",
        "EXISTS a l s h nope a",
        "TOUCH a nope",
        "DBSIZE",
        "KEYS *",
        "KEYS ?",
        "KEYS [al]",
        "KEYS nope*",
        "EXPIRE a 100",
        "TTL a",
        "PTTL a",
        "EXPIRETIME a",
        "PEXPIRETIME a",
        "EXPIRE a 50 GT",
        "EXPIRE a 500 GT",
        "EXPIRE a 50 LT",
        "EXPIRE a 5000 LT",
        "EXPIRE a 50 NX",
        "EXPIRE a 50 XX",
        "EXPIRE l 50 XX",
        "EXPIRE l 50 GT",
        "EXPIRE l 50 LT",
        "TTL l",
        "EXPIRE a 1 NX XX",
        "EXPIRE a 1 GT LT",
        "EXPIRE a 1 FOO",
        "EXPIRE a x",
        "EXPIRE a 9223372036854775807",
        "PEXPIRE a 9223372036854775807",
        "EXPIRE a -9223372036854775808",
        "EXPIREAT a 9223372036854775807",
        "PEXPIREAT a 9223372036854775807",
        "TTL a",
        "EXPIREAT nope 100",
        "PERSIST a",
        "PERSIST a",
        "PERSIST nope",
        "TTL a",
        "TTL nope",
        "PTTL nope",
        "EXPIRETIME nope",
        "EXPIRETIME s",
        "SET gone 1",
        "EXPIRE gone -1",
        "EXISTS gone",
        "SET gone 1",
        "PEXPIREAT gone 1",
        "EXISTS gone",
        "SET gone 1",
        "EXPIREAT gone 0",
        "GET gone",
        "RENAME a b",
        "GET b",
        "TTL b",
        "RENAME nope x",
        "RENAME b b",
        "RENAMENX b b",
        "RENAMENX nope x",
        "RENAMENX b l",
        "RENAMENX b c",
        "RENAME c l",
        "TYPE l",
        "COPY l l2",
        "LRANGE l2 0 -1",
        "COPY l l2",
        "COPY s l2 REPLACE",
        "TYPE l2",
        "SMEMBERS l2",
        "COPY l l",
        "COPY nope x",
        "COPY h h2 DB 0",
        "HGETALL h2",
        "COPY h h3 DB 1",
        "COPY h h3 DB x",
        "COPY h h3 FOO",
        "COPY h h3 DB",
        "SET t 1",
        "EXPIRE t 100",
        "COPY t t2",
        "TTL t2",
        "DEL a b c nope l",
        "UNLINK s nope",
        "DBSIZE",
        "KEYS *",
        "SCAN x",
        "SCAN 0 COUNT 0",
        "SCAN 0 COUNT x",
        "SCAN 0 MATCH",
        "SCAN 0 FOO bar",
        "EXPIRE",
        "DEL",
        "RENAME a",
        "FLUSHDB",
        "RANDOMKEY",
        "DBSIZE",
    ]);
    p.check(&[&b"SET"[..], b"k\0\r\n", b"v"]);
    p.check(&[&b"EXISTS"[..], b"k\0\r\n", b"k"]);
    p.check(&[&b"KEYS"[..], b"k\0*"]);
    p.check(&[&b"RENAME"[..], b"k\0\r\n", b"\r\n"]);
    p.check(&[&b"TYPE"[..], b"\r\n"]);
}

#[test]
fn lists_match() {
    let Some((ours, real)) = servers() else { return };
    let mut p = pair(&ours, &real);
    p.lines(&[
        "LPUSH l a b c",
        "RPUSH l d e",
        "LRANGE l 0 -1",
        "LPUSHX l z",
        "RPUSHX l y",
        "LPUSHX nope z",
        "RPUSHX nope z",
        "EXISTS nope",
        "LLEN l",
        "LLEN nope",
        "LRANGE l 1 2",
        "LRANGE l -3 -1",
        "LRANGE l -100 100",
        "LRANGE l 5 2",
        "LRANGE l 100 200",
        "LRANGE l -1 -5",
        "LRANGE l x 1",
        "LRANGE nope 0 -1",
        "LINDEX l 0",
        "LINDEX l -1",
        "LINDEX l 100",
        "LINDEX l -100",
        "LINDEX l x",
        "LINDEX nope x",
        "LSET l 0 A",
        "LSET l -1 Y",
        "LSET l 100 x",
        "LSET l x x",
        "LSET nope 0 x",
        "LRANGE l 0 -1",
        "RPUSH r a b a c a d a",
        "LREM r 2 a",
        "LRANGE r 0 -1",
        "LREM r -1 a",
        "LRANGE r 0 -1",
        "LREM r 0 a",
        "LREM r 0 zz",
        "LREM r x a",
        "LREM nope 1 a",
        "LRANGE r 0 -1",
        "RPUSH t 1 2 3 4 5 6",
        "LTRIM t 1 -2",
        "LRANGE t 0 -1",
        "LTRIM t -100 100",
        "LTRIM t 2 1",
        "EXISTS t",
        "LTRIM nope 0 1",
        "LTRIM t x 1",
        "RPUSH i a b c",
        "LINSERT i BEFORE b X",
        "LINSERT i AFTER c Y",
        "LINSERT i after a Z",
        "LINSERT i BEFORE nope X",
        "LINSERT i MIDDLE a X",
        "LINSERT nope BEFORE a X",
        "LRANGE i 0 -1",
        "RPUSH pos a b c a b c a",
        "LPOS pos a",
        "LPOS pos a RANK 2",
        "LPOS pos a RANK -1",
        "LPOS pos a RANK -2",
        "LPOS pos a COUNT 0",
        "LPOS pos a COUNT 2",
        "LPOS pos a COUNT 2 RANK -1",
        "LPOS pos a MAXLEN 1",
        "LPOS pos c MAXLEN 2",
        "LPOS pos c MAXLEN 2 COUNT 0",
        "LPOS pos z",
        "LPOS pos z COUNT 1",
        "LPOS pos a RANK 0",
        "LPOS pos a RANK x",
        "LPOS pos a COUNT -1",
        "LPOS pos a MAXLEN -1",
        "LPOS pos a FOO 1",
        "LPOS pos a RANK",
        "LPOS nope a",
        "LPOS nope a COUNT 1",
        "LPOS pos a RANK 100",
        "LPOS pos a RANK -9223372036854775808",
        "RPUSH p 1 2 3 4 5",
        "LPOP p",
        "RPOP p",
        "LPOP p 2",
        "RPOP p 0",
        "RPOP p 10",
        "EXISTS p",
        "LPOP p",
        "LPOP p 1",
        "LPOP p 0",
        "RPUSH p 1",
        "LPOP p -1",
        "LPOP p x",
        "LPOP p 1 2",
        "RPUSH m1 a b c",
        "LMOVE m1 m2 LEFT RIGHT",
        "LMOVE m1 m2 RIGHT LEFT",
        "LMOVE m1 m1 LEFT RIGHT",
        "LRANGE m1 0 -1",
        "LRANGE m2 0 -1",
        "LMOVE m1 m2 UP LEFT",
        "LMOVE nope m2 LEFT LEFT",
        "RPOPLPUSH m2 m1",
        "RPOPLPUSH nope m1",
        "LRANGE m1 0 -1",
        "LPUSH",
        "LPUSH l",
        "LINSERT l BEFORE a",
        "LMOVE a b LEFT",
    ]);
    p.lines(&["SET str v", "SADD set m"]);
    for key in ["str", "set"] {
        for cmd in [
            "LPUSH $ a",
            "RPUSHX $ a",
            "LPOP $",
            "RPOP $ 2",
            "LLEN $",
            "LRANGE $ 0 -1",
            "LINDEX $ 0",
            "LSET $ 0 a",
            "LREM $ 0 a",
            "LTRIM $ 0 1",
            "LINSERT $ BEFORE a b",
            "LPOS $ a",
            "LMOVE $ l LEFT LEFT",
            "LMOVE l $ LEFT LEFT",
            "RPOPLPUSH $ l",
            "RPOPLPUSH l $",
        ] {
            p.line(&cmd.replace('$', key));
        }
    }
    p.check(&[&b"RPUSH"[..], b"bin", b"a\r\n\0", b"", b"\0"]);
    p.check(&[&b"LRANGE"[..], b"bin", b"0", b"-1"]);
    p.check(&[&b"LPOS"[..], b"bin", b""]);
    p.check(&[&b"LREM"[..], b"bin", b"0", b"\0"]);
    p.check(&[&b"LINSERT"[..], b"bin", b"AFTER", b"a\r\n\0", b"\r\n"]);
    p.check(&[&b"LRANGE"[..], b"bin", b"0", b"-1"]);
}

#[test]
fn hashes_match() {
    let Some((ours, real)) = servers() else { return };
    let mut p = pair(&ours, &real);
    p.lines(&[
        "HSET h a 1 b 2",
        "HSET h a 3 c 4",
        "HSET h a",
        "HMSET h d 5",
        "HMSET h d",
        "HGET h a",
        "HGET h nope",
        "HGET nope a",
        "HMGET h a nope b",
        "HMGET nope a b",
        "HSETNX h a 9",
        "HSETNX h z 9",
        "HSETNX new z 9",
        "HEXISTS h a",
        "HEXISTS h nope",
        "HEXISTS nope a",
        "HLEN h",
        "HLEN nope",
        "HSTRLEN h a",
        "HSTRLEN h nope",
        "HSTRLEN nope a",
        "HKEYS h",
        "HVALS h",
        "HGETALL h",
        "HGETALL nope",
        "HKEYS nope",
        "HDEL h a nope b",
        "HDEL nope a",
        "HGETALL h",
        "HSET n i 10 f 1.5 s abc big 9223372036854775807",
        "HINCRBY n i 5",
        "HINCRBY n i -20",
        "HINCRBY n new 3",
        "HINCRBY n f 1",
        "HINCRBY n s 1",
        "HINCRBY n big 1",
        "HINCRBY n i x",
        "HINCRBY nope2 i 1",
        "HINCRBYFLOAT n f 0.25",
        "HINCRBYFLOAT n i 1.5",
        "HINCRBYFLOAT n s 1",
        "HINCRBYFLOAT n f nan",
        "HINCRBYFLOAT n f inf",
        "HINCRBYFLOAT n f abc",
        "HINCRBYFLOAT n nf 2.5e2",
        "HINCRBYFLOAT n nf 12345.6789",
        "HINCRBYFLOAT n nf 1e300",
        "HINCRBYFLOAT n nf -1e300",
        "HINCRBYFLOAT n big 1",
        "HINCRBYFLOAT n nf 1e4932",
        "HINCRBYFLOAT n nf -250",
        "HGETALL n",
        "HDEL h c d z",
        "EXISTS h",
        "HRANDFIELD nope",
        "HRANDFIELD nope 3",
        "HRANDFIELD n 0",
        "HRANDFIELD n x",
        "HRANDFIELD n 1 FOO",
        "HRANDFIELD n 1 WITHVALUES x",
        "HRANDFIELD n -9223372036854775808",
        "HRANDFIELD n -4611686018427387905 WITHVALUES",
        "HSCAN n x",
        "HSCAN nope 0",
        "HSCAN nope 0 COUNT 0",
        "HSCAN n 0 COUNT 0",
        "HSCAN n 0 TYPE string",
        "HSET",
        "HGET h",
        "HINCRBY h a",
    ]);
    p.lines(&["SET str v", "RPUSH list a"]);
    for key in ["str", "list"] {
        for cmd in [
            "HSET $ a 1",
            "HMSET $ a 1",
            "HSETNX $ a 1",
            "HGET $ a",
            "HMGET $ a",
            "HDEL $ a",
            "HEXISTS $ a",
            "HLEN $",
            "HKEYS $",
            "HVALS $",
            "HGETALL $",
            "HINCRBY $ a 1",
            "HINCRBYFLOAT $ a 1",
            "HSTRLEN $ a",
            "HRANDFIELD $",
            "HRANDFIELD $ 2",
            "HSCAN $ 0",
        ] {
            p.line(&cmd.replace('$', key));
        }
    }
    p.check(&[&b"HSET"[..], b"bin", b"f\r\n\0", b"v\0\r\n", b"", b""]);
    p.check(&[&b"HGETALL"[..], b"bin"]);
    p.check(&[&b"HGET"[..], b"bin", b"f\r\n\0"]);
    p.check(&[&b"HSTRLEN"[..], b"bin", b""]);
}

#[test]
fn sets_match() {
    let Some((ours, real)) = servers() else { return };
    let mut p = pair(&ours, &real);
    p.lines(&[
        "SADD s a b c",
        "SADD s a d",
        "SADD s",
        "SMEMBERS s",
        "SMEMBERS nope",
        "SISMEMBER s a",
        "SISMEMBER s z",
        "SISMEMBER nope a",
        "SMISMEMBER s a z b",
        "SMISMEMBER nope a",
        "SCARD s",
        "SCARD nope",
        "SREM s a z",
        "SREM nope a",
        "SADD t c d e",
        "SADD u x",
        "SINTER s t",
        "SINTER s t nope",
        "SINTER nope s",
        "SUNION s t u",
        "SUNION nope",
        "SDIFF s t",
        "SDIFF t s u",
        "SDIFF nope s",
        "SDIFF s nope",
        "SINTERSTORE d s t",
        "SMEMBERS d",
        "SINTERSTORE d s u",
        "EXISTS d",
        "SUNIONSTORE d s t u",
        "SMEMBERS d",
        "SDIFFSTORE d s t",
        "SMEMBERS d",
        "SET str v",
        "SUNIONSTORE str s",
        "TYPE str",
        "SINTERSTORE s2 s s",
        "SMEMBERS s2",
        "SMOVE s t b",
        "SMOVE s t nope",
        "SMOVE nope t a",
        "SMOVE t t c",
        "SMOVE t t zz",
        "SMOVE t new c",
        "SMEMBERS new",
        "SMEMBERS t",
        "SADD one x",
        "SMOVE one two x",
        "EXISTS one",
        "SPOP nope",
        "SPOP nope 2",
        "SPOP s 0",
        "SPOP s -1",
        "SPOP s x",
        "SPOP s 1 2",
        "SRANDMEMBER nope",
        "SRANDMEMBER nope 2",
        "SRANDMEMBER s 0",
        "SRANDMEMBER s x",
        "SRANDMEMBER s 1 2",
        "SRANDMEMBER s -9223372036854775808",
        "SSCAN s x",
        "SSCAN nope 0",
        "SSCAN s 0 COUNT 0",
        "SSCAN s 0 TYPE set",
        "SADD",
        "SMOVE a b",
        "SINTERSTORE d",
    ]);
    p.lines(&["SET str v", "RPUSH list a", "SADD s a"]);
    for key in ["str", "list"] {
        for cmd in [
            "SADD $ a",
            "SREM $ a",
            "SMEMBERS $",
            "SISMEMBER $ a",
            "SMISMEMBER $ a",
            "SCARD $",
            "SPOP $",
            "SPOP $ 2",
            "SRANDMEMBER $",
            "SRANDMEMBER $ -2",
            "SMOVE $ s a",
            "SMOVE s $ a",
            "SMOVE nope $ a",
            "SINTER s $",
            "SINTER nope $",
            "SUNION $ s",
            "SDIFF s $",
            "SDIFFSTORE d s $",
            "SINTERSTORE d nope $",
            "SSCAN $ 0",
        ] {
            p.line(&cmd.replace('$', key));
        }
    }
    p.check(&[&b"SADD"[..], b"bin", b"a\r\n\0", b"", b"\0"]);
    p.check(&[&b"SMEMBERS"[..], b"bin"]);
    p.check(&[&b"SISMEMBER"[..], b"bin", b""]);
    p.check(&[&b"SREM"[..], b"bin", b"\0", b"a\r\n"]);
    p.check(&[&b"SCARD"[..], b"bin"]);
}

#[test]
fn connection_and_server_commands_match() {
    let Some((ours, real)) = servers() else { return };
    let mut p = pair(&ours, &real);
    p.lines(&[
        "PING",
        "PING hello",
        "PING a b",
        "ECHO x",
        "ECHO",
        "SELECT 0",
        "SELECT 1",
        "SELECT x",
        "SELECT 2147483648",
        "HELLO 1",
        "HELLO x",
        "HELLO 2 FOO",
        "HELLO 2 SETNAME",
        "HELLO 2 AUTH default",
        "AUTH x",
        "AUTH a b c",
        "AUTH nouser pass",
        "AUTH default anything",
        "DBSIZE",
        "SET a 1",
        "DBSIZE",
        "FLUSHDB ASYNC",
        "SET a 1",
        "FLUSHALL SYNC",
        "FLUSHALL x",
        "FLUSHDB a b",
        "DBSIZE",
        "INFO nosuchsection",
        "CONFIG GET maxmemory",
        "CONFIG GET timeout",
        "CONFIG GET nosuch",
        "CONFIG SET nosuch 1",
        "CONFIG SET timeout x",
        "CONFIG SET maxclients 0",
        "CONFIG SET timeout",
        "CONFIG RESETSTAT",
        "CONFIG RESETSTAT x",
        "CONFIG NOPE",
        "COMMAND NOPE",
        "COMMAND COUNT x",
        "COMMAND INFO nosuchcommand",
        "TIME x",
        "DBSIZE x",
    ]);
    // RESP3 is not spoken here: Redis's answer to a version it does not know.
    assert_eq!(p.ours.call(&[b"HELLO", b"3"]).0, b"-NOPROTO unsupported protocol version\r\n");
    // HELLO 2: the same map but for the connection id.
    let hello: &[&[u8]] = &[b"HELLO", b"2", b"SETNAME", b"x"];
    let (ours_hello, real_hello) = (p.ours.call(hello).1, p.real.call(hello).1);
    let strip_id = |r: &Reply| {
        let mut v = r.items().to_vec();
        v[7] = Reply::Int(0);
        v
    };
    assert_eq!(strip_id(&ours_hello), strip_id(&real_hello));
    // TIME: two numbers near the real server's.
    let (t, _) = p.line("DBSIZE");
    assert_eq!(t, Reply::Int(0));
    let (o, r) = (p.ours.call(&[b"TIME"]).1, p.real.call(&[b"TIME"]).1);
    let secs = |r: &Reply| std::str::from_utf8(r.items()[0].bytes()).unwrap().parse::<i64>().unwrap();
    assert!((secs(&o) - secs(&r)).abs() <= 2);
    // COMMAND INFO: what Redis reports as name, arity, flags, key positions and ACL
    // categories, for every command the example has.
    let names = p.ours.call(&[b"COMMAND", b"LIST"]).1;
    let names: Vec<Vec<u8>> = names.items().iter().map(|n| n.bytes().to_vec()).collect();
    assert_eq!(p.ours.call(&[b"COMMAND", b"COUNT"]).1, Reply::Int(names.len() as i64));
    assert!(names.len() >= 100, "{} commands", names.len());
    for name in &names {
        let (o, r) =
            (p.ours.call(&[b"COMMAND", b"INFO", name]).1, p.real.call(&[b"COMMAND", b"INFO", name]).1);
        let (o, r) = (&o.items()[0].items()[..7], &r.items()[0].items()[..7]);
        assert_eq!(o, r, "COMMAND INFO {}", String::from_utf8_lossy(name));
        let (o, r) =
            (p.ours.call(&[b"COMMAND", b"DOCS", name]).1, p.real.call(&[b"COMMAND", b"DOCS", name]).1);
        let fields = |r: &Reply| -> Vec<Reply> { r.items()[1].items()[..8].to_vec() };
        assert_eq!(fields(&o), fields(&r), "COMMAND DOCS {}", String::from_utf8_lossy(name));
    }
    // INFO: the sections Redis 7.0 picks for each selection.
    let sections = |addr: SocketAddr, args: &[&[u8]]| -> Vec<String> {
        let mut c = redis_diff_util::Conn::new(addr);
        let text = c.call(args).1;
        let text = String::from_utf8_lossy(text.bytes()).to_string();
        text.lines().filter(|l| l.starts_with("# ")).map(str::to_string).collect()
    };
    let ours_has = ["# Server", "# Clients", "# Memory", "# Stats", "# Keyspace"];
    for args in [
        &[&b"INFO"[..]][..],
        &[b"INFO", b"default"],
        &[b"INFO", b"all"],
        &[b"INFO", b"everything"],
        &[b"INFO", b"keyspace", b"stats"],
        &[b"INFO", b"STATS"],
        &[b"INFO", b"server", b"nosuch"],
        &[b"INFO", b"nosuch"],
    ] {
        let want: Vec<String> =
            sections(real.addr, args).into_iter().filter(|s| ours_has.contains(&s.as_str())).collect();
        assert_eq!(sections(ours.addr, args), want, "{}", redis_diff_util::show_args(args));
    }
}

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
    let family =
        if rng.below(10) == 0 { *rng.pick(&["strings", "lists", "hashes", "sets", "keys"]) } else { family };
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
        "hashes" => match rng.below(16) {
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
            _ => v(&["HRANDFIELD", &k, &rng.int(-3, 3)]),
        },
        "sets" => match rng.below(17) {
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
            _ => v(&["SRANDMEMBER", &k]),
        },
        _ => match rng.below(14) {
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
            _ => v(&["PEXPIRE", &k, &rng.int(1000, 100000)]),
        },
    }
}

/// Runs a few thousand generated commands of `family` on both servers, per seed.
fn random_family(family: &str) {
    let Some((ours, real)) = servers() else { return };
    for seed in seeds() {
        let mut p = pair(&ours, &real);
        p.line("FLUSHALL");
        let mut rng = Rng::new(seed ^ family.len() as u64);
        for n in 0..2500 {
            let cmd = generate(family, &mut rng);
            let args: Vec<&[u8]> = cmd.iter().map(String::as_bytes).collect();
            if std::env::var_os("REDIS_DIFF_TRACE").is_some() {
                eprintln!("#{n} {}", redis_diff_util::show_args(&args));
            }
            p.check_with(
                &args,
                &format!("family {family}, seed {seed} (REDIS_DIFF_SEED={seed}), command #{n}"),
            );
        }
        // The keyspaces agree at the end too.
        let (o, _) = p.line("KEYS *");
        for k in o.items() {
            let k = k.bytes();
            let (kind, _) = p.check_with(&[b"TYPE", k], &format!("seed {seed}"));
            let read: &[&[u8]] = match kind {
                Reply::Status(t) if t == b"string" => &[b"GET", k],
                Reply::Status(t) if t == b"list" => &[b"LRANGE", k, b"0", b"-1"],
                Reply::Status(t) if t == b"hash" => &[b"HGETALL", k],
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
fn random_keys_match() {
    random_family("keys");
}

/// Runs a whole `SCAN`-family iteration; returns every item it gave (with repeats).
fn scan_all(c: &mut redis_diff_util::Conn, first: &[&[u8]], rest: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut cursor = b"0".to_vec();
    let mut items = Vec::new();
    for _ in 0..100_000 {
        let mut args: Vec<&[u8]> = first.to_vec();
        args.push(&cursor);
        args.extend_from_slice(rest);
        let reply = c.call(&args).1;
        let [next, got] = reply.items() else { panic!("{reply:?}") };
        items.extend(got.items().iter().map(|r| r.bytes().to_vec()));
        cursor = next.bytes().to_vec();
        if cursor == b"0" {
            return items;
        }
    }
    panic!("the scan did not end");
}

#[test]
fn scans_return_what_redis_returns() {
    let Some((ours, real)) = servers() else { return };
    let mut p = pair(&ours, &real);
    let mut setup: Vec<Vec<String>> = Vec::new();
    for i in 0..300 {
        setup.push(vec!["SET".into(), format!("str:{i}"), i.to_string()]);
        if i % 3 == 0 {
            setup.push(vec!["RPUSH".into(), format!("list:{i}"), "x".into()]);
        }
        setup.push(vec!["SADD".into(), "bigset".into(), format!("m{i}")]);
        setup.push(vec!["HSET".into(), "bighash".into(), format!("f{i}"), i.to_string()]);
    }
    setup.push(vec!["SADD".into(), "small".into(), "a".into(), "b".into()]);
    for cmd in &setup {
        let args: Vec<&[u8]> = cmd.iter().map(String::as_bytes).collect();
        p.check(&args);
    }
    let set = |v: Vec<Vec<u8>>| v.into_iter().collect::<BTreeSet<_>>();
    for rest in
        [&[][..], &[&b"COUNT"[..], b"7"], &[b"MATCH", b"str:1*"], &[b"TYPE", b"list"], &[b"TYPE", b"LIST"]]
    {
        let o = scan_all(&mut p.ours, &[b"SCAN"], rest);
        let r = scan_all(&mut p.real, &[b"SCAN"], rest);
        assert_eq!(set(o), set(r), "SCAN {}", redis_diff_util::show_args(rest));
    }
    for (cmd, key) in [(&b"SSCAN"[..], &b"bigset"[..]), (b"HSCAN", b"bighash"), (b"SSCAN", b"small")] {
        for rest in [&[][..], &[&b"COUNT"[..], b"3"], &[b"MATCH", b"*1"]] {
            let o = scan_all(&mut p.ours, &[cmd, key], rest);
            let r = scan_all(&mut p.real, &[cmd, key], rest);
            if cmd == b"HSCAN" {
                let pairs = |v: Vec<Vec<u8>>| v.chunks(2).map(|c| c.to_vec()).collect::<BTreeSet<_>>();
                assert_eq!(pairs(o), pairs(r));
            } else {
                assert_eq!(set(o), set(r));
            }
        }
    }
    // A key present for the whole scan is returned even while others come and go.
    let mut c = redis_diff_util::Conn::new(ours.addr);
    let mut cursor = b"0".to_vec();
    let mut seen = BTreeSet::new();
    let mut step = 0;
    loop {
        let reply = c.call(&[b"SCAN", &cursor, b"COUNT", b"5"]).1;
        seen.extend(reply.items()[1].items().iter().map(|r| r.bytes().to_vec()));
        cursor = reply.items()[0].bytes().to_vec();
        c.call(&[b"DEL", format!("list:{}", step * 3).as_bytes()]);
        c.call(&[b"SET", format!("new:{step}").as_bytes(), b"1"]);
        step += 1;
        if cursor == b"0" {
            break;
        }
    }
    for i in 0..300 {
        assert!(seen.contains(format!("str:{i}").as_bytes()), "str:{i} missed");
    }
}

#[test]
fn random_replies_have_redis_properties() {
    let Some((ours, _real)) = servers() else { return };
    let mut c = redis_diff_util::Conn::new(ours.addr);
    c.call(&[b"SADD", b"s", b"a", b"b", b"c", b"d", b"e"]);
    c.call(&[b"HSET", b"h", b"f1", b"v1", b"f2", b"v2", b"f3", b"v3"]);
    c.call(&[b"SET", b"k", b"v"]);
    let members: BTreeSet<Vec<u8>> = [b"a", b"b", b"c", b"d", b"e"].iter().map(|m| m.to_vec()).collect();
    for _ in 0..50 {
        // RANDOMKEY: one of the keys.
        let k = c.call(&[b"RANDOMKEY"]).1;
        assert!([&b"s"[..], b"h", b"k"].contains(&k.bytes()));
        // SRANDMEMBER: members; distinct for a positive count, at most the set's size;
        // exactly |count| (repeats allowed) for a negative one.
        let one = c.call(&[b"SRANDMEMBER", b"s"]).1;
        assert!(members.contains(one.bytes()));
        for (count, want) in [(3, 3), (5, 5), (10, 5), (-3, 3), (-12, 12)] {
            let got = c.call(&[b"SRANDMEMBER", b"s", count.to_string().as_bytes()]).1;
            let got: Vec<Vec<u8>> = got.items().iter().map(|r| r.bytes().to_vec()).collect();
            assert_eq!(got.len(), want);
            assert!(got.iter().all(|m| members.contains(m)));
            if count > 0 {
                assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), want, "distinct");
            }
        }
        // HRANDFIELD: fields, with their values when asked.
        let got = c.call(&[b"HRANDFIELD", b"h", b"-5", b"WITHVALUES"]).1;
        assert_eq!(got.items().len(), 10);
        for pair in got.items().chunks(2) {
            let (f, v) = (pair[0].bytes(), pair[1].bytes());
            assert_eq!(&f[1..], &v[1..], "a field and its own value");
        }
        let got = c.call(&[b"HRANDFIELD", b"h", b"2"]).1;
        let got: BTreeSet<Vec<u8>> = got.items().iter().map(|r| r.bytes().to_vec()).collect();
        assert_eq!(got.len(), 2);
        assert_eq!(c.call(&[b"HRANDFIELD", b"h", b"9"]).1.items().len(), 3);
    }
    // SPOP: removes what it returns, distinct, until the set is empty (and gone).
    let mut popped = BTreeSet::new();
    let one = c.call(&[b"SPOP", b"s"]).1;
    popped.insert(one.bytes().to_vec());
    let two = c.call(&[b"SPOP", b"s", b"2"]).1;
    popped.extend(two.items().iter().map(|r| r.bytes().to_vec()));
    assert_eq!(popped.len(), 3);
    assert_eq!(c.call(&[b"SCARD", b"s"]).1, Reply::Int(2));
    let rest = c.call(&[b"SPOP", b"s", b"10"]).1;
    popped.extend(rest.items().iter().map(|r| r.bytes().to_vec()));
    assert_eq!(popped, members);
    assert_eq!(c.call(&[b"EXISTS", b"s"]).1, Reply::Int(0));
}

#[test]
fn the_redis_crate_drives_the_new_commands() {
    let server = start(1);
    let mut con = redis_util::client(server.addr);
    let n: i64 = redis::cmd("RPUSH").arg("l").arg(&["a", "b", "c"]).query(&mut con).unwrap();
    assert_eq!(n, 3);
    let l: Vec<String> = redis::cmd("LRANGE").arg("l").arg(0).arg(-1).query(&mut con).unwrap();
    assert_eq!(l, ["a", "b", "c"]);
    let _: () = redis::cmd("HSET").arg("h").arg("f").arg("v").arg("g").arg("w").query(&mut con).unwrap();
    let h: std::collections::HashMap<String, String> =
        redis::cmd("HGETALL").arg("h").query(&mut con).unwrap();
    assert_eq!(h.get("g").map(String::as_str), Some("w"));
    let _: () = redis::cmd("SADD").arg("s").arg(&["x", "y"]).query(&mut con).unwrap();
    let s: BTreeSet<String> = redis::cmd("SMEMBERS").arg("s").query(&mut con).unwrap();
    assert_eq!(s, ["x".to_string(), "y".to_string()].into_iter().collect());
    let f: f64 = redis::cmd("INCRBYFLOAT").arg("f").arg("2.5").query(&mut con).unwrap();
    assert_eq!(f, 2.5);
    let t: String = redis::cmd("TYPE").arg("h").query(&mut con).unwrap();
    assert_eq!(t, "hash");
    let err = redis::cmd("LPUSH").arg("h").arg("x").query::<()>(&mut con).unwrap_err();
    assert_eq!(err.code(), Some("WRONGTYPE"));
    let keys: Vec<String> =
        redis::cmd("SCAN").arg(0).arg("COUNT").arg(1000).query::<(String, Vec<String>)>(&mut con).unwrap().1;
    assert_eq!(keys.len(), 4);
}

#[test]
fn redis_cli_drives_the_new_commands() {
    let Some(bin) = tool("redis-cli", "redis-tools") else { return };
    let server = start(1);
    let port = server.addr.port().to_string();
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(&bin);
        cmd.args(["-h", "127.0.0.1", "-p", &port]).args(args);
        let out = tools::run_bounded(cmd, util::LIMIT);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(run(&["RPUSH", "l", "a", "b"]), "2\n");
    assert_eq!(run(&["LRANGE", "l", "0", "-1"]), "a\nb\n");
    assert_eq!(run(&["HSET", "h", "f", "v"]), "1\n");
    assert_eq!(run(&["HGET", "h", "f"]), "v\n");
    assert_eq!(run(&["SADD", "s", "m"]), "1\n");
    assert_eq!(run(&["SISMEMBER", "s", "m"]), "1\n");
    assert_eq!(run(&["TYPE", "s"]), "set\n");
    assert_eq!(
        run(&["LPUSH", "s", "x"]).trim_end(),
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    );
    assert_eq!(run(&["--scan"]).lines().collect::<BTreeSet<_>>(), ["h", "l", "s"].into_iter().collect());
}
