//! What the differential tests need: a real `redis-server` on a port of its own, a RESP
//! reply reader, and a pair of connections (the example, the real server) that sends
//! every request to both and compares the replies.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::redis_util::{request, start};
use crate::tools::tool;
use crate::util::{Running, LIMIT};

/// A real `redis-server` on 127.0.0.1 with no persistence and one database (like the
/// example); killed on drop.
pub struct RealRedis {
    child: Child,
    /// Its address.
    pub addr: SocketAddr,
    dir: std::path::PathBuf,
}

impl RealRedis {
    /// Starts `bin` with `extra` options and waits (bounded) until it accepts.
    pub fn start(bin: &Path, extra: &[&str]) -> RealRedis {
        // A port nobody holds now; if another process takes it first the wait fails.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("tcpio-redis-diff-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let child = Command::new(bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .args(extra)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let end = Instant::now() + LIMIT;
        let mut real = RealRedis { child, addr, dir };
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < end, "redis-server did not accept on {addr}");
            if let Some(status) = real.child.try_wait().unwrap() {
                panic!("redis-server exited: {status}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        real
    }
}

impl Drop for RealRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A reply, parsed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reply {
    /// `+text`.
    Status(Vec<u8>),
    /// `-text`.
    Error(Vec<u8>),
    /// `:n`.
    Int(i64),
    /// `$n` (`None` for `$-1`).
    Bulk(Option<Vec<u8>>),
    /// `*n` (`None` for `*-1`).
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// The elements of an array reply.
    pub fn items(&self) -> &[Reply] {
        match self {
            Reply::Array(Some(v)) => v,
            other => panic!("not an array: {other:?}"),
        }
    }

    /// The bytes of a bulk reply.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Reply::Bulk(Some(b)) => b,
            other => panic!("not a bulk string: {other:?}"),
        }
    }

    /// The value of an integer reply.
    pub fn int(&self) -> i64 {
        match self {
            Reply::Int(n) => *n,
            other => panic!("not an integer: {other:?}"),
        }
    }
}

/// Reads one reply; returns its raw bytes and its parsed form.
pub fn read_reply(r: &mut impl BufRead) -> (Vec<u8>, Reply) {
    let mut raw = Vec::new();
    let reply = read_into(r, &mut raw);
    (raw, reply)
}

fn read_into(r: &mut impl BufRead, raw: &mut Vec<u8>) -> Reply {
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line).expect("read a reply");
    assert!(line.ends_with(b"\r\n"), "truncated reply line {:?}", String::from_utf8_lossy(&line));
    raw.extend_from_slice(&line);
    let body = &line[1..line.len() - 2];
    let num = || std::str::from_utf8(body).unwrap().parse::<i64>().unwrap();
    match line[0] {
        b'+' => Reply::Status(body.to_vec()),
        b'-' => Reply::Error(body.to_vec()),
        b':' => Reply::Int(num()),
        b'$' if num() < 0 => Reply::Bulk(None),
        // A bulk string, or RESP3's verbatim string read as one (its format prefix
        // kept).
        b'$' | b'=' => {
            let mut data = vec![0; num() as usize + 2];
            std::io::Read::read_exact(r, &mut data).expect("read a bulk");
            raw.extend_from_slice(&data);
            data.truncate(data.len() - 2);
            Reply::Bulk(Some(data))
        }
        b'*' if num() < 0 => Reply::Array(None),
        b'*' => Reply::Array(Some((0..num()).map(|_| read_into(r, raw)).collect())),
        // RESP3's other types, read as their RESP2 forms (comparisons other than
        // `Exact` look at the parsed form; `Exact` compares the bytes, types
        // included): a null as a nil bulk string, a map as an array of keys and
        // values, a set and a push as arrays, the scalars as text.
        b'_' => Reply::Bulk(None),
        b'%' => Reply::Array(Some((0..2 * num()).map(|_| read_into(r, raw)).collect())),
        b'~' | b'>' => Reply::Array(Some((0..num()).map(|_| read_into(r, raw)).collect())),
        b',' | b'#' | b'(' => Reply::Status(body.to_vec()),
        other => panic!("unexpected reply type {:?}", other as char),
    }
}

/// A connection that reads replies.
pub struct Conn {
    w: TcpStream,
    r: BufReader<TcpStream>,
}

impl Conn {
    /// Connects to `addr`, with time-outs.
    pub fn new(addr: SocketAddr) -> Conn {
        let s = crate::util::connect(addr);
        Conn { w: s.try_clone().unwrap(), r: BufReader::new(s) }
    }

    /// Sends `args` as one request and reads its reply.
    pub fn call(&mut self, args: &[&[u8]]) -> (Vec<u8>, Reply) {
        self.w.write_all(&request(args)).unwrap();
        read_reply(&mut self.r)
    }

