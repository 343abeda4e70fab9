//! Pub/sub in the redis-server example: SUBSCRIBE, PSUBSCRIBE, their UNSUBSCRIBEs,
//! PUBLISH, PUBSUB and RESET over real sockets, with messages crossing event loops,
//! and reply for reply against the real `redis-server` (skipped, with a message, when
//! it is not installed, except under `CI=true`).

mod redis_diff_util;
mod redis_util;
mod tools;
mod util;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};

use redis_diff_util::{hello_without_id, servers, show_args, Pair};
use redis_util::{client, exchange, read_len, request, start};
use util::{connect, wait_for, LIMIT};

/// A RESP array of bulk strings, as a server writes it.
fn frame(items: &[&[u8]]) -> Vec<u8> {
    request(items)
}

/// A subscriber on a raw socket, its confirmations read.
fn subscriber(addr: SocketAddr, cmd: &str, names: &[&str]) -> TcpStream {
    let mut s = connect(addr);
    let mut args: Vec<&[u8]> = vec![cmd.as_bytes()];
    args.extend(names.iter().map(|n| n.as_bytes()));
    let kind = cmd.to_ascii_lowercase();
    let mut want = String::new();
    for (i, n) in names.iter().enumerate() {
        want += &format!("*3\r\n${}\r\n{kind}\r\n${}\r\n{n}\r\n:{}\r\n", kind.len(), n.len(), i + 1);
    }
    exchange(&mut s, &request(&args), &want);
    s
}

/// `PUBSUB NUMSUB channel` through `con`.
fn numsub(con: &mut redis::Connection, channel: &str) -> i64 {
    let r: (String, i64) = redis::cmd("PUBSUB").arg("NUMSUB").arg(channel).query(con).unwrap();
    r.1
}

#[test]
fn a_message_reaches_subscribers_on_every_loop_in_order() {
    let server = start(4);
    // More subscribers than loops: connections are spread over the loops, so the
    // publisher's loop is not theirs for most of them.
    let mut subs: Vec<TcpStream> = (0..12).map(|_| subscriber(server.addr, "SUBSCRIBE", &["news"])).collect();
    let mut publishers: Vec<redis::Connection> = (0..4).map(|_| client(server.addr)).collect();
    assert_eq!(numsub(&mut publishers[0], "news"), 12);
    let mut want = Vec::new();
    for i in 0..200 {
        let con = &mut publishers[i % 4];
        let msg = format!("message {i}");
        let n: i64 = redis::cmd("PUBLISH").arg("news").arg(&msg).query(con).unwrap();
        assert_eq!(n, 12);
        want.extend(frame(&[b"message", b"news", msg.as_bytes()]));
    }
    // Each PUBLISH was answered before the next was sent, so every subscriber sees
    // the 200 messages in that order.
    for s in &mut subs {
        let got = read_len(s, want.len());
        assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&want));
    }
    // A channel nobody listens to reaches nobody.
    let n: i64 = redis::cmd("PUBLISH").arg("other").arg("x").query(&mut publishers[0]).unwrap();
    assert_eq!(n, 0);
}

