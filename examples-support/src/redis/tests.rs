//! Unit tests of the sans-I/O parts: parser, keyspace, glob, commands. They need no
//! socket.

use super::commands::{execute, run_all, Ctx, Session};
use super::resp::{parse_i64, Parser, Progress, ProtocolError};
use super::stats::Counters;
use super::store::{glob_match, Clock, Databases, SetIf, SetTtl, Store, Value, NEVER};
use super::{Options, Shared};

/// Parses every request in `input`; returns the argument lists and the bytes used.
fn parse_all(input: &[u8]) -> (Vec<Vec<Vec<u8>>>, usize, Option<ProtocolError>) {
    let mut parser = Parser::new();
    let mut progress = Progress::default();
    let (mut out, mut used) = (Vec::new(), 0);
    loop {
        match parser.parse(&input[used..], &mut progress) {
            Ok(Some((args, n))) => {
                used += n;
                if !args.is_empty() {
                    out.push(args.iter().map(<[u8]>::to_vec).collect());
                }
            }
            Ok(None) => return (out, used, None),
            Err(e) => return (out, used, Some(e)),
        }
    }
}

fn words(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|w| w.as_bytes().to_vec()).collect()
}

#[test]
fn the_argument_iterator_skips_and_runs_backwards_as_a_slice_iterator_does() {
    let input = b"*5\r\n$5\r\nLPUSH\r\n$1\r\nk\r\n$1\r\na\r\n$2\r\nbc\r\n$0\r\n\r\n";
    let mut parser = Parser::new();
    let (args, _) = parser.parse(input, &mut Progress::default()).unwrap().unwrap();
    let all: Vec<&[u8]> = vec![b"LPUSH", b"k", b"a", b"bc", b""];
    assert_eq!(args.iter().collect::<Vec<_>>(), all);
    assert_eq!(args.iter().len(), 5);
    for n in 0..8 {
        assert_eq!(args.iter().skip(n).collect::<Vec<_>>(), all.iter().copied().skip(n).collect::<Vec<_>>());
        assert_eq!(args.iter().nth(n), all.get(n).copied());
        assert_eq!(args.iter().rev().nth(n), all.iter().rev().nth(n).copied());
        let mut it = args.iter();
        assert_eq!(it.nth(n), all.get(n).copied());
        assert_eq!(it.len(), all.len().saturating_sub(n + 1));
        assert_eq!(it.next_back(), all.get(n + 1..).and_then(|r| r.last()).copied());
    }
}

#[test]
fn multibulk_requests_are_parsed_and_borrowed() {
    let input = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n";
    let mut parser = Parser::new();
    let mut progress = Progress::default();
    let (args, used) = parser.parse(input, &mut progress).unwrap().unwrap();
    assert_eq!(used, 20);
    assert_eq!(args.get(1), b"k");
    // The argument is a slice of the input itself, not a copy.
    let input_range = input.as_ptr_range();
    assert!(input_range.contains(&args.get(1).as_ptr()));
    let (all, used, err) = parse_all(input);
    assert_eq!(all, vec![words(&["GET", "k"]), words(&["PING"])]);
    assert_eq!((used, err), (input.len(), None));
}

#[test]
fn every_split_point_waits_for_the_rest() {
    let input = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\n0123456789\r\n";
    for cut in 0..input.len() - 1 {
        let mut parser = Parser::new();
        let mut progress = Progress::default();
        assert!(parser.parse(&input[..cut], &mut progress).unwrap().is_none(), "cut at {cut}");
    }
    let (all, used, _) = parse_all(input);
    assert_eq!(all, vec![words(&["SET", "key", "0123456789"])]);
    assert_eq!(used, input.len());
}

#[test]
fn a_long_request_resumes_where_its_scan_stopped() {
    // 3000 arguments of 10 bytes arrive in slices; the saved progress must give the
    // same result as parsing the whole request at once.
    let mut input = b"*3000\r\n".to_vec();
    for i in 0..3000 {
        input.extend_from_slice(format!("$10\r\n{i:010}\r\n").as_bytes());
    }
    let mut parser = Parser::new();
    let mut progress = Progress::default();
    let mut end = 0;
    let args = loop {
        end = (end + 4096).min(input.len());
        if let Some((args, used)) = parser.parse(&input[..end], &mut progress).unwrap() {
            assert_eq!(used, input.len());
            break args.iter().map(<[u8]>::to_vec).collect::<Vec<_>>();
        }
    };
    assert_eq!(args.len(), 3000);
    assert_eq!(args[2999], b"0000002999");
}