    /// Sends raw bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.w.write_all(bytes).unwrap();
    }

    /// Reads one reply.
    pub fn read(&mut self) -> (Vec<u8>, Reply) {
        read_reply(&mut self.r)
    }

    /// `keyspace_hits` and `keyspace_misses` from `INFO stats`.
    pub fn keyspace_stats(&mut self) -> (u64, u64) {
        let info = self.call(&[b"INFO", b"stats"]).1;
        let info = String::from_utf8_lossy(info.bytes()).into_owned();
        let field = |name: &str| -> u64 {
            let line = info.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(':'));
            line.unwrap_or_else(|| panic!("{name}: {info}")).trim_end().parse().unwrap()
        };
        (field("keyspace_hits"), field("keyspace_misses"))
    }

    /// The `errorstat_KIND:count=N` lines of `INFO errorstats`, and
    /// `total_error_replies` from `INFO stats`.
    pub fn error_stats(&mut self) -> (Vec<String>, u64) {
        let info = self.call(&[b"INFO", b"errorstats", b"stats"]).1;
        let info = String::from_utf8_lossy(info.bytes()).into_owned();
        let kinds = info.lines().filter(|l| l.starts_with("errorstat_")).map(str::to_string).collect();
        let total = info.lines().find_map(|l| l.strip_prefix("total_error_replies:"));
        (kinds, total.unwrap_or_else(|| panic!("{info}")).trim_end().parse().unwrap())
    }

    /// Whether the server closes the connection with nothing more to read: waits (up
    /// to the read time-out) for the end of the stream; a reset counts as closed.
    pub fn closed(&mut self) -> bool {
        let mut byte = [0u8; 1];
        match std::io::Read::read(&mut self.r, &mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
        }
    }
}

/// How two replies to the same request are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    /// Byte for byte.
    Exact,
    /// As a multiset of elements (SMEMBERS, KEYS, SINTER...).
    Unordered,
    /// As a multiset of (field, value) pairs (HGETALL).
    Pairs,
    /// Integers within this much of each other (PTTL, EXPIRETIME).
    Near(i64),
    /// Not at all (the reply is random); only its kind must agree.
    Kind,
    /// A scan's reply: when both return everything at once (cursor 0), the same items
    /// (in groups of this many) as a multiset; otherwise (a collection walked in
    /// another order) only the kind.
    ScanItems(usize),
}

/// The comparison a command's reply needs.
pub fn compare_for(args: &[&[u8]]) -> Compare {
    let name = String::from_utf8_lossy(args[0]).to_ascii_lowercase();
    match name.as_str() {
        "smembers" | "sinter" | "sunion" | "sdiff" | "keys" | "hkeys" | "hvals" => Compare::Unordered,
        "hgetall" => Compare::Pairs,
        "pttl" | "pexpiretime" => Compare::Near(200),
        "ttl" | "expiretime" => Compare::Near(1),
        "randomkey" | "spop" | "srandmember" | "hrandfield" | "zrandmember" | "scan" => Compare::Kind,
        // A small hash or set is returned whole, in Redis's order: the cursor must
        // agree, the items as a multiset.
        "sscan" => Compare::ScanItems(1),
        "hscan" | "zscan" => Compare::ScanItems(2),
        _ => Compare::Exact,
    }
}

/// Whether two replies agree under `how`.
pub fn agree(how: Compare, ours: &(Vec<u8>, Reply), real: &(Vec<u8>, Reply)) -> bool {
    match (how, &ours.1, &real.1) {
        (Compare::Exact, ..) => ours.0 == real.0,
        (Compare::Unordered, Reply::Array(Some(a)), Reply::Array(Some(b))) => sorted(a) == sorted(b),
        (Compare::Pairs, Reply::Array(Some(a)), Reply::Array(Some(b))) => pairs(a) == pairs(b),
        (Compare::Near(d), Reply::Int(a), Reply::Int(b)) if *a >= 0 && *b >= 0 => (a - b).abs() <= d,
        (Compare::Kind, a, b) => std::mem::discriminant(a) == std::mem::discriminant(b) && kind_detail(a, b),
        (Compare::ScanItems(group), Reply::Array(Some(a)), Reply::Array(Some(b)))
            if a.len() == 2 && b.len() == 2 =>
        {
            let items = |r: &Reply| {
                let mut v: Vec<Vec<Reply>> = r.items().chunks(group).map(<[Reply]>::to_vec).collect();
                v.sort();
                v
            };
            let done = Reply::Bulk(Some(b"0".to_vec()));
            a[0] != done || b[0] != done || items(&a[1]) == items(&b[1])
        }
        _ => ours.0 == real.0,
    }
}

/// For random replies: errors must match exactly, nil must match nil.
fn kind_detail(a: &Reply, b: &Reply) -> bool {
    match (a, b) {
        (Reply::Error(x), Reply::Error(y)) => x == y,
        (Reply::Bulk(x), Reply::Bulk(y)) => x.is_some() == y.is_some(),
        (Reply::Array(x), Reply::Array(y)) => x.is_some() == y.is_some(),
        _ => true,
    }
}

