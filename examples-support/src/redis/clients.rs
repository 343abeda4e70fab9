//! The client registry every loop shares: one entry per open connection, whichever
//! loop serves it, with what `CLIENT LIST` reports and the handle `CLIENT KILL` closes
//! it through.
//!
//! An entry is written by its connection's own loop only, and cheaply: once per batch
//! of requests (the last command, the time, the input left over) with relaxed stores
//! to a cache line no other loop writes, and on the rare changes (a name, a
//! subscription). Other loops only read it, when a client asks for the list.
//!
//! A connection leaves the registry once: when it closes, or when `CLIENT KILL` picks
//! it (before its loop has closed it, so a `CLIENT LIST` right after the kill no
//! longer shows it, as with Redis, which frees a killed client at once).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tcpio::{Addr, ConnHandle};

/// No command yet (or an unknown one): `cmd=NULL`.
pub const NO_CMD: u16 = u16::MAX;

/// A client's type, as `CLIENT LIST TYPE` and `CLIENT KILL TYPE` name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An ordinary client.
    Normal,
    /// A replica (none here).
    Replica,
    /// A client in subscribed mode.
    Pubsub,
    /// A master (none here).
    Master,
}

impl Kind {
    /// The type called `name` (any case; `slave` is `replica`), as Redis reads it.
    pub fn parse(name: &[u8]) -> Option<Kind> {
        let lower = name.to_ascii_lowercase();
        Some(match &lower[..] {
            b"normal" => Kind::Normal,
            b"slave" | b"replica" => Kind::Replica,
            b"pubsub" => Kind::Pubsub,
            b"master" => Kind::Master,
            _ => return None,
        })
    }
}

/// One connection, as the registry knows it.
#[derive(Debug)]
pub struct Client {
    /// Its number (`CLIENT ID`).
    pub id: u64,
    /// Its connection, to close it from any loop; `None` for a session outside a
    /// server (the tests', the benchmark's clone).
    handle: Option<ConnHandle>,
    /// The peer, as Redis writes it (`ip:port`, `[ipv6]:port`, `path:0`).
    pub addr: String,
    /// The local address it reached, written the same way.
    pub laddr: String,
    /// When it opened.
    opened: Instant,
    /// Its name (`CLIENT SETNAME`), empty for none.
    name: Mutex<Vec<u8>>,
    /// Milliseconds since the server started, at its last request batch.
    last_active: AtomicU64,
    /// Its last command's code ([`NO_CMD`], or an index into the command table).
    last_cmd: AtomicU32,
    /// Input bytes left unprocessed after its last batch (a request cut short).
    qbuf: AtomicU64,
    /// Channels it is subscribed to.
    sub: AtomicU32,
    /// Patterns it is subscribed to.
    psub: AtomicU32,
    /// Whether it waits in a blocking command (flag `b`).
    blocked: AtomicBool,
    /// Whether it speaks RESP3 (`resp=3`).
    resp3: AtomicBool,
    /// The database it works in (`db=`).
    db: AtomicU32,
    /// Whether it has left the registry (closed or killed).
    gone: AtomicBool,
}

impl Default for Client {
    fn default() -> Client {
        Client::new(0, None, String::new(), String::new(), 0)
    }
}

/// An address as Redis writes a client's: `ip:port` (IPv6 in brackets), a unix
/// socket as `path:0`.
pub fn format_addr(addr: &Addr) -> String {
    match addr {
        Addr::Ip(a) => a.to_string(),
        Addr::Unix(path) => format!("{}:0", path.display()),
        Addr::Unnamed => ":0".to_string(),
    }
}

impl Client {
    /// An entry for connection `id`, active at `now_ms` (milliseconds since the
    /// server started).
    pub fn new(id: u64, handle: Option<ConnHandle>, addr: String, laddr: String, now_ms: u64) -> Client {
        Client {
            id,
            handle,
            addr,
            laddr,
            opened: Instant::now(),
            name: Mutex::new(Vec::new()),
            last_active: AtomicU64::new(now_ms),
            last_cmd: AtomicU32::new(u32::from(NO_CMD)),
            qbuf: AtomicU64::new(0),
            sub: AtomicU32::new(0),
            psub: AtomicU32::new(0),
            blocked: AtomicBool::new(false),
            resp3: AtomicBool::new(false),
            db: AtomicU32::new(0),
            gone: AtomicBool::new(false),
        }
    }

    /// Records a batch of requests: when it ran, its last command, the input it left.
    /// Called by the connection's loop once per batch; three relaxed stores.
    #[inline]
    pub fn record(&self, now_ms: u64, last_cmd: u16, qbuf: usize) {
        self.last_active.store(now_ms, Ordering::Relaxed);
        self.last_cmd.store(u32::from(last_cmd), Ordering::Relaxed);
        self.qbuf.store(qbuf as u64, Ordering::Relaxed);
    }

    /// Milliseconds since the server started, at its last batch.
    pub fn last_active(&self) -> u64 {
        self.last_active.load(Ordering::Relaxed)
    }

    /// Its last command's code, as [`record`](Self::record) got it.
    pub fn last_cmd(&self) -> u16 {
        self.last_cmd.load(Ordering::Relaxed) as u16
    }

    /// Input left unprocessed after its last batch.
    pub fn qbuf(&self) -> u64 {
        self.qbuf.load(Ordering::Relaxed)
    }

    /// Seconds since it opened.
    pub fn age(&self) -> u64 {
        self.opened.elapsed().as_secs()
    }

