//! TLS connections in the loop: the handshake as a setup stage, reading ciphertext and
//! delivering plaintext, encrypting at the flush, close_notify.
//!
//! The loop reads a TLS connection's socket itself, as any other: into its ciphertext
//! buffer (`EventLoop::tls_in`), or behind a partial record kept from the last read
//! (`TlsIo::incoming`), so "a short read means drained" still holds. rustls turns whole
//! records into plaintext, which lands at the start of the loop's read buffer and is
//! delivered from there as any fresh input (`deliver_fresh`: forwarded slices are
//! located by their offset, only what the handler leaves is kept). Plaintext that
//! follows kept input, or that does not fit the read buffer, is kept input instead
//! (`deliver_kept`). rustls's output of its own (handshake messages, tickets,
//! KeyUpdate answers, alerts) is sent as it comes.
//!
//! Output is queued as plaintext and encrypted when the socket can take it:
//!
//! ```text
//!  out: [ ciphertext the socket has not taken | plaintext not yet encrypted ]
//!        head          cipher_len             |
//! ```
//!
//! so the queue's length, which every limit reads, counts every byte held for the peer,
//! and "all output sent" (`out.is_empty()`) means both parts are gone.

use std::io;
use std::net::Shutdown;
use std::sync::Arc;

use super::core::Core;
use super::deliver::{deliver_fresh, deliver_kept, Read};
use super::flush::settle;
use super::record::{Record, TlsIo, EOF, NOTIFY_DRAINED, SETUP, TLS, WRITE_BLOCKED};
use super::shared::bump;
use super::token::conn_token;
use super::{CloseReason, EventLoop, Handler};
use crate::tls::{TlsConn, TlsError, ENCRYPT_CHUNK};

/// The largest TLS record on the wire (16 KiB of payload, 256 bytes of expansion, the
/// 5-byte header): a partial one is all a connection keeps between reads.
const MAX_RECORD: usize = 16 * 1024 + 256 + 5;

/// A TLS failure as the I/O error a flush returns (turned back into
/// [`CloseReason::Tls`] by `CloseReason::from_io`).
fn tls_io_error(e: TlsError) -> io::Error {
    io::Error::other(e)
}

