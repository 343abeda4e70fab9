//! What every loop's handler shares besides the keyspace: the server's [`Options`],
//! the settings `CONFIG SET` changes, the registries of clients, channels and blocked
//! clients, and the counters `INFO` reports.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::blocking::Blocking;
use super::clients::{Client, Clients};
use super::commands::Session;
use super::output_limits::OutputLimits;
use super::pubsub::PubSub;

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
    /// Idle timeout of new connections in seconds, 0 for none.
    pub timeout: AtomicU64,
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
    /// Bumped by each change of `output_limits`, which connections apply when they
    /// next run a command.
    pub(crate) limits_version: AtomicU64,
    /// Every client blocked on a list, on every loop.
    pub blocking: Blocking,
    /// Every open connection, on every loop (`CLIENT LIST`, `CLIENT KILL`).
    pub registry: Clients,
}

/// One loop's counts of commands run and of keys found and missed by read lookups.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    commands: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Counters {
    /// Adds a connection's counts since the last call, and zeroes them. Only the
    /// counters' own loop calls this, so a load and a store do (no locked add).
    pub(crate) fn settle(&self, session: &mut Session) {
        for (c, n) in [
            (&self.commands, &mut session.commands),
            (&self.hits, &mut session.hits),
            (&self.misses, &mut session.misses),
        ] {
            if *n > 0 {
                c.store(c.load(Ordering::Relaxed) + std::mem::take(n), Ordering::Relaxed);
            }
        }
    }
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
            limits_version: AtomicU64::new(0),
            blocking: Blocking::new(),
            registry: Clients::new(),
        }
    }

    /// The output limits of each class of client.
    pub fn output_limits(&self) -> OutputLimits {
        *self.output_limits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets the output limits (`CONFIG SET client-output-buffer-limit`); open
    /// connections take them when they next run a command.
    pub fn set_output_limits(&self, limits: OutputLimits) {
        *self.output_limits.lock().unwrap_or_else(|e| e.into_inner()) = limits;
        self.limits_version.fetch_add(1, Ordering::Release);
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
        for l in self.loops.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            for c in [&l.commands, &l.hits, &l.misses] {
                c.store(0, Ordering::Relaxed);
            }
        }
    }

    /// Counters for one more loop.
    pub(crate) fn add_loop(&self) -> Arc<Counters> {
        let counters = Arc::new(Counters::default());
        self.loops.lock().unwrap_or_else(|e| e.into_inner()).push(counters.clone());
        counters
    }

    /// Commands run, keys found and keys missed, over every loop (what connections
    /// have not settled yet aside).
    pub fn totals(&self) -> (u64, u64, u64) {
        self.loops.lock().unwrap_or_else(|e| e.into_inner()).iter().fold((0, 0, 0), |(c, h, m), l| {
            let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
            (c + get(&l.commands), h + get(&l.hits), m + get(&l.misses))
        })
    }
}
