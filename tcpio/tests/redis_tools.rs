//! The redis-server example against Redis's own tools (`redis-cli`, `redis-benchmark`,
//! apt package `redis-tools`) and, when `redis-server` is installed, reply for reply
//! against the real server. Skipped when the tools are missing, except under `CI=true`.

mod redis_util;
mod tools;
mod util;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redis_util::start;
use tools::{run_bounded, tool};
use util::{read_until_closed, LIMIT};

/// Runs `redis-cli -p <port> args...` and returns its stdout.
fn cli(bin: &Path, port: u16, args: &[&str]) -> String {
    let mut cmd = Command::new(bin);
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string()]).args(args);
    let out = run_bounded(cmd, LIMIT);
    assert!(out.status.success(), "redis-cli {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn redis_cli_runs_commands() {
    let Some(bin) = tool("redis-cli", "redis-tools") else { return };
    let server = start(1);
    let port = server.addr.port();
    assert_eq!(cli(&bin, port, &["PING"]), "PONG\n");
    assert_eq!(cli(&bin, port, &["SET", "name", "tcpio"]), "OK\n");
    assert_eq!(cli(&bin, port, &["GET", "name"]), "tcpio\n");
    assert_eq!(cli(&bin, port, &["INCRBY", "n", "5"]), "5\n");
    assert_eq!(cli(&bin, port, &["MGET", "name", "n", "none"]), "tcpio\n5\n\n");
    assert_eq!(cli(&bin, port, &["DBSIZE"]), "2\n");
    let err = cli(&bin, port, &["NOPE", "x"]);
    assert_eq!(err.trim_end(), "ERR unknown command 'NOPE', with args beginning with: 'x'");
    // Many commands through one connection, as `redis-cli` pipes them from stdin.
    let mut cmd = Command::new(&bin);
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string(), "--pipe"]);
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut input = Vec::new();
    for i in 0..1000 {
        input.extend_from_slice(format!("SET p{i} {i}\r\n").as_bytes());
    }
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("errors: 0, replies: 1000"), "{text}");
    assert_eq!(cli(&bin, port, &["DBSIZE"]), "1002\n");
}

#[test]
fn redis_benchmark_completes_against_the_example() {
    let Some(bin) = tool("redis-benchmark", "redis-tools") else { return };
    let server = start(2);
    for pipeline in ["1", "16"] {
        let mut cmd = Command::new(&bin);
        let port = server.addr.port().to_string();
        cmd.args(["-h", "127.0.0.1", "-p", &port, "-t", "ping,set,get,incr,mset", "-n", "2000", "-c", "10"]);
        cmd.args(["-P", pipeline, "-q"]);
        let out = run_bounded(cmd, Duration::from_secs(60));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "redis-benchmark failed: {text}");
        for test in ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET"] {
            // Progress lines end in `\r`; the summary of each test is the last one.
            let done = text
                .split(['\r', '\n'])
                .any(|l| l.trim().starts_with(test) && l.contains("requests per second"));
            assert!(done, "{test}: {text}");
        }
    }
}

/// A real `redis-server` on a unix socket of its own (no TCP port to collide on).
struct RealRedis {
    child: Child,
    sock: std::path::PathBuf,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl RealRedis {
    fn start(bin: &Path) -> RealRedis {
        let dir = std::env::temp_dir().join(format!("tcpio-real-redis-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sock = dir.join("redis.sock");
        let child = Command::new(bin)
            .args(["--port", "0", "--save", "", "--appendonly", "no", "--unixsocket"])
            .arg(&sock)
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let end = Instant::now() + LIMIT;
        while UnixStream::connect(&sock).is_err() {
            assert!(Instant::now() < end, "redis-server did not open {sock:?}");
            std::thread::sleep(Duration::from_millis(5));
        }
        RealRedis { child, sock, _dir: TempDir(dir) }
    }
}

impl Drop for RealRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `req` on a fresh connection, half-closes, and reads everything until the
/// server closes (it does after the reply to a protocol error or QUIT; a request
/// without either ends with `QUIT` appended).
fn replies(stream: &mut (impl Read + Write), req: &[u8]) -> Vec<u8> {
    stream.write_all(req).unwrap();
    let mut v = Vec::new();
    stream.read_to_end(&mut v).unwrap_or_default();
    v
}

#[test]
fn replies_match_the_real_redis_server() {
    let Some(bin) = tool("redis-server", "redis-server") else { return };
    let real = RealRedis::start(&bin);
    let ours = start(1);
    let cases: &[&[u8]] = &[
        b"PING\r\nPING hi\r\nECHO \"a\\x41\\n\" 'it\\'s'\r\n",
        b"SET k v\r\nGET k\r\nSET k w NX\r\nSET k x XX GET\r\nSET k v EX 0\r\nSET k v EX x\r\nSET k v NX XX\r\n",
        b"SET n 9223372036854775806\r\nINCR n\r\nINCR n\r\nDECRBY n -9223372036854775808\r\nINCR k\r\n",
        b"MSET a 1 b 2\r\nMSET a\r\nMGET a b c\r\nEXISTS a a c\r\nDEL a c\r\nDBSIZE\r\n",
        b"SET t v\r\nEXPIRE t 100 foo\r\nEXPIRE t 100 NX XX\r\nEXPIRE t x\r\nEXPIRE t 100 XX\r\nEXPIRE t 100 NX\r\nTTL t\r\nTTL no\r\n",
        b"NOPE a b\r\nGET\r\nPING a b\r\nCONFIG FOO\r\nCONFIG\r\nCOMMAND COUNT x\r\nFLUSHDB x\r\nSELECT x\r\n",
        b"*1\r\n$4\r\nPING\r\n*0\r\n*-1\r\n\r\n*1\r\nfoo\r\n",
        b"*2\r\n$4\r\nECHO\r\n$536870913\r\n",
        b"*99999999999\r\n",
        b"ECHO \"unbalanced\r\n",
        b"*2\r\n$4\r\nECHO\r\n$3\r\na\r\nb\r\n",
    ];
    for req in cases {
        let mut req = req.to_vec();
        if !req.ends_with(b"\r\n\r\n") {
            req.extend_from_slice(b"QUIT\r\n");
        }
        let mut r = UnixStream::connect(&real.sock).unwrap();
        r.set_read_timeout(Some(LIMIT)).unwrap();
        let want = replies(&mut r, &req);
        let mut o = util::connect(ours.addr);
        o.write_all(&req).unwrap();
        let got = read_until_closed(&mut o);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "{:?}",
            String::from_utf8_lossy(&req)
        );
        // Leave both keyspaces empty for the next case.
        let _ = replies(&mut UnixStream::connect(&real.sock).unwrap(), b"FLUSHDB\r\nQUIT\r\n");
        let mut o = util::connect(ours.addr);
        o.write_all(b"FLUSHDB\r\nQUIT\r\n").unwrap();
        read_until_closed(&mut o);
    }
}
