//! The redis-server example against the real `redis-server` 7.0, reply for reply: the
//! same requests go to both over plain sockets and the replies must match byte for
//! byte, or as multisets where Redis's order is its hash table's (SMEMBERS, HGETALL,
//! KEYS...), or by their properties where they are random (RANDOMKEY, SPOP,
//! SRANDMEMBER, HRANDFIELD) or cursor-driven (SCAN, HSCAN, SSCAN). Each family has its
//! hand-written cases (normal, every error, edge arguments): strings, keys and the
//! server here, lists, hashes and sets in `redis_diff_collections.rs`; the generated
//! sequences are in `redis_diff_generated.rs`, the scans, the random replies and the
//! client libraries in `redis_diff_properties.rs`.
//!
//! Skipped, with a message, when `redis-server` is not installed (apt package
//! `redis-server`), except under `CI=true`.

mod redis_diff_util;
mod redis_util;
mod tools;
mod util;

use std::net::SocketAddr;

use redis_diff_util::{both_protocols, servers, Reply};

#[test]
fn strings_match() {
    let Some((ours, real)) = servers() else { return };
    for mut p in both_protocols(&ours, &real) {
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
}

#[test]
fn keys_match() {
    let Some((ours, real)) = servers() else { return };
    for mut p in both_protocols(&ours, &real) {
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
            // Rounded to seconds without overflow.
            "EXPIRETIME a",
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
}

#[test]
fn connection_and_server_commands_match() {
    let Some((ours, real)) = servers() else { return };
    for mut p in both_protocols(&ours, &real) {
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
            "CONFIG SET databases 2",
            "CONFIG SET appendonly maybe",
            "CONFIG SET maxmemory abc",
            "CONFIG SET timeout 5 timeout 6",
            "CONFIG SET timeout -1",
            "CONFIG SET timeout 2147483648",
            // Integers as `string2ll` reads them; names first, as typed; then values.
            "CONFIG SET timeout +5",
            "CONFIG SET timeout 05",
            "CONFIG SET timeout -0",
            "CONFIG SET timeout abc nosuch 2",
            "CONFIG SET timeout 0 TIMEOUT 0",
            "CONFIG SET DATABASES 1",
            "CONFIG SET timeout abc DATABASES 1",
            "CONFIG SET TIMEOUT abc",
            "CONFIG SET timeout 1.5",
            "CONFIG SET maxclients 4294967296",
            "CONFIG SET timeout 0",
            "CONFIG SET TIMEOUT 0 nosuch 1",
            "CONFIG GET TIMEOUT",
            "CONFIG GET maxclients",
            "CONFIG SET maxclients 500",
            "CONFIG GET maxclients",
            "CONFIG SET appendonly no maxmemory 0",
            "CONFIG GET appendonly",
            "CONFIG RESETSTAT",
            "CONFIG RESETSTAT x",
            "CONFIG NOPE",
            "COMMAND NOPE",
            "COMMAND COUNT x",
            "COMMAND INFO nosuchcommand",
            "TIME x",
            "DBSIZE x",
        ]);
        // The containers' HELP, CONFIG REWRITE, and the keys of full commands as
        // COMMAND GETKEYS and GETKEYSANDFLAGS find them (flags in a set in RESP3).
        p.lines(&[
            "COMMAND HELP",
            "COMMAND HELP x",
            "CONFIG HELP",
            "CONFIG HELP x",
            "PUBSUB HELP",
            "PUBSUB HELP x",
            "CLIENT HELP",
            "CLIENT HELP x",
            "CONFIG REWRITE",
            "CONFIG REWRITE x",
            "CONFIG nosuch",
            "config",
            "COMMAND nosuch",
            "PUBSUB nosuch",
            "COMMAND GETKEYS",
            "COMMAND GETKEYS get",
            "COMMAND GETKEYS get a",
            "COMMAND GETKEYS GET a",
            "COMMAND GETKEYS get a b",
            "COMMAND GETKEYS set a b",
            "COMMAND GETKEYS set a b get",
            "COMMAND GETKEYS mset a 1 b 2",
            "COMMAND GETKEYS mset a 1 b",
            "COMMAND GETKEYS nosuch a",
            "COMMAND GETKEYS config get x",
            "COMMAND GETKEYS config nosuch x",
            "COMMAND GETKEYS client list",
            "COMMAND GETKEYS publish ch m",
            "COMMAND GETKEYS subscribe a b",
            "COMMAND GETKEYS blpop a b 0",
            "COMMAND GETKEYS blpop a 0",
            "COMMAND GETKEYS brpoplpush a b 0",
            "COMMAND GETKEYS blmove a b left right 0",
            "COMMAND GETKEYS sinterstore d a b",
            "COMMAND GETKEYS sdiffstore d a",
            "COMMAND GETKEYS copy a b",
            "COMMAND GETKEYS copy a b replace",
            "COMMAND GETKEYS rename a b",
            "COMMAND GETKEYS lcs a b",
            "COMMAND GETKEYS del a b c",
            "COMMAND GETKEYS exists a",
            "COMMAND GETKEYS hset h f v",
            "COMMAND GETKEYS hmset h f v",
            "COMMAND GETKEYS ping x",
            "COMMAND GETKEYS scan 0",
            "COMMAND GETKEYS keys *",
            "COMMAND GETKEYSANDFLAGS set a b",
            "COMMAND GETKEYSANDFLAGS set a b GET",
            "COMMAND GETKEYSANDFLAGS set a b gEt ex 10",
            "COMMAND GETKEYSANDFLAGS lmove a b left right",
            "COMMAND GETKEYSANDFLAGS copy a b",
            "COMMAND GETKEYSANDFLAGS getex a",
            "COMMAND GETKEYSANDFLAGS del a b",
            "COMMAND GETKEYSANDFLAGS mget a b",
            "COMMAND GETKEYSANDFLAGS blpop a b 1",
            "COMMAND GETKEYSANDFLAGS sunionstore d a b",
            "COMMAND GETKEYSANDFLAGS msetnx a 1 b 2",
            "COMMAND GETKEYSANDFLAGS renamenx a b",
            "COMMAND GETKEYSANDFLAGS getdel a",
            "COMMAND GETKEYSANDFLAGS nosuch",
        ]);
        // Versions other than 2 and 3: Redis's answer to a version it does not know.
        p.lines(&["HELLO 4", "HELLO 0", "HELLO -1"]);
        // HELLO in the pass's own protocol: the same map but for the connection id.
        let version: &[u8] = if p.resp3 { b"3" } else { b"2" };
        let hello: &[&[u8]] = &[b"HELLO", version, b"SETNAME", b"x"];
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
        // COMMAND INFO: what Redis reports as name, arity, flags, key positions, ACL
        // categories, tips and key specs, for every command the example has.
        let names = p.ours.call(&[b"COMMAND", b"LIST"]).1;
        let names: Vec<Vec<u8>> = names.items().iter().map(|n| n.bytes().to_vec()).collect();
        let top = names.iter().filter(|n| !n.contains(&b'|')).count();
        assert_eq!(p.ours.call(&[b"COMMAND", b"COUNT"]).1, Reply::Int(top as i64));
        assert!(top >= 100, "{top} commands");
        // The filters pick the same commands as Redis's, among those the example has.
        for filter in [
            &[&b"ACLCAT"[..], b"hash"][..],
            &[b"ACLCAT", b"FAST"],
            &[b"PATTERN", b"l*"],
            &[b"PATTERN", b"config|*"],
        ] {
            let args: Vec<&[u8]> =
                [&b"COMMAND"[..], b"LIST", b"FILTERBY"].into_iter().chain(filter.iter().copied()).collect();
            let list = |r: Reply| {
                r.items().iter().map(|n| n.bytes().to_vec()).collect::<std::collections::BTreeSet<_>>()
            };
            let ours_list = list(p.ours.call(&args).1);
            let real_list: std::collections::BTreeSet<_> =
                list(p.real.call(&args).1).into_iter().filter(|n| names.contains(n)).collect();
            assert_eq!(ours_list, real_list, "{}", redis_diff_util::show_args(&args));
        }
        p.lines(&[
            "COMMAND LIST FILTERBY MODULE x",
            "COMMAND LIST FILTERBY FOO x",
            "COMMAND LIST x",
            "COMMAND LIST FILTERBY",
        ]);
        for name in &names {
            let (o, r) =
                (p.ours.call(&[b"COMMAND", b"INFO", name]).1, p.real.call(&[b"COMMAND", b"INFO", name]).1);
            // All of it but the subcommands, which are compared under their own names.
            let (o, r) = (&o.items()[0].items()[..9], &r.items()[0].items()[..9]);
            assert_eq!(o, r, "COMMAND INFO {}", String::from_utf8_lossy(name));
            // COMMAND DOCS: all of it (history, arguments and deprecations included);
            // subcommands are compared under their own names.
            let (o, r) =
                (p.ours.call(&[b"COMMAND", b"DOCS", name]).1, p.real.call(&[b"COMMAND", b"DOCS", name]).1);
            let fields = |r: &Reply| -> Vec<Reply> {
                let map = r.items()[1].items();
                map.chunks(2)
                    .filter(|kv| kv[0].bytes() != b"subcommands")
                    .flat_map(|kv| kv.iter().cloned())
                    .collect()
            };
            assert_eq!(fields(&o), fields(&r), "COMMAND DOCS {}", String::from_utf8_lossy(name));
        }
        // INFO: the sections Redis 7.0 picks for each selection.
        let sections = |addr: SocketAddr, args: &[&[u8]]| -> Vec<String> {
            let mut c = redis_diff_util::Conn::new(addr);
            let text = c.call(args).1;
            let text = String::from_utf8_lossy(text.bytes()).to_string();
            text.lines().filter(|l| l.starts_with("# ")).map(str::to_string).collect()
        };
        // Every section but the per-command ones.
        let ours_has = [
            "# Server",
            "# Clients",
            "# Memory",
            "# Persistence",
            "# Stats",
            "# Replication",
            "# CPU",
            "# Modules",
            "# Errorstats",
            "# Cluster",
            "# Keyspace",
        ];
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
        // Each section's fields are Redis's, in Redis's order, but for those this server
        // cannot measure (the allocator's figures, the changes since a save, the expiry
        // cycle's timings, the counts of reads and writes), which it leaves out.
        let fields = |addr: SocketAddr| -> Vec<(String, Vec<String>)> {
            let mut c = redis_diff_util::Conn::new(addr);
            c.call(&[b"SET", b"k", b"v"]);
            let text = c.call(&[b"INFO", b"everything"]).1;
            let text = String::from_utf8_lossy(text.bytes()).to_string();
            let mut sections: Vec<(String, Vec<String>)> = Vec::new();
            for line in text.lines() {
                if let Some(title) = line.strip_prefix("# ") {
                    sections.push((title.to_string(), Vec::new()));
                } else if let (Some((name, _)), Some(last)) = (line.split_once(':'), sections.last_mut()) {
                    last.1.push(name.to_string());
                }
            }
            sections
        };
        let left_out = [
            "redis_build_id",
            "used_memory_overhead",
            "used_memory_startup",
            "used_memory_dataset",
            "used_memory_dataset_perc",
            "allocator_allocated",
            "allocator_active",
            "allocator_resident",
            "allocator_frag_ratio",
            "allocator_frag_bytes",
            "allocator_rss_ratio",
            "allocator_rss_bytes",
            "rss_overhead_ratio",
            "rss_overhead_bytes",
            "mem_fragmentation_ratio",
            "mem_fragmentation_bytes",
            "rdb_changes_since_last_save",
            "expired_stale_perc",
            "expired_time_cap_reached_count",
            "expire_cycle_cpu_milliseconds",
            "total_reads_processed",
            "total_writes_processed",
            "reply_buffer_shrinks",
            "reply_buffer_expands",
        ];
        let real_fields = fields(real.addr);
        for (title, names) in fields(ours.addr) {
            let Some((_, want)) = real_fields.iter().find(|(t, _)| *t == title) else { panic!("# {title}") };
            let want: Vec<&String> = want.iter().filter(|n| !left_out.contains(&n.as_str())).collect();
            let names: Vec<&String> = names.iter().filter(|n| *n != "server_name").collect();
            assert_eq!(names, want, "# {title}");
        }
    }
}

