//! One connection's TLS session, driven sans-I/O: the engine reads the socket and hands
//! over the ciphertext; the session returns plaintext and the records to send, written
//! into a buffer the engine owns. rustls never touches the socket.

use std::sync::Arc;

use rustls::client::UnbufferedClientConnection;
use rustls::pki_types::ServerName;
use rustls::server::UnbufferedServerConnection;
use rustls::unbuffered::{ConnectionState, EncodeError, EncryptError, InsufficientSizeError};

use super::{TlsError, TlsInfo, TlsVersion};

/// Ciphertext on its way to the socket: a buffer whose zeroed capacity is kept between
/// uses, so encrypting into it costs no allocation and no clearing.
#[derive(Debug, Default)]
pub(crate) struct CipherBuf {
    buf: Vec<u8>,
    len: usize,
}

/// Largest plaintext the engine encrypts in one go (the rest waits for the socket to
/// take this): bounds the loop's ciphertext buffer.
pub(crate) const ENCRYPT_CHUNK: usize = 256 * 1024;

/// Bytes a TLS record adds to its payload, at most (header, explicit nonce, tag,
/// TLS 1.3's inner content type), rounded up.
const RECORD_OVERHEAD: usize = 64;

/// rustls's largest record payload.
const MAX_FRAGMENT: usize = 16 * 1024;

impl CipherBuf {
    /// Room for at least `min` more bytes.
    fn spare(&mut self, min: usize) -> &mut [u8] {
        if self.buf.len() - self.len < min {
            self.buf.resize(self.len + min.max(self.buf.len()), 0);
        }
        &mut self.buf[self.len..]
    }

    fn commit(&mut self, n: usize) {
        self.len += n;
    }

    /// The bytes written since the last [`clear`](Self::clear).
    pub(crate) fn data(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Empties it, and gives back memory past what an ordinary flush needs (a burst
    /// of large writes must not leave the loop holding megabytes).
    pub(crate) fn clear(&mut self) {
        self.len = 0;
        let keep = ENCRYPT_CHUNK + ENCRYPT_CHUNK / MAX_FRAGMENT * RECORD_OVERHEAD + RECORD_OVERHEAD;
        if self.buf.len() > keep {
            self.buf.truncate(keep);
            self.buf.shrink_to(keep);
        }
    }

    /// Writes one piece with `f`, growing to the size it asks for if needed.
    fn encode_with(
        &mut self,
        guess: usize,
        mut f: impl FnMut(&mut [u8]) -> Result<usize, Option<usize>>,
    ) -> bool {
        let mut want = guess;
        for _ in 0..2 {
            match f(self.spare(want)) {
                Ok(n) => {
                    self.commit(n);
                    return true;
                }
                Err(Some(required)) => want = required,
                Err(None) => return false,
            }
        }
        false
    }
}

fn need_encode(e: EncodeError) -> Option<usize> {
    match e {
        EncodeError::InsufficientSize(InsufficientSizeError { required_size }) => Some(required_size),
        EncodeError::AlreadyEncoded => None,
    }
}

fn need_encrypt(e: EncryptError) -> Result<usize, TlsError> {
    match e {
        EncryptError::InsufficientSize(InsufficientSizeError { required_size }) => Ok(required_size),
        EncryptError::EncryptExhausted => Err(TlsError::rustls(rustls::Error::EncryptError)),
    }
}

/// The two ends rustls distinguishes by type.
enum Side {
    Server(Box<UnbufferedServerConnection>),
    Client(Box<UnbufferedClientConnection>),
}

/// Runs `$body` with `$c` bound to the connection, whichever side it is.
macro_rules! with_side {
    ($side:expr, $c:ident => $body:expr) => {
        match $side {
            Side::Server($c) => $body,
            Side::Client($c) => $body,
        }
    };
}

/// What a pass over received ciphertext did.
#[derive(Debug, Default)]
pub(crate) struct Received {
    /// Bytes of the ciphertext used up: the rest is a partial record, to be kept and
    /// offered again with what follows.
    pub(crate) used: usize,
    /// The peer sent close_notify: no more data will come.
    pub(crate) peer_closed: bool,
}

/// One connection's TLS session.
pub(crate) struct TlsConn {
    side: Side,
    /// The negotiated session, once the handshake is done.
    info: Option<Box<TlsInfo>>,
    /// The SNI name (a server's, as the client asked) or the name a client verifies.
    server_name: Option<String>,
    close_notify_sent: bool,
    peer_closed: bool,
}

impl std::fmt::Debug for TlsConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConn")
            .field("handshaking", &self.is_handshaking())
            .field("close_notify_sent", &self.close_notify_sent)
            .field("peer_closed", &self.peer_closed)
            .finish_non_exhaustive()
    }
}

