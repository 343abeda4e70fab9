//! Accepting connections and spreading them over the loops.

use std::io;
use std::time::{Duration, Instant};

use super::config::Balance;
use super::events::{Refusal, ServerEvent};
use super::mailbox::Command;
use super::record::{Record, SETUP};
use super::shared::bump;
use super::timers::{deadline, Timer};
use super::token::conn_token;
use super::{EventLoop, Handler};
use crate::transport::{AcceptError, Accepted};

/// How long to wait before accepting again after a resource error (EMFILE, ENOBUFS).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

impl<H: Handler> EventLoop<H> {
    /// A listener is readable: accept up to the budget, then yield to the other
    /// events and come back later in this pass.
    pub(crate) fn on_acceptable(&mut self, i: usize) {
        for _ in 0..self.core.cfg.accept_budget {
            let Some(l) = self.listeners.get(i) else { return };
            match l.accept() {
                Ok(acc) => self.admit(acc),
                Err(AcceptError::Empty) => return,
                Err(AcceptError::Transient) => {}
                Err(AcceptError::Resources(e)) => {
                    // Out of descriptors or memory: the queue keeps its connections,
                    // and no new edge may come, so retry on a timer instead of spinning.
                    tracing::warn!(loop_id = self.id(), error = %e, "accept failed; retrying shortly");
                    let loop_id = self.id();
                    self.core.shared.emit(ServerEvent::Error {
                        loop_id,
                        context: "accepting a connection",
                        error: &e,
                    });
                    if self.listeners.arm_retry(i) {
                        let at = std::time::Instant::now() + ACCEPT_RETRY;
                        self.core.timers.insert(at, Timer::AcceptRetry(i));
                    }
                    return;
                }
            }
        }
        self.listeners.come_back(i);
    }

    /// Passes a new connection through the connection limits, then on to a loop.
    fn admit(&mut self, acc: Accepted) {
        if !self.trusted(&acc) {
            return self.refuse(acc, Refusal::Untrusted);
        }
        // Behind a balancer the socket's peer is the balancer: the per-IP limit waits
        // for the client the header names (`setup.rs`).
        let admitted = match self.proxy_bind(acc.listener) {
            true => self.core.shared.admission.admit_total(),
            false => self.core.shared.admission.admit(&acc.peer),
        };
        match admitted {
            Ok(()) => {
                let counted = self.core.shared.admission.active();
                self.place(acc, counted)
            }
            Err(refusal) => self.refuse(acc, refusal),
        }
    }

    /// Accepts everything already queued on listener `i` (at shutdown), through the
    /// connection limits like any other connection; they are served here.
    pub(crate) fn drain_accept_queue(&mut self, i: usize) {
        for _ in 0..65_536 {
            let Some(l) = self.listeners.get(i) else { return };
            match l.accept() {
                Ok(acc) => self.admit(acc),
                Err(AcceptError::Transient) => {}
                Err(_) => return,
            }
        }
    }

    /// Closes a connection a limit refused, at once (it never reaches the handler).
    fn refuse(&mut self, acc: Accepted, refusal: Refusal) {
        let counters = self.core.counters();
        bump(
            match refusal {
                Refusal::MaxConnections => &counters.refused_max_conns,
                Refusal::PerIp => &counters.refused_per_ip,
                Refusal::Rate => &counters.refused_rate,
                Refusal::Untrusted => &counters.refused_untrusted,
            },
            1,
        );
        tracing::debug!(loop_id = self.id(), peer = %acc.peer, reason = %refusal, "connection refused");
        self.core.shared.emit(ServerEvent::Refused { peer: &acc.peer, reason: refusal });
    }

    /// Sends an accepted connection to the loop that should serve it.
    fn place(&mut self, acc: Accepted, admitted: bool) {
        let cfg = &self.core.cfg;
        let loops = &self.core.shared.loops;
        let target = match cfg.balance {
            Balance::ReusePort if acc.stream.is_tcp() => self.id(),
            Balance::LeastConnections => (0..cfg.loops).min_by_key(|&l| loops[l].open()).unwrap_or(0),
            Balance::ReusePort | Balance::RoundRobin => self.listeners.next_turn(cfg.loops),
        };
        // Once stopping, another loop may already have exited: keep it here.
        if target == self.id() || self.core.shared.is_stopping() {
            self.adopt(acc, admitted);
        } else if let Err(Command::Adopt(acc, admitted)) = loops[target].send(Command::Adopt(acc, admitted)) {
            // That loop has exited (the server is stopping): serve it here.
            self.adopt(acc, admitted);
        }
    }

