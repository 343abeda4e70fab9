//! External programs the interop tests drive (`redis-cli`, `redis-benchmark`, `curl`):
//! found on `PATH`, skipped with a message when missing, and required under `CI=true`.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The program `name` on `PATH`. When it is missing the test is skipped (`None`, with
/// a message on stderr), except under `CI=true`, where a missing tool fails the test.
pub fn tool(name: &str, package: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file()));
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{name} is required under CI=true: install the `{package}` package");
        }
        // Written to the stream itself, not through `eprintln!`, which the test
        // harness captures and hides for a passing test.
        let _ = writeln!(std::io::stderr(), "skipped: {name} not installed (apt package `{package}`)");
    }
    found
}

/// Runs `cmd` to completion, killing it after `limit`; panics on a time-out.
pub fn run_bounded(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let end = Instant::now() + limit;
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() > end {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "{cmd:?} did not finish within {limit:?}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The example binary `name`, built by `cargo test` beside the test binaries. Missing
/// when only one test was built: skipped then (`None`, with a message), except under
/// `CI=true`.
pub fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent()?.parent()?.join("examples").join(name);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{} is missing: `cargo test --workspace` builds it", path.display());
    }
    let _ = writeln!(std::io::stderr(), "skipped: {} not built (run the whole test suite)", path.display());
    None
}

/// A running example, killed (if still running) when dropped.
pub struct Running(pub std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// Starts example `bin` with `args` and returns it with the address of its first
/// `listening on <scheme>ADDR` line (`scheme`: `tcp://`, `tls://`).
pub fn launch(bin: &PathBuf, args: &[&str], scheme: &str) -> (Running, std::net::SocketAddr) {
    use std::io::BufRead;
    let mut child =
        Command::new(bin).args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next().expect("a line").unwrap();
    let addr = line.rsplit_once(scheme).unwrap_or_else(|| panic!("{line}")).1;
    let addr = addr.trim().parse().unwrap_or_else(|e| panic!("{line}: {e}"));
    (Running(child), addr)
}
