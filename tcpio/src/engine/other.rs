//! Connections reaching each other on one loop: dialing out from a handler, and
//! acting on another connection of the same loop by its id (a proxy's two ends).
//!
//! A callback holds one connection; others are reached through operations recorded
//! during the callback ([`Conn::connect`], [`Conn::to`]) and applied right after it,
//! in order, on the same thread: no lock, no mailbox, no cross-thread hop. A write to
//! another connection made from the callback's own input is not copied: it goes
//! straight from the read buffer to the other socket, and only what that socket does
//! not take is kept.

use std::io;
use std::time::Duration;

use super::conn::Conn;
use super::staged::{Dial, Op, Piece};
use super::token::conn_token;
use super::CloseReason;
use crate::transport::{Addr, Stream};

/// Another connection of the same loop, as a callback sees it: every call is
/// recorded and applied, in order, as soon as the callback returns. Made by
/// [`Conn::to`].
#[derive(Debug)]
pub struct Other<'c, 'a, S> {
    conn: &'c mut Conn<'a, S>,
    id: u64,
}

impl<S> Other<'_, '_, S> {
    /// The other connection's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    fn push(&mut self, op: Op) {
        self.conn.core.staged.push(self.id, op);
    }

    /// Queues bytes for the other connection's peer. A slice of this callback's
    /// input is not copied: it is offered to the other socket straight from the read
    /// buffer after the callback, and only what the socket does not take is kept.
    /// Like any write it counts towards that connection's high-water mark (its
    /// handler hears [`on_high_water`](crate::Handler::on_high_water), the usual cue
    /// to pause this side) and its hard cap.
    ///
    /// Bytes that are not this callback's input are copied until the callback
    /// returns; those copies are bounded by the hard cap
    /// ([`Builder::max_output`](crate::Builder::max_output)) over all the callback's
    /// writes to other connections. A write past it is not stored, and closes its
    /// target with [`CloseReason::OutputLimit`].
    pub fn write(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let core = &mut *self.conn.core;
        match core.batch.input_offset(data) {
            Some(off) => self.push(Op::Write(Piece::Input { off, len: data.len() })),
            None => core.staged.push_owned(self.id, data, core.max_output),
        }
    }

    /// Stops reading the other connection (as its own
    /// [`Conn::pause_read`](crate::Conn::pause_read)).
    pub fn pause_read(&mut self) {
        self.push(Op::PauseRead);
    }

    /// Resumes reading the other connection (as its own
    /// [`Conn::resume_read`](crate::Conn::resume_read)).
    pub fn resume_read(&mut self) {
        self.push(Op::ResumeRead);
    }

    /// Sends the other connection's peer a FIN once its queued output is written
    /// (forwarding a half-close).
    pub fn shutdown_write(&mut self) {
        self.push(Op::ShutdownWrite);
    }

    /// Closes the other connection after flushing it, with this reason.
    pub fn close_with(&mut self, reason: CloseReason) {
        self.push(Op::Close(reason));
    }

    /// Closes the other connection after flushing it.
    pub fn close(&mut self) {
        self.close_with(CloseReason::Local);
    }
}

impl<'a, S: 'static> Conn<'a, S> {
    /// Dials `addr` (a TCP socket address or a unix socket path) from this loop. The
    /// new connection is served by this loop's handler, starts with `state`, and gets
    /// [`on_open`](crate::Handler::on_open) once connected; if the connect fails or
    /// takes longer than `timeout`, it gets [`on_close`](crate::Handler::on_close)
    /// with [`CloseReason::ConnectFailed`] instead (and no `on_open`).
    ///
    /// Returns the new connection's id, by which this connection reaches it with
    /// [`to`](Self::to) (and the new one reaches this one). Failures known at once
    /// (no such unix socket, out of descriptors, the server shutting down) are
    /// returned here, as is a dial past
    /// [`Builder::max_connections`](crate::Builder::max_connections), which counts
    /// outbound connections too. The address must be resolved already: a name lookup
    /// would block the loop.
    pub fn connect(&mut self, addr: impl Into<Addr>, timeout: Duration, state: S) -> io::Result<u64> {
        self.dial(addr.into(), timeout, state, None, None)
    }

    /// [`connect`](Self::connect) over TLS with `client`'s settings, verifying the
    /// server's certificate as `server_name` (a DNS name or an IP address). The
    /// connect timeout covers the handshake too: the connection opens (`on_open`)
    /// once the handshake is done, and a refused certificate closes it with
    /// [`CloseReason::Tls`] (`on_close`, no `on_open`). A name that is not valid is an
    /// `InvalidInput` error here.
    pub fn connect_tls(
        &mut self,
        addr: impl Into<Addr>,
        timeout: Duration,
        state: S,
        client: &crate::tls::TlsClient,
        server_name: &str,
    ) -> io::Result<u64> {
        let session = crate::tls::TlsConn::client(&client.config, server_name)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        self.dial(addr.into(), timeout, state, None, Some(Box::new(session)))
    }

    /// [`connect`](Self::connect), and the new connection sends `header` (a PROXY
    /// protocol header, see [`tcpio::proxy`](crate::proxy)) before any other output:
    /// how a server behind which more servers stand passes the client's address on.
    /// A header its version cannot express is an `InvalidInput` error here.
    pub fn connect_with_proxy_header(
        &mut self,
        addr: impl Into<Addr>,
        timeout: Duration,
        state: S,
        header: &crate::proxy::Header,
    ) -> io::Result<u64> {
        let mut first = Vec::new();
        header.write(&mut first).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        self.dial(addr.into(), timeout, state, Some(first), None)
    }

    fn dial(
        &mut self,
        peer: Addr,
        timeout: Duration,
        state: S,
        first: Option<Vec<u8>>,
        tls: Option<Box<crate::tls::TlsConn>>,
    ) -> io::Result<u64> {
        if self.core.draining {
            // Dialing while stopping could keep the loop alive for ever (a client
            // that reconnects from `on_close`).
            return Err(io::Error::other("the server is shutting down"));
        }
        let admission = &self.core.shared.admission;
        if let Err(refusal) = admission.admit_outbound() {
            return Err(io::Error::other(refusal.to_string()));
        }
        let stream = Stream::connect(&peer).inspect_err(|_| admission.release_outbound())?;
        let id = self.core.new_id();
        self.core.staged.reach(id, None);
        self.make_reachable();
        let state = Box::new(state);
        self.core.staged.push(id, Op::Dial(Dial { stream, peer, timeout, state, first, tls }));
        Ok(id)
    }

    /// Another connection of this loop, by id: one this connection dialed, the one
    /// that dialed it, or any made reachable with [`make_reachable`](Self::make_reachable).
    /// `None` if there is no such connection on this loop (it has closed, or lives on
    /// another loop: reach those through a [`ConnHandle`](crate::ConnHandle)).
    pub fn to(&mut self, id: u64) -> Option<Other<'_, 'a, S>> {
        if self.core.staged.reachable(id) {
            Some(Other { conn: self, id })
        } else {
            None
        }
    }

    /// Lets other connections of this loop reach this one by its id through
    /// [`to`](Self::to) (dialing and being dialed do this already). The loop keeps
    /// one map entry for it until it closes.
    pub fn make_reachable(&mut self) {
        if !self.c.reachable {
            self.c.reachable = true;
            let me = conn_token(self.c.key as usize, self.c.gen);
            self.core.staged.reach(self.c.id, Some(me));
        }
    }

    /// Whether this connection was dialed out ([`connect`](Self::connect)) rather
    /// than accepted.
    pub fn is_outbound(&self) -> bool {
        self.c.outbound
    }
}
