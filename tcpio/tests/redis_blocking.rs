//! The blocking commands of the redis-server example (`BLPOP`, `BRPOP`, `BLMOVE`,
//! `BRPOPLPUSH` on lists, `BZPOPMIN`, `BZPOPMAX`, `BZMPOP` on sorted sets): immediate
//! answers, errors and timeouts byte for byte against the real
//! `redis-server` 7.0; the order in which blocked clients are served, pushes of
//! several elements, `BLMOVE` cascades and pipelines behind a blocked command, run as
//! the same scenario on both servers and compared reply for reply; then on the example
//! alone, waiters and pushers spread over four loops (every element reaches exactly
//! one waiter), clients leaving while blocked (nothing left in the registry), and the
//! `redis` crate's client and `redis-cli`.
//!
//! Whether a client is blocked yet is read from `INFO clients` (`blocked_clients`),
//! polled: no test sleeps to wait for something. Skipped where `redis-server` is
//! needed and not installed (apt package `redis-server`), except under `CI=true`.

mod redis_diff_util;
mod redis_util;
mod tools;
mod util;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis_diff_util::{pair, Conn, RealRedis, Reply};
use tcpio_examples::redis::store::Databases;
use tcpio_examples::redis::{Options, Redis, Shared, MAX_QUERY_BUFFER};
use util::{Running, LIMIT};

/// The example (on two loops) and a real server, or `None` without `redis-server`.
fn both() -> Option<(Running, RealRedis)> {
    let bin = tools::tool("redis-server", "redis-server")?;
    Some((redis_util::start(2), RealRedis::start(&bin, &[])))
}

/// The `blocked_clients` count `INFO clients` reports.
fn blocked(c: &mut Conn) -> i64 {
    let (_, info) = c.call(&[b"INFO", b"clients"]);
    let Reply::Bulk(Some(text)) = info else { panic!("INFO: {info:?}") };
    let text = String::from_utf8(text).unwrap();
    let line = text.lines().find_map(|l| l.strip_prefix("blocked_clients:")).expect("blocked_clients");
    line.trim().parse().unwrap()
}

/// Polls `INFO` until `n` clients are blocked (bounded).
fn wait_blocked(c: &mut Conn, n: i64) {
    let end = Instant::now() + LIMIT;
    loop {
        let now = blocked(c);
        if now == n {
            return;
        }
        assert!(Instant::now() < end, "blocked_clients stayed {now}, want {n}");
        std::thread::yield_now();
    }
}

/// Splits `line` on spaces into a request.
fn req(line: &str) -> Vec<u8> {
    let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
    redis_util::request(&args)
}

/// Runs `scenario` on both servers; its transcripts (every reply read, in order) must
/// be the same.
fn same_on_both(scenario: impl Fn(SocketAddr) -> Vec<Vec<u8>>) {
    let Some((ours, real)) = both() else { return };
    let expected = scenario(real.addr);
    let got = scenario(ours.addr);
    let show = |t: &[Vec<u8>]| t.iter().map(|r| String::from_utf8_lossy(r).into_owned()).collect::<Vec<_>>();
    assert_eq!(show(&got), show(&expected));
}

