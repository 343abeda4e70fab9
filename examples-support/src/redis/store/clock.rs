//! The keyspace's clock: milliseconds since the store began, read at most once per
//! batch of requests.

use std::time::Instant;

/// The time source: milliseconds since the store began, read lazily and cached until
/// [`reset`](Clock::reset), so a batch of pipelined commands reads the clock once at most.
#[derive(Debug, Clone)]
pub struct Clock {
    origin: Instant,
    /// The cached reading; `None` until read (or always `Some` for a fixed clock).
    cached: Option<u64>,
    fixed: bool,
}

impl Clock {
    /// A clock counting from `origin` (the store's, see [`Store::origin`](super::Store::origin)).
    pub fn new(origin: Instant) -> Clock {
        Clock { origin, cached: None, fixed: false }
    }

    /// A clock stuck at `ms`, for tests.
    #[cfg(test)]
    pub fn fixed(ms: u64) -> Clock {
        Clock { origin: Instant::now(), cached: Some(ms), fixed: true }
    }

    /// Forgets the cached reading: call once per batch of requests.
    #[inline]
    pub fn reset(&mut self) {
        if !self.fixed {
            self.cached = None;
        }
    }

    /// The current time in milliseconds (at least 1).
    #[inline]
    pub fn now(&mut self) -> u64 {
        match self.cached {
            Some(t) => t,
            None => {
                let t = self.origin.elapsed().as_millis() as u64 + 1;
                self.cached = Some(t);
                t
            }
        }
    }

    /// Moves a fixed clock forward, for tests.
    #[cfg(test)]
    pub fn advance(&mut self, ms: u64) {
        self.cached = Some(self.now() + ms);
    }
}
