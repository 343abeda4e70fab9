//! A loop's listening sockets and its accept bookkeeping.

use super::token::listener_token;
use crate::backend::Poller;
use crate::transport::Listener;

/// A loop's listeners and what accepting on them needs remembered: which still have
/// connections queued after their budget ran out, which wait on a retry timer, and
/// whose turn is next when connections are handed out round-robin.
#[derive(Debug)]
pub(crate) struct Listeners {
    list: Vec<Listener>,
    /// Listeners whose accept budget ran out with connections still queued.
    pending: Vec<usize>,
    /// Listeners with an accept retry armed (after EMFILE and the like).
    retry_armed: Vec<bool>,
    /// The loop that got the last connection handed out round-robin.
    last_turn: usize,
}

impl Listeners {
    pub(crate) fn new(list: Vec<Listener>, loop_id: usize) -> Listeners {
        let n = list.len();
        Listeners { list, pending: Vec::new(), retry_armed: vec![false; n], last_turn: loop_id }
    }

    /// Registers every listener with the loop's poller.
    pub(crate) fn register(&mut self, poller: &Poller, loop_id: usize) {
        for (i, l) in self.list.iter_mut().enumerate() {
            if let Err(e) = poller.register_listener(l, listener_token(i)) {
                tracing::error!(loop_id, error = %e, "cannot register a listener");
            }
        }
    }

    /// Whether some listener still has connections queued from an earlier pass.
    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Takes the listeners to accept on again in this pass.
    pub(crate) fn take_pending(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.pending)
    }

    /// How many listeners there are (0 once closed).
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// Closes every listener (at shutdown): new clients are refused by the kernel.
    pub(crate) fn close(&mut self) {
        self.list.clear();
        self.pending.clear();
    }

    /// Listener `i`, unless the listeners are closed.
    pub(crate) fn get(&self, i: usize) -> Option<&Listener> {
        self.list.get(i)
    }

    /// Listener `i` still has connections queued: accept again later in this pass.
    pub(crate) fn come_back(&mut self, i: usize) {
        self.pending.push(i);
    }

    /// Arms listener `i`'s retry; false if it was armed already (one retry per
    /// listener, however many edges arrive meanwhile).
    pub(crate) fn arm_retry(&mut self, i: usize) -> bool {
        !std::mem::replace(&mut self.retry_armed[i], true)
    }

    /// Listener `i`'s retry timer fired.
    pub(crate) fn retry_fired(&mut self, i: usize) {
        if let Some(armed) = self.retry_armed.get_mut(i) {
            *armed = false;
        }
    }

    /// The next loop in turn, of `loops`.
    pub(crate) fn next_turn(&mut self, loops: usize) -> usize {
        self.last_turn = (self.last_turn + 1) % loops;
        self.last_turn
    }
}