    /// Takes an accepted connection into this loop and opens it. `admitted`: the
    /// connection limits counted it, and must be told when it goes.
    pub(crate) fn adopt(&mut self, acc: Accepted, admitted: bool) {
        let Accepted { mut stream, peer, listener } = acc;
        let loop_id = self.id();
        let fail = |this: &mut Self, peer: &crate::Addr, context, e: &io::Error| {
            tracing::warn!(loop_id, %peer, error = %e, "{context} failed; dropping the connection");
            this.core.shared.emit(ServerEvent::Error { loop_id, context, error: e });
            if admitted {
                this.core.shared.admission.release(peer);
            }
        };
        if let Err(e) = self.prepare_socket(&stream) {
            return fail(self, &peer, "setting socket options", &e);
        }
        let Some(state) = self.guarded_user("the connection state's Default", H::State::default) else {
            let e = io::Error::other("the connection state's Default panicked");
            return fail(self, &peer, "making the connection state", &e);
        };
        let gen = self.next_gen();
        let key = self.conns.vacant_key();
        if let Err(e) = self.poller.register(&mut stream, conn_token(key, gen)) {
            self.guarded_user("a connection state's destructor", move || drop(state));
            return fail(self, &peer, "registering a connection", &e);
        }
        let id = self.core.new_id();
        let mut c = Record::new(stream, id, key, gen, listener, peer, self.core.clock.now_ms(), state);
        c.admitted = admitted;
        let inserted = self.conns.insert(c);
        debug_assert_eq!(inserted, key);
        bump(&self.core.counters().accepted, 1);
        match self.core.cfg.setups.get(listener) {
            // A setup stage first: the connection opens when it is done.
            Some(Some(setup)) => {
                let at = deadline(Instant::now(), setup.timeout);
                let tick = self.core.timers.insert(at, Timer::Setup(conn_token(key, gen)));
                let c = &mut self.conns[key];
                c.ext_mut().setup_timer = Some(tick);
                c.set_flag(SETUP, true);
                bump(&self.core.counters().in_setup, 1);
                tracing::trace!(loop_id, conn = id, "connection accepted; setup stage");
                if self.core.draining {
                    return self.setup_failed(key, crate::CloseReason::Shutdown);
                }
                // TLS without a PROXY header first: the handshake starts now.
                if let (None, Some(tls)) = (&setup.proxy, &setup.tls) {
                    let tls = tls.clone();
                    self.start_tls(key, &tls);
                }
            }
            _ => self.open(key),
        }
    }

    /// A connection opens: observers are told, its timeouts start, `on_open` runs
    /// (and, during a graceful stop, `on_shutdown` after it).
    pub(crate) fn open(&mut self, key: usize) {
        let loop_id = self.id();
        let c = &self.conns[key];
        let (id, token) = (c.id, conn_token(key, c.gen));
        if self.core.shared.observer.is_some() {
            let listener = &self.core.listen_addrs[c.listener];
            self.core.shared.emit(ServerEvent::Opened { id, loop_id, peer: c.client(), listener });
        }
        tracing::trace!(loop_id, conn = id, "connection opened");
        self.arm_activity(key);
        self.callback(key, |h, conn| h.on_open(conn));
        if self.core.draining && self.live(token).is_some() {
            self.ask_to_finish(key);
        }
    }

    /// Whether listener `i`'s address requires the PROXY header.
    pub(crate) fn proxy_bind(&self, i: usize) -> bool {
        matches!(self.core.cfg.setups.get(i), Some(Some(s)) if s.proxy.is_some())
    }

    /// Whether an accepted connection may be served: on a PROXY protocol address, only
    /// from a trusted source (every local peer of a unix address is).
    fn trusted(&self, acc: &Accepted) -> bool {
        let Some(Some(setup)) = self.core.cfg.setups.get(acc.listener) else { return true };
        match (&setup.proxy, acc.peer.as_ip()) {
            (Some(proxy), Some(peer)) => proxy.trusted.iter().any(|n| n.contains(peer.ip())),
            _ => true,
        }
    }
}
