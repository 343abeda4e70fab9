//! A running server of any kind, started fresh for one measurement: one of this harness's
//! own (`serve-app`, stopped by closing its stdin) or a program a user would otherwise run
//! (`redis-server`, `nginx`: stopped with SIGTERM), pinned and wrapped the same way.

use super::{AppKind, ServerKind};
use crate::proc::{ChildProc, Wrapper};
use crate::Res;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A server started for one measurement.
pub struct Running {
    /// The process (for an external program, the program itself: `taskset` and `valgrind`
    /// exec in place, so its pid is the server's).
    proc: ChildProc,
    /// The port it listens on.
    pub port: u16,
    /// Whether it is an external program (stopped with SIGTERM, not stdin EOF).
    external: bool,
    /// A scratch directory the server owns (configuration, logs), removed after a clean stop.
    dir: Option<PathBuf>,
}

impl Running {
    /// Starts the harness's application server `kind` under `wrapper`, pinned to `core` if
    /// given, and waits for its `LISTENING` line.
    pub fn app(kind: AppKind, wrapper: &Wrapper, core: Option<usize>) -> Res<Running> {
        let s = ServerProc::start_app(kind, wrapper, core)?;
        Ok(Running { proc: s.proc, port: s.port, external: false, dir: None })
    }

    /// Starts external program `program` (named `name` in messages) with `args` under
    /// `wrapper`, pinned to `core` if given, and waits until it accepts on 127.0.0.1:`port`.
    /// `dir`, if given, is the server's scratch directory: its `error.log` is quoted when the
    /// server fails to start, and it is removed after a clean stop.
    pub fn program(
        name: &str,
        program: &Path,
        args: &[&str],
        port: u16,
        dir: Option<PathBuf>,
        wrapper: &Wrapper,
        core: Option<usize>,
    ) -> Res<Running> {
        let mut proc = ChildProc::spawn_program(name, program.as_os_str(), args, wrapper, core)?;
        let limit =
            if matches!(wrapper, Wrapper::Plain) { Duration::from_secs(20) } else { Duration::from_secs(90) };
        let end = Instant::now() + limit;
        let log = || {
            dir.as_ref()
                .and_then(|d| std::fs::read_to_string(d.join("error.log")).ok())
                .map_or(String::new(), |t| format!("; its error log:\n{}", t.trim_end()))
        };
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = proc.exited()? {
                return Err(
                    format!("{name} exited before accepting on port {port} ({status}){}", log()).into()
                );
            }
            if Instant::now() > end {
                return Err(format!("{name} did not accept on port {port} within {limit:?}{}", log()).into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(Running { proc, port, external: true, dir })
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// Stops the server and waits for it (so a profiler writes its output).
    pub fn stop(self, timeout: Duration) -> Res<()> {
        if self.external {
            self.proc.terminate(timeout)?;
        } else {
            self.proc.stop(timeout)?;
        }
        if let Some(dir) = self.dir {
            // Best effort: a leftover scratch directory under /tmp harms nothing.
            let _ = std::fs::remove_dir_all(dir);
        }
        Ok(())
    }
}

/// A running harness server child (`serve` or `serve-app`) and the port it listens on.
pub struct ServerProc {
    /// The child process.
    pub proc: ChildProc,
    /// The port the server announced on its `LISTENING` line.
    pub port: u16,
}

impl ServerProc {
    /// Starts echo server `kind` on an ephemeral port under `wrapper`, pinned to `core` if
    /// given, and waits for its `LISTENING <port>` line.
    pub fn start(kind: ServerKind, wrapper: &Wrapper, core: Option<usize>) -> Res<ServerProc> {
        ServerProc::spawn("serve", kind.name(), wrapper, core)
    }

    /// Starts application server `kind` (see `serve-app`) like [`start`](Self::start).
    pub fn start_app(kind: AppKind, wrapper: &Wrapper, core: Option<usize>) -> Res<ServerProc> {
        ServerProc::spawn("serve-app", kind.name(), wrapper, core)
    }

    /// Runs `tcpio-bench <subcommand> <kind> --port 0` and reads the port it announces.
    fn spawn(subcommand: &str, kind: &str, wrapper: &Wrapper, core: Option<usize>) -> Res<ServerProc> {
        let name = format!("{kind} server");
        let mut proc = ChildProc::spawn(&name, &[subcommand, kind, "--port", "0"], wrapper, core)?;
        let timeout = match wrapper {
            Wrapper::Plain => Duration::from_secs(20),
            _ => Duration::from_secs(90),
        };
        let port = proc.expect_line("LISTENING ", timeout)?;
        let port = port.parse().map_err(|_| format!("{name}: bad port `{port}`"))?;
        Ok(ServerProc { proc, port })
    }

    /// Asks the server to exit and waits (longer under valgrind) for a clean exit.
    pub fn stop(self, timeout: Duration) -> Res<()> {
        self.proc.stop(timeout).map(drop)
    }
}
