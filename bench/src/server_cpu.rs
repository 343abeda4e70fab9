//! A server's CPU time per request over one measurement, split into user space and the
//! kernel, and the bound the kernel's share puts on a ratio of requests per CPU-second.
//!
//! Two servers answering the same clients over loopback make the same system calls per
//! request (a read, a write whose TCP delivery to the client runs in the writer's
//! context, a share of an `epoll_wait`), so their kernel time per request is about the
//! same. Then however little user-space time one of them spends, its requests per
//! CPU-second can be at most the other's total time per request over its kernel time;
//! where its own kernel time per request is higher (a server that keeps up with its
//! clients sleeps between their batches, and each sleep and wake-up costs kernel time),
//! its own kernel time is the tighter bound.

use std::time::Instant;

use crate::proc::cpu_split;
use crate::report::median;
use crate::Res;

/// One measurement of one server.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Requests per second, as the load generator reports them.
    pub rps: f64,
    /// Requests per second of server CPU time (user + system).
    pub per_cpu: f64,
    /// Server CPU time over the run's wall time.
    pub util: f64,
    /// The server's user-space CPU time per request, in µs.
    pub user_us: f64,
    /// The server's kernel CPU time per request, in µs.
    pub sys_us: f64,
}

impl Sample {
    /// Runs `f`, which drives server `pid` and returns its requests per second and the
    /// number of requests it made, and measures the server's CPU time meanwhile.
    pub fn measure(pid: u32, f: impl FnOnce() -> Res<(f64, u64)>) -> Res<Sample> {
        let ((user0, sys0), t0) = (cpu_split(pid)?, Instant::now());
        let (rps, requests) = f()?;
        let (user1, sys1) = cpu_split(pid)?;
        let wall = t0.elapsed().as_secs_f64();
        let (user, sys) = (user1 - user0, sys1 - sys0);
        let n = requests.max(1) as f64;
        Ok(Sample {
            rps,
            per_cpu: n / (user + sys).max(1e-3),
            util: (user + sys) / wall,
            user_us: user / n * 1e6,
            sys_us: sys / n * 1e6,
        })
    }
}

/// The table's headers for [`cells`].
pub const HEADERS: [&str; 2] = ["user µs/req", "sys µs/req"];

/// Median user and kernel time per request of `samples`, as table cells.
pub fn cells(samples: &[Sample]) -> [String; 2] {
    let (user, sys) = medians(samples);
    [format!("{user:.2}"), format!("{sys:.2}")]
}

/// Median user and kernel µs per request.
fn medians(samples: &[Sample]) -> (f64, f64) {
    let m = |f: fn(&Sample) -> f64| median(&samples.iter().map(f).collect::<Vec<_>>());
    (m(|s| s.user_us), m(|s| s.sys_us))
}

/// What the kernel's time allows, as a line for the report under `label`: the ratio of
/// requests per CPU-second against the peer that a server with no user-space time at
/// all would reach, with the peer's kernel time per request and with `server`'s own.
pub fn bound_line(label: &str, peer: (&str, &[Sample]), server: (&str, &[Sample])) -> String {
    let (user, sys) = medians(peer.1);
    let (_, own_sys) = medians(server.1);
    format!(
        "bound {label}: {0} spends {sys:.2} µs per request in the kernel and {user:.2} in user space; \
         with no user-space time at all a server reaches {1:.2} x {0}'s req per srv CPU-s with {0}'s \
         kernel time, {2:.2} x with {3}'s ({own_sys:.2} µs)",
        peer.0,
        (user + sys) / sys.max(1e-9),
        (user + sys) / own_sys.max(1e-9),
        server.0,
    )
}