impl Core {
    /// The flush of a TLS connection: plaintext is encrypted (in chunks, so the loop's
    /// ciphertext buffer stays bounded) and written; only ciphertext the socket does
    /// not take is kept. A blocked socket keeps the plaintext as it is, to be encrypted
    /// when it has room.
    #[inline(never)]
    pub(crate) fn flush_tls<S>(&mut self, c: &mut Record<S>, input: &[u8]) -> io::Result<()> {
        if c.flag(WRITE_BLOCKED) {
            settle(&mut c.out, &mut self.batch, input, 0, &mut self.pool);
            return Ok(());
        }
        // One forwarded slice and nothing queued (an echo) is encrypted from where it
        // lies; anything else becomes plaintext in the queue first.
        let direct = self.batch.count() == 1 && c.out.is_empty();
        let mut slice = None;
        if direct {
            let s = self.batch.first();
            slice = Some((s.off, s.len));
            self.batch.clear();
        } else if self.batch.count() > 0 {
            settle(&mut c.out, &mut self.batch, input, 0, &mut self.pool);
        }
        let setup = c.flag(SETUP);
        let Some(tls) = c.ext.as_mut().and_then(|e| e.tls.as_mut()) else { return Ok(()) };
        loop {
            let prefix = tls.cipher_len;
            let plain_in_queue = c.out.len() - prefix;
            let (chunk, from_queue) = match slice.take() {
                Some((off, len)) => (&input[off..off + len], 0),
                None => {
                    let n = plain_in_queue.min(ENCRYPT_CHUNK);
                    (&c.out.pending()[prefix..prefix + n], n)
                }
            };
            if !chunk.is_empty() {
                let pending = tls.incoming.data_mut();
                tls.session.encrypt(pending, chunk, &mut self.tls_out).map_err(tls_io_error)?;
            }
            let new = self.tls_out.data();
            let total = prefix + new.len();
            if total == 0 {
                return Ok(());
            }
            c.last_out = self.clock.now_ms();
            let res = match (prefix, new.is_empty()) {
                (0, _) => c.stream.write(new),
                (_, true) => c.stream.write(&c.out.pending()[..prefix]),
                _ => {
                    let iov = [io::IoSlice::new(&c.out.pending()[..prefix]), io::IoSlice::new(new)];
                    c.stream.write_vectored(&iov)
                }
            };
            let sent = match res {
                Ok(n) => n,
                Err(e) if e.would_block() => 0,
                Err(e) => {
                    self.tls_out.clear();
                    return Err(e.into());
                }
            };
            self.bytes_out += sent as u64;
            if sent == total {
                if prefix + from_queue > 0 {
                    c.out.advance(prefix + from_queue, &mut self.pool);
                }
                tls.cipher_len = 0;
                self.tls_out.clear();
                if c.out.is_empty() {
                    return Ok(());
                }
                continue; // more plaintext: the next chunk
            }
            // The socket is full: keep the unsent ciphertext, then the plaintext left.
            let mut rest = super::buffer::OutBuf::scratch(&mut self.pool);
            let pending = c.out.pending();
            if sent < prefix {
                rest.extend_from_slice(&pending[sent..prefix]);
            }
            rest.extend_from_slice(&new[sent.saturating_sub(prefix)..]);
            let cipher_len = rest.len();
            rest.extend_from_slice(&pending[prefix + from_queue..]);
            c.out.replace(rest, &mut self.pool);
            tls.cipher_len = cipher_len;
            self.tls_out.clear();
            c.set_flag(WRITE_BLOCKED, true);
            // A connection still in its handshake has no handler to tell.
            c.set_flag(NOTIFY_DRAINED, !setup);
            return Ok(());
        }
    }

    /// Puts the ciphertext in `tls_out` (output of the session's own) at the end of
    /// the queue's ciphertext, ahead of plaintext not yet encrypted: records go out in
    /// the order they were sealed.
    fn queue_ciphertext<S>(&mut self, c: &mut Record<S>) {
        if self.tls_out.is_empty() {
            return;
        }
        let Some(tls) = c.ext.as_mut().and_then(|e| e.tls.as_mut()) else { return };
        let new = self.tls_out.data();
        if c.out.len() == tls.cipher_len {
            c.out.extend(new, &mut self.pool);
        } else {
            let mut rest = super::buffer::OutBuf::scratch(&mut self.pool);
            let pending = c.out.pending();
            rest.extend_from_slice(&pending[..tls.cipher_len]);
            rest.extend_from_slice(new);
            rest.extend_from_slice(&pending[tls.cipher_len..]);
            c.out.replace(rest, &mut self.pool);
        }
        tls.cipher_len += new.len();
        self.tls_out.clear();
    }
}

impl<H: Handler> EventLoop<H> {
    /// Starts TLS on an accepted connection in setup (after its PROXY header, if it
    /// had one): whatever was read already is the start of the handshake.
    pub(crate) fn start_tls(&mut self, key: usize, config: &Arc<crate::tls::rustls::ServerConfig>) {
        let session = match TlsConn::server(config) {
            Ok(s) => s,
            Err(e) => return self.setup_failed(key, CloseReason::Tls(e)),
        };
        let c = &mut self.conns[key];
        let mut io = TlsIo::new(session);
        // Bytes that followed the PROXY header are ciphertext.
        std::mem::swap(&mut io.incoming, &mut c.inbuf);
        let kept = !io.incoming.is_empty();
        c.ext_mut().tls = Some(Box::new(io));
        c.set_flag(TLS, true);
        if kept {
            self.tls_receive(key, None);
        }
    }

