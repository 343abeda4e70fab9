//! OS helpers and child processes: core pinning, fd limits, a small epoll wrapper, and child
//! processes (optionally under valgrind or strace) whose ready line is read and which are
//! always reaped (graceful stop via stdin EOF, SIGKILL as fallback).

use crate::Res;
use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, ErrorKind};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Core the servers are pinned to.
pub const SERVER_CORE: usize = 0;

/// Core the load generator (the parent, or the idle client) is pinned to.
pub const LOAD_CORE: usize = 1;

/// Whether processes are pinned to cores (needs `taskset`).
#[derive(Clone, Copy, Debug)]
pub struct Pinning {
    /// True when `taskset` exists and the parent could be pinned.
    pub enabled: bool,
}

impl Pinning {
    /// Detects `taskset`, pins the calling thread to [`LOAD_CORE`], and reports what it did.
    pub fn setup() -> Pinning {
        if find_in_path("taskset").is_none() {
            eprintln!("note: `taskset` not found: servers and load generator run UNPINNED");
            return Pinning { enabled: false };
        }
        match pin_current_thread(LOAD_CORE) {
            Ok(()) => {
                eprintln!("note: servers pinned to core {SERVER_CORE}, load generator to core {LOAD_CORE}");
                Pinning { enabled: true }
            }
            Err(e) => {
                eprintln!("note: cannot pin to core {LOAD_CORE} ({e}): running UNPINNED");
                Pinning { enabled: false }
            }
        }
    }

    /// The core to pin a child to, or `None` when pinning is off.
    pub fn core(self, core: usize) -> Option<usize> {
        self.enabled.then_some(core)
    }
}

/// Pins the calling thread to one CPU core.
pub fn pin_current_thread(core: usize) -> std::io::Result<()> {
    // SAFETY: cpu_set_t is plain old data, so an all-zero value is a valid (empty) set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, exclusively borrowed cpu_set_t and `core` is below
    // CPU_SETSIZE (we only ever pass 0 or 1).
    unsafe { libc::CPU_SET(core, &mut set) };
    // SAFETY: pid 0 means the calling thread; the pointer and size describe `set`, which
    // lives for the whole call.
    let rc = unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Raises this process's soft RLIMIT_NOFILE to its hard limit and returns the new soft limit.
pub fn raise_nofile_limit() -> u64 {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `lim` is a valid rlimit the kernel writes into.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return 1024;
    }
    lim.rlim_cur = lim.rlim_max;
    // SAFETY: `lim` is a valid rlimit read by the kernel; raising soft up to hard is allowed.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    lim.rlim_cur
}

/// Finds an executable named `name` on `PATH`.
pub fn find_in_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// Reads the first number after `key` (e.g. `VmRSS:`) in a `/proc` status file.
pub fn status_field(path: &str, key: &str) -> Res<u64> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let rest = text.lines().find_map(|l| l.strip_prefix(key)).ok_or_else(|| format!("{path}: no {key}"))?;
    let num = rest.split_whitespace().next().unwrap_or("");
    Ok(num.parse().map_err(|_| format!("{path}: bad {key} `{rest}`"))?)
}

/// Sums status field `key` over all threads of process `pid`.
pub fn threads_status_sum(pid: u32, key: &str) -> Res<u64> {
    let dir = format!("/proc/{pid}/task");
    let mut sum = 0;
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{dir}: {e}"))? {
        let path = entry?.path().join("status");
        // A thread may exit between listing and reading: skip it.
        if let Ok(v) = status_field(&path.to_string_lossy(), key) {
            sum += v;
        }
    }
    Ok(sum)
}

/// User plus system CPU time, in seconds, that process `pid` has used so far (all its
/// threads, living and exited), from `/proc/<pid>/stat`.
pub fn cpu_seconds(pid: u32) -> Res<f64> {
    let (user, system) = cpu_split(pid)?;
    Ok(user + system)
}

