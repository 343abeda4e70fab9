//! The connection-setup stage: what a connection goes through before it opens. An
//! accepted one: the PROXY protocol header, then the TLS handshake (`tls.rs`), each if
//! its address asks for it. A dialed TLS connection: its handshake, after the connect.
//!
//! During setup the loop reads the socket as usual (into the connection's own input
//! buffer, in reads no bigger than the header limit, so at most twice that is held)
//! but delivers nothing. When the
//! header is whole, the connection opens: `on_open` runs, and the bytes that followed
//! the header are delivered as its first input. A header that is malformed, too
//! large or not whole within the bind's setup timeout closes the connection, which
//! never opened: no `on_open`, no `on_close`; observers see it close with the reason.

use super::record::{Leaving, ProxyInfo, FIN_SEEN, RESUME_PENDING, SETUP};
use super::shared::{bump, unbump};
use super::{CloseReason, EventLoop, Handler};
use crate::proxy::{self, Parsed};
use crate::transport::Addr;

impl<H: Handler> EventLoop<H> {
    /// A readable edge on a connection in setup: read, and try the header.
    pub(crate) fn read_setup(&mut self, key: usize) {
        let listener = self.conns[key].listener;
        let Some(Some(setup)) = self.core.cfg.setups.get(listener) else { return };
        let Some(rules) = &setup.proxy else { return };
        let max = rules.max_header;
        // Reads no bigger than a header may be: a connection in setup holds at most
        // twice that (a pooled buffer, usually), however many wait for their headers.
        let read_size = self.rbuf.len().min(max);
        for _ in 0..self.core.read_budget {
            let c = &mut self.conns[key];
            // At most the header's limit plus one read is ever kept before it opens.
            let limit = max.saturating_add(read_size);
            let res = c.stream.read(c.inbuf.spare(read_size, limit, &mut self.core.pool));
            let n = match res {
                Ok(0) => return self.setup_failed(key, CloseReason::PeerClosed),
                Ok(n) => n,
                Err(e) if e.would_block() => return,
                Err(e) => return self.setup_failed(key, CloseReason::from_io(e.into())),
            };
            c.inbuf.filled(n);
            self.core.bytes_in += n as u64;
            c.last_in = self.core.clock.now_ms();
            match proxy::parse(c.inbuf.data(), max) {
                Ok(Parsed::Incomplete) => {
                    if n < read_size && !c.flag(FIN_SEEN) {
                        return; // drained: wait for the rest
                    }
                }
                Ok(Parsed::Complete(header, used)) => {
                    c.inbuf.consume(used, &mut self.core.pool);
                    let client = match (header.command, header.source()) {
                        (proxy::Command::Proxy, Some(source)) => Some(Addr::Ip(source)),
                        _ => None, // LOCAL, UNKNOWN: the socket's own peer stands
                    };
                    let local = header.command == proxy::Command::Local;
                    c.ext_mut().proxy = Some(Box::new(ProxyInfo { header, client, counted: false }));
                    if local {
                        bump(&self.core.counters().proxy_local, 1);
                    }
                    return match &setup.tls {
                        Some(tls) => {
                            let tls = tls.clone();
                            self.start_tls(key, &tls)
                        }
                        None => self.setup_done(key),
                    };
                }
                Err(e) => return self.setup_failed(key, CloseReason::ProxyHeader(Box::new(e))),
            }
        }
        // Budget spent with the header still coming: read again later in this pass.
        self.push_ready(key);
    }

    /// Setup is done: the real client passes the per-IP limit, then the connection
    /// opens and gets the bytes that followed.
    pub(crate) fn setup_done(&mut self, key: usize) {
        self.end_setup_timer(key);
        let c = &mut self.conns[key];
        if let Some(info) = c.tls().and_then(|t| t.session.info()) {
            bump(&self.core.counters().tls_handshakes, 1);
            if info.resumed {
                bump(&self.core.counters().tls_resumed, 1);
            }
        }
        if c.outbound {
            // A dialed TLS connection: its handshake was the rest of its connect.
            c.set_flag(SETUP, false);
            unbump(&self.core.counters().in_setup, 1);
            return self.open_outbound(key);
        }
        if c.admitted {
            let client = c.ext.as_ref().and_then(|e| e.proxy.as_ref()).and_then(|p| p.client.clone());
            if let Some(client) = client {
                match self.core.shared.admission.admit_client(&client) {
                    Ok(counted) => {
                        if let Some(p) = c.ext.as_mut().and_then(|e| e.proxy.as_mut()) {
                            p.counted = counted;
                        }
                    }
                    Err(refusal) => {
                        bump(&self.core.counters().refused_per_ip, 1);
                        self.core.shared.emit(super::ServerEvent::Refused { peer: &client, reason: refusal });
                        return self.setup_failed(key, CloseReason::Refused(refusal));
                    }
                }
            }
        }
        let c = &mut self.conns[key];
        c.set_flag(SETUP, false);
        unbump(&self.core.counters().in_setup, 1);
        // Its timeouts count from its opening.
        c.opened_ms = self.core.clock.now_ms();
        if !c.inbuf.is_empty() {
            c.set_flag(RESUME_PENDING, true);
        }
        let token = super::token::conn_token(key, c.gen);
        self.open(key);
        if let Some(key) = self.live(token) {
            let c = &self.conns[key];
            if c.flag(RESUME_PENDING) && c.wants_input() {
                self.push_ready(key);
            }
        }
    }

    /// Takes the setup timer of connection `key` out of the wheel: setup is over.
    fn end_setup_timer(&mut self, key: usize) {
        let c = &mut self.conns[key];
        let token = super::token::conn_token(key, c.gen);
        if let Some(tick) = c.ext.as_mut().and_then(|e| e.setup_timer.take()) {
            self.core.timers.remove(tick, super::timers::Timer::Setup(token));
        }
    }

    /// Setup failed (or was cut short): the connection closes without having opened.
    pub(crate) fn setup_failed(&mut self, key: usize, reason: CloseReason) {
        self.end_setup_timer(key);
        tracing::debug!(loop_id = self.id(), conn = self.conns[key].id, %reason, "connection setup failed");
        self.finalize(key, reason);
    }

    /// The setup timer of the connection `token` names fired.
    pub(crate) fn setup_timed_out(&mut self, token: crate::backend::Token) {
        if let Some(key) = self.live(token) {
            if self.conns[key].flag(SETUP) {
                bump(&self.core.counters().timed_out_setup, 1);
                self.setup_failed(key, CloseReason::SetupTimeout);
            }
        }
    }

    /// A connection in setup asked to leave (a graceful stop, a close command): it
    /// never opened, so it closes at once.
    pub(crate) fn leave_setup(&mut self, key: usize, how: Leaving) {
        let reason = match how {
            Leaving::Close(reason) => reason,
            Leaving::Detach => CloseReason::Local,
        };
        self.setup_failed(key, reason);
    }
}