    /// Its name, empty for none.
    pub fn name(&self) -> Vec<u8> {
        self.name.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Names it (empty: no name).
    pub fn set_name(&self, name: &[u8]) {
        let mut n = self.name.lock().unwrap_or_else(|e| e.into_inner());
        n.clear();
        n.extend_from_slice(name);
    }

    /// Records its subscription counts (channels, patterns).
    pub fn set_subscriptions(&self, channels: usize, patterns: usize) {
        self.sub.store(channels as u32, Ordering::Relaxed);
        self.psub.store(patterns as u32, Ordering::Relaxed);
    }

    /// Channels and patterns it is subscribed to.
    pub fn subscriptions(&self) -> (u32, u32) {
        (self.sub.load(Ordering::Relaxed), self.psub.load(Ordering::Relaxed))
    }

    /// Marks it as waiting in a blocking command (or no longer), shown as flag `b` by
    /// `CLIENT LIST`.
    pub fn set_blocked(&self, blocked: bool) {
        self.blocked.store(blocked, Ordering::Relaxed);
    }

    /// Whether it waits in a blocking command.
    pub fn blocked(&self) -> bool {
        self.blocked.load(Ordering::Relaxed)
    }

    /// Records the database it works in (`SELECT`).
    pub fn set_db(&self, db: usize) {
        self.db.store(db as u32, Ordering::Relaxed);
    }

    /// The database it works in.
    pub fn db(&self) -> u32 {
        self.db.load(Ordering::Relaxed)
    }

    /// Records the protocol it speaks: RESP3 or RESP2.
    pub fn set_resp3(&self, resp3: bool) {
        self.resp3.store(resp3, Ordering::Relaxed);
    }

    /// Whether it speaks RESP3.
    pub fn resp3(&self) -> bool {
        self.resp3.load(Ordering::Relaxed)
    }

    /// Its type: pub/sub while subscribed to anything over RESP2 (a RESP3 subscriber
    /// may run any command, and Redis counts it as normal), normal otherwise.
    pub fn kind(&self) -> Kind {
        let (s, p) = self.subscriptions();
        if s + p > 0 && !self.resp3() {
            Kind::Pubsub
        } else {
            Kind::Normal
        }
    }

    /// Bytes queued for the peer, as its loop last published them.
    pub fn output_queued(&self) -> usize {
        self.handle.as_ref().map_or(0, ConnHandle::queued)
    }

    /// Its loop, 0 outside a server.
    pub fn loop_id(&self) -> usize {
        self.handle.as_ref().map_or(0, ConnHandle::loop_id)
    }

    /// The tcpio id of its connection ([`tcpio::Conn::id`]), if it has one.
    pub fn conn_id(&self) -> Option<u64> {
        self.handle.as_ref().map(ConnHandle::id)
    }
}

/// Every open connection, by id.
#[derive(Debug, Default)]
pub struct Clients {
    map: Mutex<BTreeMap<u64, Arc<Client>>>,
}

impl Clients {
    /// An empty registry.
    pub fn new() -> Clients {
        Clients::default()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<Client>>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds an open connection.
    pub fn add(&self, client: Arc<Client>) {
        self.lock().insert(client.id, client);
    }

    /// Takes `client` out, once: returns whether this call did (a kill and the close
    /// that follows it both try).
    pub fn remove(&self, client: &Client) -> bool {
        if client.gone.swap(true, Ordering::AcqRel) {
            return false;
        }
        self.lock().remove(&client.id);
        true
    }

    /// Takes `client` out and closes its connection, from any loop (its own loop
    /// closes it once the replies queued so far are written). Returns whether this
    /// call did.
    pub fn kill(&self, client: &Client) -> bool {
        if !self.remove(client) {
            return false;
        }
        if let Some(h) = &client.handle {
            let _ = h.close();
        }
        true
    }

    /// Every open connection, by id.
    pub fn all(&self) -> Vec<Arc<Client>> {
        self.lock().values().cloned().collect()
    }

    /// The connection numbered `id`, if open.
    pub fn get(&self, id: u64) -> Option<Arc<Client>> {
        self.lock().get(&id).cloned()
    }

    /// How many are open.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Client, Clients, Kind};

    #[test]
    fn entries_leave_once_and_report_their_state() {
        let reg = Clients::new();
        let a = Arc::new(Client::new(1, None, "127.0.0.1:5".into(), "127.0.0.1:6".into(), 0));
        let b = Arc::new(Client::new(2, None, "127.0.0.1:7".into(), "127.0.0.1:6".into(), 0));
        reg.add(a.clone());
        reg.add(b.clone());
        assert_eq!(reg.all().iter().map(|c| c.id).collect::<Vec<_>>(), [1, 2]);
        b.set_subscriptions(1, 2);
        assert_eq!(b.kind(), Kind::Pubsub);
        assert_eq!(a.kind(), Kind::Normal);
        a.set_name(b"x");
        assert_eq!(a.name(), b"x");
        a.record(10, 3, 4);
        assert_eq!((a.last_active(), a.last_cmd(), a.qbuf()), (10, 3, 4));
        assert!(reg.kill(&a));
        assert!(!reg.remove(&a));
        assert!(reg.get(1).is_none());
        assert_eq!(reg.len(), 1);
        assert!(reg.remove(&b));
        assert!(reg.is_empty());
        assert_eq!(Kind::parse(b"SLAVE"), Some(Kind::Replica));
        assert_eq!(Kind::parse(b"x"), None);
    }
}