#[test]
fn inline_requests_split_like_redis() {
    let (all, _, err) = parse_all(b"PING\r\n  set  a\t b \r\nECHO \"x\\x41\\n\" 'it\\'s'\n\r\n");
    assert_eq!(err, None);
    assert_eq!(all, vec![words(&["PING"]), words(&["set", "a", "b"]), words(&["ECHO", "xA\n", "it's"])]);
    // A short `\x`, a backslash inside single quotes, an unknown escape, a last backslash.
    let (all, _, err) = parse_all(b"ECHO \"\\x4\" 'a\\b' \"\\q\\t\"\r\n");
    assert_eq!((all, err), (vec![words(&["ECHO", "x4", "a\\b", "q\t"])], None));
    assert_eq!(parse_all(b"ECHO \"a\\\r\n").2, Some(ProtocolError::UnbalancedQuotes));
    assert_eq!(parse_all(b"ECHO \"open\r\n").2, Some(ProtocolError::UnbalancedQuotes));
    assert_eq!(parse_all(b"ECHO \"a\"b\r\n").2, Some(ProtocolError::UnbalancedQuotes));
}

#[test]
fn malformed_requests_are_refused() {
    let cases: [(&[u8], ProtocolError); 6] = [
        (b"*abc\r\n", ProtocolError::InvalidMultibulkLength),
        (b"*2147483648\r\n", ProtocolError::InvalidMultibulkLength),
        (b"*1\r\nfoo\r\n", ProtocolError::ExpectedDollar(b'f')),
        (b"*1\r\n$-1\r\n", ProtocolError::InvalidBulkLength),
        (b"*1\r\n$536870913\r\n", ProtocolError::InvalidBulkLength),
        (b"*1\r\n$01\r\na\r\n", ProtocolError::InvalidBulkLength),
    ];
    for (input, want) in cases {
        assert_eq!(parse_all(input).2, Some(want), "{:?}", String::from_utf8_lossy(input));
    }
    assert_eq!(parse_all(&vec![b'x'; 70_000]).2, Some(ProtocolError::TooBigInline));
    let mut big_count = b"*".to_vec();
    big_count.extend(std::iter::repeat_n(b'1', 70_000));
    assert_eq!(parse_all(&big_count).2, Some(ProtocolError::TooBigMultibulkCount));
}

#[test]
fn claimed_sizes_reserve_nothing() {
    // A request announcing two billion arguments, or a 512 MiB bulk, is merely waiting
    // for bytes: the parser has reserved nothing for it.
    let mut parser = Parser::new();
    let mut progress = Progress::default();
    assert!(parser.parse(b"*2147483647\r\n$536870912\r\nab", &mut progress).unwrap().is_none());
    assert_eq!(format!("{parser:?}"), "Parser { ranges: [], scratch: [], unauthenticated: false }");
}

#[test]
fn a_client_that_has_not_authenticated_is_held_to_redis_limits() {
    let mut parser = Parser::new();
    parser.set_unauthenticated(true);
    let mut parse = |input: &[u8], progress: &mut Progress| {
        parser.parse(input, progress).map(|r| r.map(|(a, n)| (a.len(), n)))
    };
    let mut fresh = Progress::default();
    assert_eq!(parse(b"*11\r\n", &mut fresh), Err(ProtocolError::UnauthenticatedMultibulkLength));
    assert_eq!(parse(b"*1\r\n$16385\r\n", &mut fresh), Err(ProtocolError::UnauthenticatedBulkLength));
    // Other errors first, as Redis checks them first.
    assert_eq!(parse(b"*2147483648\r\n", &mut fresh), Err(ProtocolError::InvalidMultibulkLength));
    assert_eq!(parse(b"*1\r\n$536870913\r\n", &mut fresh), Err(ProtocolError::InvalidBulkLength));
    // At the limits.
    let ten = [b"*10\r\n".as_slice(), &b"$1\r\nk\r\n".repeat(10)].concat();
    assert_eq!(parse(&ten, &mut fresh), Ok(Some((10, ten.len()))));
    let long = [b"*1\r\n$16384\r\n".as_slice(), &[b'a'; 16384], b"\r\n"].concat();
    assert_eq!(parse(&long, &mut fresh), Ok(Some((1, long.len()))));
    // A request longer than the resume threshold, resumed after its first arguments:
    // the argument over the limit is refused on the resumed scan too.
    let mut request = b"*3\r\n".to_vec();
    for _ in 0..2 {
        request.extend_from_slice(b"$16384\r\n");
        request.extend_from_slice(&[b'a'; 16384]);
        request.extend_from_slice(b"\r\n");
    }
    let mut progress = Progress::default();
    assert_eq!(parse(&request, &mut progress), Ok(None));
    request.extend_from_slice(b"$16385\r\n");
    assert_eq!(parse(&request, &mut progress), Err(ProtocolError::UnauthenticatedBulkLength));
    // Lifted: the same requests wait for their bytes.
    parser.set_unauthenticated(false);
    assert_eq!(parser.parse(b"*11\r\n", &mut Progress::default()).map(|r| r.is_none()), Ok(true));
    assert_eq!(parser.parse(b"*1\r\n$16385\r\n", &mut Progress::default()).map(|r| r.is_none()), Ok(true));
}