#[test]
fn an_empty_name_matches_only_an_empty_pattern_as_in_redis() {
    // Redis's matcher runs while pattern and string both have bytes left: `*` does not
    // match an empty key, channel or field, though `KEYS *` and an unfiltered scan list
    // an empty key (they match nothing at all).
    let Some((ours, real)) = servers() else { return };
    for mut p in both_protocols(&ours, &real) {
        for args in [
            &[&b"SET"[..], b"", b"v"][..],
            &[b"SET", b"k", b"v"],
            &[b"KEYS", b"*"],
            &[b"KEYS", b"**"],
            &[b"KEYS", b"?"],
            &[b"SCAN", b"0", b"MATCH", b"**"],
            &[b"HSET", b"h", b"", b"1", b"f", b"2"],
            &[b"HSCAN", b"h", b"0", b"MATCH", b"*"],
            &[b"HSCAN", b"h", b"0", b"MATCH", b"**"],
            &[b"SADD", b"s", b"", b"m"],
            &[b"SSCAN", b"s", b"0", b"MATCH", b"**"],
            &[b"PUBLISH", b"", b"m"],
            &[b"PUBSUB", b"CHANNELS", b"*"],
            &[b"DEL", b"", b"k", b"h", b"s"],
        ] {
            p.check(args);
        }
    }
    // A pattern subscriber does not hear the empty channel; a subscriber of it does.
    let Some((ours, real)) = servers() else { return };
    let count = |addr: SocketAddr| {
        let mut psub = redis_diff_util::Conn::new(addr);
        psub.call(&[b"PSUBSCRIBE", b"*"]);
        let mut sub = redis_diff_util::Conn::new(addr);
        sub.call(&[b"SUBSCRIBE", b""]);
        let mut publisher = redis_diff_util::Conn::new(addr);
        let heard = publisher.call(&[b"PUBLISH", b"", b"m"]).1.int();
        let channels = publisher.call(&[b"PUBSUB", b"CHANNELS", b"*"]).0;
        (heard, channels)
    };
    let (o, r) = (count(ours.addr), count(real.addr));
    assert_eq!(o, r);
    assert_eq!(o.0, 1);
}