#[test]
fn concurrent_publishers_keep_their_own_order() {
    let server = start(4);
    let mut subs: Vec<TcpStream> = (0..8).map(|_| subscriber(server.addr, "SUBSCRIBE", &["c"])).collect();
    let addr = server.addr;
    let per = 300;
    let threads: Vec<_> = (0..3)
        .map(|p| {
            std::thread::spawn(move || {
                let mut con = client(addr);
                for i in 0..per {
                    let n: i64 =
                        redis::cmd("PUBLISH").arg("c").arg(format!("{p}:{i:05}")).query(&mut con).unwrap();
                    assert_eq!(n, 8);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Every message has the same length: 3 * 300 frames to read per subscriber.
    let one = frame(&[b"message", b"c", b"0:00000"]).len();
    for s in &mut subs {
        let got = read_len(s, one * 3 * per);
        let mut next = [0usize; 3];
        for f in got.chunks(one) {
            let text = std::str::from_utf8(f).unwrap();
            let payload = &text[text.len() - 9..text.len() - 2];
            let p: usize = payload[..1].parse().unwrap();
            let i: usize = payload[2..].parse().unwrap();
            assert_eq!(i, next[p], "publisher {p} out of order");
            next[p] += 1;
        }
        assert_eq!(next, [per; 3]);
    }
}

#[test]
fn patterns_receive_pmessages() {
    let server = start(4);
    let mut by_pattern = subscriber(server.addr, "PSUBSCRIBE", &["news.*", "*.tech"]);
    let mut by_channel = subscriber(server.addr, "SUBSCRIBE", &["news.tech"]);
    let mut con = client(server.addr);
    let n: i64 = redis::cmd("PUBLISH").arg("news.tech").arg("hi").query(&mut con).unwrap();
    assert_eq!(n, 3);
    let n: i64 = redis::cmd("PUBLISH").arg("news.art").arg("yo").query(&mut con).unwrap();
    assert_eq!(n, 1);
    let n: i64 = redis::cmd("PUBLISH").arg("sport").arg("no").query(&mut con).unwrap();
    assert_eq!(n, 0);
    let got = read_len(&mut by_channel, frame(&[b"message", b"news.tech", b"hi"]).len());
    assert_eq!(got, frame(&[b"message", b"news.tech", b"hi"]));
    // Each matching pattern gets its own pmessage; the two patterns' order is the
    // registry's, so compare them as a set.
    let a = frame(&[b"pmessage", b"news.*", b"news.tech", b"hi"]);
    let b = frame(&[b"pmessage", b"*.tech", b"news.tech", b"hi"]);
    let got = read_len(&mut by_pattern, a.len() + b.len());
    assert!(
        got == [a.clone(), b.clone()].concat() || got == [b, a].concat(),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    let c = frame(&[b"pmessage", b"news.*", b"news.art", b"yo"]);
    assert_eq!(read_len(&mut by_pattern, c.len()), c);
    let n: i64 = redis::cmd("PUBSUB").arg("NUMPAT").query(&mut con).unwrap();
    assert_eq!(n, 2);
}

#[test]
fn the_redis_crate_pubsub_api() {
    let server = start(2);
    let mut sub_con = client(server.addr);
    let mut con = client(server.addr);
    let mut pubsub = sub_con.as_pubsub();
    pubsub.set_read_timeout(Some(LIMIT)).unwrap();
    pubsub.subscribe("alpha").unwrap();
    pubsub.psubscribe("be*").unwrap();
    let n: i64 = redis::cmd("PUBLISH").arg("alpha").arg("one").query(&mut con).unwrap();
    assert_eq!(n, 1);
    let msg = pubsub.get_message().unwrap();
    assert_eq!(msg.get_channel_name(), "alpha");
    assert_eq!(msg.get_payload::<String>().unwrap(), "one");
    assert!(!msg.from_pattern());
    let n: i64 = redis::cmd("PUBLISH").arg("beta").arg("two").query(&mut con).unwrap();
    assert_eq!(n, 1);
    let msg = pubsub.get_message().unwrap();
    assert_eq!(msg.get_channel_name(), "beta");
    assert_eq!(msg.get_pattern::<String>().unwrap(), "be*");
    assert_eq!(msg.get_payload::<String>().unwrap(), "two");
    pubsub.unsubscribe("alpha").unwrap();
    pubsub.punsubscribe("be*").unwrap();
    drop(pubsub);
    // Out of subscribed mode, the connection runs any command again.
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut sub_con).unwrap();
    let n: i64 = redis::cmd("PUBLISH").arg("alpha").arg("three").query(&mut con).unwrap();
    assert_eq!(n, 0);
}

#[test]
fn pubsub_introspection() {
    let server = start(4);
    let _a = subscriber(server.addr, "SUBSCRIBE", &["x", "y"]);
    let _b = subscriber(server.addr, "SUBSCRIBE", &["y", "zz"]);
    let _p = subscriber(server.addr, "PSUBSCRIBE", &["y*", "q?"]);
    let _q = subscriber(server.addr, "PSUBSCRIBE", &["y*"]);
    let mut con = client(server.addr);
    let mut channels: Vec<String> = redis::cmd("PUBSUB").arg("CHANNELS").query(&mut con).unwrap();
    channels.sort();
    assert_eq!(channels, ["x", "y", "zz"]);
    let channels: Vec<String> = redis::cmd("PUBSUB").arg("CHANNELS").arg("z*").query(&mut con).unwrap();
    assert_eq!(channels, ["zz"]);
    let counts: Vec<(String, i64)> =
        redis::cmd("PUBSUB").arg("NUMSUB").arg("x").arg("y").arg("none").query(&mut con).unwrap();
    assert_eq!(counts, [("x".into(), 1), ("y".into(), 2), ("none".into(), 0)]);
    let n: i64 = redis::cmd("PUBSUB").arg("NUMPAT").query(&mut con).unwrap();
    assert_eq!(n, 2);
    // Channel subscribers plus every matching pattern subscription.
    let n: i64 = redis::cmd("PUBLISH").arg("y").arg("m").query(&mut con).unwrap();
    assert_eq!(n, 4);
}

#[test]
fn subscribed_mode_allows_only_pubsub_commands() {
    let server = start(1);
    let mut s = connect(server.addr);
    exchange(&mut s, b"UNSUBSCRIBE\r\n", "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
    exchange(&mut s, b"PUNSUBSCRIBE\r\n", "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n");
    exchange(&mut s, b"SUBSCRIBE a\r\n", "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    let refused = |cmd: &str| {
        format!(
            "-ERR Can't execute '{cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
        )
    };
    exchange(&mut s, b"GET k\r\n", &refused("get"));
    exchange(&mut s, b"set k v\r\n", &refused("set"));
    exchange(&mut s, b"PUBLISH a b\r\n", &refused("publish"));
    exchange(&mut s, b"PUBSUB NUMPAT\r\n", &refused("pubsub|numpat"));
    exchange(&mut s, b"CONFIG GET x\r\n", &refused("config|get"));
    exchange(&mut s, b"PING\r\n", "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    exchange(&mut s, b"PING hi\r\n", "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
    exchange(&mut s, b"PSUBSCRIBE p*\r\n", "*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:2\r\n");
    exchange(&mut s, b"UNSUBSCRIBE a\r\n", "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n");
    exchange(&mut s, b"GET k\r\n", &refused("get"));
    exchange(&mut s, b"PUNSUBSCRIBE\r\n", "*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n");
    // Out of subscribed mode again.
    exchange(&mut s, b"GET k\r\n", "$-1\r\n");
    exchange(&mut s, b"PING\r\n", "+PONG\r\n");
    // RESET leaves every subscription.
    exchange(
        &mut s,
        b"SUBSCRIBE a b\r\n",
        "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n",
    );
    exchange(&mut s, b"RESET\r\n", "+RESET\r\n");
    exchange(&mut s, b"GET k\r\n", "$-1\r\n");
    let mut con = client(server.addr);
    assert_eq!(numsub(&mut con, "a"), 0);
    let channels: Vec<String> = redis::cmd("PUBSUB").arg("CHANNELS").query(&mut con).unwrap();
    assert!(channels.is_empty());
    // QUIT is allowed too.
    exchange(&mut s, b"SUBSCRIBE a\r\n", "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    exchange(&mut s, b"QUIT\r\n", "+OK\r\n");
}

#[test]
fn a_closed_subscriber_is_gone() {
    let server = start(4);
    let mut con = client(server.addr);
    let keep = subscriber(server.addr, "SUBSCRIBE", &["room"]);
    let gone: Vec<TcpStream> =
        (0..6).map(|i| subscriber(server.addr, "SUBSCRIBE", &["room", &format!("own{i}")])).collect();
    let pat = subscriber(server.addr, "PSUBSCRIBE", &["own*"]);
    assert_eq!(numsub(&mut con, "room"), 7);
    drop(gone);
    assert!(wait_for(|| numsub(&mut con, "room") == 1), "NUMSUB stays {}", numsub(&mut con, "room"));
    // The one-off channels are gone from the registry with their last subscriber.
    assert!(wait_for(|| {
        let channels: Vec<String> = redis::cmd("PUBSUB").arg("CHANNELS").query(&mut con).unwrap();
        channels == ["room"]
    }));
    let n: i64 = redis::cmd("PUBLISH").arg("room").arg("still here").query(&mut con).unwrap();
    assert_eq!(n, 1);
    drop(keep);
    drop(pat);
    assert!(wait_for(|| {
        let n: i64 = redis::cmd("PUBSUB").arg("NUMPAT").query(&mut con).unwrap();
        n == 0 && numsub(&mut con, "room") == 0
    }));
}

#[test]
fn many_one_off_channels_leave_nothing() {
    let server = start(2);
    let mut s = connect(server.addr);
    let names: Vec<String> = (0..2000).map(|i| format!("tmp:{i}")).collect();
    let mut req = Vec::new();
    for n in &names {
        req.extend(request(&[b"SUBSCRIBE", n.as_bytes()]));
        req.extend(request(&[b"UNSUBSCRIBE", n.as_bytes()]));
    }
    let mut want = Vec::new();
    for n in &names {
        want.extend(format!("*3\r\n$9\r\nsubscribe\r\n${}\r\n{n}\r\n:1\r\n", n.len()).into_bytes());
        want.extend(format!("*3\r\n$11\r\nunsubscribe\r\n${}\r\n{n}\r\n:0\r\n", n.len()).into_bytes());
    }
    use std::io::Write;
    s.write_all(&req).unwrap();
    assert_eq!(read_len(&mut s, want.len()), want);
    let mut con = client(server.addr);
    let channels: Vec<String> = redis::cmd("PUBSUB").arg("CHANNELS").query(&mut con).unwrap();
    assert!(channels.is_empty(), "{} channels left", channels.len());
}

/// Sends `args` to both servers and compares the next `replies` replies byte for byte.
fn both(p: &mut Pair, args: &[&str], replies: usize) {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    let req = request(&args);
    p.real.send(&req);
    p.ours.send(&req);
    read_both(p, replies, &show_args(&args));
}

/// Reads `n` replies from both servers and compares them byte for byte.
fn read_both(p: &mut Pair, n: usize, context: &str) {
    for _ in 0..n {
        let (real, ours) = (p.real.read().0, p.ours.read().0);
        assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&real), "{context}");
    }
}

#[test]
fn pubsub_matches_redis() {
    pubsub_sequence(false);
}

/// The same over RESP3: confirmations and messages are pushes, and a subscriber may
/// run any command.
#[test]
fn pubsub_matches_redis_over_resp3() {
    pubsub_sequence(true);
}

/// Subscribes, publishes and asks about subscriptions on both servers; the subscriber
/// speaks RESP3 if `resp3`.
fn pubsub_sequence(resp3: bool) {
    let Some((ours, real)) = servers() else { return };
    let mut sub = if resp3 { Pair::new_resp3(ours.addr, real.addr) } else { Pair::new(ours.addr, real.addr) };
    let mut publ = Pair::new(ours.addr, real.addr);
    both(&mut sub, &["UNSUBSCRIBE"], 1);
    both(&mut sub, &["PUNSUBSCRIBE"], 1);
    both(&mut sub, &["UNSUBSCRIBE", "nope", "x"], 2);
    both(&mut sub, &["SUBSCRIBE"], 1);
    both(&mut sub, &["PSUBSCRIBE"], 1);
    both(&mut publ, &["PUBLISH", "a"], 1);
    both(&mut publ, &["PUBLISH", "a", "nobody"], 1);
    both(&mut sub, &["SUBSCRIBE", "a", "b"], 2);
    both(&mut sub, &["subscribe", "a"], 1);
    both(&mut sub, &["PING"], 1);
    both(&mut sub, &["PING", "hi"], 1);
    both(&mut sub, &["PING", "a", "b"], 1);
    both(&mut sub, &["GET", "k"], 1);
    both(&mut sub, &["PUBSUB", "NUMPAT"], 1);
    both(&mut sub, &["CONFIG", "GET", "save"], 1);
    both(&mut sub, &["NOPE"], 1);
    both(&mut publ, &["PUBLISH", "a", "hello"], 1);
    read_both(&mut sub, 1, "message on a");
    both(&mut sub, &["PSUBSCRIBE", "a*"], 1);
    both(&mut publ, &["PUBLISH", "a", "x"], 1);
    read_both(&mut sub, 2, "message and pmessage on a");
    both(&mut publ, &["PUBLISH", "abc", "y"], 1);
    read_both(&mut sub, 1, "pmessage on abc");
    if resp3 {
        // A subscriber that publishes to its own channels gets its copies first, then
        // the count: Redis writes to each subscriber as it publishes.
        both(&mut sub, &["PUBLISH", "a", "mine"], 3);
        both(&mut sub, &["PUBLISH", "abc", "mine"], 2);
        both(&mut sub, &["PUBLISH", "zzz", "nobody"], 1);
    }
    both(&mut publ, &["PUBSUB", "NUMSUB", "a", "b", "c"], 1);
    both(&mut publ, &["PUBSUB", "NUMSUB"], 1);
    both(&mut publ, &["PUBSUB", "NUMPAT"], 1);
    both(&mut publ, &["PUBSUB", "CHANNELS", "a"], 1);
    both(&mut publ, &["PUBSUB", "CHANNELS", "b*"], 1);
    both(&mut publ, &["PUBSUB", "CHANNELS", "a", "b"], 1);
    both(&mut publ, &["PUBSUB", "NUMPAT", "x"], 1);
    both(&mut publ, &["PUBSUB", "FOO"], 1);
    both(&mut publ, &["PUBSUB"], 1);
    both(&mut publ, &["PUBSUB", "HELP"], 1);
    both(&mut sub, &["UNSUBSCRIBE", "a"], 1);
    both(&mut sub, &["UNSUBSCRIBE", "b", "b"], 2);
    both(&mut sub, &["GET", "k"], 1);
    both(&mut sub, &["PUNSUBSCRIBE"], 1);
    both(&mut sub, &["GET", "k"], 1);
    both(&mut sub, &["PING"], 1);
    both(&mut publ, &["PUBLISH", "a", "z"], 1);
    both(&mut publ, &["PUBSUB", "CHANNELS"], 1);
    both(&mut sub, &["SUBSCRIBE", "q"], 1);
    both(&mut sub, &["RESET"], 1);
    both(&mut sub, &["GET", "k"], 1);
    both(&mut publ, &["PUBSUB", "NUMSUB", "q"], 1);
    for name in ["subscribe", "unsubscribe", "psubscribe", "punsubscribe", "publish", "reset"] {
        both(&mut publ, &["COMMAND", "INFO", name], 1);
    }
    // Switching protocols while subscribed (RESP2 refuses HELLO in subscribed mode):
    // the messages that follow are framed for the new protocol.
    both(&mut sub, &["SUBSCRIBE", "s"], 1);
    both(&mut sub, &["PSUBSCRIBE", "s*"], 1);
    for version in ["2", "3", "3", "2"] {
        hello_both(&mut sub, version);
        both(&mut publ, &["PUBLISH", "s", version], 1);
        read_both(&mut sub, 2, &format!("message and pmessage after HELLO {version}"));
        both(&mut publ, &["PUBSUB", "NUMSUB", "s"], 1);
        both(&mut sub, &["GET", "k"], 1);
    }
    both(&mut sub, &["RESET"], 1);
    both(&mut publ, &["PUBLISH", "s", "nobody"], 1);
}

/// `HELLO version` on both servers: the replies agree but for the connection id (or
/// are the same error).
fn hello_both(p: &mut Pair, version: &str) {
    let req = request(&[b"HELLO", version.as_bytes()]);
    p.real.send(&req);
    p.ours.send(&req);
    let (real, ours) = (p.real.read(), p.ours.read());
    assert_eq!(hello_without_id(&ours.0), hello_without_id(&real.0), "HELLO {version}");
}

#[test]
fn resp2_and_resp3_subscribers_of_one_channel_on_every_loop() {
    let server = start(4);
    // Subscribers of both protocols, spread over the loops.
    let mut subs: Vec<(TcpStream, bool)> = (0..12)
        .map(|i| {
            let resp3 = i % 2 == 1;
            let mut s = connect(server.addr);
            if resp3 {
                s.write_all(&request(&[b"HELLO", b"3"])).unwrap();
                let hello = read_len(&mut s, 4);
                assert_eq!(hello, b"%7\r\n");
                // The rest of the map: read through its last entry, `modules`, empty.
                let mut rest = Vec::new();
                while !rest.ends_with(b"$7\r\nmodules\r\n*0\r\n") {
                    rest.extend(read_len(&mut s, 1));
                }
            }
            let kind = if resp3 { ">" } else { "*" };
            let want = format!("{kind}3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
            exchange(&mut s, &request(&[b"SUBSCRIBE", b"news"]), &want);
            (s, resp3)
        })
        .collect();
    let mut publisher = client(server.addr);
    assert_eq!(numsub(&mut publisher, "news"), 12);
    let mut wanted = [Vec::new(), Vec::new()];
    for i in 0..100 {
        let msg = format!("m{i}");
        let n: i64 = redis::cmd("PUBLISH").arg("news").arg(&msg).query(&mut publisher).unwrap();
        assert_eq!(n, 12);
        let f = frame(&[b"message", b"news", msg.as_bytes()]);
        let mut pushed = f.clone();
        pushed[0] = b'>';
        wanted[0].extend(f);
        wanted[1].extend(pushed);
    }
    for (s, resp3) in &mut subs {
        let want = &wanted[usize::from(*resp3)];
        assert_eq!(read_len(s, want.len()), *want, "resp3: {resp3}");
    }
    // A RESP3 subscriber may run any command; CLIENT LIST says which protocol each
    // connection speaks.
    let (s, _) = &mut subs[1];
    exchange(s, &request(&[b"GET", b"nothing"]), "_\r\n");
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut publisher).unwrap();
    assert_eq!(list.matches(" resp=3\n").count(), 6, "{list}");
    assert_eq!(list.matches(" resp=2\n").count(), 7, "{list}");
    drop(subs);
    assert!(wait_for(|| numsub(&mut publisher, "news") == 0));
}

#[test]
fn redis_cli_subscribes() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let Some(bin) = tools::tool("redis-cli", "redis-tools") else { return };
    let server = start(2);
    let port = server.addr.port().to_string();
    let mut child = Command::new(bin)
        .args(["-h", "127.0.0.1", "-p", &port, "SUBSCRIBE", "news"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-cli starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut con = client(server.addr);
    let subscribed = wait_for(|| numsub(&mut con, "news") == 1);
    let mut lines = Vec::new();
    if subscribed {
        let n: i64 = redis::cmd("PUBLISH").arg("news").arg("hello").query(&mut con).unwrap();
        assert_eq!(n, 1);
        while lines.len() < 6 {
            match rx.recv_timeout(LIMIT) {
                Ok(line) => lines.push(line),
                Err(_) => break,
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(subscribed, "redis-cli did not subscribe");
    assert_eq!(lines, ["subscribe", "news", "1", "message", "news", "hello"]);
}
