//! What every loop's handler shares besides the keyspace: the server's [`Options`],
//! the settings `CONFIG SET` changes, the registries of clients, channels and blocked
//! clients, and the counters `INFO` reports.

use std::sync::atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use std::time::Instant;
use tcpio::ServerControl;

use super::blocking::Blocking;
use super::clients::{Client, Clients};
use super::output_limits::OutputLimits;
use super::pubsub::PubSub;
use super::stats::{Counters, ErrorStats, Rates};
use super::store::DATABASES;

/// Redis's default `maxclients`.
const DEFAULT_MAXCLIENTS: u64 = 10_000;

/// The options of the server, as `redis-server` takes them on its command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// `requirepass`: clients must `AUTH` with it first (none by default).
    pub requirepass: Option<Vec<u8>>,
    /// `timeout`: close a client idle this many seconds (0, the default, never).
    pub timeout: u64,
    /// `maxclients`: most clients connected at once (10000 by default); the next
    /// one is told `-ERR max number of clients reached` and closed.
    pub maxclients: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options { requirepass: None, timeout: 0, maxclients: DEFAULT_MAXCLIENTS }
    }
}

/// What every loop's handler shares besides the keyspace: the settings `CONFIG SET`
/// may change, and the counters `INFO` reports.
#[derive(Debug)]
pub struct Shared {
    /// When the server started.
    pub started: Instant,
    /// The default user's password, if one is required.
    pub requirepass: Mutex<Option<Vec<u8>>>,
    /// Idle timeout of new connections in seconds, 0 for none; changed with
    /// [`set_timeout`](Self::set_timeout), which open connections follow.
    pub(crate) timeout: AtomicU64,
    /// Most clients at once.
    pub maxclients: AtomicU64,
    /// Clients connected now.
    pub clients: AtomicUsize,
    /// Connections accepted (and not refused) since the start (or `CONFIG RESETSTAT`).
    pub connections: AtomicU64,
    /// Connections refused for `maxclients`.
    pub rejected: AtomicU64,
    /// Each loop's command counters, which only that loop writes (so counting costs
    /// no contended cache line); `INFO` adds them up.
    loops: Mutex<Vec<Arc<Counters>>>,
    /// The next connection's number.
    pub(crate) next_id: AtomicU64,
    /// Every channel and pattern with subscribers, on every loop.
    pub pubsub: PubSub,
    /// `client-output-buffer-limit`, per class of client.
    output_limits: Mutex<OutputLimits>,
    /// Bumped by each change of a setting open connections apply to themselves (the
    /// output limits, the timeout), which they do when they next send something: one
    /// load a batch tells them whether to look.
    pub(crate) settings_version: AtomicU64,
    /// Every client blocked on a list, on every loop: a registry per database.
    pub blocking: Box<[Blocking]>,
    /// Every open connection, on every loop (`CLIENT LIST`, `CLIENT KILL`).
    pub registry: Clients,
    /// Error replies by kind (`INFO errorstats`).
    pub errors: ErrorStats,
    /// Commands and bytes per second, sampled (`INFO stats`).
    pub rates: Rates,
    /// The server's own counters (bytes in and out), once a connection has opened.
    pub server: OnceLock<ServerControl>,
    /// The Unix time the server started at, in milliseconds.
    pub started_unix_ms: u64,
    /// This run's random id (`INFO server`'s `run_id`).
    pub run_id: String,
    /// The replication id `INFO replication` reports (a master with no replicas).
    pub replid: String,
    /// The TCP port it listens on (`tcp_port`), 0 if unknown or none.
    pub port: AtomicU16,
    /// Clients blocked with a timeout (`clients_in_timeout_table`).
    pub timed_blocked: AtomicUsize,
    /// What the counters read at the last `CONFIG RESETSTAT` (commands, hits, misses,
    /// bytes in, bytes out): the figures count from there.
    stats_base: Mutex<[u64; 5]>,
}

/// 40 random hex digits, as Redis's run and replication ids.
fn random_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    (0..3)
        .map(|_| format!("{:016x}", std::collections::hash_map::RandomState::new().build_hasher().finish()))
        .collect::<String>()[..40]
        .to_string()
}

impl Shared {
    /// The shared state of a server started with `options`.
    pub fn new(options: &Options) -> Shared {
        Shared {
            started: Instant::now(),
            requirepass: Mutex::new(options.requirepass.clone()),
            timeout: AtomicU64::new(options.timeout),
            maxclients: AtomicU64::new(options.maxclients),
            clients: AtomicUsize::new(0),
            connections: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            loops: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
            pubsub: PubSub::new(),
            output_limits: Mutex::new(OutputLimits::default()),
            settings_version: AtomicU64::new(1),
            blocking: (0..DATABASES).map(|_| Blocking::new()).collect(),
            registry: Clients::new(),
            errors: ErrorStats::default(),
            rates: Rates::new(0),
            server: OnceLock::new(),
            started_unix_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            run_id: random_id(),
            replid: random_id(),
            port: AtomicU16::new(0),
            timed_blocked: AtomicUsize::new(0),
            stats_base: Mutex::new([0; 5]),
        }
    }

