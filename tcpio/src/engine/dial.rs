//! Dialing out: taking a dialed connection into the loop, and completing (or timing
//! out) its connect. It opens, and `on_open` runs, only once connected.

use std::io;
use std::sync::Arc;
use std::time::Instant;

use super::record::Record;
use super::record::{CONNECTING, SETUP, TLS, WRITE_BLOCKED};
use super::shared::bump;
use super::staged::Dial;
use super::timers::Timer;
use super::token::conn_token;
use super::{CloseReason, EventLoop, Handler, ServerEvent};
use crate::backend::Token;
use crate::transport::Addr;

impl<H: Handler> EventLoop<H> {
    /// The connection limits have counted it already.
    pub(crate) fn adopt_outbound(&mut self, id: u64, dial: Dial) {
        let Dial { mut stream, peer, timeout, state, first, tls } = dial;
        let gen = self.next_gen();
        let key = self.conns.vacant_key();
        let token = conn_token(key, gen);
        if let Err(e) = self.poller.register(&mut stream, token) {
            self.core.shared.admission.release_outbound();
            self.guarded_user("a connection state's destructor", move || drop(state));
            self.core.staged.forget(id);
            let loop_id = self.id();
            tracing::warn!(loop_id, %peer, error = %e, "registering an outbound connection failed");
            self.core.shared.emit(ServerEvent::Error {
                loop_id,
                context: "registering an outbound connection",
                error: &e,
            });
            return;
        }
        // Always the loop's state type: `Conn::connect` is typed by it.
        let state = match state.downcast::<H::State>() {
            Ok(state) => state,
            Err(other) => {
                debug_assert!(false, "a dial's state is the loop's state type");
                self.core.shared.admission.release_outbound();
                self.core.staged.forget(id);
                self.guarded_user("a connection state's destructor", move || drop(other));
                return;
            }
        };
        let mut c = Record::new(stream, id, key, gen, usize::MAX, peer, self.core.clock.now_ms(), *state);
        c.outbound = true;
        if let Some(first) = first {
            // Ahead of anything a callback writes to it: it goes out on connect.
            c.out.extend(&first, &mut self.core.pool);
        }
        if let Some(session) = tls {
            let mut io = super::record::TlsIo::new(*session);
            // The PROXY header goes in the clear, ahead of the handshake.
            io.cipher_len = c.out.len();
            c.ext_mut().tls = Some(Box::new(io));
            c.set_flag(TLS, true);
        }
        c.admitted = true; // by whoever dialed it
        c.set_flag(CONNECTING, true);
        // The writable edge that completes the connect is routed like a blocked write.
        c.set_flag(WRITE_BLOCKED, true);
        c.reachable = true;
        self.conns.insert(c);
        self.core.staged.reach(id, Some(token));
        bump(&self.core.counters().dialed, 1);
        self.core.timers.insert(super::timers::deadline(Instant::now(), timeout), Timer::Connect(token));
        if self.core.draining {
            // Dialed while stopping: it opens and is asked to finish like the rest.
            tracing::debug!(loop_id = self.id(), conn = id, "dialing while the server stops");
        }
    }

    /// A writable (or error) edge on a connecting socket.
    pub(crate) fn finish_connect(&mut self, key: usize) {
        let c = &mut self.conns[key];
        match c.stream.finish_connect() {
            Ok(false) => {}
            Err(e) => self.finalize(key, CloseReason::ConnectFailed(Arc::new(e))),
            Ok(true) => {
                c.set_flag(CONNECTING, false);
                c.set_flag(WRITE_BLOCKED, false);
                // Its timeouts count from now, not from the dial.
                c.opened_ms = self.core.clock.now_ms();
                c.last_out = self.core.clock.now_ms();
                if let Err(e) = self.prepare_socket(&self.conns[key].stream) {
                    return self.finalize(key, CloseReason::ConnectFailed(Arc::new(e)));
                }
                if self.conns[key].flag(TLS) {
                    // Connected; it opens when its handshake is done.
                    return self.start_tls_client(key);
                }
                self.open_outbound(key);
            }
        }
    }

    /// A dialed connection is established (connected, and through its TLS handshake
    /// if it has one): observers are told, its timeouts start, `on_open` runs.
    pub(crate) fn open_outbound(&mut self, key: usize) {
        let c = &self.conns[key];
        let token = conn_token(key, c.gen);
        let loop_id = self.core.loop_id;
        if self.core.shared.observer.is_some() {
            let id = c.id;
            let listener = &Addr::Unnamed;
            self.core.shared.emit(ServerEvent::Opened { id, loop_id, peer: &c.peer, listener });
        }
        tracing::trace!(loop_id = self.id(), conn = self.conns[key].id, "outbound connection opened");
        self.arm_activity(key);
        // Output queued while connecting goes out with whatever on_open adds.
        self.callback(key, |h, conn| h.on_open(conn));
        if self.core.draining && self.live(token).is_some() {
            self.ask_to_finish(key);
        }
        if let Some(key) = self.live(token) {
            if self.conns[key].wants_input() {
                self.push_ready(key);
            }
        }
    }

    /// The connect timeout passed.
    pub(crate) fn connect_timed_out(&mut self, token: Token) {
        if let Some(key) = self.live(token) {
            let c = &self.conns[key];
            if c.flag(CONNECTING) || c.flag(SETUP) {
                let what = if c.flag(SETUP) {
                    "TLS handshake not done within the connect timeout"
                } else {
                    "connect timed out"
                };
                let e = io::Error::new(io::ErrorKind::TimedOut, what);
                self.finalize(key, CloseReason::ConnectFailed(Arc::new(e)));
            }
        }
    }
}