impl TlsConn {
    /// A server session with `config`, waiting for a ClientHello.
    pub(crate) fn server(config: &Arc<rustls::ServerConfig>) -> Result<TlsConn, TlsError> {
        let conn = UnbufferedServerConnection::new(config.clone()).map_err(TlsError::rustls)?;
        Ok(TlsConn::with(Side::Server(Box::new(conn)), None))
    }

    /// A client session with `config` that will verify the server as `name`; its
    /// ClientHello comes out of the first [`receive`](Self::receive).
    pub(crate) fn client(config: &Arc<rustls::ClientConfig>, name: &str) -> Result<TlsConn, TlsError> {
        let server = ServerName::try_from(name.to_string()).map_err(|_| {
            TlsError::rustls(rustls::Error::General(format!("{name:?} is not a valid server name")))
        })?;
        let conn = UnbufferedClientConnection::new(config.clone(), server).map_err(TlsError::rustls)?;
        Ok(TlsConn::with(Side::Client(Box::new(conn)), Some(name.to_string())))
    }

    fn with(side: Side, server_name: Option<String>) -> TlsConn {
        TlsConn { side, info: None, server_name, close_notify_sent: false, peer_closed: false }
    }

    /// Whether the handshake is still under way.
    pub(crate) fn is_handshaking(&self) -> bool {
        with_side!(&self.side, c => c.is_handshaking())
    }

    /// Whether the peer has sent close_notify.
    pub(crate) fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// Whether close_notify has been queued.
    pub(crate) fn close_notify_sent(&self) -> bool {
        self.close_notify_sent
    }

    /// The negotiated session, once the handshake is done.
    pub(crate) fn info(&self) -> Option<&TlsInfo> {
        self.info.as_deref()
    }

    /// Processes every whole record in `cipher`: application data goes to `plain`,
    /// anything to send (handshake messages, tickets, KeyUpdate answers, alerts) is
    /// appended to `out`. On an error the alert that explains it is in `out` too, and
    /// the error says how much was used.
    pub(crate) fn receive(
        &mut self,
        cipher: &mut [u8],
        plain: &mut dyn FnMut(&[u8]),
        out: &mut CipherBuf,
    ) -> Result<Received, TlsError> {
        let sni = matches!(self.side, Side::Server(_)) && self.server_name.is_none() && self.is_handshaking();
        if sni {
            super::server::take_sni(); // whatever an earlier connection left
        }
        let mut got = Received::default();
        let res = with_side!(&mut self.side, c => loop {
            let status = c.process_tls_records(&mut cipher[got.used..]);
            let mut discard = status.discard;
            let state = match status.state {
                Ok(state) => state,
                Err(e) => {
                    got.used += discard;
                    break Err(e);
                }
            };
            let more = match state {
                ConnectionState::ReadTraffic(mut r) => loop {
                    match r.next_record() {
                        Some(Ok(rec)) => {
                            discard += rec.discard;
                            plain(rec.payload);
                        }
                        Some(Err(e)) => break Err(e),
                        // With every byte used there is nothing more to process: the
                        // call that would only say so is saved (one per message).
                        None => break Ok(got.used + discard < cipher.len()),
                    }
                },
                // 0-RTT is off: early data never comes.
                ConnectionState::ReadEarlyData(_) => Err(rustls::Error::General("unexpected early data".into())),
                ConnectionState::EncodeTlsData(mut e) => {
                    out.encode_with(MAX_FRAGMENT, |buf| e.encode(buf).map_err(need_encode));
                    Ok(true)
                }
                ConnectionState::TransmitTlsData(t) => {
                    // Sent by the engine's next flush, in the order encoded.
                    t.done();
                    Ok(true)
                }
                ConnectionState::PeerClosed => {
                    got.peer_closed = true;
                    Ok(true)
                }
                // Waiting for more ciphertext (or finished).
                _ => Ok(false),
            };
            got.used += discard;
            match more {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(e) => break Err(e),
            }
        });
        if sni {
            self.server_name = super::server::take_sni();
        }
        if got.peer_closed {
            self.peer_closed = true;
        }
        match res {
            Ok(()) => {
                if self.info.is_none() && !self.is_handshaking() {
                    self.info = Some(Box::new(self.negotiated()));
                }
                Ok(got)
            }
            Err(e) => {
                self.encode_alert(out);
                Err(TlsError::rustls(e))
            }
        }
    }