fn sorted(v: &[Reply]) -> Vec<Reply> {
    let mut v = v.to_vec();
    v.sort();
    v
}

fn pairs(v: &[Reply]) -> Vec<(Reply, Reply)> {
    let mut p: Vec<_> = v.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect();
    p.sort();
    p
}

/// The example and the real server, each with a connection.
pub struct Pair {
    /// To the example.
    pub ours: Conn,
    /// To the real server.
    pub real: Conn,
    /// Whether both connections were switched to RESP3.
    pub resp3: bool,
}

impl Pair {
    /// Connects to both.
    pub fn new(ours: SocketAddr, real: SocketAddr) -> Pair {
        Pair { ours: Conn::new(ours), real: Conn::new(real), resp3: false }
    }

    /// Connects to both and switches both connections to RESP3 with `HELLO 3`, whose
    /// replies must be the same map but for the connection id.
    pub fn new_resp3(ours: SocketAddr, real: SocketAddr) -> Pair {
        let mut p = Pair::new(ours, real);
        let hello: &[&[u8]] = &[b"HELLO", b"3"];
        let (o, r) = (p.ours.call(hello), p.real.call(hello));
        assert!(o.0.starts_with(b"%7\r\n"), "HELLO 3: {:?}", String::from_utf8_lossy(&o.0));
        assert_eq!(hello_without_id(&o.0), hello_without_id(&r.0), "HELLO 3");
        p.resp3 = true;
        p
    }

    /// Sends `args` to both; returns both replies (ours first) after checking that they
    /// agree as the command needs. `context` is printed on a mismatch.
    pub fn check_with(&mut self, args: &[&[u8]], context: &str) -> (Reply, Reply) {
        let real = self.real.call(args);
        let ours = self.ours.call(args);
        let how = compare_for(args);
        assert!(
            agree(how, &ours, &real),
            "{context}{}\nrequest {}\n ours {:?}\n real {:?}",
            if self.resp3 { " (RESP3)" } else { "" },
            show_args(args),
            String::from_utf8_lossy(&ours.0),
            String::from_utf8_lossy(&real.0)
        );
        (ours.1, real.1)
    }

    /// [`check_with`](Self::check_with) with no context.
    pub fn check(&mut self, args: &[&[u8]]) -> (Reply, Reply) {
        self.check_with(args, "")
    }

    /// Splits `line` on spaces and checks it.
    pub fn line(&mut self, line: &str) -> (Reply, Reply) {
        let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        self.check(&args)
    }

    /// Checks every line of `lines`.
    pub fn lines(&mut self, lines: &[&str]) {
        for l in lines {
            self.line(l);
        }
    }
}

/// A raw `HELLO` reply as text without the connection id's entry (the one thing two
/// servers' replies differ in); anything else (an error) as it is.
pub fn hello_without_id(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw).into_owned();
    match (text.find("$2\r\nid\r\n:"), text.find("\r\n$4\r\nmode")) {
        (Some(at), Some(end)) => text[..at].to_string() + &text[end..],
        _ => text,
    }
}

/// A request, readable.
pub fn show_args(args: &[&[u8]]) -> String {
    args.iter().map(|a| format!("{:?}", String::from_utf8_lossy(a))).collect::<Vec<_>>().join(" ")
}

/// A tiny xorshift generator, seeded; enough to pick commands and arguments.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (any value).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A small integer in `lo..=hi` as text.
    pub fn int(&mut self, lo: i64, hi: i64) -> String {
        (lo + self.below((hi - lo + 1) as u64) as i64).to_string()
    }
}

/// The seeds of the random sequences: `REDIS_DIFF_SEED` if set, else fixed ones.
pub fn seeds() -> Vec<u64> {
    match std::env::var("REDIS_DIFF_SEED") {
        Ok(s) => vec![s.parse().expect("REDIS_DIFF_SEED is a number")],
        Err(_) => vec![1, 0xDEC0DE, 20240607],
    }
}

/// Both servers, fresh, or `None` when `redis-server` is missing.
pub fn servers() -> Option<(Running, RealRedis)> {
    let bin = tool("redis-server", "redis-server")?;
    Some((start(1), RealRedis::start(&bin, &[])))
}

/// A pair of connections to both.
pub fn pair(ours: &Running, real: &RealRedis) -> Pair {
    Pair::new(ours.addr, real.addr)
}

/// A pair of connections speaking RESP2, then, once the first is done with, a pair
/// speaking RESP3 after both keyspaces were emptied: the same requests run in both
/// protocols.
pub fn both_protocols<'a>(ours: &'a Running, real: &'a RealRedis) -> impl Iterator<Item = Pair> + 'a {
    [false, true].into_iter().map(move |resp3| {
        if !resp3 {
            return pair(ours, real);
        }
        let mut p = Pair::new_resp3(ours.addr, real.addr);
        p.check(&[b"FLUSHALL"]);
        p
    })
}
