//! Shared bytes (broadcasts, group publishes) written to each recipient straight from
//! the one shared buffer.
//!
//! Consecutive broadcast and publish commands in a batch that go to the same
//! connections form a run: the messages are kept once each, with the one list of
//! recipients. At the end of the run each recipient is offered its queued output and
//! the run's messages in one `writev`. So a message reaching a thousand subscribers is
//! one buffer and a thousand system calls (fewer when messages come in bursts), not a
//! thousand copies. A message for other connections, or a command of any other kind,
//! ends the run first, so every connection sees its output in command order.
//!
//! What a full socket does not take is held as the shared buffers themselves
//! (`held.rs`), after the connection's queue, and written on the writable edge; a
//! connection whose socket is known to be full gets new messages held the same way.
//! Only a connect in progress and a TLS connection (whose bytes are sealed into
//! records anyway) get a copy, as any write.

use std::io::IoSlice;
use std::sync::Arc;

use super::buffer::OutBuf;
use super::core::Core;
use super::record::{
    Record, CLOSED, CONNECTING, NOTIFY_DRAINED, SHARED_HELD, SHUTDOWN_WRITE_REQUESTED, TLS, WRITE_BLOCKED,
};
use super::token::conn_token;
use super::{CloseReason, EventLoop, Handler};
use crate::backend::Token;
use crate::transport::Stream;

/// Messages per `writev` (after the connection's own queued bytes): far below
/// `IOV_MAX`, and on the stack.
const MESSAGES_PER_WRITE: usize = 63;

/// Messages that end a run early, however many a batch holds.
const MAX_MESSAGES: usize = 1024;

/// The current run of shared messages, kept from batch to batch so a run allocates
/// nothing once warm.
#[derive(Debug, Default)]
pub(crate) struct Fanout {
    /// The run's messages, once each.
    messages: Vec<Arc<[u8]>>,
    /// The connections every message of the run goes to, in order.
    recipients: Vec<Token>,
    /// The next message's recipients, being listed.
    next: Vec<Token>,
    /// Room for listing a command's connections.
    keys: Vec<usize>,
    /// Recipients whose socket failed during a run's writes, closed after them.
    failed: Vec<(Token, std::io::Error)>,
    /// A message's recipients still open after the run before it was written.
    relisted: Vec<usize>,
}

impl Fanout {
    /// An empty vector to list a message's recipients in.
    pub(crate) fn take_keys(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.keys)
    }

    /// The recipients' vector back, emptied.
    pub(crate) fn keys_done(&mut self, mut keys: Vec<usize>) {
        keys.clear();
        self.keys = keys;
    }
}

impl<H: Handler> EventLoop<H> {
    /// Queues `data` for the live connections `keys` without copying it.
    pub(crate) fn fan_out(&mut self, data: Arc<[u8]>, keys: &[usize]) {
        let mut next = std::mem::take(&mut self.fanout.next);
        let mut relisted = std::mem::take(&mut self.fanout.relisted);
        let mut keys = keys;
        // The run goes on only if this message is for exactly its recipients; else it
        // is written first, which may leave some of them with a full socket: so the
        // recipients are listed again after it.
        if !self.fanout.messages.is_empty() {
            next.extend(keys.iter().filter_map(|&key| self.direct(key)));
            if self.fanout.recipients != next || self.fanout.messages.len() == MAX_MESSAGES {
                // Writing the run may close some of them (an error, an output limit),
                // and a close callback may open a connection in a freed slot: they
                // are found again by token after it.
                next.clear();
                next.extend(keys.iter().map(|&key| conn_token(key, self.conns[key].gen)));
                self.flush_fanout();
                relisted.extend(next.iter().filter_map(|&token| self.live(token)));
                keys = &relisted;
            }
            next.clear();
        }
        for &key in keys {
            let c = &self.conns[key];
            if c.leaving.is_some() || c.any(CLOSED | SHUTDOWN_WRITE_REQUESTED) {
                continue;
            }
            // A connection is on one side or the other for a whole run: nothing
            // changes its state before the run is written.
            if c.any(CONNECTING | TLS) {
                self.queue(key, &data);
            } else if c.flag(WRITE_BLOCKED) {
                // Its socket is full: held, for the writable edge; touched, so the
                // handles and the high-water mark see it (or a close past the cap).
                let token = conn_token(key, c.gen);
                hold(&mut self.conns[key], &data, 0, &mut self.core);
                self.inbox.touch(token);
            } else {
                next.push(conn_token(key, c.gen));
            }
        }
        if !next.is_empty() {
            if self.fanout.messages.is_empty() {
                std::mem::swap(&mut self.fanout.recipients, &mut next);
            }
            self.fanout.messages.push(data);
        }
        next.clear();
        self.fanout.next = next;
        relisted.clear();
        self.fanout.relisted = relisted;
    }

    /// Connection `key`'s token if a shared message would be written to it directly
    /// now (live, not full, not connecting, not TLS).
    fn direct(&self, key: usize) -> Option<Token> {
        let c = &self.conns[key];
        let skip = c.leaving.is_some()
            || c.any(CLOSED | SHUTDOWN_WRITE_REQUESTED | CONNECTING | TLS | WRITE_BLOCKED);
        (!skip).then(|| conn_token(key, c.gen))
    }