    /// After an error: the alert rustls queued for the peer, encoded into `out`.
    fn encode_alert(&mut self, out: &mut CipherBuf) {
        with_side!(&mut self.side, c => {
            // Only while rustls has records queued: each call then hands one out
            // without looking at input again (which, after a fatal error, would make
            // it judge the same bad bytes twice).
            while c.wants_write() {
                match c.process_tls_records(&mut []).state {
                    Ok(ConnectionState::EncodeTlsData(mut e)) => {
                        out.encode_with(MAX_FRAGMENT, |buf| e.encode(buf).map_err(need_encode));
                    }
                    Ok(ConnectionState::TransmitTlsData(t)) => t.done(),
                    _ => break,
                }
            }
        })
    }

    /// Encrypts `plain` into `out` as application data records (at most 16 KiB each).
    /// `pending` is the ciphertext kept from earlier reads (a partial record), which
    /// rustls must see again unchanged.
    pub(crate) fn encrypt(
        &mut self,
        pending: &mut [u8],
        plain: &[u8],
        out: &mut CipherBuf,
    ) -> Result<(), TlsError> {
        self.write(pending, out, |w, out| {
            let guess = plain.len() + (plain.len() / MAX_FRAGMENT + 1) * RECORD_OVERHEAD;
            let mut want = guess;
            for _ in 0..2 {
                match w(plain, out.spare(want)) {
                    Ok(n) => {
                        out.commit(n);
                        return Ok(());
                    }
                    Err(e) => want = need_encrypt(e)?,
                }
            }
            Err(TlsError::rustls(rustls::Error::EncryptError))
        })
    }

    /// Queues close_notify into `out` (once).
    pub(crate) fn close_notify(&mut self, pending: &mut [u8], out: &mut CipherBuf) -> Result<(), TlsError> {
        if self.close_notify_sent {
            return Ok(());
        }
        self.close_notify_sent = true;
        self.write(pending, out, |w, out| {
            let mut want = RECORD_OVERHEAD;
            for _ in 0..2 {
                match w(&[], out.spare(want)) {
                    Ok(n) => {
                        out.commit(n);
                        return Ok(());
                    }
                    Err(e) => want = need_encrypt(e)?,
                }
            }
            Err(TlsError::rustls(rustls::Error::EncryptError))
        })
    }

    /// Brings the session to its writing state, encoding anything queued on the way,
    /// and runs `f` with an encrypt function (`&[]` means close_notify).
    fn write(
        &mut self,
        pending: &mut [u8],
        out: &mut CipherBuf,
        f: impl FnOnce(
            &mut dyn FnMut(&[u8], &mut [u8]) -> Result<usize, EncryptError>,
            &mut CipherBuf,
        ) -> Result<(), TlsError>,
    ) -> Result<(), TlsError> {
        let mut f = Some(f);
        let mut peer_closed = false;
        let res = with_side!(&mut self.side, c => loop {
            let status = c.process_tls_records(pending);
            if status.discard != 0 {
                // Every whole record is processed as it arrives, so the kept ciphertext
                // is never more than one partial record.
                break Err(TlsError::rustls(rustls::Error::General("unprocessed records at a flush".into())));
            }
            match status.state.map_err(TlsError::rustls)? {
                ConnectionState::WriteTraffic(mut w) => {
                    let f = f.take().expect("reached once");
                    break f(
                        &mut |data: &[u8], buf: &mut [u8]| {
                            if data.is_empty() {
                                w.queue_close_notify(buf)
                            } else {
                                w.encrypt(data, buf)
                            }
                        },
                        out,
                    );
                }
                ConnectionState::EncodeTlsData(mut e) => {
                    out.encode_with(MAX_FRAGMENT, |buf| e.encode(buf).map_err(need_encode));
                }
                ConnectionState::TransmitTlsData(t) => t.done(),
                ConnectionState::PeerClosed => peer_closed = true,
                ConnectionState::Closed => {
                    break Err(TlsError::rustls(rustls::Error::General("the session is closed".into())))
                }
                _ => break Err(TlsError::rustls(rustls::Error::HandshakeNotComplete)),
            }
        });
        if peer_closed {
            self.peer_closed = true;
        }
        res
    }

    /// The session as negotiated (right after the handshake).
    fn negotiated(&self) -> TlsInfo {
        with_side!(&self.side, c => TlsInfo {
            version: match c.protocol_version() {
                Some(rustls::ProtocolVersion::TLSv1_2) => TlsVersion::Tls12,
                _ => TlsVersion::Tls13,
            },
            cipher_suite: c.negotiated_cipher_suite().and_then(|s| s.suite().as_str()).unwrap_or("unknown"),
            alpn: c.alpn_protocol().map(<[u8]>::to_vec),
            server_name: self.server_name.clone(),
            peer_certificates: c.peer_certificates().map(<[_]>::to_vec).unwrap_or_default(),
            resumed: c.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
        })
    }
}