#[test]
fn immediate_answers_errors_and_timeouts_match() {
    let Some((ours, real)) = both() else { return };
    let mut p = pair(&ours, &real);
    p.lines(&[
        "RPUSH l a b c",
        "SET s x",
        "BLPOP l 0",
        "BRPOP l 0",
        "BLPOP nokey l 0",
        "BLPOP l nokey 1",
        "BLPOP nokey s 1",
        "BLPOP l s 1",
        "BLPOP s 0",
        "BRPOP s 0",
        "LLEN l",
        "RPUSH l a b c",
        "BLMOVE l d LEFT RIGHT 0",
        "BLMOVE l d RIGHT LEFT 0",
        "BLMOVE l l LEFT RIGHT 0",
        "LRANGE l 0 -1",
        "LRANGE d 0 -1",
        "BRPOPLPUSH l d 0",
        "RPUSH l a",
        "BLMOVE l s LEFT LEFT 0",
        "BLMOVE s d LEFT LEFT 0",
        "BRPOPLPUSH s d 0",
        "BLMOVE l d UP LEFT 0",
        "BLMOVE l d LEFT down 0",
        "BLMOVE nokey d UP LEFT abc",
        "BLMOVE s d LEFT LEFT abc",
        "BLPOP l abc",
        "BLPOP l -1",
        "BLPOP l -0.5",
        "BLPOP nokey nan",
        "BLPOP nokey inf",
        "BLPOP nokey -inf",
        "BLPOP nokey 1e300",
        "BLPOP nokey 1e16",
        "BRPOP nokey 1x",
        "BRPOPLPUSH nokey d -1",
        "BRPOPLPUSH nokey d x",
        "BLPOP",
        "BLPOP l",
        "BRPOP l",
        "BLMOVE l d LEFT LEFT",
        "BRPOPLPUSH l d",
        "BRPOPLPUSH l d 0 1",
        "BLPOP nokey 0.1",
        "BRPOP nokey other 0.05",
        "BLMOVE nokey d LEFT LEFT 0.1",
        "BLMOVE nokey s LEFT LEFT 0.05",
        "BRPOPLPUSH nokey d 0x0.1p0",
        "BLPOP nokey 1e-3",
        "BLPOP nokey 0.0001",
        "BRPOP nokey 1e-400",
        "EXISTS nokey d",
    ]);
}

#[test]
fn sorted_set_pops_answer_at_once_fail_and_time_out_as_in_redis() {
    let Some((ours, real)) = both() else { return };
    for mut p in redis_diff_util::both_protocols(&ours, &real) {
        p.lines(&[
            "ZADD q 1 a 2 b 3 c",
            "SET s v",
            "BZPOPMIN nokey q 0",
            "BZPOPMAX q 0",
            "BZMPOP 0 1 q MIN COUNT 5",
            "EXISTS q",
            "BZPOPMIN s 0",
            "BZMPOP 0 2 nokey s MIN",
            "BZMPOP x 1 q MIN",
            "BZMPOP -1 0 q MIN",
            "BZMPOP -1 1 q FOO",
            "BZMPOP 0 0 q MIN",
            "BZMPOP 0 1 q FOO",
            "BZMPOP 0 1 q MIN COUNT 0",
            "BZMPOP 0 3 q MIN",
            "BZPOPMIN q -1",
            "BZPOPMIN q x",
            "BZPOPMIN nokey 0.01",
            "BZPOPMAX nokey other 0.01",
            "BZMPOP 0.01 2 nokey other MAX COUNT 2",
            "ZADD q 1 a 2 b",
            "ZMPOP 2 nokey q MAX COUNT 5",
            "ZMPOP 1 nokey MIN",
            "ZMPOP 1 s MIN",
            "ZMPOP 1 q MIN COUNT 1 COUNT 1",
            "ZMPOP 1 q MIN COUNT",
        ]);
    }
}

#[test]
fn sorted_set_waiters_are_served_as_redis_serves_them() {
    for resp3 in [false, true] {
        same_on_both(|addr| {
            let connect = || {
                let mut c = Conn::new(addr);
                if resp3 {
                    c.call(&[b"HELLO", b"3"]);
                }
                c
            };
            let (mut control, mut a, mut b) = (connect(), connect(), connect());
            let mut transcript = Vec::new();
            // A ZADD that creates the key serves the client blocked on it.
            a.send(&req("BZPOPMIN k 0"));
            wait_blocked(&mut control, 1);
            transcript.push(control.call(&[b"ZADD", b"k", b"1.5", b"a", b"2", b"b"]).0);
            transcript.push(a.read().0);
            transcript.push(control.call(&[b"ZRANGE", b"k", b"0", b"-1", b"WITHSCORES"]).0);
            // BZMPOP takes up to its count from the first key filled.
            a.send(&req("BZMPOP 0 2 k1 k2 MAX COUNT 2"));
            wait_blocked(&mut control, 1);
            transcript.push(control.call(&[b"ZADD", b"k2", b"1", b"a", b"2", b"b", b"3", b"c"]).0);
            transcript.push(a.read().0);
            // A ZUNIONSTORE into the key serves too.
            a.send(&req("BZPOPMAX u 0"));
            wait_blocked(&mut control, 1);
            transcript.push(control.call(&[b"ZUNIONSTORE", b"u", b"1", b"k2"]).0);
            transcript.push(a.read().0);
            // A client blocked for a list and one for a sorted set on the same key:
            // each is served by what it waits for, whoever blocked first.
            a.send(&req("BLPOP m 0"));
            wait_blocked(&mut control, 1);
            b.send(&req("BZPOPMIN m 0"));
            wait_blocked(&mut control, 2);
            transcript.push(control.call(&[b"ZADD", b"m", b"7", b"z"]).0);
            transcript.push(b.read().0);
            transcript.push(control.call(&[b"RPUSH", b"m", b"x"]).0);
            transcript.push(a.read().0);
            wait_blocked(&mut control, 0);
            transcript.push(control.call(&[b"FLUSHALL"]).0);
            transcript
        });
    }
}