#[test]
fn empty_requests_are_skipped() {
    let (all, used, err) = parse_all(b"*0\r\n*-1\r\n\r\n   \r\nPING\r\n");
    assert_eq!((all, err), (vec![words(&["PING"])], None));
    assert_eq!(used, 22);
}

#[test]
fn integers_parse_like_string2ll() {
    assert_eq!(parse_i64(b"0"), Some(0));
    assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
    assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
    for bad in ["", "-", "-0", "01", "+1", " 1", "1 ", "9223372036854775808", "1a"] {
        assert_eq!(parse_i64(bad.as_bytes()), None, "{bad:?}");
    }
}

#[test]
fn glob_matches_like_redis() {
    let yes = [
        ("", ""),
        ("*", "a"),
        ("a*", "a"),
        ("h?llo", "hello"),
        ("h*llo", "heeeello"),
        ("h[ae]llo", "hallo"),
        ("h[^e]llo", "hallo"),
        ("h[a-b]llo", "hbllo"),
        ("h[b-a]llo", "hallo"),
        ("a\\*b", "a*b"),
        ("*:*:*", "a:b:c"),
    ];
    // An empty string matches only an empty pattern, as in Redis (its loop runs while
    // both have bytes left).
    let no = [
        ("h?llo", "hllo"),
        ("h[^e]llo", "hello"),
        ("a\\*b", "axb"),
        ("*a", "b"),
        ("[", "x"),
        ("[", "["),
        ("*", ""),
        ("**", ""),
        ("?", ""),
    ];
    for (p, s) in yes {
        assert!(glob_match(p.as_bytes(), s.as_bytes()), "{p} {s}");
    }
    for (p, s) in no {
        assert!(!glob_match(p.as_bytes(), s.as_bytes()), "{p} {s}");
    }
    // Many stars against a long non-matching string finish quickly.
    let s = vec![b'a'; 10_000];
    assert!(!glob_match(b"*a*a*a*a*a*a*a*b", &s));
    // Past 1,000 runs of `*` before its end a pattern matches nothing, as Redis gives
    // up there; a last run, a `*` in a class and an escaped one do not count.
    let key = vec![b'a'; 1200];
    for (pattern, matches) in [
        ("*a".repeat(1000), true),
        ("*a".repeat(1001), false),
        ("a*".repeat(1001), true),
        ("a*".repeat(1002), false),
        ("*a".repeat(1000) + "*", true),
    ] {
        assert_eq!(glob_match(pattern.as_bytes(), &key), matches, "{}", &pattern[..8]);
    }
    let stars = vec![b'*'; 1001];
    assert!(glob_match(&b"\\**".repeat(1001), &stars));
    assert!(!glob_match(&b"*[*]".repeat(1001), &stars));
    assert!(glob_match(&b"*[*]".repeat(1000), &stars));
}

#[test]
fn store_expires_lazily_and_by_sweep() {
    let store = Store::new();
    let mut clock = Clock::fixed(1000);
    assert!(store.set(b"a", b"1", SetTtl::At(1100), SetIf::Always, &mut clock, |_| true));
    assert!(store.set(b"b", b"2", SetTtl::At(1100), SetIf::Always, &mut clock, |_| true));
    assert!(store.set(b"c", b"3", SetTtl::Clear, SetIf::Always, &mut clock, |_| true));
    assert_eq!(store.counts(), (3, 2));
    clock.advance(100);
    // Lazy: touching an expired key removes it.
    assert!(!store.exists(b"a", &mut clock));
    assert_eq!(store.counts(), (2, 1));
    // Sweep: enough sweeps visit every shard.
    let removed: usize = (0..super::store::SHARDS).map(|_| store.sweep(&mut clock)).sum();
    assert_eq!(removed, 1);
    assert_eq!(store.counts(), (1, 0));
}

#[test]
fn every_database_gets_its_turn_at_the_sweep() {
    // Database 0 has more expired keys than any one sweep removes: the sweeps start
    // each at the next database, so database 3's turn comes all the same (they all
    // started with database 0, whose backlog took every budget).
    let dbs = Databases::new();
    let mut clock = Clock::fixed(1000);
    for i in 0..100_000 {
        dbs.first().set(
            format!("k{i}").as_bytes(),
            b"v",
            SetTtl::At(1010),
            SetIf::Always,
            &mut clock,
            |_| true,
        );
    }
    let three = dbs.get(3).unwrap();
    three.set(b"k", b"v", SetTtl::At(1010), SetIf::Always, &mut clock, |_| true);
    clock.advance(100);
    // A budget this short lets a sweep visit one shard of one database: 64 visits
    // reach every shard of database 3, which comes first in 3 sweeps of 16.
    for _ in 0..16 * 32 {
        dbs.sweep_for(&mut clock, std::time::Duration::from_nanos(1));
    }
    assert_eq!(three.expired(), 1);
    assert!(dbs.first().expired() < 100_000, "database 0's backlog was not left to take every sweep");
}