    /// Ends the run: every recipient is offered its messages. The writes come first,
    /// then what follows them (closes, drain and high-water callbacks), so no callback
    /// runs while some recipients still wait for the run.
    pub(crate) fn flush_fanout(&mut self) {
        if self.fanout.messages.is_empty() {
            return;
        }
        let recipients = std::mem::take(&mut self.fanout.recipients);
        let mut messages = std::mem::take(&mut self.fanout.messages);
        for &token in &recipients {
            let Some(key) = self.live(token) else { continue };
            if let Err(e) = self.write_shared(key, &messages) {
                self.fanout.failed.push((token, e));
            }
        }
        messages.clear();
        self.fanout.messages = messages;
        let mut failed = std::mem::take(&mut self.fanout.failed);
        for (token, e) in failed.drain(..) {
            if let Some(key) = self.live(token) {
                self.finalize(key, CloseReason::from_io(e));
            }
        }
        self.fanout.failed = failed;
        for &token in &recipients {
            let Some(key) = self.live(token) else { continue };
            if let Some(reason) = self.conns[key].close_requested.take() {
                self.close_as_requested(key, reason);
            } else {
                self.after_output(key);
            }
        }
        let mut recipients = recipients;
        recipients.clear();
        self.fanout.recipients = recipients;
    }

    /// Offers connection `key` its queued output and then `messages`, a `writev` at a
    /// time while the socket takes everything; holds the rest of the messages (no
    /// copy) for the writable edge.
    fn write_shared(&mut self, key: usize, messages: &[Arc<[u8]>]) -> std::io::Result<()> {
        let core = &mut self.core;
        let c = &mut self.conns[key];
        c.last_out = core.clock.now_ms();
        let (sent, all) = write_pieces(&mut c.stream, &c.out, messages.iter().map(|m| &m[..]))?;
        core.bytes_out += sent as u64;
        let from_queue = sent.min(c.out.len());
        if from_queue > 0 {
            c.out.advance(from_queue, &mut core.pool);
        }
        if all {
            return Ok(());
        }
        // The socket is full: hold the rest of the run's messages.
        let mut skip = sent - from_queue;
        for m in messages {
            if skip >= m.len() {
                skip -= m.len();
                continue;
            }
            if !hold(c, m, skip, core) {
                break;
            }
            skip = 0;
        }
        // The kernel signals an edge when it has room again.
        c.set_flag(WRITE_BLOCKED, true);
        c.set_flag(NOTIFY_DRAINED, true);
        Ok(())
    }
}

/// Holds what is left of `message` after its first `sent` bytes for `c`, within its
/// hard cap; past it, closes the connection instead and returns false.
fn hold<S>(c: &mut Record<S>, message: &Arc<[u8]>, sent: usize, core: &mut Core) -> bool {
    if c.queued_total() + message.len() - sent > core.max_output {
        c.refuse_output(core.max_output);
        return false;
    }
    c.ext_mut().held.push(message.clone(), sent, &mut core.pool);
    // Held only while the socket is full, which the drain notice follows.
    c.set_flag(SHARED_HELD | NOTIFY_DRAINED, true);
    true
}

impl Core {
    /// A writable edge on a connection holding shared messages: offers its queued
    /// output and then the held messages, as [`flush`](Self::flush) offers the queue.
    pub(crate) fn flush_held<S>(&mut self, c: &mut Record<S>) -> std::io::Result<()> {
        c.last_out = self.clock.now_ms();
        let Some(ext) = c.ext.as_mut() else {
            c.set_flag(SHARED_HELD, false);
            return self.flush(c, &[]);
        };
        let (sent, all) = write_pieces(&mut c.stream, &c.out, ext.held.slices())?;
        self.bytes_out += sent as u64;
        let from_queue = sent.min(c.out.len());
        if from_queue > 0 {
            c.out.advance(from_queue, &mut self.pool);
        }
        ext.held.advance(sent - from_queue, &mut self.pool);
        if all {
            c.set_flag(SHARED_HELD, false);
        } else {
            c.set_flag(WRITE_BLOCKED, true);
            c.set_flag(NOTIFY_DRAINED, true);
        }
        Ok(())
    }
}

/// Writes `out`'s pending bytes and then `pieces`, a `writev` of up to
/// [`MESSAGES_PER_WRITE`] pieces at a time, until the socket takes less than offered
/// or everything is written. Returns the bytes written and whether that was all.
fn write_pieces<'p>(
    stream: &mut Stream,
    out: &OutBuf,
    mut pieces: impl Iterator<Item = &'p [u8]>,
) -> std::io::Result<(usize, bool)> {
    let mut queue = out.pending();
    let mut sent = 0;
    loop {
        let mut iov = [IoSlice::new(&[]); MESSAGES_PER_WRITE + 1];
        let mut n = 0;
        let mut offered = 0;
        if !queue.is_empty() {
            iov[0] = IoSlice::new(queue);
            offered = queue.len();
            n = 1;
        }
        for p in pieces.by_ref().take(MESSAGES_PER_WRITE) {
            iov[n] = IoSlice::new(p);
            offered += p.len();
            n += 1;
        }
        if n == 0 {
            return Ok((sent, true));
        }
        let took = match stream.write_vectored(&iov[..n]) {
            Ok(took) => took,
            Err(e) if e.would_block() => 0,
            Err(e) => return Err(e.into()),
        };
        sent += took;
        if took < offered {
            return Ok((sent, false));
        }
        queue = &[];
    }
}