#[test]
fn waiters_on_one_key_are_served_in_the_order_they_blocked() {
    same_on_both(|addr| {
        let mut control = Conn::new(addr);
        let mut waiters: Vec<Conn> = Vec::new();
        for (i, cmd) in ["BLPOP q 0", "BRPOP q other 0", "BLPOP other q 0"].iter().enumerate() {
            let mut w = Conn::new(addr);
            w.send(&req(cmd));
            wait_blocked(&mut control, i as i64 + 1);
            waiters.push(w);
        }
        let mut transcript = vec![control.call(&[b"RPUSH", b"q", b"a", b"b", b"c", b"d"]).0];
        for w in &mut waiters {
            transcript.push(w.read().0);
        }
        transcript.push(control.call(&[b"LRANGE", b"q", b"0", b"-1"]).0);
        wait_blocked(&mut control, 0);
        transcript
    });
}

#[test]
fn a_push_of_several_elements_serves_the_waiter_then_the_pusher_goes_on() {
    same_on_both(|addr| {
        let mut control = Conn::new(addr);
        let mut w = Conn::new(addr);
        w.send(&req("BLPOP k 0"));
        wait_blocked(&mut control, 1);
        // The pusher's next pipelined command sees the list after the waiter got its
        // element.
        let mut pusher = Conn::new(addr);
        pusher.send(&[req("LPUSH k a b c"), req("LRANGE k 0 -1")].concat());
        let mut transcript = vec![pusher.read().0, pusher.read().0, w.read().0];
        // The same with RPUSHX, LINSERT and a BRPOP.
        w.send(&req("BRPOP k2 0"));
        wait_blocked(&mut control, 1);
        transcript.push(pusher.call(&[b"RPUSHX", b"k2", b"x"]).0);
        transcript.push(pusher.call(&[b"RPUSH", b"k2", b"x", b"y"]).0);
        transcript.push(w.read().0);
        transcript.push(pusher.call(&[b"LRANGE", b"k2", b"0", b"-1"]).0);
        // LMOVE, RPOPLPUSH and an immediate BLMOVE into a key with a waiter.
        pusher.call(&[b"RPUSH", b"src", b"1", b"2", b"3"]);
        for (wait, mv) in [
            ("BLPOP dst 0", &[&b"LMOVE"[..], b"src", b"dst", b"LEFT", b"LEFT"][..]),
            ("BRPOP dst 0", &[&b"RPOPLPUSH"[..], b"src", b"dst"][..]),
            ("BLPOP dst 0", &[&b"BLMOVE"[..], b"src", b"dst", b"RIGHT", b"RIGHT", b"0"][..]),
        ] {
            w.send(&req(wait));
            wait_blocked(&mut control, 1);
            transcript.push(pusher.call(mv).0);
            transcript.push(w.read().0);
        }
        transcript.push(pusher.call(&[b"EXISTS", b"src", b"dst"]).0);
        transcript
    });
}

