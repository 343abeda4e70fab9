//! What cannot be compared byte for byte with the real `redis-server`: whole `SCAN`,
//! `SSCAN` and `HSCAN` iterations (compared as sets, and a key present throughout is
//! never missed), the random replies (`RANDOMKEY`, `SPOP`, `SRANDMEMBER`,
//! `HRANDFIELD`: counts, membership, distinctness), real clients (the `redis` crate,
//! `redis-cli`) driving the new commands, and moves between keys from many clients on
//! many loops at once (nothing lost, nothing deadlocked).
//!
//! Skipped, with a message, when a tool is not installed, except under `CI=true`.

mod redis_diff_util;
mod redis_util;
mod tools;
mod util;

use std::collections::BTreeSet;

use redis_diff_util::{pair, servers, Reply};
use redis_util::start;
use tools::tool;

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
    for rest in [
        &[][..],
        &[&b"COUNT"[..], b"7"],
        &[b"MATCH", b"str:1*"],
        &[b"TYPE", b"list"],
        &[b"TYPE", b"LIST"],
        &[b"MATCH", b"*1*", b"TYPE", b"string"],
    ] {
        p.line("CONFIG RESETSTAT");
        let o = scan_all(&mut p.ours, &[b"SCAN"], rest);
        let r = scan_all(&mut p.real, &[b"SCAN"], rest);
        assert_eq!(set(o), set(r), "SCAN {}", redis_diff_util::show_args(rest));
        // With a type, each key that matched is read (a hit): over a whole iteration,
        // as many as in Redis.
        assert_eq!(
            p.ours.keyspace_stats(),
            p.real.keyspace_stats(),
            "SCAN {}",
            redis_diff_util::show_args(rest)
        );
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
fn the_redis_crate_speaks_resp3() {
    use redis::Value;
    let server = start(2);
    let url = format!("redis://{}/?protocol=resp3", server.addr);
    let mut con = redis::Client::open(url).unwrap().get_connection_with_timeout(util::LIMIT).unwrap();
    let _: () = redis::cmd("HSET").arg("h").arg("f").arg("v").query(&mut con).unwrap();
    let _: () = redis::cmd("SADD").arg("s").arg(&["x", "y"]).query(&mut con).unwrap();
    // The replies' RESP3 types, as the crate reads them.
    let value = |con: &mut redis::Connection, args: &[&str]| -> Value {
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        cmd.query(con).unwrap()
    };
    let hello = value(&mut con, &["HELLO", "3"]);
    let Value::Map(fields) = hello else { panic!("HELLO 3: {hello:?}") };
    assert!(fields.contains(&(Value::BulkString(b"proto".to_vec()), Value::Int(3))), "{fields:?}");
    assert_eq!(value(&mut con, &["GET", "nope"]), Value::Nil);
    assert_eq!(value(&mut con, &["LPOP", "nope", "2"]), Value::Nil);
    assert!(matches!(value(&mut con, &["HGETALL", "h"]), Value::Map(m) if m.len() == 1));
    assert!(matches!(value(&mut con, &["SMEMBERS", "s"]), Value::Set(m) if m.len() == 2));
    assert!(matches!(value(&mut con, &["CONFIG", "GET", "maxclients"]), Value::Map(m) if m.len() == 1));
    assert!(
        matches!(value(&mut con, &["CLIENT", "INFO"]), Value::VerbatimString { text, .. } if text.contains(" resp=3"))
    );
    assert!(
        matches!(value(&mut con, &["INFO", "server"]), Value::VerbatimString { text, .. } if text.starts_with("# Server"))
    );
    // Typed results read the same as over RESP2.
    let h: std::collections::HashMap<String, String> =
        redis::cmd("HGETALL").arg("h").query(&mut con).unwrap();
    assert_eq!(h.get("f").map(String::as_str), Some("v"));
    let s: BTreeSet<String> = redis::cmd("SMEMBERS").arg("s").query(&mut con).unwrap();
    assert_eq!(s, ["x".to_string(), "y".to_string()].into_iter().collect());
    let missing: Option<String> = redis::cmd("GET").arg("nope").query(&mut con).unwrap();
    assert_eq!(missing, None);
    // Back to RESP2 on the same connection: an array again.
    assert!(matches!(value(&mut con, &["HELLO", "2"]), Value::Array(a) if a.len() == 14));
    assert!(matches!(value(&mut con, &["HGETALL", "h"]), Value::Array(a) if a.len() == 2));
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
    // `-3`: RESP3, whose maps redis-cli prints one pair to a line.
    assert_eq!(run(&["HGETALL", "h"]), "f\nv\n");
    assert_eq!(run(&["-3", "HGETALL", "h"]), "f v\n");
    assert_eq!(run(&["-3", "HELLO", "3"]).lines().nth(2), Some("proto 3"));
}

#[test]
fn moves_between_keys_on_many_loops_lose_nothing() {
    // Four loops, four clients moving elements between lists and members between sets
    // at once: the multi-key commands lock every shard they touch together, so nothing
    // is lost or duplicated, and nothing deadlocks.
    let server = redis_util::start(4);
    let mut c = redis_diff_util::Conn::new(server.addr);
    for i in 0..8 {
        let (list, set) = (format!("list{i}"), format!("set{i}"));
        for j in 0..25 {
            let e = format!("e{i}-{j}");
            c.call(&[b"RPUSH", list.as_bytes(), e.as_bytes()]);
            c.call(&[b"SADD", set.as_bytes(), e.as_bytes()]);
        }
    }
    let workers: Vec<_> = (0..4u64)
        .map(|t| {
            let addr = server.addr;
            std::thread::spawn(move || {
                let mut c = redis_diff_util::Conn::new(addr);
                let mut rng = redis_diff_util::Rng::new(t + 1);
                for _ in 0..1500 {
                    let (a, b) = (rng.below(8), rng.below(8));
                    let (la, lb) = (format!("list{a}"), format!("list{b}"));
                    c.call(&[b"LMOVE", la.as_bytes(), lb.as_bytes(), b"LEFT", b"RIGHT"]);
                    let (sa, sb) = (format!("set{a}"), format!("set{b}"));
                    let m = format!("e{}-{}", rng.below(8), rng.below(25));
                    c.call(&[b"SMOVE", sa.as_bytes(), sb.as_bytes(), m.as_bytes()]);
                    c.call(&[b"SUNIONSTORE", b"scratch", sa.as_bytes(), sb.as_bytes()]);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let (mut elements, mut members) = (Vec::new(), Vec::new());
    for i in 0..8 {
        let l = c.call(&[b"LRANGE", format!("list{i}").as_bytes(), b"0", b"-1"]).1;
        elements.extend(l.items().iter().map(|r| r.bytes().to_vec()));
        let s = c.call(&[b"SMEMBERS", format!("set{i}").as_bytes()]).1;
        members.extend(s.items().iter().map(|r| r.bytes().to_vec()));
    }
    elements.sort();
    members.sort();
    let mut want: Vec<Vec<u8>> =
        (0..8).flat_map(|i| (0..25).map(move |j| format!("e{i}-{j}").into_bytes())).collect();
    want.sort();
    assert_eq!(elements, want);
    assert_eq!(members, want);
}

#[test]
fn info_stats_count_every_connection_on_every_loop() {
    let server = redis_util::start(2);
    let stat = |c: &mut redis_diff_util::Conn, name: &str| -> u64 {
        let info = c.call(&[b"INFO", b"stats"]).1;
        let info = String::from_utf8_lossy(info.bytes()).to_string();
        let line = info.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{info}"));
        line[name.len() + 1..].parse().unwrap()
    };
    let mut conns: Vec<_> = (0..4).map(|_| redis_diff_util::Conn::new(server.addr)).collect();
    for c in &mut conns {
        c.call(&[b"SET", b"k", b"v"]);
        c.call(&[b"GET", b"k"]);
        c.call(&[b"GET", b"nope"]);
    }
    // Twelve commands before, the INFO itself counted too.
    assert_eq!(stat(&mut conns[0], "total_commands_processed"), 13);
    assert_eq!(stat(&mut conns[1], "keyspace_hits"), 4);
    assert_eq!(stat(&mut conns[2], "keyspace_misses"), 4);
    assert_eq!(stat(&mut conns[3], "total_connections_received"), 4);
    conns[0].call(&[b"CONFIG", b"RESETSTAT"]);
    assert_eq!(stat(&mut conns[1], "keyspace_hits"), 0);
}

#[test]
fn error_replies_are_counted_by_kind_as_redis_counts_them() {
    let Some((ours, real)) = servers() else { return };
    let mut p = pair(&ours, &real);
    p.line("CONFIG RESETSTAT");
    p.lines(&["RPUSH l a", "GET l", "NOSUCH x", "GET", "SET k v XX NX", "INCR l", "HELLO 4", "CONFIG NOPE"]);
    p.lines(&["AUTH nopass", "COMMAND GETKEYS ping x", "SELECT 5", "GET k"]);
    // A subscriber's refused command, and a protocol error (which closes its
    // connection), on connections of their own.
    for addr in [ours.addr, real.addr] {
        let mut c = redis_diff_util::Conn::new(addr);
        c.call(&[b"SUBSCRIBE", b"a"]);
        assert!(c.call(&[b"GET", b"k"]).0.starts_with(b"-ERR Can't execute 'get'"));
        let mut c = redis_diff_util::Conn::new(addr);
        c.send(b"*1\r\n$x\r\n");
        assert!(c.read().0.starts_with(b"-ERR Protocol error"));
        assert!(c.closed());
    }
    let (o, r) = (p.ours.error_stats(), p.real.error_stats());
    assert_eq!(o, r);
    assert_eq!(o.0.len(), 3, "{o:?}");
    p.line("CONFIG RESETSTAT");
    assert_eq!(p.ours.error_stats(), (vec![], 0));
}

#[test]
fn info_reports_rates_buffers_and_the_server_as_it_runs() {
    let server = redis_util::start(2);
    let mut c = redis_diff_util::Conn::new(server.addr);
    let field = |c: &mut redis_diff_util::Conn, section: &[u8], name: &str| -> String {
        let info = c.call(&[b"INFO", section]).1;
        let info = String::from_utf8_lossy(info.bytes()).into_owned();
        let value = info.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(':').map(str::to_string));
        value.unwrap_or_else(|| panic!("{name}: {info}"))
    };
    let number = |c: &mut redis_diff_util::Conn, section: &[u8], name: &str| -> f64 {
        field(c, section, name).parse().unwrap()
    };
    assert_eq!(field(&mut c, b"server", "tcp_port"), server.addr.port().to_string());
    assert_eq!(field(&mut c, b"server", "run_id").len(), 40);
    assert_eq!(field(&mut c, b"replication", "role"), "master");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as f64;
    assert!((number(&mut c, b"persistence", "rdb_last_save_time") - now).abs() < 60.0);
    assert!(number(&mut c, b"cpu", "used_cpu_user") >= 0.0);
    // Both from one reply: the resident size can grow between two.
    let memory = String::from_utf8_lossy(c.call(&[b"INFO", b"memory"]).1.bytes()).into_owned();
    let memory_field = |name: &str| -> u64 {
        let value = memory.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(':'));
        value.unwrap_or_else(|| panic!("{name}: {memory}")).parse().unwrap()
    };
    assert!(memory_field("used_memory") > 0);
    assert!(memory_field("used_memory_peak") >= memory_field("used_memory"), "{memory}");
    // Commands keep coming: the rate, sampled ten times a second, shows them, and the
    // bytes in and out grow.
    let bytes_in = number(&mut c, b"stats", "total_net_input_bytes");
    assert!(util::wait_for(|| {
        for _ in 0..100 {
            c.call(&[b"PING"]);
        }
        number(&mut c, b"stats", "instantaneous_ops_per_sec") > 0.0
            && number(&mut c, b"stats", "instantaneous_input_kbps") > 0.0
    }));
    assert!(number(&mut c, b"stats", "total_net_input_bytes") > bytes_in);
    assert!(number(&mut c, b"stats", "total_net_output_bytes") > 0.0);
    // A client blocked with a timeout, and one with a request half sent.
    let mut blocked = redis_diff_util::Conn::new(server.addr);
    blocked.send(b"*3\r\n$5\r\nBLPOP\r\n$4\r\nnone\r\n$3\r\n100\r\n");
    let mut partial = redis_diff_util::Conn::new(server.addr);
    partial.send(&[b"*2\r\n$4\r\nECHO\r\n$2000\r\n".as_slice(), &[b'x'; 1000]].concat());
    assert!(util::wait_for(|| number(&mut c, b"clients", "clients_in_timeout_table") == 1.0));
    assert!(util::wait_for(|| number(&mut c, b"clients", "client_recent_max_input_buffer") >= 1000.0));
    assert_eq!(number(&mut c, b"clients", "blocked_clients"), 1.0);
    drop(blocked);
    assert!(util::wait_for(|| number(&mut c, b"clients", "clients_in_timeout_table") == 0.0));
    assert_eq!(field(&mut c, b"stats", "pubsub_channels"), "0");
}
