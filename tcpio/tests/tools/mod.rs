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