/// User and system CPU time, in seconds, that process `pid` has used so far (all its
/// threads, living and exited), from `/proc/<pid>/stat` (10 ms ticks).
pub fn cpu_split(pid: u32) -> Res<(f64, f64)> {
    let path = format!("/proc/{pid}/stat");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    // Fields after the command name (which may hold spaces) start at field 3, `state`;
    // utime and stime are fields 14 and 15.
    let rest = text.rsplit_once(')').map(|(_, r)| r).ok_or_else(|| format!("{path}: bad format"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Res<u64> {
        let f = fields.get(i).ok_or_else(|| format!("{path}: too few fields"))?;
        Ok(f.parse().map_err(|_| format!("{path}: bad field `{f}`"))?)
    };
    // SAFETY: sysconf takes no pointers.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Ok((ticks(11)? as f64 / hz, ticks(12)? as f64 / hz))
}

/// A free TCP port on 127.0.0.1 right now (for programs that cannot report the port they
/// bound, like `redis-server`; another process could take it in between, which a failed
/// start then reports).
pub fn free_port() -> Res<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A small owned epoll instance.
pub struct Epoll {
    /// The epoll descriptor.
    fd: OwnedFd,
}

impl Epoll {
    /// Creates an epoll instance.
    pub fn new() -> io::Result<Epoll> {
        // SAFETY: plain epoll_create1(2) call.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and nothing else owns it.
        Ok(Epoll { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    /// Registers `fd` for `events`, tagged with `token`.
    pub fn add(&self, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, events, token)
    }

    /// Removes `fd` from the interest list.
    pub fn delete(&self, fd: RawFd) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_DEL, fd, 0, 0)
    }

    /// Performs one epoll_ctl(2) operation.
    fn ctl(&self, op: i32, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        let mut ev = libc::epoll_event { events, u64: token };
        // SAFETY: `ev` is a valid epoll_event for the duration of the call.
        let rc = unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), op, fd, &mut ev) };
        if rc < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// Waits up to `timeout_ms` for events; returns how many were stored (0 on EINTR).
    pub fn wait(&self, events: &mut [libc::epoll_event], timeout_ms: i32) -> io::Result<usize> {
        let max = events.len().min(i32::MAX as usize) as i32;
        // SAFETY: `events` is writable for `max` entries.
        let n = unsafe { libc::epoll_wait(self.fd.as_raw_fd(), events.as_mut_ptr(), max, timeout_ms) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let err = io::Error::last_os_error();
        if err.kind() == ErrorKind::Interrupted {
            Ok(0)
        } else {
            Err(err)
        }
    }
}

/// A zeroed event array of length `n` for [`Epoll::wait`].
pub fn event_buffer(n: usize) -> Vec<libc::epoll_event> {
    vec![libc::epoll_event { events: 0, u64: 0 }; n]
}

/// A tool a server runs under.
pub enum Wrapper {
    /// No tool: the server runs natively.
    Plain,
    /// `valgrind --tool=callgrind`, writing its profile to the given file.
    Callgrind(PathBuf),
    /// `strace -c -f`, writing its summary to the given file.
    Strace(PathBuf),
    /// Callgrind counting only inside functions matching the pattern
    /// (`--toggle-collect`).
    CallgrindCollect(PathBuf, &'static str),
}

/// A child process that is always reaped: closed stdin asks it to exit, SIGKILL follows.
pub struct ChildProc {
    /// What the child is, for messages.
    name: String,
    /// The process (the pid is the payload's: `taskset` and `valgrind` exec in place).
    child: Child,
    /// Write end of the child's stdin; dropping it is the child's signal to exit.
    stdin: Option<ChildStdin>,
    /// Lines the child prints on stdout, forwarded by a reader thread.
    lines: Receiver<String>,
    /// Set once the child has been waited for.
    reaped: bool,
}

impl ChildProc {
    /// Spawns this binary with `args`, under `wrapper`, pinned to `core` if given.
    pub fn spawn(name: &str, args: &[&str], wrapper: &Wrapper, core: Option<usize>) -> Res<Self> {
        let exe = std::env::current_exe()?;
        Self::spawn_program(name, exe.as_os_str(), args, wrapper, core)
    }

    /// Spawns `program` with `args`, under `wrapper`, pinned to `core` if given.
    pub fn spawn_program(
        name: &str,
        program: &std::ffi::OsStr,
        args: &[&str],
        wrapper: &Wrapper,
        core: Option<usize>,
    ) -> Res<Self> {
        let exe = program.to_os_string();
        let mut argv: Vec<OsString> = Vec::new();
        if let Some(core) = core {
            argv.extend(["taskset".into(), "-c".into(), core.to_string().into()]);
        }
        match wrapper {
            Wrapper::Plain => {}
            Wrapper::Callgrind(out) => {
                let mut file = OsString::from("--callgrind-out-file=");
                file.push(out);
                argv.extend(["valgrind".into(), "-q".into(), "--tool=callgrind".into(), file]);
                // Extra callgrind options for profiling by hand (e.g. `--dump-instr=yes`).
                if let Some(extra) = std::env::var_os("TCPIO_BENCH_CALLGRIND_ARGS") {
                    argv.extend(extra.to_string_lossy().split_whitespace().map(OsString::from));
                }
            }
            Wrapper::CallgrindCollect(out, pattern) => {
                let mut file = OsString::from("--callgrind-out-file=");
                file.push(out);
                let toggle = OsString::from(format!("--toggle-collect={pattern}"));
                argv.extend(["valgrind".into(), "-q".into(), "--tool=callgrind".into(), file, toggle]);
            }
            Wrapper::Strace(out) => {
                argv.extend(["strace".into(), "-c".into(), "-f".into(), "-o".into()]);
                argv.push(out.into());
            }
        }
        argv.push(exe);
        argv.extend(args.iter().map(OsString::from));
        let mut child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {name} ({:?}): {e}", argv[0]))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or("child has no stdout")?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(ChildProc { name: name.to_string(), child, stdin, lines, reaped: false })
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes `line` and a newline to the child's stdin.
    pub fn send_line(&mut self, line: &str) -> Res<()> {
        use std::io::Write;
        let stdin = self.stdin.as_mut().ok_or("the child's stdin is closed")?;
        writeln!(stdin, "{line}")?;
        stdin.flush()?;
        Ok(())
    }

    /// Waits up to `timeout` for a stdout line starting with `prefix`; returns the rest of it.
    pub fn expect_line(&mut self, prefix: &str, timeout: Duration) -> Res<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => match line.strip_prefix(prefix) {
                    Some(rest) => return Ok(rest.trim().to_string()),
                    None => eprintln!("[{}] {line}", self.name),
                },
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!("{}: no `{prefix}` line within {timeout:?}", self.name).into())
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait()?;
                    self.reaped = true;
                    return Err(format!("{} exited before `{prefix}` ({status})", self.name).into());
                }
            }
        }
    }

    /// Closes the child's stdin (its signal to exit) and waits up to `timeout` for it; kills it
    /// and reports an error if it does not exit in time or exits unsuccessfully.
    pub fn stop(mut self, timeout: Duration) -> Res<ExitStatus> {
        self.stdin.take();
        let status = self.wait_for(timeout)?;
        match status {
            Some(status) if status.success() => Ok(status),
            Some(status) => Err(format!("{} exited with {status}", self.name).into()),
            None => Err(format!("{} did not exit within {timeout:?}; killed", self.name).into()),
        }
    }

    /// Asks the child to exit with SIGTERM (for programs that ignore stdin, like
    /// `redis-server`) and waits up to `timeout`; kills it and reports an error otherwise.
    pub fn terminate(mut self, timeout: Duration) -> Res<ExitStatus> {
        // SAFETY: kill(2) takes no pointers; the pid is our unreaped child, so it cannot have
        // been reused.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        match self.wait_for(timeout)? {
            Some(status) => Ok(status),
            None => Err(format!("{} did not exit within {timeout:?}; killed", self.name).into()),
        }
    }

    /// The child's exit status if it has already exited (then it is reaped), else `None`.
    pub fn exited(&mut self) -> Res<Option<ExitStatus>> {
        let status = self.child.try_wait()?;
        self.reaped |= status.is_some();
        Ok(status)
    }

    /// Waits up to `timeout`; on timeout kills and reaps the child and returns `None`.
    fn wait_for(&mut self, timeout: Duration) -> Res<Option<ExitStatus>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                self.reaped = true;
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                self.child.wait()?;
                self.reaped = true;
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for ChildProc {
    /// Makes sure the child is gone: stdin EOF first, SIGKILL after two seconds.
    fn drop(&mut self) {
        if !self.reaped {
            self.stdin.take();
            let _ = self.wait_for(Duration::from_secs(2));
        }
    }
}