    /// A dialed TLS connection has connected: it stays in setup, sending its
    /// ClientHello, until the handshake is done.
    pub(crate) fn start_tls_client(&mut self, key: usize) {
        let c = &mut self.conns[key];
        c.set_flag(SETUP, true);
        bump(&self.core.counters().in_setup, 1);
        self.tls_receive(key, None);
    }

    /// A readable edge (or a place in the ready list) on a TLS connection.
    pub(crate) fn read_tls(&mut self, key: usize) {
        let token = conn_token(key, self.conns[key].gen);
        for _ in 0..self.core.read_budget {
            let c = &mut self.conns[key];
            if !c.flag(SETUP) && !c.wants_input() {
                return;
            }
            let fin_seen = c.flag(super::record::FIN_SEEN);
            let Some(tls) = c.ext.as_mut().and_then(|e| e.tls.as_mut()) else { return };
            let read_size = self.rbuf.len();
            let fresh = tls.incoming.is_empty();
            let res = if fresh {
                if self.tls_in.len() != read_size {
                    self.tls_in = vec![0; read_size];
                }
                c.stream.read(&mut self.tls_in)
            } else {
                // A partial record and one read is the most it ever holds.
                let limit = MAX_RECORD + read_size;
                c.stream.read(tls.incoming.spare(read_size, limit, &mut self.core.pool))
            };
            let n = match res {
                Ok(0) => return self.tls_eof(key),
                Ok(n) => n,
                Err(e) if e.would_block() => return,
                Err(e) => return self.tls_failed(key, CloseReason::from_io(e.into())),
            };
            self.core.bytes_in += n as u64;
            c.last_in = self.core.clock.now_ms();
            let drained = n < read_size && !fin_seen;
            if !fresh {
                tls.incoming.filled(n);
            }
            if !self.tls_receive(key, fresh.then_some(n)) || drained {
                return;
            }
            if self.live(token).is_none() {
                return;
            }
        }
        // Budget spent with input possibly still waiting: read again later this pass.
        self.push_ready(key);
    }