#[test]
fn blmove_serves_a_waiter_and_cascades_to_the_destination_s_waiters() {
    same_on_both(|addr| {
        let mut control = Conn::new(addr);
        let mut w1 = Conn::new(addr);
        w1.send(&req("BLMOVE a b LEFT RIGHT 0"));
        wait_blocked(&mut control, 1);
        let mut w2 = Conn::new(addr);
        w2.send(&req("BRPOPLPUSH b c 0"));
        wait_blocked(&mut control, 2);
        let mut w3 = Conn::new(addr);
        w3.send(&req("BLPOP c 0"));
        wait_blocked(&mut control, 3);
        let mut transcript = vec![control.call(&[b"RPUSH", b"a", b"x", b"y"]).0];
        for w in [&mut w1, &mut w2, &mut w3] {
            transcript.push(w.read().0);
        }
        for key in [&b"a"[..], b"b", b"c"] {
            transcript.push(control.call(&[b"LRANGE", key, b"0", b"-1"]).0);
        }
        // A rotation (source and destination the same) leaves the element for the
        // next waiter.
        w1.send(&req("BLMOVE r r LEFT RIGHT 0"));
        wait_blocked(&mut control, 1);
        w2.send(&req("BLPOP r 0"));
        wait_blocked(&mut control, 2);
        transcript.push(control.call(&[b"RPUSH", b"r", b"x"]).0);
        transcript.push(w1.read().0);
        transcript.push(w2.read().0);
        transcript.push(control.call(&[b"EXISTS", b"r"]).0);
        // A destination of another type fails the waiter, as Redis does, and leaves
        // the element.
        control.call(&[b"SET", b"str", b"v"]);
        w1.send(&req("BLMOVE e str LEFT LEFT 0"));
        wait_blocked(&mut control, 1);
        transcript.push(control.call(&[b"LPUSH", b"e", b"z"]).0);
        transcript.push(w1.read().0);
        transcript.push(control.call(&[b"LRANGE", b"e", b"0", b"-1"]).0);
        // RENAME and COPY of a list wake the clients blocked on the new name.
        w1.send(&req("BLPOP renamed copied 0"));
        wait_blocked(&mut control, 1);
        transcript.push(control.call(&[b"RENAME", b"e", b"renamed"]).0);
        transcript.push(w1.read().0);
        control.call(&[b"RPUSH", b"src", b"p", b"q"]);
        w1.send(&req("BRPOP copied 0"));
        wait_blocked(&mut control, 1);
        transcript.push(control.call(&[b"COPY", b"src", b"copied"]).0);
        transcript.push(w1.read().0);
        transcript.push(control.call(&[b"LRANGE", b"copied", b"0", b"-1"]).0);
        transcript
    });
}

#[test]
fn multi_key_blpop_takes_the_first_non_empty_key_or_the_one_pushed() {
    same_on_both(|addr| {
        let mut c = Conn::new(addr);
        let mut transcript = vec![c.call(&[b"RPUSH", b"k3", b"z"]).0, c.call(&[b"RPUSH", b"k2", b"y"]).0];
        transcript.push(c.call(&[b"BLPOP", b"k1", b"k2", b"k3", b"0"]).0);
        transcript.push(c.call(&[b"BLPOP", b"k1", b"k2", b"k3", b"0"]).0);
        let mut control = Conn::new(addr);
        c.send(&req("BLPOP k1 k2 k1 k3 0"));
        wait_blocked(&mut control, 1);
        transcript.push(control.call(&[b"RPUSH", b"k3", b"w"]).0);
        transcript.push(c.read().0);
        transcript.push(control.call(&[b"EXISTS", b"k1", b"k2", b"k3"]).0);
        transcript
    });
}

#[test]
fn a_blocked_client_s_pipeline_waits_then_runs_after_it_is_served() {
    same_on_both(|addr| {
        let mut control = Conn::new(addr);
        let mut c = Conn::new(addr);
        c.send(
            &[req("BLPOP q 0"), req("RPUSH after v"), req("LLEN q"), req("BLPOP q 0.05"), req("PING")]
                .concat(),
        );
        wait_blocked(&mut control, 1);
        // The RPUSH behind the blocked BLPOP has not run.
        let mut transcript = vec![control.call(&[b"EXISTS", b"after"]).0];
        transcript.push(control.call(&[b"RPUSH", b"q", b"one"]).0);
        for _ in 0..5 {
            transcript.push(c.read().0);
        }
        transcript.push(control.call(&[b"LRANGE", b"after", b"0", b"-1"]).0);
        transcript
    });
}

