//! Reaching a connection from another thread: [`ConnHandle`].
//!
//! A handle is made on the connection's own loop ([`Conn::handle`](crate::Conn::handle))
//! and can then be cloned and moved anywhere. Its calls become commands in the owning
//! loop's mailbox; a burst of them costs one wake-up. The loop checks each command's
//! connection id, so a command for a connection that has since closed never reaches
//! the connection that reuses its slot.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use super::mailbox::Command;
use super::shared::Shared;
use super::token::Target;

/// Why a [`ConnHandle`] call did not go through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// The connection has closed (or is closing); nothing more reaches it.
    Closed,
    /// The bytes would take the connection's output past its hard cap
    /// ([`Builder::max_output`](crate::Builder::max_output)), counting both what the
    /// loop holds for the peer ([`ConnHandle::queued`]) and what earlier sends still
    /// have in flight to the loop ([`ConnHandle::in_flight`]). Nothing was queued.
    ///
    /// So `Full` has two causes: a peer that is not reading (`queued` near the cap,
    /// and staying there), or a sender outrunning the loop (`queued` low, `in_flight`
    /// high: a burst the loop has not taken in yet, which clears within a pass or
    /// two). A server that drops slow consumers should look at `queued` before
    /// dropping; one that must not lose the message retries once `in_flight` has
    /// fallen.
    Full,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendError::Closed => "the connection is closed",
            SendError::Full => "the connection's output queue is full",
        })
    }
}

impl std::error::Error for SendError {}

/// What a connection and its handles share: made on the first
/// [`Conn::handle`](crate::Conn::handle) call, so connections without handles pay
/// nothing.
#[derive(Debug)]
pub(crate) struct HandleShared {
    shared: Arc<Shared>,
    loop_id: usize,
    target: Target,
    max_output: usize,
    /// Set by the loop when the connection starts closing.
    pub(crate) closed: AtomicBool,
    /// A wake is queued and not yet delivered: later wakes join it (one mailbox entry
    /// per connection however often a thread wakes it).
    pub(crate) wake_queued: AtomicBool,
    /// A close is queued: later closes have nothing to add.
    close_queued: AtomicBool,
    /// Two counts in one word, so that checking against the cap and moving bytes from
    /// one to the other are each a single atomic step: the connection's queued output
    /// as its loop last published it (high half) and the bytes sent through handles
    /// that the loop has not taken in yet (low half). Both saturate at 4 GiB.
    account: AtomicU64,
}

const LOW: u64 = u32::MAX as u64;

fn pack(queued: u64, in_flight: u64) -> u64 {
    (queued.min(LOW) << 32) | in_flight.min(LOW)
}

impl HandleShared {
    /// `closed`: the connection is already leaving (a handle first made in `on_close`).
    pub(crate) fn new(
        shared: Arc<Shared>,
        loop_id: usize,
        target: Target,
        max_output: usize,
        closed: bool,
    ) -> Self {
        HandleShared {
            shared,
            loop_id,
            target,
            max_output,
            closed: AtomicBool::new(closed),
            wake_queued: AtomicBool::new(false),
            close_queued: AtomicBool::new(false),
            account: AtomicU64::new(0),
        }
    }

    /// Reserves `len` bytes in flight if queued + in flight + `len` stays within the
    /// cap; false (nothing reserved) otherwise.
    fn reserve(&self, len: usize) -> bool {
        let len = len as u64;
        self.account
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                let (q, f) = (s >> 32, s & LOW);
                (q + f + len <= self.max_output as u64).then(|| pack(q, f + len))
            })
            .is_ok()
    }

    /// The loop took `len` bytes in flight into a queue now `queued` long: one step,
    /// so a sender never sees the bytes in neither count.
    pub(crate) fn arrived(&self, len: usize, queued: usize) {
        let _ = self.account.fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
            Some(pack(queued as u64, (s & LOW).saturating_sub(len as u64)))
        });
    }

    /// Publishes the queue's length after it moved.
    pub(crate) fn publish(&self, queued: usize) {
        let _ = self
            .account
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| Some(pack(queued as u64, s & LOW)));
    }

    /// Gives back a reservation that never reached the loop.
    fn unreserve(&self, len: usize) {
        let _ = self.account.fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
            Some(pack(s >> 32, (s & LOW).saturating_sub(len as u64)))
        });
    }
}