#[test]
fn a_copy_leaves_its_source_where_a_scan_under_way_finds_it() {
    // COPY took the source out and put it back, at the table's end: a scan already
    // past that end never saw it again.
    let dbs = Databases::new();
    let c = &mut Clock::fixed(1);
    for i in 0..100 {
        run(&dbs, c, &format!("SET k{i} v\r\n"));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor = "0".to_string();
    for _ in 0..1000 {
        let reply = run(&dbs, c, &format!("SCAN {cursor} COUNT 5\r\n"));
        let lines: Vec<&str> = reply.split("\r\n").collect();
        cursor = lines[2].to_string();
        seen.extend(lines.iter().filter(|l| l.starts_with('k')).map(|l| l.to_string()));
        for i in 0..100 {
            run(&dbs, c, &format!("COPY k{i} copy REPLACE\r\nCOPY k{i} k{i} DB 1 REPLACE\r\n"));
        }
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(cursor, "0");
    assert_eq!(
        seen.len(),
        100,
        "missed: {:?}",
        (0..100).map(|i| format!("k{i}")).filter(|k| !seen.contains(k)).collect::<Vec<_>>()
    );
}

#[test]
fn the_sweep_stops_at_its_budget_and_gives_memory_back() {
    let store = Store::new();
    let mut clock = Clock::fixed(1000);
    let n = 20_000;
    for i in 0..n {
        let key = format!("k{i}");
        store.set(key.as_bytes(), b"v", SetTtl::At(1100), SetIf::Always, &mut clock, |_| true);
    }
    let (table, heap) = store.capacity();
    assert!(table >= n && heap >= n);
    clock.advance(200);
    // No time at all: one check's worth of keys, then it stops.
    let first = store.sweep_for(&mut clock, std::time::Duration::ZERO);
    assert!((1..=64).contains(&first), "{first}");
    assert_eq!(store.counts().0, n - first);
    // Ordinary sweeps finish the job, a bounded number of times.
    let mut sweeps = 0;
    while store.counts().0 > 0 {
        store.sweep(&mut clock);
        sweeps += 1;
        assert!(sweeps < 10_000, "{} keys left", store.counts().0);
    }
    // Emptied, the tables and the deadline heaps are small again.
    let (table, heap) = store.capacity();
    assert!(table <= 64 * 64 && heap <= 64 * 64, "{table} {heap}");
}

#[test]
fn rewritten_deadlines_leave_no_stale_removal() {
    let store = Store::new();
    let mut clock = Clock::fixed(10);
    store.set(b"k", b"v", SetTtl::At(20), SetIf::Always, &mut clock, |_| true);
    // A plain SET clears the deadline: the old heap entry must not remove the key.
    store.set(b"k", b"w", SetTtl::Clear, SetIf::Always, &mut clock, |_| true);
    for _ in 0..1000 {
        store.set(b"x", b"v", SetTtl::At(1_000_000), SetIf::Always, &mut clock, |_| true);
    }
    clock.advance(100);
    for _ in 0..super::store::SHARDS {
        store.sweep(&mut clock);
    }
    let value = store.get(b"k", &mut clock, |v| match v {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    });
    assert_eq!(value, Some(b"w".to_vec()));
    assert_eq!(store.deadline(b"x", &mut clock), Some(1_000_000));
    assert_eq!(store.deadline(b"k", &mut clock), Some(NEVER));
}

/// Runs requests (inline syntax) against `store` and returns the replies.
fn run(dbs: &Databases, clock: &mut Clock, requests: &str) -> String {
    let (mut out, mut scratch) = (Vec::new(), Vec::new());
    let (shared, mut session) = (Shared::new(&Options::default()), Session::open());
    let counters = Counters::default();
    let mut ctx = Ctx::new(dbs, clock, &mut scratch, &shared, &mut session, &counters);
    run_all(&mut Parser::new(), &mut Progress::default(), requests.as_bytes(), &mut ctx, &mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn read_lookups_count_an_expired_key_as_missed_and_scan_type_counts_each_key_it_reads() {
    let dbs = Databases::new();
    let mut clock = Clock::fixed(1000);
    let (mut out, mut scratch) = (Vec::new(), Vec::new());
    let (shared, mut session) = (Shared::new(&Options::default()), Session::open());
    let mut counts = |clock: &mut Clock, requests: &str| {
        let counters = Counters::default();
        let mut ctx = Ctx::new(&dbs, clock, &mut scratch, &shared, &mut session, &counters);
        run_all(&mut Parser::new(), &mut Progress::default(), requests.as_bytes(), &mut ctx, &mut out);
        counters.lookups()
    };
    assert_eq!(counts(&mut clock, "SET a 1\r\nSET b 2 PX 10\r\nRPUSH l x\r\n"), (0, 0));
    assert_eq!(counts(&mut clock, "SCAN 0 COUNT 100\r\nKEYS *\r\n"), (0, 0));
    assert_eq!(counts(&mut clock, "SCAN 0 COUNT 100 TYPE string\r\n"), (3, 0));
    assert_eq!(counts(&mut clock, "SCAN 0 COUNT 100 MATCH [ab] TYPE list\r\n"), (2, 0));
    // `b` has expired but is still in its shard (nothing swept or touched it): a scan
    // with a type reads it and misses, as Redis's does.
    clock.advance(10);
    assert_eq!(counts(&mut clock, "SCAN 0 COUNT 100 TYPE string\r\n"), (2, 1));
    assert_eq!(counts(&mut clock, "MGET a b l\r\nEXISTS a b\r\nTTL b\r\n"), (3, 3));
}

#[test]
fn the_hot_command_names_match_in_any_case_and_nothing_else_does() {
    let dbs = Databases::new();
    let mut clock = Clock::fixed(5000);
    // Every case of every letter of the names read before the table (GET, SET, PING).
    for name in ["get", "set", "ping"] {
        for mask in 0..1u32 << name.len() {
            let cased: String = name
                .chars()
                .enumerate()
                .map(|(i, ch)| if mask >> i & 1 == 1 { ch.to_ascii_uppercase() } else { ch })
                .collect();
            let reply = run(&dbs, &mut clock, &format!("{cased} k v\r\n"));
            let wanted = match name {
                "get" => "-ERR wrong number of arguments for 'get' command\r\n",
                "set" => "+OK\r\n",
                _ => "-ERR wrong number of arguments for 'ping' command\r\n",
            };
            assert_eq!(reply, wanted, "{cased}");
        }
    }
    assert_eq!(run(&dbs, &mut clock, "pInG\r\nPiNg hi\r\n"), "+PONG\r\n$2\r\nhi\r\n");
    // Bytes one bit away from a letter's cases, and names one letter short or long.
    for near in ["p\x10ng", "pin\x07", "0ing", "pinG\x01", "pin", "pings", "gett", "ge", "s\x05t"] {
        let reply = run(&dbs, &mut clock, &format!("{near}\r\n"));
        assert!(reply.starts_with("-ERR unknown command"), "{near:?}: {reply}");
    }
}

#[test]
fn commands_reply_like_redis() {
    let dbs = Databases::new();
    let mut clock = Clock::fixed(5000);
    let c = &mut clock;
    assert_eq!(run(&dbs, c, "PING\r\nPING hi\r\nECHO x\r\n"), "+PONG\r\n$2\r\nhi\r\n$1\r\nx\r\n");
    assert_eq!(run(&dbs, c, "SET k v\r\nGET k\r\nGET nope\r\n"), "+OK\r\n$1\r\nv\r\n$-1\r\n");
    assert_eq!(run(&dbs, c, "SET k w NX\r\nSET k w XX GET\r\nSET z 1 XX\r\n"), "$-1\r\n$1\r\nv\r\n$-1\r\n");
    assert_eq!(
        run(&dbs, c, "INCR n\r\nINCRBY n 10\r\nDECR n\r\nDECRBY n 5\r\n"),
        ":1\r\n:11\r\n:10\r\n:5\r\n"
    );
    assert_eq!(run(&dbs, c, "INCR k\r\n"), "-ERR value is not an integer or out of range\r\n");
    assert_eq!(run(&dbs, c, "MSET a 1 b 2\r\nMGET a b c\r\n"), "+OK\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n");
    assert_eq!(run(&dbs, c, "EXISTS a a c\r\nDEL a c\r\nDBSIZE\r\n"), ":2\r\n:1\r\n:3\r\n");
    assert_eq!(
        run(&dbs, c, "SET t x EX 10\r\nTTL t\r\nPTTL t\r\nTTL k\r\nTTL no\r\n"),
        "+OK\r\n:10\r\n:10000\r\n:-1\r\n:-2\r\n"
    );
    assert_eq!(
        run(&dbs, c, "EXPIRE k 5 XX\r\nEXPIRE k 5 NX\r\nEXPIRE t 20 GT\r\nTTL t\r\n"),
        ":0\r\n:1\r\n:1\r\n:20\r\n"
    );
    c.advance(5000);
    assert_eq!(run(&dbs, c, "GET k\r\nKEYS *\r\n").split("\r\n").take(2).collect::<Vec<_>>(), ["$-1", "*3"]);
    assert_eq!(run(&dbs, c, "KEYS t*\r\n"), "*1\r\n$1\r\nt\r\n");
    assert_eq!(
        run(&dbs, c, "FLUSHDB\r\nDBSIZE\r\nSELECT 0\r\nQUIT\r\nPING\r\n"),
        "+OK\r\n:0\r\n+OK\r\n+OK\r\n"
    );
    assert!(run(&dbs, c, "INFO keyspace\r\n").starts_with("$12\r\n# Keyspace\r\n"));
    assert_eq!(run(&dbs, c, "CONFIG GET save\r\n"), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
}

#[test]
fn errors_use_redis_texts() {
    let dbs = Databases::new();
    let c = &mut Clock::fixed(1);
    let cases = [
        ("FOO a b\r\n", "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n"),
        ("GET\r\n", "-ERR wrong number of arguments for 'get' command\r\n"),
        ("SET k v EX 0\r\n", "-ERR invalid expire time in 'set' command\r\n"),
        ("SET k v EX x\r\n", "-ERR value is not an integer or out of range\r\n"),
        ("SET k v NX XX\r\n", "-ERR syntax error\r\n"),
        ("SET k v KEEPTTL PX 5\r\n", "-ERR syntax error\r\n"),
        ("MSET a\r\n", "-ERR wrong number of arguments for 'mset' command\r\n"),
        ("SELECT 16\r\n", "-ERR DB index is out of range\r\n"),
        ("CONFIG FOO\r\n", "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n"),
        ("EXPIRE k 1 NX GT\r\n", "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"),
        ("*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
        ("*1\r\nx\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n"),
    ];
    for (req, want) in cases {
        assert_eq!(run(&dbs, c, req), want, "{req:?}");
    }
    assert_eq!(
        run(&dbs, c, "SET n 9223372036854775807\r\nINCR n\r\n"),
        "+OK\r\n-ERR increment or decrement would overflow\r\n"
    );
}

#[test]
fn client_list_shows_the_registry_and_the_blocked_hook() {
    use std::sync::Arc;

    use super::clients::Client;
    let dbs = Databases::new();
    let clock = &mut Clock::fixed(1);
    let shared = Shared::new(&Options::default());
    let (me, other) =
        (Arc::new(Client::new(7, None, "a:1".into(), "l:2".into(), 0)), Arc::new(Client::default()));
    shared.registry.add(me.clone());
    shared.registry.add(other.clone());
    other.set_blocked(true);
    let mut session = Session { id: 7, client: Some(me), ..Session::open() };
    let (mut out, mut scratch) = (Vec::new(), Vec::new());
    let counters = Counters::default();
    let mut ctx = Ctx::new(&dbs, clock, &mut scratch, &shared, &mut session, &counters);
    let requests =
        "CLIENT SETNAME x\r\nCLIENT LIST\r\nINFO clients\r\nCLIENT KILL ID 7\r\nCLIENT GETNAME\r\n";
    run_all(&mut Parser::new(), &mut Progress::default(), requests.as_bytes(), &mut ctx, &mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("id=0 addr= laddr= fd=-1 name= age=0 idle=0 flags=b db=0 "), "{text}");
    assert!(text.contains("id=7 addr=a:1 laddr=l:2 fd=-1 name=x "), "{text}");
    assert!(text.contains(" cmd=client|list user=default redir=-1 resp=2\n"), "{text}");
    // `blocked_clients` counts the blocking registry's waiters, not the flags.
    assert!(text.contains("blocked_clients:0\r\n"), "{text}");
    // Skipped by default: no one to kill.
    assert!(text.ends_with(":0\r\n$1\r\nx\r\n"), "{text}");
}

/// Inputs the fuzz targets (`fuzz/fuzz_targets/redis_commands.rs`) found, minimized.
mod fuzz_regressions {
    use super::{execute, Clock, Counters, Ctx, Databases, Options, Parser, Progress, Session, Shared};

    /// The reply to one request, sent as a multibulk request with these arguments.
    fn reply(args: &[&[u8]]) -> String {
        let mut wire = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            wire.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            wire.extend_from_slice(arg);
            wire.extend_from_slice(b"\r\n");
        }
        let (dbs, mut clock, mut scratch, mut out) =
            (Databases::new(), Clock::fixed(1), Vec::new(), Vec::new());
        let mut parser = Parser::new();
        let (args, _) = parser.parse(&wire, &mut Progress::default()).unwrap().unwrap();
        let (shared, mut session) = (Shared::new(&Options::default()), Session::open());
        let counters = Counters::default();
        let mut ctx = Ctx::new(&dbs, &mut clock, &mut scratch, &shared, &mut session, &counters);
        execute(args, &mut ctx, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn an_argument_quoted_in_an_error_ends_at_its_first_nul() {
        // Quoted arguments are cut at a NUL, as Redis formats them as C strings; the
        // length limit was applied to the argument instead of what was left of it, and
        // slicing past the end panicked. The fuzzer's input was `EXPIRE "" "" "\0"`.
        assert_eq!(reply(&[b"EXPIRE", b"", b"", b"\0"]), "-ERR Unsupported option \r\n");
        assert_eq!(reply(&[b"EXPIRE", b"k", b"1", b"ab\0cd"]), "-ERR Unsupported option ab\r\n");
        assert_eq!(
            reply(&[b"CONFIG", b"SET", b"x\0y", b"1"]),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'x'\r\n"
        );
    }

    #[test]
    fn an_argument_quoted_in_an_error_is_looked_at_only_as_far_as_it_is_quoted() {
        // A line break past the quoted part: the argument is not copied to replace it.
        let mut long = vec![b'a'; 10_000_000];
        long[200] = b'\n';
        let quoted = super::super::commands::sanitize(&long, 128);
        assert!(matches!(quoted, std::borrow::Cow::Borrowed(q) if q.len() == 128));
        long[100] = b'\r';
        let quoted = super::super::commands::sanitize(&long, 128);
        assert_eq!((quoted.len(), quoted[100]), (128, b' '));
        let mut args: Vec<&[u8]> = vec![b"NOSUCH"];
        args.push(&long);
        let reply = reply(&args);
        assert!(
            reply.starts_with("-ERR unknown command 'NOSUCH', with args beginning with: 'aaa"),
            "{reply}"
        );
        assert!(reply.len() < 300, "{}", reply.len());
    }
}

#[test]
fn a_request_with_millions_of_arguments_gives_its_scratch_back() {
    // MSET with two million arguments: the parser's argument list grows to hold them
    // all (32 MiB), and must shrink back once the request is done.
    let n = 2_000_000;
    let mut wire = format!("*{}\r\n$4\r\nMSET\r\n", n + 1).into_bytes();
    for i in 0..n {
        let arg = format!("{}", i % 1000);
        wire.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
    }
    let mut parser = Parser::new();
    let (args, used) = parser.parse(&wire, &mut Progress::default()).unwrap().unwrap();
    assert_eq!((args.len(), used), (n + 1, wire.len()));
    let grown = parser.capacity();
    assert!(grown >= n * 16, "{grown}");
    parser.shrink();
    assert!(parser.capacity() <= super::resp::KEEP_SCRATCH, "{} bytes kept", parser.capacity());
    // A small request afterwards still parses, and shrinking again changes nothing.
    let (args, _) = parser.parse(b"*1\r\n$4\r\nPING\r\n", &mut Progress::default()).unwrap().unwrap();
    assert_eq!(args.get(0), b"PING");
    let small = parser.capacity();
    parser.shrink();
    assert_eq!(parser.capacity(), small);
}

#[test]
fn a_batch_with_a_huge_request_runs_and_then_shrinks() {
    // What `on_data` does with one read: run every request, then shrink the parser.
    let dbs = Databases::new();
    let mut clock = Clock::fixed(1);
    let (shared, mut session) = (Shared::new(&Options::default()), Session::open());
    let mut scratch = Vec::new();
    let counters = Counters::default();
    let mut ctx = Ctx::new(&dbs, &mut clock, &mut scratch, &shared, &mut session, &counters);
    let mut wire = b"*200001\r\n$4\r\nSADD\r\n$1\r\ns\r\n".to_vec();
    for i in 0..199_999 {
        let m = i.to_string();
        wire.extend_from_slice(format!("${}\r\n{m}\r\n", m.len()).as_bytes());
    }
    let mut parser = Parser::new();
    let mut out = Vec::new();
    let (used, _) = run_all(&mut parser, &mut Progress::default(), &wire, &mut ctx, &mut out);
    assert_eq!(used, wire.len());
    assert_eq!(out, b":199999\r\n");
    assert!(parser.capacity() > super::resp::KEEP_SCRATCH);
    parser.shrink();
    assert!(parser.capacity() <= super::resp::KEEP_SCRATCH);
}

#[test]
fn a_collection_left_empty_goes_with_its_key_and_deadline() {
    let dbs = Databases::new();
    let store = dbs.first();
    let mut clock = Clock::fixed(10);
    let c = &mut clock;
    assert_eq!(run(&dbs, c, "RPUSH l a\r\nPEXPIRE l 1000\r\nTYPE l\r\n"), ":1\r\n:1\r\n+list\r\n");
    assert_eq!(store.counts(), (1, 1));
    assert_eq!(run(&dbs, c, "LPOP l\r\nEXISTS l\r\n"), "$1\r\na\r\n:0\r\n");
    assert_eq!(store.counts(), (0, 0));
    // A new list under the name has no deadline.
    assert_eq!(run(&dbs, c, "RPUSH l b\r\nPTTL l\r\n"), ":1\r\n:-1\r\n");
    // Commands on a key of another type leave it as it was.
    assert_eq!(
        run(&dbs, c, "SADD l x\r\nHSET l f v\r\nINCR l\r\nLRANGE l 0 -1\r\n"),
        concat!(
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            "*1\r\n$1\r\nb\r\n"
        )
    );
}

#[test]
fn multi_key_commands_see_and_change_keys_of_any_shard() {
    let dbs = Databases::new();
    let c = &mut Clock::fixed(10);
    // Enough keys to spread over many shards; SUNIONSTORE locks them all at once.
    let mut req = String::from("SUNIONSTORE dst");
    for i in 0..200 {
        run(&dbs, c, &format!("SADD s{i} m{i} common\r\n"));
        req.push_str(&format!(" s{i}"));
    }
    req.push_str("\r\n");
    assert_eq!(run(&dbs, c, &req), ":201\r\n");
    assert_eq!(run(&dbs, c, "SCARD dst\r\nSMOVE dst s0 m5\r\nSISMEMBER s0 m5\r\n"), ":201\r\n:1\r\n:1\r\n");
    assert_eq!(run(&dbs, c, "RENAME dst other\r\nEXISTS dst other\r\n"), "+OK\r\n:1\r\n");
}

#[test]
fn every_command_finds_its_own_row_of_the_table() {
    use super::commands::table::{Cmd, SPECS, SUBCOMMANDS};
    for (i, spec) in SPECS.iter().enumerate() {
        let cmd = Cmd::lookup(spec.name.as_bytes()).unwrap_or_else(|| panic!("{} has no Cmd", spec.name));
        assert_eq!(cmd as usize, i, "{}", spec.name);
        assert_eq!(cmd.spec().name, spec.name);
        assert!(spec.container.is_empty());
    }
    for sub in SUBCOMMANDS {
        assert!(SPECS.iter().any(|s| s.name == sub.container), "{}", sub.name);
        assert!(sub.name.starts_with(&format!("{}|", sub.container)));
    }
}

#[test]
fn blocking_commands_answer_at_once_or_hand_the_wait_to_the_handler() {
    let dbs = Databases::new();
    let mut clock = Clock::fixed(0);
    let c = &mut clock;
    // With elements, as the non-blocking commands; without, a session that cannot
    // block gets nil at once (the nil bulk for the moves), as in Redis.
    assert_eq!(
        run(&dbs, c, "RPUSH l a b\r\nBLPOP nope l 0\r\nBRPOP l 0\r\nBLPOP l 0\r\nBLMOVE l d LEFT LEFT 0\r\n"),
        ":2\r\n*2\r\n$1\r\nl\r\n$1\r\na\r\n*2\r\n$1\r\nl\r\n$1\r\nb\r\n*-1\r\n$-1\r\n"
    );
    assert_eq!(
        run(&dbs, c, "BLPOP l -1\r\nBLPOP l x\r\nBLPOP l 1e16\r\n"),
        "-ERR timeout is negative\r\n-ERR timeout is not a float or out of range\r\n-ERR timeout is negative\r\n"
    );
    // A session that may block stops at the blocking command and says what it waits
    // for; what follows stays in the input.
    let (mut out, mut scratch) = (Vec::new(), Vec::new());
    let shared = Shared::new(&Options::default());
    let mut session = Session { can_block: true, ..Session::open() };
    let counters = Counters::default();
    let mut ctx = Ctx::new(&dbs, c, &mut scratch, &shared, &mut session, &counters);
    let input = b"BLPOP q1 q2 q1 0.25\r\nPING\r\n";
    let (used, flow) = run_all(&mut Parser::new(), &mut Progress::default(), input, &mut ctx, &mut out);
    assert_eq!((used, flow), (input.len() - 6, super::commands::Flow::Block));
    assert!(out.is_empty());
    let request = session.block.take().unwrap();
    assert_eq!(request.keys, words(&["q1", "q2"]));
    assert_eq!(request.op, super::blocking::Op::Pop { left: true });
    assert_eq!(request.timeout_ms, 250);
    // Nobody is blocked in this registry: pushes do not look at it.
    assert!(shared.blocking.iter().all(|b| !b.active() && b.is_empty()));
}