/// The example on `loops` loops, with its shared state at hand.
fn start_shared(loops: usize) -> (tcpio::ServerHandle, SocketAddr, Arc<Shared>) {
    let store = Arc::new(Databases::new());
    let shared = Arc::new(Shared::new(&Options::default()));
    let s = shared.clone();
    let (handle, addr) = util::start_with(util::local().loops(loops), move |b| {
        b.max_input(MAX_QUERY_BUFFER).start(move |_| Redis::with_shared(store.clone(), s.clone()))
    });
    (handle, addr, shared)
}

#[test]
fn waiters_and_pushers_on_four_loops_lose_and_duplicate_nothing() {
    const WAITERS: usize = 8;
    const ROUNDS: usize = 150;
    const KEYS: [&str; 3] = ["q0", "q1", "q2"];
    let (handle, addr, shared) = start_shared(4);
    // Each waiter blocks ROUNDS times on its key (some on two keys); the pushers push
    // as many elements meanwhile, without waiting for anyone to block: a push may
    // come before, during or after a waiter's registration.
    let waiters: Vec<_> = (0..WAITERS)
        .map(|i| {
            std::thread::spawn(move || {
                let mut c = Conn::new(addr);
                let mut got = Vec::new();
                for round in 0..ROUNDS {
                    let key = KEYS[i % KEYS.len()].as_bytes();
                    let reply = if i % 2 == 0 {
                        c.call(&[b"BLPOP", key, b"0"]).1
                    } else if round % 2 == 0 {
                        c.call(&[b"BRPOP", b"never", key, b"0"]).1
                    } else {
                        // Moved to a list of its own, then popped from there.
                        let mine = format!("mine{i}");
                        let e = c.call(&[b"BLMOVE", key, mine.as_bytes(), b"LEFT", b"RIGHT", b"0"]).1;
                        let popped = c.call(&[b"LPOP", mine.as_bytes()]).1;
                        assert_eq!(e, popped);
                        Reply::Array(Some(vec![Reply::Bulk(Some(key.to_vec())), e]))
                    };
                    let Reply::Array(Some(items)) = reply else { panic!("waiter {i}: {reply:?}") };
                    let Reply::Bulk(Some(e)) = &items[1] else { panic!("waiter {i}: {items:?}") };
                    assert_eq!(items[0], Reply::Bulk(Some(key.to_vec())));
                    got.push(String::from_utf8(e.clone()).unwrap());
                }
                got
            })
        })
        .collect();
    let pushers: Vec<_> = (0..2)
        .map(|p| {
            std::thread::spawn(move || {
                let mut c = Conn::new(addr);
                let mut pushed = Vec::new();
                for i in 0..WAITERS {
                    if i % 2 != p {
                        continue;
                    }
                    let key = KEYS[i % KEYS.len()];
                    for round in 0..ROUNDS {
                        let e = format!("{i}-{round}");
                        let cmd: &[u8] = if round % 3 == 0 { b"LPUSH" } else { b"RPUSH" };
                        c.call(&[cmd, key.as_bytes(), e.as_bytes()]);
                        pushed.push(e);
                    }
                }
                pushed
            })
        })
        .collect();
    let pushed: Vec<String> = pushers.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let got: Vec<String> = waiters.into_iter().flat_map(|t| t.join().unwrap()).collect();
    assert_eq!(got.len(), WAITERS * ROUNDS);
    let unique: HashSet<&String> = got.iter().collect();
    assert_eq!(unique.len(), got.len(), "an element reached two waiters");
    assert_eq!(unique, pushed.iter().collect::<HashSet<_>>());
    let mut control = Conn::new(addr);
    assert_eq!(control.call(&[b"DBSIZE"]).1, Reply::Int(0));
    wait_blocked(&mut control, 0);
    assert!(shared.blocking.iter().all(|b| b.is_empty()));
    drop(handle);
}