    /// The output limits of each class of client.
    pub fn output_limits(&self) -> OutputLimits {
        *self.output_limits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets the idle timeout in seconds, 0 for none (`CONFIG SET timeout`): for the
    /// connections that open from now on, and those open when they next send
    /// something.
    pub fn set_timeout(&self, seconds: u64) {
        self.timeout.store(seconds, Ordering::Relaxed);
        self.settings_version.fetch_add(1, Ordering::Release);
    }

    /// Sets the output limits (`CONFIG SET client-output-buffer-limit`); open
    /// connections take them when they next run a command.
    pub fn set_output_limits(&self, limits: OutputLimits) {
        *self.output_limits.lock().unwrap_or_else(|e| e.into_inner()) = limits;
        self.settings_version.fetch_add(1, Ordering::Release);
    }

    /// Takes `client` out of the registry and of the connected clients, once (its
    /// close and a `CLIENT KILL` both try); returns whether this call did.
    pub fn forget(&self, client: &Client) -> bool {
        let did = self.registry.remove(client);
        if did {
            self.clients.fetch_sub(1, Ordering::Relaxed);
        }
        did
    }

    /// Forgets `client` and closes its connection, from any loop; returns whether
    /// this call did.
    pub fn kill(&self, client: &Client) -> bool {
        let did = self.registry.kill(client);
        if did {
            self.clients.fetch_sub(1, Ordering::Relaxed);
        }
        did
    }

    /// Zeroes the counters (`CONFIG RESETSTAT`).
    pub fn reset_stats(&self) {
        for c in [&self.connections, &self.rejected] {
            c.store(0, Ordering::Relaxed);
        }
        // Each loop's counters only ever grow (only their loop writes them): the
        // reset is a new base that the figures count from.
        let (commands, hits, misses) = self.raw_totals();
        let (bytes_in, bytes_out) = self.raw_net_bytes();
        *self.stats_base.lock().unwrap_or_else(|e| e.into_inner()) =
            [commands, hits, misses, bytes_in, bytes_out];
        self.errors.reset();
        self.rates.reset();
    }

    /// The registry of the clients blocked in database `db` (which exists).
    #[inline]
    pub fn blocking(&self, db: usize) -> &Blocking {
        &self.blocking[db]
    }

    /// Clients blocked now, in every database.
    pub fn blocked(&self) -> usize {
        self.blocking.iter().map(Blocking::blocked).sum()
    }

    /// Counters for one more loop.
    pub(crate) fn add_loop(&self) -> Arc<Counters> {
        let counters = Arc::new(Counters::default());
        self.loops.lock().unwrap_or_else(|e| e.into_inner()).push(counters.clone());
        counters
    }

    /// Commands run, keys found and keys missed, over every loop, since the start or
    /// the last `CONFIG RESETSTAT`.
    pub fn totals(&self) -> (u64, u64, u64) {
        let (c, h, m) = self.raw_totals();
        let base = *self.stats_base.lock().unwrap_or_else(|e| e.into_inner());
        (c.saturating_sub(base[0]), h.saturating_sub(base[1]), m.saturating_sub(base[2]))
    }

    /// Bytes read from clients and written to them, since the start or the last
    /// `CONFIG RESETSTAT`.
    pub fn net_bytes(&self) -> (u64, u64) {
        let (i, o) = self.raw_net_bytes();
        let base = *self.stats_base.lock().unwrap_or_else(|e| e.into_inner());
        (i.saturating_sub(base[3]), o.saturating_sub(base[4]))
    }

    /// [`totals`](Self::totals) since the start.
    pub(crate) fn raw_totals(&self) -> (u64, u64, u64) {
        self.loops.lock().unwrap_or_else(|e| e.into_inner()).iter().fold((0, 0, 0), |(c, h, m), l| {
            let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
            (c + get(&l.commands), h + get(&l.hits), m + get(&l.misses))
        })
    }

    /// [`net_bytes`](Self::net_bytes) since the start (tcpio's counts).
    pub(crate) fn raw_net_bytes(&self) -> (u64, u64) {
        self.server.get().map_or((0, 0), |s| {
            let total = s.stats().total;
            (total.bytes_in, total.bytes_out)
        })
    }
}