#[test]
fn databases_are_separate_keyspaces_as_in_redis() {
    let Some((ours, real)) = servers() else { return };
    for mut p in both_protocols(&ours, &real) {
        p.lines(&[
            "FLUSHALL",
            "SET k zero",
            "SELECT 1",
            "GET k",
            "SET k one",
            "RPUSH l a b",
            "DBSIZE",
            "SELECT 0",
            "GET k",
            "DBSIZE",
            "SELECT 15",
            "SELECT 16",
            "SELECT -1",
            "SELECT 0",
            // COPY into another database: not there, there (no REPLACE), replaced.
            "COPY k k DB 2",
            "COPY k k DB 2",
            "COPY k k DB 1",
            "COPY k k DB 1 REPLACE",
            "COPY nope k DB 2",
            "COPY k k DB 16",
            "SELECT 1",
            "GET k",
            "SELECT 2",
            "GET k",
            "TYPE k",
            "COPY k x DB 1",
            "SELECT 1",
            "LRANGE l 0 -1",
            "GET x",
            "FLUSHDB",
            "DBSIZE",
            "SELECT 2",
            "DBSIZE",
            "INFO keyspace",
            "CONFIG GET databases",
            // MOVE: with its deadline; not over a key there, nor to its own database.
            "SELECT 0",
            "SET m v EX 100",
            "MOVE m 3",
            "MOVE m 3",
            "SET m w",
            "MOVE m 3",
            "MOVE m 0",
            "MOVE nope 3",
            "MOVE m 16",
            "MOVE m -1",
            "MOVE m x",
            "MOVE m 99999999999",
            "COPY m m2 DB 99999999999",
            "MOVE m",
            "SELECT 3",
            "GET m",
            "TTL m",
            "MOVE m 0",
            "RPUSH ml a",
            "MOVE ml 0",
            "SELECT 0",
            "LRANGE ml 0 -1",
            // RESET goes back to database 0.
            "RESET",
            "GET k",
            "FLUSHALL",
            "SELECT 2",
            "DBSIZE",
            "SELECT 0",
        ]);
    }
    // A client blocked in database 1 is served by a push to its key there, not by one
    // to the same key in database 0.
    for addr in [ours.addr, real.addr] {
        let mut blocked = redis_diff_util::Conn::new(addr);
        blocked.call(&[b"SELECT", b"1"]);
        blocked.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n5\r\n");
        let mut pusher = redis_diff_util::Conn::new(addr);
        assert!(util::wait_for(|| {
            let info = pusher.call(&[b"INFO", b"clients"]).1;
            String::from_utf8_lossy(info.bytes()).contains("blocked_clients:1")
        }));
        assert_eq!(pusher.call(&[b"RPUSH", b"q", b"in-zero"]).1, Reply::Int(1));
        pusher.call(&[b"SELECT", b"1"]);
        assert_eq!(pusher.call(&[b"RPUSH", b"q", b"in-one"]).1, Reply::Int(1));
        let (raw, _) = blocked.read();
        assert_eq!(raw, b"*2\r\n$1\r\nq\r\n$6\r\nin-one\r\n");
        // A list moved into its database serves it too.
        blocked.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n5\r\n");
        assert!(util::wait_for(|| {
            let info = pusher.call(&[b"INFO", b"clients"]).1;
            String::from_utf8_lossy(info.bytes()).contains("blocked_clients:1")
        }));
        pusher.call(&[b"SELECT", b"0"]);
        pusher.call(&[b"DEL", b"q"]);
        pusher.call(&[b"RPUSH", b"q", b"moved"]);
        assert_eq!(pusher.call(&[b"MOVE", b"q", b"1"]).1, Reply::Int(1));
        let (raw, _) = blocked.read();
        assert_eq!(raw, b"*2\r\n$1\r\nq\r\n$5\r\nmoved\r\n");
        pusher.call(&[b"SELECT", b"1"]);
        // CLIENT LIST shows the database each client works in.
        let list = pusher.call(&[b"CLIENT", b"LIST"]).1;
        let list = String::from_utf8_lossy(list.bytes()).into_owned();
        assert_eq!(list.matches(" db=1 ").count(), 2, "{list}");
        pusher.call(&[b"FLUSHALL"]);
    }
}
