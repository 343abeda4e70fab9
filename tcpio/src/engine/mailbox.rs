//! A loop's mailbox and what it carries: the commands other threads (and the loop
//! itself) send it, and the ways a loop is asked to stop. Applied by the loop in
//! `commands.rs` and `shutdown.rs`; defined here, below the loop, so that handles
//! and the server's shared state can name them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::token::Target;
use crate::backend::Token;
use crate::transport::Accepted;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Stop accepting, let each connection finish ([`Handler::on_shutdown`]), flush,
    /// close; whatever is still open at the deadline is closed at once.
    ///
    /// [`Handler::on_shutdown`]: crate::Handler::on_shutdown
    Graceful { deadline: Option<Instant> },
    /// Close everything now, dropping queued output.
    Immediate,
}

/// Work sent to a loop from another thread (or from the loop itself, in order).
#[derive(Debug)]
pub(crate) enum Command {
    /// A connection accepted elsewhere, to be served here (and whether the
    /// connection limits counted it).
    Adopt(Accepted, bool),
    /// Stop, in the given way.
    Shutdown(Stop),
    /// Bytes for a connection, from a [`ConnHandle`](crate::ConnHandle).
    Send(Target, Vec<u8>),
    /// Close a connection after flushing it.
    Close(Target),
    /// Take in a connection dialed from outside the loops.
    Dial { stream: crate::transport::Stream, peer: crate::transport::Addr, timeout: Duration },
    /// Call the handler's `on_wake` for a connection.
    Wake(Target),
    /// The same bytes for every connection of the loop (but one, maybe).
    Broadcast { data: Arc<[u8]>, except: Option<u64> },
    /// The same bytes for every member of a group on the loop (but one, if given).
    Publish { data: Arc<[u8]>, group: u64, except: Option<u64> },
}

/// A loop's queue of commands.
///
/// Bounded by what the commands carry rather than by a count: handle sends by each
/// connection's output cap (reserved before they are queued), wakes and closes to one
/// each per connection (a handle flag coalesces them), broadcasts by `broadcast_budget`
/// bytes, accepted and dialed sockets by the descriptors the process may open.
#[derive(Debug)]
pub(crate) struct Mailbox {
    queue: Mutex<Queue>,
    /// The most broadcast bytes the mailbox holds: the output hard cap, since a
    /// batch of broadcasts larger than that would pass every connection's cap anyway.
    broadcast_budget: usize,
}

#[derive(Debug, Default)]
struct Queue {
    commands: Vec<Command>,
    /// Bytes of the broadcasts queued now.
    broadcast_bytes: usize,
    /// The loop has exited: nothing is queued any more.
    closed: bool,
}

/// Why a broadcast was not queued.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NotQueued {
    /// The loop has exited.
    Closed,
    /// The mailbox already holds its budget of broadcast bytes.
    Full,
}

impl Mailbox {
    pub(crate) fn new(broadcast_budget: usize) -> Mailbox {
        Mailbox { queue: Mutex::default(), broadcast_budget }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a command; a mailbox whose loop has exited hands it back.
    pub(crate) fn push(&self, cmd: Command) -> Result<(), Command> {
        let mut q = self.queue();
        if q.closed {
            return Err(cmd);
        }
        q.commands.push(cmd);
        Ok(())
    }

    /// Queues a broadcast within the budget.
    pub(crate) fn push_broadcast(&self, data: &Arc<[u8]>, except: Option<u64>) -> Result<(), NotQueued> {
        self.push_budgeted(data.len(), || Command::Broadcast { data: data.clone(), except })
    }

    /// Queues a group's message within the same budget as broadcasts.
    pub(crate) fn push_publish(
        &self,
        data: &Arc<[u8]>,
        group: u64,
        except: Option<u64>,
    ) -> Result<(), NotQueued> {
        self.push_budgeted(data.len(), || Command::Publish { data: data.clone(), group, except })
    }

    /// Queues a command carrying `len` shared bytes, if the broadcast budget has room.
    fn push_budgeted(&self, len: usize, cmd: impl FnOnce() -> Command) -> Result<(), NotQueued> {
        let mut q = self.queue();
        if q.closed {
            return Err(NotQueued::Closed);
        }
        if q.broadcast_bytes + len > self.broadcast_budget {
            return Err(NotQueued::Full);
        }
        q.broadcast_bytes += len;
        q.commands.push(cmd());
        Ok(())
    }

    /// Moves every queued command into `into`.
    pub(crate) fn take(&self, into: &mut Vec<Command>) {
        let mut q = self.queue();
        q.broadcast_bytes = 0;
        into.append(&mut q.commands);
    }

    /// The loop is exiting: the mailbox takes nothing more, and what it holds is
    /// handed back (sockets to close, admissions to give back).
    pub(crate) fn close(&self) -> Vec<Command> {
        let mut q = self.queue();
        q.closed = true;
        q.broadcast_bytes = 0;
        std::mem::take(&mut q.commands)
    }

    /// Commands waiting.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.queue().commands.len()
    }
}

/// The loop's room for applying a batch of commands (`commands.rs`), reused from
/// wake-up to wake-up so a batch costs no allocation.
#[derive(Debug, Default)]
pub(crate) struct Inbox {
    /// The batch taken from the mailbox.
    commands: Vec<Command>,
    /// Connections the batch gave output to, flushed once each after it.
    touched: Vec<Token>,
}

impl Inbox {
    /// An empty vector to take a batch into.
    pub(crate) fn take_batch(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.commands)
    }

    /// The batch's vector back, emptied.
    pub(crate) fn batch_done(&mut self, mut v: Vec<Command>) {
        v.clear();
        self.commands = v;
    }

    /// Connection `token` got output from a command.
    pub(crate) fn touch(&mut self, token: Token) {
        self.touched.push(token);
    }

    /// The connections that got output, to flush.
    pub(crate) fn take_touched(&mut self) -> Vec<Token> {
        std::mem::take(&mut self.touched)
    }

    /// The touched list's vector back, emptied.
    pub(crate) fn touched_done(&mut self, mut v: Vec<Token>) {
        v.clear();
        self.touched = v;
    }
}