    /// Processes the ciphertext just read (`fresh`: that many bytes at the start of
    /// `tls_in`; `None`: the kept bytes), delivers the plaintext and sends what the
    /// session produced. Returns whether to read on.
    fn tls_receive(&mut self, key: usize, fresh: Option<usize>) -> bool {
        let token = conn_token(key, self.conns[key].gen);
        let c = &mut self.conns[key];
        // Plaintext goes to the read buffer while it can: an open connection with no
        // input kept. Past the buffer's end it all becomes kept input, in order.
        let mut at_start = !c.flag(SETUP) && c.inbuf.is_empty();
        let Some(tls) = c.ext.as_mut().and_then(|e| e.tls.as_mut()) else { return false };
        let pool = &mut self.core.pool;
        let inbuf = &mut c.inbuf;
        let rbuf = &mut self.rbuf;
        let mut plain = 0;
        let mut sink = |p: &[u8]| {
            if at_start {
                if let Some(room) = rbuf.get_mut(plain..plain + p.len()) {
                    room.copy_from_slice(p);
                    plain += p.len();
                    return;
                }
                at_start = false;
                inbuf.append(&rbuf[..plain], pool);
                plain = 0;
            }
            inbuf.append(p, pool);
        };
        let cipher = match fresh {
            Some(n) => &mut self.tls_in[..n],
            None => tls.incoming.data_mut(),
        };
        let res = tls.session.receive(cipher, &mut sink, &mut self.core.tls_out);
        let pool = &mut self.core.pool;
        match (&res, fresh) {
            (Ok(got), Some(n)) if got.used < n => tls.incoming.append(&self.tls_in[got.used..n], pool),
            (Ok(got), None) => tls.incoming.consume(got.used, pool),
            _ => {}
        }
        // What the session has to say goes out now, an alert included (after the
        // handshake, usually nothing).
        let flushed = match self.core.tls_out.is_empty() {
            true => Ok(()),
            false => {
                self.core.queue_ciphertext(c);
                self.core.flush(c, &[])
            }
        };
        let got = match res {
            Ok(got) => got,
            Err(e) => {
                let _ = c.stream.shutdown(Shutdown::Write);
                self.tls_failed(key, CloseReason::Tls(e));
                return false;
            }
        };
        if let Err(e) = flushed {
            self.tls_failed(key, CloseReason::from_io(e));
            return false;
        }
        let c = &mut self.conns[key];
        if c.flag(SETUP) {
            if got.peer_closed {
                self.tls_failed(key, CloseReason::PeerClosed);
                return false;
            }
            if !c.tls().is_some_and(|t| t.session.is_handshaking()) {
                self.setup_done(key);
                if let Some(key) = self.live(token) {
                    if self.conns[key].wants_input() {
                        self.push_ready(key);
                    }
                }
                return false;
            }
            return true;
        }
        if plain > 0 && !c.wants_input() {
            // Paused meanwhile (a write to it from elsewhere): kept for the resume.
            c.inbuf.append(&self.rbuf[..plain], &mut self.core.pool);
        } else if plain > 0 {
            let data = &self.rbuf[..plain];
            if !deliver_fresh(&mut self.handler, c, &mut self.core, data) && !self.finish(key, plain, token) {
                return false;
            }
            if self.live(token).is_none() {
                return false;
            }
        } else if !c.inbuf.is_empty() && c.wants_input() {
            if !deliver_kept(&mut self.handler, c, &mut self.core, 0) && !self.finish(key, 0, token) {
                return false;
            }
            if self.live(token).is_none() {
                return false;
            }
        }
        if got.peer_closed {
            // close_notify: the end of the stream, whether or not a FIN follows.
            let c = &mut self.conns[key];
            if !c.flag(EOF) && c.leaving.is_none() {
                self.read_slow(key, Read::Eof, 0);
            }
            return false;
        }
        self.live(token).is_some_and(|key| self.conns[key].wants_input())
    }

    /// The socket reached end of stream.
    fn tls_eof(&mut self, key: usize) {
        let c = &mut self.conns[key];
        if c.flag(SETUP) {
            return self.tls_failed(key, CloseReason::PeerClosed);
        }
        if let Some(tls) = c.ext.as_mut().and_then(|e| e.tls.as_mut()) {
            // Without close_notify the peer's data may have been cut short.
            tls.truncated = !tls.session.peer_closed();
        }
        self.read_slow(key, Read::Eof, 0);
    }

    /// A TLS connection failed: one in setup never opened; an open one closes at once.
    fn tls_failed(&mut self, key: usize, reason: CloseReason) {
        if let CloseReason::Tls(e) = &reason {
            bump(&self.core.counters().tls_failed, 1);
            tracing::debug!(loop_id = self.id(), conn = self.conns[key].id, error = %e, "TLS failed");
        }
        if self.conns[key].flag(SETUP) {
            self.setup_failed(key, reason);
        } else {
            self.finalize(key, reason);
        }
    }

    /// Queues close_notify on a TLS connection whose output has all gone, ahead of its
    /// FIN. Returns true if it must wait for the socket to take it.
    pub(crate) fn send_close_notify(&mut self, key: usize) -> bool {
        let c = &mut self.conns[key];
        let Some(tls) = c.ext.as_mut().and_then(|e| e.tls.as_mut()) else { return false };
        if tls.session.close_notify_sent() || tls.session.is_handshaking() {
            return false;
        }
        let pending = tls.incoming.data_mut();
        if tls.session.close_notify(pending, &mut self.core.tls_out).is_err() {
            self.core.tls_out.clear();
            return false;
        }
        self.core.queue_ciphertext(c);
        match self.core.flush(c, &[]) {
            Ok(()) => !self.conns[key].out.is_empty(),
            Err(_) => false,
        }
    }
}