/// A connection, reachable from any thread: `Send + Sync`, and cloning it is one
/// reference-count increment.
///
/// ```
/// use std::io::Read;
/// use std::sync::mpsc::{channel, Sender};
/// use std::sync::Mutex;
/// use tcpio::{Action, Conn, ConnHandle, Handler, Input, Server};
///
/// /// Hands each new connection to a worker thread that pushes data to it.
/// struct Feed(Sender<ConnHandle>);
///
/// impl Handler for Feed {
///     type State = ();
///     fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
///         let _ = self.0.send(conn.handle());
///         Action::Continue
///     }
///     fn on_data(&mut self, _conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
///         input.consume_all();
///         Action::Continue
///     }
/// }
///
/// let (tx, rx) = channel::<ConnHandle>();
/// let tx = Mutex::new(tx);
/// let server = Server::builder()
///     .bind("127.0.0.1:0")?
///     .loops(1)
///     .start(move |_| Feed(tx.lock().unwrap().clone()))?;
/// // The worker: pushes to each connection it is handed, from its own thread.
/// let worker = std::thread::spawn(move || {
///     for h in rx {
///         if h.send(b"tick\n").is_err() {
///             // closed, or the peer is not keeping up
///         }
///     }
/// });
/// let addr = server.local_addrs()[0].as_ip().unwrap();
/// let mut client = std::net::TcpStream::connect(addr).unwrap();
/// let mut tick = [0; 5];
/// client.read_exact(&mut tick).unwrap();
/// assert_eq!(&tick, b"tick\n");
/// drop(client);
/// drop(server); // stops gracefully; the worker's channel closes with the handlers
/// worker.join().unwrap();
/// # Ok::<(), tcpio::Error>(())
/// ```
#[derive(Clone)]
pub struct ConnHandle {
    pub(crate) inner: Arc<HandleShared>,
}

impl fmt::Debug for ConnHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnHandle")
            .field("id", &self.inner.target.id)
            .field("loop_id", &self.inner.loop_id)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl ConnHandle {
    /// The connection's id, as [`Conn::id`](crate::Conn::id).
    pub fn id(&self) -> u64 {
        self.inner.target.id
    }

    /// The loop that owns the connection.
    pub fn loop_id(&self) -> usize {
        self.inner.loop_id
    }

    /// Whether the connection has closed or started closing. Once true it stays true.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    /// Output the loop holds for the peer, as the loop last published it (after each
    /// flush): what a peer that is not reading lets pile up.
    pub fn queued(&self) -> usize {
        (self.inner.account.load(Ordering::Acquire) >> 32) as usize
    }

    /// Bytes sent through handles that the loop has not taken in yet: high while a
    /// burst of sends outruns the loop, back to zero once it has caught up.
    pub fn in_flight(&self) -> usize {
        (self.inner.account.load(Ordering::Acquire) & LOW) as usize
    }

    /// Queues a command on the connection's loop; `Closed` once the connection is
    /// closing or its loop has exited.
    fn post(&self, cmd: Command) -> Result<(), SendError> {
        if self.is_closed() {
            return Err(SendError::Closed);
        }
        self.inner.shared.loops[self.inner.loop_id].send(cmd).map_err(|_| SendError::Closed)
    }

    /// Queues bytes for the peer. They go out in order with the connection's other
    /// output, count towards its high-water mark and hard cap, and leave in one write
    /// with whatever else the loop queues for it in the same pass.
    ///
    /// Ordering: bytes sent through a handle reach the loop through its mailbox, which
    /// it reads between callbacks, so they always follow what the connection's own
    /// callback in progress writes with [`Conn::write`](crate::Conn::write), even when
    /// that callback made the `send` before its writes. Sends from one thread keep
    /// their order; sends from several threads are in the order the mailbox took them.
    ///
    /// Returns [`SendError::Full`] (queuing nothing) when the connection's queued and
    /// in-flight output would pass the hard cap, and [`SendError::Closed`] once the
    /// connection is closing. `Ok` means the loop will take the bytes unless the
    /// connection closes first.
    pub fn send(&self, data: impl Into<Vec<u8>>) -> Result<(), SendError> {
        let data = data.into();
        if self.is_closed() {
            return Err(SendError::Closed);
        }
        let len = data.len();
        if len == 0 {
            return Ok(()); // nothing to queue: no mailbox entry either
        }
        let inner = &self.inner;
        if !inner.reserve(len) {
            return Err(SendError::Full);
        }
        self.post(Command::Send(inner.target, data)).inspect_err(|_| inner.unreserve(len))
    }

    /// Closes the connection after flushing what is queued (as
    /// [`Action::Close`](crate::Action::Close)).
    ///
    /// Repeated closes cost nothing more: the first one is queued, the rest join it.
    pub fn close(&self) -> Result<(), SendError> {
        if self.is_closed() {
            return Err(SendError::Closed);
        }
        if self.inner.close_queued.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        self.post(Command::Close(self.inner.target))
    }

    /// Calls [`Handler::on_wake`](crate::Handler::on_wake) for the connection on its
    /// loop. Wakes that arrive before the loop delivers the last one join it: a burst
    /// of wakes is one call (and one mailbox entry), so waking costs no memory however
    /// often it is done. A wake for a connection that closes first is dropped.
    pub fn wake(&self) -> Result<(), SendError> {
        if self.is_closed() {
            return Err(SendError::Closed);
        }
        if self.inner.wake_queued.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        self.post(Command::Wake(self.inner.target)).inspect_err(|_| {
            self.inner.wake_queued.store(false, Ordering::Release);
        })
    }
}
