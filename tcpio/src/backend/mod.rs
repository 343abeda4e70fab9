//! The only code that talks to the kernel about readiness.
//!
//! # The contract every backend meets
//!
//! The engine above this module is backend-agnostic. A backend gives each event loop:
//!
//! 1. **Registration.** A source (listener or connection) is registered once, with a
//!    [`Token`] the engine chooses, for both read and write readiness, edge-triggered.
//!    Interest never changes afterwards, so no system call is spent re-arming a
//!    connection when its output backs up or drains.
//! 2. **Waiting.** [`Poller::wait`] blocks until at least one event, a wake-up or the
//!    timeout, then exposes the batch as [`Readiness`] values. Events may be spurious:
//!    the engine treats readiness as a hint and stops at `WouldBlock` or a short read.
//! 3. **Waking.** [`Poller::waker`] returns a handle any thread may use to end a wait
//!    early; it reports under the reserved [`WAKER`] token.
//! 4. **Clean-up.** Dropping a registered socket closes its descriptor, which removes it
//!    from the poller; only a socket that outlives its loop (a detached connection)
//!    needs [`Poller::deregister`].
//!
//! A completion backend (io_uring) meets the same contract from the other side: instead
//! of readiness it reports finished reads (bytes already in a registered buffer) and
//! finished writes (bytes taken); the engine's connection logic is already split into
//! "input arrived" and "output accepted" steps for it (see `docs/ARCHITECTURE.md`).
//!
//! `mio` wraps `epoll` (Linux) and `kqueue` (macOS, BSD), and on Linux the wait goes
//! through `rustix`'s safe `epoll_pwait` on mio's descriptor. The crate's only `unsafe`
//! is in [`socket_queue`]: the `SIOCOUTQ` ioctl a closing connection uses to know its
//! output was acknowledged.

mod mio_poller;
pub(crate) mod socket_queue;

pub(crate) use mio::Token;
pub(crate) use mio_poller::{Events, LoopWaker as Waker, Poller, Readiness, WAKER};
