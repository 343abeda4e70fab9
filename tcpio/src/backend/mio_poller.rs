//! The readiness backend on `mio`: epoll on Linux, kqueue on macOS and the BSDs.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use mio::event::Source;
use mio::{Interest, Poll, Token, Waker};

/// Token of the loop's waker. Connection tokens never reach it (see the engine's
/// token layout), nor do listener tokens, which count down from just below it.
pub(crate) const WAKER: Token = Token(usize::MAX);

/// One event loop's poller.
#[derive(Debug)]
pub(crate) struct Poller {
    poll: Poll,
}

/// A batch of events, owned by the loop so it can iterate them while it mutates
/// everything else; [`Readiness::of`] reads each in place, without a copy of the batch.
pub(crate) type Events = mio::Events;

/// What one event says about a source.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Readiness {
    pub(crate) token: Token,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
    /// The peer has shut down its write side (EPOLLRDHUP) or the socket hung up.
    pub(crate) read_closed: bool,
    /// An error is pending on the socket; the next read or write reports it.
    pub(crate) error: bool,
}

impl Poller {
    /// A poller.
    pub(crate) fn new() -> io::Result<Poller> {
        Ok(Poller { poll: Poll::new()? })
    }

    /// A waker that ends this poller's wait from any thread.
    pub(crate) fn waker(&self) -> io::Result<Arc<Waker>> {
        Ok(Arc::new(Waker::new(self.poll.registry(), WAKER)?))
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
    /// What one event of a batch says.
    #[inline]
    pub(crate) fn of(e: &mio::event::Event) -> Readiness {
        Readiness {
            token: e.token(),
            readable: e.is_readable(),
            writable: e.is_writable(),
            read_closed: e.is_read_closed(),
            error: e.is_error(),
        }
    }
}
