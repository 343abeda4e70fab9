//! The handler's view of one connection during a callback.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::batch;
use super::conn_handle::{ConnHandle, HandleShared};
use super::control::ServerControl;
use super::core::Core;
use super::record::Record;
use super::record::{
    CLOSED, ENDING, KEEP_READING, OWN_LIMIT, RESUME_PENDING, SHARED_HELD, SHUTDOWN_WRITE_REQUESTED,
    USER_PAUSED,
};
use super::timers::Timer;
use super::token::{conn_token, Target};
use super::writer::ConnWriter;
use super::{CloseReason, TimerId};
use crate::transport::Addr;

/// One connection, as a callback sees it.
///
/// Writes are queued and flushed once after the callback returns: many small writes
/// cost one system call. Writing a slice of the callback's own [`Input`](crate::Input)
/// forwards it without a copy (see [`write`](Self::write)).
pub struct Conn<'a, S> {
    pub(crate) c: &'a mut Record<S>,
    pub(crate) core: &'a mut Core,
}

impl<S: std::fmt::Debug> std::fmt::Debug for Conn<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("id", &self.c.id)
            .field("peer", &self.c.peer)
            .field("queued", &self.queued())
            .field("state", &self.c.state)
            .finish()
    }
}

impl<'a, S> Conn<'a, S> {
    /// The view of `c` for a callback, borrowing the loop's `core`.
    #[inline(always)]
    pub(crate) fn new(c: &'a mut Record<S>, core: &'a mut Core) -> Conn<'a, S> {
        Conn { c, core }
    }

    /// The connection's id: unique for the server's whole life, never reused.
    pub fn id(&self) -> u64 {
        self.c.id
    }

    /// The event loop that owns the connection, counting from 0.
    pub fn loop_id(&self) -> usize {
        self.core.loop_id
    }

    /// The peer's address: the client's, as a PROXY protocol header gave it on an
    /// address with [`BindOptions::proxy_protocol`](crate::BindOptions::proxy_protocol)
    /// (for a LOCAL header, a balancer's health check, the socket's peer); otherwise
    /// the socket's peer.
    pub fn peer_addr(&self) -> &Addr {
        self.c.client()
    }

    /// The socket's own peer: behind a balancer that sends the PROXY header, the
    /// balancer. The same as [`peer_addr`](Self::peer_addr) elsewhere.
    pub fn socket_peer_addr(&self) -> &Addr {
        &self.c.peer
    }

    /// The PROXY protocol header this connection began with, with its extensions
    /// (`None` on an address without [`BindOptions::proxy_protocol`](crate::BindOptions::proxy_protocol)).
    pub fn proxy_header(&self) -> Option<&crate::proxy::Header> {
        self.c.ext.as_ref().and_then(|e| e.proxy.as_ref()).map(|p| &p.header)
    }

    /// Adds this connection to `group`: it receives what is published there, from
    /// any loop, until it leaves or closes. False if it was in already, or the group
    /// belongs to another server.
    pub fn join(&mut self, group: &super::Group) -> bool {
        let me = super::token::Target { key: self.c.key as usize, id: self.c.id };
        // Not once it is leaving (`on_close` included): it could never be taken out.
        if self.c.flag(super::record::CLOSED)
            || self.c.ext.as_ref().is_some_and(|e| e.groups.contains_key(&group.id()))
        {
            return false;
        }
        if !group.count_in(&self.core.shared, self.core.loop_id) {
            return false;
        }
        self.core.memberships.join(group.id(), me);
        self.c.ext_mut().groups.insert(group.id(), group.clone());
        true
    }

    /// Takes this connection out of `group`; false if it was not in.
    pub fn leave_group(&mut self, group: &super::Group) -> bool {
        let me = super::token::Target { key: self.c.key as usize, id: self.c.id };
        let Some(ext) = self.c.ext.as_mut() else { return false };
        if ext.groups.remove(&group.id()).is_none() {
            return false;
        }
        self.core.memberships.leave(group.id(), me);
        group.count_out(self.core.loop_id);
        true
    }

    /// This connection's own idle timeout, instead of the server's
    /// ([`Builder::idle_timeout`](crate::Builder::idle_timeout)): `None` exempts it
    /// (a subscriber that may rightly stay silent), `Some(d)` closes it after `d`
    /// without traffic either way, even on a server with no idle timeout. The
    /// handler hears [`on_timeout`](crate::Handler::on_timeout) first.
    pub fn set_idle_timeout(&mut self, timeout: Option<std::time::Duration>) {
        let ext = self.c.ext_mut();
        ext.idle_timeout = Some(timeout);
        // A check for it, once: the server's own chain covers connections only
        // when the server has timeouts, and may be due later than this one.
        if let (Some(d), false) = (timeout, ext.own_check) {
            ext.own_check = true;
            let token = super::token::conn_token(self.c.key as usize, self.c.gen);
            let at = super::timers::deadline(std::time::Instant::now(), d);
            self.core.timers.insert(at, super::timers::Timer::Activity(token));
        }
    }

    /// Gives this connection its own output limits below the server's hard cap
    /// ([`OutputLimit`](crate::OutputLimit): a hard limit, and a soft one it may stay
    /// above only for a while), or takes them away with `None`. Past one, the
    /// connection closes with [`CloseReason::OutputLimit`](crate::CloseReason::OutputLimit)
    /// and its output is dropped, whoever queued it: its own replies, a
    /// [`Group`](crate::Group)'s messages or a [`ConnHandle`](crate::ConnHandle)'s
    /// sends. This is how a server cuts off a subscriber that stopped reading while
    /// its publishers carry on.
    ///
    /// The limits are checked when output is left queued: after each callback, each
    /// delivery of group messages or handle sends, each writable edge.
    pub fn set_output_limit(&mut self, limit: Option<super::OutputLimit>) {
        self.c.set_flag(OWN_LIMIT, limit.is_some());
        match limit {
            Some(l) => self.c.ext_mut().output_limit = Some(super::output_limit::OwnLimit::new(l)),
            None => {
                if let Some(ext) = self.c.ext.as_mut() {
                    ext.output_limit = None;
                }
            }
        }
    }

    /// The loop's clock: when this pass of the event loop began. Read from the system
    /// clock once per pass at most (free when the loop reads it anyway for timers and
    /// timeouts), so stamping every frame with it costs a field load, not a
    /// `Instant::now()` each. It does not advance during a callback, and all callbacks
    /// of one pass see the same instant.
    pub fn now(&mut self) -> std::time::Instant {
        self.core.clock.pass_now()
    }

    /// The TLS session of this connection, once its handshake is done: version,
    /// cipher suite, ALPN protocol, SNI name, the peer's certificates (under mutual
    /// TLS, the verified client's; see [`TlsInfo::peer_subject`]) and whether it was
    /// resumed. `None` on a plaintext connection.
    ///
    /// [`TlsInfo::peer_subject`]: crate::tls::TlsInfo::peer_subject
    pub fn tls(&self) -> Option<&crate::tls::TlsInfo> {
        self.c.tls().and_then(|t| t.session.info())
    }

    /// On a TLS connection, whether the peer's stream ended (its FIN) without the
    /// close_notify that proves nothing was cut off: a truncation attack, or a peer
    /// that did not close cleanly. Read it in [`on_eof`](crate::Handler::on_eof):
    /// a protocol whose messages carry their own lengths may not care; one that reads
    /// until the end of the stream should treat the data as possibly incomplete.
    /// Always false on a plaintext connection.
    pub fn tls_truncated(&self) -> bool {
        self.c.tls().is_some_and(|t| t.truncated)
    }

    /// The local address of this connection (asked of the kernel on each call: for a
    /// listener bound to `0.0.0.0` it tells which local address the peer reached).
    pub fn local_addr(&self) -> io::Result<Addr> {
        self.c.stream.local_addr()
    }

    /// Index of the bound address this connection came through, as listed by
    /// [`ServerHandle::local_addrs`](crate::ServerHandle::local_addrs) (`usize::MAX`
    /// for an outbound connection).
    pub fn listener_index(&self) -> usize {
        self.c.listener
    }

    /// The bound address this connection came through ([`Addr::Unnamed`] for an
    /// outbound connection).
    pub fn listener_addr(&self) -> &Addr {
        static OUTBOUND: Addr = Addr::Unnamed;
        self.core.listen_addrs.get(self.c.listener).unwrap_or(&OUTBOUND)
    }

    /// The connection's state.
    pub fn state(&self) -> &S {
        &self.c.state
    }

    /// The connection's state, mutably.
    pub fn state_mut(&mut self) -> &mut S {
        &mut self.c.state
    }

    /// Queues bytes for the peer; they go out in one write after the callback.
    ///
    /// If `data` is a slice of this callback's input, it is not copied: the flush
    /// writes it straight from the read buffer, and only what the socket does not take
    /// is kept. Bytes written in the callback that decides to close still go out
    /// (closing flushes first); bytes written once the connection is leaving, after
    /// [`shutdown_write`](Self::shutdown_write), or in
    /// [`on_close`](crate::Handler::on_close) are discarded. Output past the hard cap
    /// ([`Builder::max_output`](crate::Builder::max_output)) closes the connection
    /// with [`CloseReason::OutputLimit`] and is not stored.
    #[inline(always)]
    pub fn write(&mut self, data: &[u8]) {
        write_to(self.c, self.core, data);
    }

    /// The copying half of [`write`](Self::write), out of line: the forwarding half is
    /// the hot path of an echo or a proxy.
    #[cold]
    #[inline(never)]
    fn write_owned(&mut self, data: &[u8]) {
        if self.queued() + data.len() > self.core.max_output {
            return self.refuse_over_cap();
        }
        self.c.out.extend(data, &mut self.core.pool);
    }

    /// A writer that appends to the output queue with less bookkeeping per call than
    /// [`write`](Self::write): for many small pieces, such as a pipeline's replies.
    pub fn writer(&mut self) -> ConnWriter<'_> {
        self.state_and_writer().1
    }

    /// The connection's state and a [`writer`](Self::writer) at once: for a handler
    /// whose replies depend on per-connection state it changes as it goes (a session,
    /// a parser's progress), without moving that state out of the connection and back.
    ///
    /// ```
    /// use tcpio::{Action, Conn, Input};
    ///
    /// // Numbers every line a connection sends: the count lives in the state.
    /// fn on_data(conn: &mut Conn<'_, u64>, input: &mut Input<'_>) -> Action {
    ///     let (lines, mut out) = conn.state_and_writer();
    ///     let mut used = 0;
    ///     while let Some(nl) = input.bytes()[used..].iter().position(|&b| b == b'\n') {
    ///         *lines += 1;
    ///         out.put(format!("{lines}: ").as_bytes());
    ///         out.put(&input.bytes()[used..used + nl + 1]);
    ///         used += nl + 1;
    ///     }
    ///     input.consume(used);
    ///     Action::Continue
    /// }
    /// # let _ = on_data;
    /// ```
    #[inline]
    pub fn state_and_writer(&mut self) -> (&mut S, ConnWriter<'_>) {
        let queued = self.queued();
        if self.c.flag(SHARED_HELD) {
            // Held messages go first (`queued` counted them already).
            self.c.unhold(&mut self.core.pool);
        }
        let (state, output) = self.c.split_output();
        (state, ConnWriter::new(output, &mut self.core.pool, queued, self.core.max_output))
    }

    /// Output would pass the hard cap: the connection closes, the bytes are not stored.
    #[cold]
    fn refuse_over_cap(&mut self) {
        self.c.refuse_output(self.core.max_output);
    }

    /// Queues several slices in order, as [`write`](Self::write) does each.
    pub fn write_vectored(&mut self, bufs: &[&[u8]]) {
        for b in bufs {
            self.write(b);
        }
    }

    /// Bytes queued for the peer and not yet taken by the socket.
    #[inline]
    pub fn queued(&self) -> usize {
        batch::queued(&self.c.out, &self.core.batch) + self.c.held_bytes()
    }

    /// Stops reading from this connection until [`resume_read`](Self::resume_read).
    /// The kernel's buffer then fills and the peer's sends block: backpressure.
    pub fn pause_read(&mut self) {
        self.c.set_flag(USER_PAUSED, true);
    }

    /// Starts reading again after the callback returns. Input the handler left
    /// unconsumed is offered again at once, then the socket is read: input that
    /// arrived meanwhile is delivered promptly, not at the next edge.
    pub fn resume_read(&mut self) {
        if self.c.flag(USER_PAUSED) {
            self.c.set_flag(USER_PAUSED, false);
            self.c.set_flag(RESUME_PENDING, true);
        }
    }

    /// Whether reading pauses while this connection's queued output is above the
    /// high-water mark (the default, right for a server whose output is its replies).
    /// A proxy turns it off: what it reads here is written to the other side, so it
    /// pauses the *other* side from [`on_high_water`](crate::Handler::on_high_water)
    /// instead, and pausing this one could stall both directions.
    pub fn set_pause_on_high_water(&mut self, pause: bool) {
        self.c.set_flag(KEEP_READING, !pause);
    }

    /// Whether the write side is shut down or will be once queued output is written
    /// ([`shutdown_write`](Self::shutdown_write), from this connection or another).
    pub fn is_write_shut(&self) -> bool {
        self.c.flag(SHUTDOWN_WRITE_REQUESTED)
    }

    /// Whether the handler has paused reading.
    pub fn is_read_paused(&self) -> bool {
        self.c.flag(USER_PAUSED)
    }

    /// Shuts down the write side (sends a FIN) once everything queued has been
    /// written; the connection can still read, and later writes are discarded. Used to forward a peer's half-close.
    pub fn shutdown_write(&mut self) {
        self.c.set_flag(SHUTDOWN_WRITE_REQUESTED, true);
    }

    /// Closes the connection after the callback, once queued output is flushed (the
    /// same as returning [`Action::Close`](crate::Action::Close)).
    pub fn close(&mut self) {
        self.close_with(CloseReason::Local);
    }

    /// Closes the connection after the callback, once queued output is flushed, with
    /// a reason of the caller's choosing (a codec closes with
    /// [`CloseReason::Protocol`] this way).
    pub fn close_with(&mut self, reason: CloseReason) {
        if self.c.close_requested.is_none() {
            self.c.close_requested = Some(reason);
            self.c.set_flag(ENDING, true);
        }
    }

    /// Arms a timer: [`Handler::on_timer`](crate::Handler::on_timer) is called for
    /// this connection once `delay` has passed (rounded up to the timer wheel's 5 ms
    /// resolution, never early). A connection may have any number of timers; they
    /// fire in deadline order and are dropped when it closes.
    pub fn set_timer(&mut self, delay: Duration) -> TimerId {
        let core = &mut *self.core;
        let id = core.timers.next_user_id();
        let at = super::timers::deadline(Instant::now(), delay);
        let token = conn_token(self.c.key as usize, self.c.gen);
        core.timers.insert(at, Timer::User { token, id, at: core.clock.ms_of(at) });
        self.c.ext_mut().timers.insert(id);
        TimerId(id)
    }

    /// Cancels a timer set with [`set_timer`](Self::set_timer); false if it had
    /// already fired or been cancelled.
    pub fn cancel_timer(&mut self, timer: TimerId) -> bool {
        let Some(ext) = self.c.ext.as_mut() else { return false };
        let armed = ext.timers.remove(&timer.0);
        if armed {
            self.core.timers.stale(1);
        }
        armed
    }

    /// A handle that reaches this connection from any thread: send bytes, close it,
    /// wake it. The first call allocates what the connection and its handles share;
    /// later calls clone it.
    pub fn handle(&mut self) -> ConnHandle {
        let core = &*self.core;
        let target = Target { key: self.c.key as usize, id: self.c.id };
        // Made for a connection that is already leaving (in `on_close`, say), it is
        // closed from the start.
        let closed = self.c.flag(CLOSED);
        let ext = self.c.ext_mut();
        let inner = ext.handle.get_or_insert_with(|| {
            Arc::new(HandleShared::new(
                core.shared.clone(),
                core.loop_id,
                target,
                core.cfg.limits.max_output,
                closed,
            ))
        });
        ConnHandle { inner: inner.clone() }
    }

    /// The server this connection belongs to: broadcast to every connection, stop
    /// the server, read its counts.
    pub fn server(&self) -> ServerControl {
        ServerControl { shared: self.core.shared.clone() }
    }
}

/// [`Conn::write`], out of line and private: it takes the record and the core
/// themselves (not the `Conn` that holds them), so a call from a handler in any crate
/// passes them in registers and the write reaches them with no load through the view.
#[inline(never)]
fn write_to<S>(c: &mut Record<S>, core: &mut Core, data: &[u8]) {
    // One test for the rare cases: a closed or shut connection, and one holding
    // shared messages that this write must follow.
    if data.is_empty() || c.any(CLOSED | SHUTDOWN_WRITE_REQUESTED | SHARED_HELD) {
        return write_rare(c, core, data);
    }
    // Forwarded input is held to the hard cap by the flush, before anything of it is
    // written or kept (see `Core::flush`).
    if !core.batch.try_forward(data, &c.out) {
        Conn { c, core }.write_owned(data);
    }
}

/// [`write_to`] on a connection that is closed, shut, or holding shared messages
/// (appended to its queue first, then the write goes on as usual).
#[cold]
#[inline(never)]
fn write_rare<S>(c: &mut Record<S>, core: &mut Core, data: &[u8]) {
    if data.is_empty() || c.any(CLOSED | SHUTDOWN_WRITE_REQUESTED) {
        return;
    }
    c.unhold(&mut core.pool);
    write_to(c, core, data);
}
