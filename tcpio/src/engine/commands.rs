//! Commands from other threads (and from the server handle): taken in one batch per
//! wake-up, applied in order, and the output they queue flushed once per connection.

use super::mailbox::Command;
use super::record::{Leaving, CLOSED, SETUP, WRITE_BLOCKED};
use super::staged::Dial;
use super::token::{conn_token, Target};
use super::{CloseReason, Conn, EventLoop, Handler};

impl<H: Handler> EventLoop<H> {
    /// The loop's waker fired: take and apply every queued command.
    pub(crate) fn run_commands(&mut self) {
        let mut cmds = self.inbox.take_batch();
        self.core.shared.loops[self.core.loop_id].drain(&mut cmds);
        for cmd in cmds.drain(..) {
            if !matches!(cmd, Command::Broadcast { .. } | Command::Publish { .. }) {
                // Output already gathered goes first (`fanout.rs`).
                self.flush_fanout();
            }
            match cmd {
                Command::Adopt(acc, admitted) => self.adopt(acc, admitted),
                Command::Shutdown(stop) => self.begin_shutdown(stop),
                Command::Dial { stream, peer, timeout } => {
                    let state = match self.core.draining {
                        // Dialed as the server stopped: closed unused.
                        true => None,
                        false => self.guarded_user("the connection state's Default", H::State::default),
                    };
                    let Some(state) = state else {
                        drop(stream);
                        self.core.shared.admission.release_outbound();
                        continue;
                    };
                    let id = self.core.new_id();
                    let (state, first, tls) = (Box::new(state), None, None);
                    self.adopt_outbound(id, Dial { stream, peer, timeout, state, first, tls });
                }
                Command::Send(target, data) => self.queue_from_handle(target, data),
                Command::Close(target) => {
                    if let Some(key) = target.find(&self.conns) {
                        if self.conns[key].leaving.is_none() {
                            self.leave(key, Leaving::Close(CloseReason::Local));
                        }
                    }
                }
                Command::Wake(target) => {
                    if let Some(key) = target.find(&self.conns) {
                        let c = &self.conns[key];
                        if let Some(h) = c.handle() {
                            // Wakes from now on are new ones.
                            h.wake_queued.store(false, std::sync::atomic::Ordering::Release);
                        }
                        if c.leaving.is_none() {
                            self.callback(key, |h, conn| h.on_wake(conn));
                        }
                    }
                }
                Command::Broadcast { data, except } => {
                    let mut keys = self.fanout.take_keys();
                    keys.extend(
                        self.conns
                            .iter()
                            .filter(|(_, c)| c.leaving.is_none() && !c.flag(SETUP) && Some(c.id) != except)
                            .map(|(k, _)| k),
                    );
                    self.fan_out(data, &keys);
                    self.fanout.keys_done(keys);
                }
                Command::Publish { data, group, except } => {
                    let mut keys = self.fanout.take_keys();
                    let members = self.core.memberships.members(group).iter();
                    let found = members.filter_map(|t| t.find(&self.conns));
                    match except {
                        None => keys.extend(found),
                        Some(id) => keys.extend(found.filter(|&key| self.conns[key].id != id)),
                    }
                    self.fan_out(data, &keys);
                    self.fanout.keys_done(keys);
                }
            }
        }
        self.flush_fanout();
        self.inbox.batch_done(cmds);
        self.flush_touched();
    }

    /// Bytes from a [`ConnHandle`](crate::ConnHandle): no longer in flight, now queued.
    fn queue_from_handle(&mut self, target: Target, data: Vec<u8>) {
        let Some(key) = target.find(&self.conns) else { return };
        self.queue(key, &data);
        if let Some(c) = self.conns.get(key) {
            if let Some(h) = c.handle() {
                h.arrived(data.len(), c.queued_total());
            }
        }
    }

    /// Queues output for a live connection, as a callback's write would (the hard cap
    /// applies), and marks it for the flush after the batch.
    pub(super) fn queue(&mut self, key: usize, data: &[u8]) {
        let c = &mut self.conns[key];
        if c.leaving.is_some() || c.flag(CLOSED) {
            return;
        }
        if c.queued_total() + data.len() > self.core.max_output && !c.flag(WRITE_BLOCKED) {
            // A batch of broadcasts or published messages would pass the cap before
            // the flush at its end: offer the socket what is queued first, so only a
            // peer that does not take it is closed (a failed write is met again at
            // that flush).
            self.core.batch.begin(&[]);
            let _ = self.core.flush(c, &[]);
        }
        let token = conn_token(key, c.gen);
        self.core.batch.begin(&[]);
        Conn::new(c, &mut self.core).write(data);
        self.inbox.touch(token);
    }

    /// Flushes every connection that commands gave output to, once each.
    fn flush_touched(&mut self) {
        let mut touched = self.inbox.take_touched();
        touched.sort_unstable_by_key(|t| t.0);
        touched.dedup();
        for token in touched.drain(..) {
            let Some(key) = self.live(token) else { continue };
            let c = &mut self.conns[key];
            if let Some(reason) = c.close_requested.take() {
                self.close_as_requested(key, reason);
                continue;
            }
            self.core.batch.begin(&[]);
            if let Err(e) = self.core.flush(c, &[]) {
                self.finalize(key, CloseReason::from_io(e));
                continue;
            }
            self.conns[key].publish_queued();
            self.after_output(key);
        }
        self.inbox.touched_done(touched);
    }
}
