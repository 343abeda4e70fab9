//! The readiness backend on `mio`: epoll on Linux, kqueue on macOS and the BSDs.
//!
//! `mio` registers every source and owns the poller and the waker. On Linux the wait
//! itself is one `epoll_pwait` system call made through `rustix` on mio's epoll
//! descriptor: glibc's `epoll_wait` is a thread-cancellation point, and its wrapper
//! and mio's cost ~55 instructions per wait against ~22 for this one (with one busy
//! connection, that is per message). The events read are the kernel's `epoll_event`s,
//! decoded below exactly as `mio` decodes them.

use std::io;
use std::time::Duration;

use mio::event::Source;
use mio::{Interest, Poll, Token, Waker};

/// Token of the loop's waker. Connection tokens never reach it (see the engine's
/// token layout), nor do listener tokens, which count down from just below it.
pub(crate) const WAKER: Token = Token(usize::MAX);

/// Ends a loop's wait from any thread; the loop sees an event under [`WAKER`].
#[derive(Debug)]
pub(crate) struct LoopWaker(Waker);

impl LoopWaker {
    /// Wakes the loop (a write to an eventfd on Linux).
    pub(crate) fn wake(&self) -> io::Result<()> {
        self.0.wake()
    }
}

/// One event loop's poller.
#[derive(Debug)]
pub(crate) struct Poller {
    poll: Poll,
}

/// A batch of events, owned by the loop so it can iterate them while it mutates
/// everything else; [`Readiness::of`] reads each in place, without a copy of the batch.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) struct Events {
    list: Vec<epoll::Event>,
}

#[cfg(any(target_os = "linux", target_os = "android"))]
use rustix::event::epoll;

#[cfg(any(target_os = "linux", target_os = "android"))]
impl Events {
    /// Room for `n` events per wait (the loop's batch has 1,024; a batch of 0 is only
    /// a placeholder, never waited on).
    pub(crate) fn with_capacity(n: usize) -> Events {
        Events { list: Vec::with_capacity(n) }
    }

    /// The events of the last wait.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &epoll::Event> {
        self.list.iter()
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events").field("len", &self.list.len()).finish()
    }
}

/// A batch of events (see the Linux definition).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) type Events = mio::Events;

/// What one event says about a source, reduced to what the loop acts on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Readiness {
    pub(crate) token: Token,
    /// Worth a read: input, the peer's FIN or hang-up, or a pending error (which the
    /// read then reports).
    pub(crate) read: bool,
    /// Worth a write: room in the send buffer, or a pending error.
    pub(crate) write: bool,
    /// The peer has shut down its write side (EPOLLRDHUP) or the socket hung up.
    pub(crate) read_closed: bool,
}

impl Poller {
    /// A poller.
    pub(crate) fn new() -> io::Result<Poller> {
        Ok(Poller { poll: Poll::new()? })
    }

    /// A waker that ends this poller's wait from any thread.
    pub(crate) fn waker(&self) -> io::Result<LoopWaker> {
        Ok(LoopWaker(Waker::new(self.poll.registry(), WAKER)?))
    }

    /// Registers for read and write readiness, edge-triggered, for the source's life.
    pub(crate) fn register<S: Source + ?Sized>(&self, src: &mut S, token: Token) -> io::Result<()> {
        self.poll.registry().register(src, token, Interest::READABLE | Interest::WRITABLE)
    }

    /// Registers a listener for read readiness only.
    pub(crate) fn register_listener<S: Source + ?Sized>(&self, src: &mut S, token: Token) -> io::Result<()> {
        self.poll.registry().register(src, token, Interest::READABLE)
    }

    /// Removes a source that will outlive its registration (a detached socket).
    pub(crate) fn deregister<S: Source + ?Sized>(&self, src: &mut S) -> io::Result<()> {
        self.poll.registry().deregister(src)
    }

    /// Waits for events into `events`; `EINTR` counts as a wait with no events.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn wait(&mut self, timeout: Option<Duration>, events: &mut Events) -> io::Result<()> {
        use std::os::fd::AsFd;
        // The loop recomputes its timeout every pass, so a long one is clamped to an
        // hour: it stays within `epoll_pwait`'s milliseconds (rustix rounds up, so a
        // sub-millisecond timer never becomes a busy zero-timeout wait).
        const MAX_WAIT: Duration = Duration::from_secs(3600);
        let ts = timeout.map(|t| {
            let t = t.min(MAX_WAIT);
            rustix::event::Timespec { tv_sec: t.as_secs() as i64, tv_nsec: i64::from(t.subsec_nanos()) }
        });
        events.list.clear();
        let fd = self.poll.registry().as_fd();
        match epoll::wait(fd, rustix::buffer::spare_capacity(&mut events.list), ts.as_ref()) {
            Ok(_) => Ok(()),
            Err(rustix::io::Errno::INTR) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Waits for events into `events`; `EINTR` counts as a wait with no events.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) fn wait(&mut self, timeout: Option<Duration>, events: &mut Events) -> io::Result<()> {
        match self.poll.poll(events, timeout) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                events.clear();
                Ok(())
            }
            other => other,
        }
    }
}

impl Readiness {
    /// What one event of a batch says, decoded as `mio` decodes an `epoll_event`.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[inline]
    pub(crate) fn of(e: &epoll::Event) -> Readiness {
        use epoll::EventFlags as F;
        let f = e.flags;
        Readiness {
            token: Token(e.data.u64() as usize),
            // mio's readable (IN, PRI), read-closed (HUP, or IN with RDHUP) and error.
            read: f.intersects(F::IN | F::PRI | F::HUP | F::ERR),
            write: f.intersects(F::OUT | F::ERR),
            read_closed: f.contains(F::HUP) || f.contains(F::IN | F::RDHUP),
        }
    }

    /// What one event of a batch says.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    #[inline]
    pub(crate) fn of(e: &mio::event::Event) -> Readiness {
        Readiness {
            token: e.token(),
            read: e.is_readable() || e.is_read_closed() || e.is_error(),
            write: e.is_writable() || e.is_error(),
            read_closed: e.is_read_closed(),
        }
    }
}
