//! Shared bytes (broadcasts, group publishes) written to each recipient straight from
//! the one shared buffer.
//!
//! A run of consecutive broadcast and publish commands in a batch is gathered first:
//! the messages are kept once each, and every recipient gets a list of which ones are
//! its own. At the end of the run each recipient is offered its queued output and its
//! messages in one `writev`; only what the socket does not take is copied into the
//! connection's queue. So a message reaching a thousand subscribers is one buffer and
//! a thousand system calls (fewer when messages come in bursts), not a thousand
//! copies. A command of any other kind ends the run first, so every connection sees
//! its output in command order.
//!
//! Connections that cannot take bytes now (a socket known to be full, a connect in
//! progress) and TLS connections (whose bytes are sealed into records anyway) get a
//! copy, as any write.

use std::io::IoSlice;
use std::sync::Arc;

use super::record::{
    Record, CLOSED, CONNECTING, NOTIFY_DRAINED, SHUTDOWN_WRITE_REQUESTED, TLS, WRITE_BLOCKED,
};
use super::{CloseReason, EventLoop, Handler};

/// Messages per `writev` (after the connection's own queued bytes): far below
/// `IOV_MAX`, and on the stack.
const MESSAGES_PER_WRITE: usize = 63;

/// Recipients (counting each message's separately) that end a run early: bounds the
/// run's list at 1 MiB however many small messages a batch holds.
const MAX_RECIPIENTS: usize = 1 << 16;

/// The current run of shared messages, kept from batch to batch so a run allocates
/// nothing once warm.
#[derive(Debug, Default)]
pub(crate) struct Fanout {
    /// The run's messages, once each.
    messages: Vec<Arc<[u8]>>,
    /// (connection key, index in `messages`) for every recipient of every message, in
    /// command order.
    recipients: Vec<(usize, u32)>,
    /// Room for listing one message's recipients.
    keys: Vec<usize>,
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
        let index = self.fanout.messages.len() as u32;
        let before = self.fanout.recipients.len();
        for &key in keys {
            let c = &self.conns[key];
            if c.leaving.is_some() || c.any(CLOSED | SHUTDOWN_WRITE_REQUESTED) {
                continue;
            }
            if c.any(WRITE_BLOCKED | CONNECTING | TLS) {
                self.queue(key, &data);
            } else {
                self.fanout.recipients.push((key, index));
            }
        }
        if self.fanout.recipients.len() > before {
            self.fanout.messages.push(data);
            if self.fanout.recipients.len() >= MAX_RECIPIENTS {
                self.flush_fanout();
            }
        }
    }

    /// Ends the run: every recipient is offered its messages.
    pub(crate) fn flush_fanout(&mut self) {
        if self.fanout.recipients.is_empty() {
            self.fanout.messages.clear();
            return;
        }
        let mut recipients = std::mem::take(&mut self.fanout.recipients);
        let mut messages = std::mem::take(&mut self.fanout.messages);
        // By connection, then message (so in command order); an unstable sort, since a
        // stable one would allocate room for half the list.
        recipients.sort_unstable();
        for run in recipients.chunk_by(|a, b| a.0 == b.0) {
            let key = run[0].0;
            let pieces = run.iter().map(|&(_, m)| &messages[m as usize][..]);
            match self.write_shared(key, pieces) {
                Ok(()) => {
                    if let Some(reason) = self.conns[key].close_requested.take() {
                        self.close_as_requested(key, reason);
                    } else {
                        self.after_output(key);
                    }
                }
                Err(e) => self.finalize(key, CloseReason::from_io(e)),
            }
        }
        recipients.clear();
        messages.clear();
        self.fanout.recipients = recipients;
        self.fanout.messages = messages;
    }

    /// Offers connection `key` its queued output and then `messages`, a `writev` at a
    /// time while the socket takes everything; keeps (copies) only what it did not.
    fn write_shared<'m>(
        &mut self,
        key: usize,
        mut messages: impl Iterator<Item = &'m [u8]>,
    ) -> std::io::Result<()> {
        let core = &mut self.core;
        let c = &mut self.conns[key];
        c.last_out = core.clock.now_ms();
        let mut chunk: [&[u8]; MESSAGES_PER_WRITE] = [&[]; MESSAGES_PER_WRITE];
        loop {
            let mut n = 0;
            for m in messages.by_ref().take(MESSAGES_PER_WRITE) {
                chunk[n] = m;
                n += 1;
            }
            if n == 0 {
                return Ok(());
            }
            let offered = c.out.len() + chunk[..n].iter().map(|m| m.len()).sum::<usize>();
            let sent = write_chunk(c, &chunk[..n])?;
            core.bytes_out += sent as u64;
            let from_queue = sent.min(c.out.len());
            if from_queue > 0 {
                c.out.advance(from_queue, &mut core.pool);
            }
            if sent == offered {
                continue;
            }
            // The socket is full: keep the rest of this chunk and every later message.
            let mut skip = sent - from_queue;
            for m in chunk[..n].iter().copied().chain(messages) {
                if skip >= m.len() {
                    skip -= m.len();
                    continue;
                }
                let rest = &m[skip..];
                skip = 0;
                if c.out.len() + rest.len() > core.max_output {
                    c.refuse_output(core.max_output);
                    break;
                }
                c.out.extend(rest, &mut core.pool);
            }
            // The kernel signals an edge when it has room again.
            c.set_flag(WRITE_BLOCKED, true);
            c.set_flag(NOTIFY_DRAINED, true);
            return Ok(());
        }
    }
}

/// One `writev` of the connection's queued bytes and `messages`; the bytes taken.
fn write_chunk<S>(c: &mut Record<S>, messages: &[&[u8]]) -> std::io::Result<usize> {
    let mut iov = [IoSlice::new(&[]); MESSAGES_PER_WRITE + 1];
    let mut n = 0;
    if !c.out.is_empty() {
        iov[0] = IoSlice::new(c.out.pending());
        n = 1;
    }
    for m in messages {
        iov[n] = IoSlice::new(m);
        n += 1;
    }
    match c.stream.write_vectored(&iov[..n]) {
        Ok(sent) => Ok(sent),
        Err(e) if e.would_block() => Ok(0),
        Err(e) => Err(e.into()),
    }
}