#[test]
fn a_client_that_leaves_while_blocked_leaves_nothing_behind() {
    let (handle, addr, shared) = start_shared(2);
    let mut control = Conn::new(addr);
    for cmd in ["BLPOP k 0", "BRPOP k other 10", "BLMOVE k d LEFT LEFT 0"] {
        let mut c = Conn::new(addr);
        // With pipelined input behind the blocking command, kept while it waits.
        c.send(&[req(cmd), req("RPUSH k lost")].concat());
        wait_blocked(&mut control, 1);
        drop(c);
        wait_blocked(&mut control, 0);
        assert!(shared.blocking.iter().all(|b| b.is_empty()), "{cmd}");
        // A push now stays in the list: nobody takes it.
        assert_eq!(control.call(&[b"RPUSH", b"k", b"v"]).1, Reply::Int(1));
        assert_eq!(control.call(&[b"LPOP", b"k"]).1, Reply::Bulk(Some(b"v".to_vec())));
    }
    // One served and one timed out leave nothing either.
    let mut c = Conn::new(addr);
    assert_eq!(c.call(&[b"BLPOP", b"k", b"0.01"]).1, Reply::Array(None));
    c.send(&req("BLPOP k 0"));
    wait_blocked(&mut control, 1);
    control.call(&[b"RPUSH", b"k", b"v"]);
    c.read();
    wait_blocked(&mut control, 0);
    assert!(shared.blocking.iter().all(|b| b.is_empty()));
    assert_eq!(control.call(&[b"DBSIZE"]).1, Reply::Int(0));
    drop(handle);
}

#[test]
fn a_blocked_client_outlives_the_idle_timeout_and_is_answered() {
    let (handle, addr, _shared) = start_shared(1);
    let mut control = Conn::new(addr);
    control.call(&[b"CONFIG", b"SET", b"timeout", b"1"]);
    let mut c = Conn::new(addr);
    let start = Instant::now();
    assert_eq!(c.call(&[b"BLPOP", b"k", b"1.5"]).1, Reply::Array(None));
    assert!(start.elapsed() >= Duration::from_millis(1500));
    assert_eq!(c.call(&[b"PING"]).1, Reply::Status(b"PONG".to_vec()));
    drop(handle);
}

#[test]
fn the_redis_crate_blpop_blocks_until_a_push() {
    let server = redis_util::start(2);
    let addr = server.addr;
    let mut con = redis_util::client(addr);
    let none: Option<(String, String)> = redis::cmd("BLPOP").arg("jobs").arg(0.05).query(&mut con).unwrap();
    assert_eq!(none, None);
    let pusher = std::thread::spawn(move || {
        let mut control = Conn::new(addr);
        wait_blocked(&mut control, 1);
        control.call(&[b"RPUSH", b"jobs", b"job-1", b"job-2"]);
    });
    let got: Option<(String, String)> = redis::cmd("BLPOP").arg("jobs").arg(0).query(&mut con).unwrap();
    assert_eq!(got, Some(("jobs".to_string(), "job-1".to_string())));
    pusher.join().unwrap();
    let moved: Option<String> =
        redis::cmd("BLMOVE").arg("jobs").arg("done").arg("LEFT").arg("RIGHT").arg(1).query(&mut con).unwrap();
    assert_eq!(moved.as_deref(), Some("job-2"));
    let len: i64 = redis::cmd("LLEN").arg("done").query(&mut con).unwrap();
    assert_eq!(len, 1);
}

#[test]
fn redis_cli_blpop_waits_for_a_push_on_another_loop() {
    let Some(bin) = tools::tool("redis-cli", "redis-tools") else { return };
    let server = redis_util::start(2);
    let port = server.addr.port().to_string();
    let cli = std::thread::spawn(move || {
        let mut cmd = std::process::Command::new(bin);
        cmd.args(["-h", "127.0.0.1", "-p", &port, "BLPOP", "jobs", "0"]);
        tools::run_bounded(cmd, LIMIT)
    });
    let mut control = Conn::new(server.addr);
    wait_blocked(&mut control, 1);
    assert_eq!(control.call(&[b"RPUSH", b"jobs", b"j1"]).1, Reply::Int(1));
    let out = cli.join().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "jobs\nj1\n");
    assert_eq!(control.call(&[b"EXISTS", b"jobs"]).1, Reply::Int(0));
}
