//! [`Framed`]: a [`Handler`] that decodes frames and hands them to a [`FrameHandler`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::{Decoded, Decoder, Encoder};
use crate::{Action, CloseReason, Conn, Detached, Handler, Input, TimerId};

/// Frame-level callbacks, turned into a [`Handler`] by [`Framed`].
///
/// Only [`on_frame`](Self::on_frame) is required. Each callback gets a
/// [`FrameConn`]: the connection, with [`send`](FrameConn::send) to encode replies.
pub trait FrameHandler: 'static {
    /// The codec; each connection gets its own clone of the one given to
    /// [`Framed::new`] (a decoder keeps per-connection progress).
    type Codec: Decoder + Encoder + Clone + 'static;
    /// Per-connection state, created with `Default` when a connection opens.
    type State: Default + 'static;

    /// The loop has started; see [`Handler::on_loop_start`].
    fn on_loop_start(&mut self, loop_id: usize) {
        let _ = loop_id;
    }

    /// A connection is ready; see [`Handler::on_open`].
    fn on_open(&mut self, conn: &mut FrameConn<'_, '_, Self>) -> Action {
        let _ = conn;
        Action::Continue
    }

    /// One decoded frame. It may borrow from the connection's input, which stays
    /// valid for this call only. Anything but [`Action::Continue`] stops decoding
    /// the frames that follow it.
    fn on_frame(
        &mut self,
        conn: &mut FrameConn<'_, '_, Self>,
        frame: <Self::Codec as Decoder>::Item<'_>,
    ) -> Action;

    /// The peer shut down its write side; see [`Handler::on_eof`]. A partial frame
    /// left in the input is never delivered. The default closes after flushing.
    fn on_eof(&mut self, conn: &mut FrameConn<'_, '_, Self>) -> Action {
        let _ = conn;
        Action::Close
    }

    /// Queued output passed the high-water mark and reading is paused; see
    /// [`Handler::on_high_water`].
    fn on_high_water(&mut self, conn: &mut FrameConn<'_, '_, Self>) -> Action {
        let _ = conn;
        Action::Continue
    }

    /// Output that waited for the socket has drained; see [`Handler::on_drained`].
    fn on_drained(&mut self, conn: &mut FrameConn<'_, '_, Self>) -> Action {
        let _ = conn;
        Action::Continue
    }

    /// A timer set with [`Conn::set_timer`] fired.
    fn on_timer(&mut self, conn: &mut FrameConn<'_, '_, Self>, timer: TimerId) -> Action {
        let _ = (conn, timer);
        Action::Continue
    }

    /// A timeout passed; see [`Handler::on_timeout`] (a goodbye frame written here
    /// is flushed before the close).
    fn on_timeout(&mut self, conn: &mut FrameConn<'_, '_, Self>, reason: &CloseReason) -> Action {
        let _ = (conn, reason);
        Action::Close
    }

    /// Another thread woke the connection ([`ConnHandle::wake`](crate::ConnHandle::wake)).
    fn on_wake(&mut self, conn: &mut FrameConn<'_, '_, Self>) -> Action {
        let _ = conn;
        Action::Continue
    }

    /// The server is shutting down gracefully; the default closes after flushing
    /// (see [`Handler::on_shutdown`]).
    fn on_shutdown(&mut self, conn: &mut FrameConn<'_, '_, Self>) -> Action {
        let _ = conn;
        Action::Close
    }

    /// The input did not decode: the connection will close (the stream cannot be
    /// resynchronised) with [`CloseReason::Protocol`] holding `error`. What this
    /// writes (an error frame: `conn.send(..)`) goes out before the close, as with
    /// any close after a flush. The default writes nothing.
    fn on_decode_error(
        &mut self,
        conn: &mut FrameConn<'_, '_, Self>,
        error: &<Self::Codec as Decoder>::Error,
    ) {
        let _ = (conn, error);
    }

    /// The connection has closed. `error` is the decode error that closed it, if
    /// that is why (`reason` is then [`CloseReason::Protocol`] holding it).
    fn on_close(
        &mut self,
        conn: &mut FrameConn<'_, '_, Self>,
        reason: &CloseReason,
        error: Option<&<Self::Codec as Decoder>::Error>,
    ) {
        let _ = (conn, reason, error);
    }

    /// The connection was detached ([`Action::Detach`] from a callback); the frames
    /// not decoded yet are in [`Detached::unread`]. The default drops (closes) it.
    fn on_detach(&mut self, detached: Detached<FramedState<Self::Codec, Self::State>>) {
        let _ = detached;
    }

    /// The loop's periodic tick; see [`Handler::on_tick`].
    fn on_tick(&mut self) -> Option<Duration> {
        None
    }
}

/// The state [`Framed`] keeps per connection: the frame handler's own state and the
/// connection's codec.
pub struct FramedState<C: Decoder, S> {
    user: S,
    /// `None` until the connection's first callback, and while a callback has it.
    codec: Option<C>,
}

impl<C: Decoder, S: Default> Default for FramedState<C, S> {
    fn default() -> Self {
        FramedState { user: S::default(), codec: None }
    }
}

impl<C: Decoder, S: fmt::Debug> fmt::Debug for FramedState<C, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FramedState").field("user", &self.user).finish_non_exhaustive()
    }
}

impl<C: Decoder, S> FramedState<C, S> {
    /// The frame handler's state.
    pub fn user(&self) -> &S {
        &self.user
    }

    /// The frame handler's state, mutably.
    pub fn user_mut(&mut self) -> &mut S {
        &mut self.user
    }

    /// The frame handler's state, taken out (from a [`Detached`] connection).
    pub fn into_user(self) -> S {
        self.user
    }
}

/// The connection type a [`Framed`] handler's callbacks get from the engine.
type FConn<'a, H> = Conn<'a, FramedState<<H as FrameHandler>::Codec, <H as FrameHandler>::State>>;

/// A connection as a [`FrameHandler`] sees it: the engine's [`Conn`] plus the
/// connection's codec, to encode replies.
///
/// Everything [`Conn`] offers is callable on it directly (it dereferences to the
/// connection): timers (`conn.set_timer(..)`, heard in
/// [`FrameHandler::on_timer`]), [`handle`](Conn::handle), [`server`](Conn::server),
/// pause and resume, [`tls`](Conn::tls), other connections of the loop. Its own
/// [`state`](Self::state) is the frame handler's state, and [`send`](Self::send)
/// encodes a frame; [`write`](Self::write) queues raw bytes.
///
/// ```
/// use std::time::Duration;
/// use tcpio::codec::{FrameConn, FrameHandler, Line};
/// use tcpio::{Action, TimerId};
///
/// /// Says hello a second after each line, unless another line comes first.
/// struct Later;
///
/// impl FrameHandler for Later {
///     type Codec = Line;
///     type State = Option<TimerId>;
///     fn on_frame(&mut self, conn: &mut FrameConn<'_, '_, Self>, _line: &[u8]) -> Action {
///         if let Some(t) = conn.state_mut().take() {
///             conn.cancel_timer(t);
///         }
///         let t = conn.set_timer(Duration::from_secs(1));
///         *conn.state_mut() = Some(t);
///         Action::Continue
///     }
///     fn on_timer(&mut self, conn: &mut FrameConn<'_, '_, Self>, _timer: TimerId) -> Action {
///         *conn.state_mut() = None;
///         conn.send(b"hello").map_or(Action::Close, |_| Action::Continue)
///     }
/// }
///
/// let handler = tcpio::codec::Framed::new(Line::new(), Later);
/// # drop(handler);
/// ```
pub struct FrameConn<'c, 'a, H: FrameHandler + ?Sized> {
    conn: &'c mut FConn<'a, H>,
    codec: &'c mut H::Codec,
}

impl<H: FrameHandler + ?Sized> fmt::Debug for FrameConn<'_, '_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameConn").field("id", &self.conn.id()).field("queued", &self.conn.queued()).finish()
    }
}

impl<'c, 'a, H: FrameHandler + ?Sized> FrameConn<'c, 'a, H> {
    /// Encodes `item` into the connection's output, queued like
    /// [`Conn::write`]: a payload borrowed from this callback's input is forwarded
    /// without a copy. A refused item writes nothing.
    pub fn send(
        &mut self,
        item: <H::Codec as Encoder>::Item<'_>,
    ) -> Result<(), <H::Codec as Encoder>::Error> {
        self.codec.encode(item, &mut *self.conn)
    }

    /// Queues raw bytes, outside the codec.
    pub fn write(&mut self, bytes: &[u8]) {
        self.conn.write(bytes);
    }

    /// The frame handler's per-connection state.
    pub fn state(&self) -> &H::State {
        &self.conn.state().user
    }

    /// The frame handler's per-connection state, mutably.
    pub fn state_mut(&mut self) -> &mut H::State {
        &mut self.conn.state_mut().user
    }

    /// The connection's id; see [`Conn::id`].
    pub fn id(&self) -> u64 {
        self.conn.id()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> &crate::Addr {
        self.conn.peer_addr()
    }

    /// Bytes queued for the peer; see [`Conn::queued`].
    pub fn queued(&self) -> usize {
        self.conn.queued()
    }

    /// Closes after the callback, once queued output is flushed.
    pub fn close(&mut self) {
        self.conn.close();
    }

    /// The connection's codec and the engine's connection, both at once (e.g. for
    /// [`LengthField::encode_with_prefix`](super::LengthField::encode_with_prefix)
    /// into the connection). Everything else of [`Conn`] is callable directly.
    pub fn parts(&mut self) -> (&mut H::Codec, &mut FConn<'a, H>) {
        (self.codec, self.conn)
    }
}

impl<'a, H: FrameHandler + ?Sized> std::ops::Deref for FrameConn<'_, 'a, H> {
    type Target = FConn<'a, H>;

    fn deref(&self) -> &FConn<'a, H> {
        self.conn
    }
}

impl<H: FrameHandler + ?Sized> std::ops::DerefMut for FrameConn<'_, '_, H> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.conn
    }
}

/// Turns a [`FrameHandler`] into a [`Handler`]: decodes every whole frame of each
/// read, calls [`FrameHandler::on_frame`] for each, and closes a connection whose
/// input does not decode, handing the error to [`FrameHandler::on_close`].
///
/// ```text
///   on_data(input) ─▶ decode ─▶ Item ─▶ consume, on_frame(conn, item) ─▶ replies encoded
///                      │  ▲                         │                    into conn's output
///                      │  └──── Continue ───────────┘
///                      ├─▶ NeedMore ─▶ return Continue (the rest waits for the next read)
///                      └─▶ Err(e) ───▶ keep e, return Close ─▶ on_close(.., Some(&e))
/// ```
///
/// Every whole frame in one read is decoded in the same callback, so the replies to
/// pipelined requests leave in one write (the engine flushes once per callback).
/// `on_frame` returning anything but [`Action::Continue`], or pausing reads, stops
/// the decoding: frames not decoded yet stay in the input.
///
/// ```
/// use std::io::{Read, Write};
/// use tcpio::codec::{FrameConn, FrameHandler, Framed, Line};
/// use tcpio::{Action, Server};
///
/// /// Replies to each line with its length.
/// struct Count;
///
/// impl FrameHandler for Count {
///     type Codec = Line;
///     type State = ();
///     fn on_frame(&mut self, conn: &mut FrameConn<'_, '_, Self>, line: &[u8]) -> Action {
///         conn.send(line.len().to_string().as_bytes()).expect("digits are a valid line");
///         Action::Continue
///     }
/// }
///
/// let server = Server::builder().bind("127.0.0.1:0")?.loops(1).start(|_| Framed::new(Line::new(), Count))?;
/// let mut client = std::net::TcpStream::connect(server.local_addrs()[0].as_ip().unwrap()).unwrap();
/// client.write_all(b"hello\r\nframed\n").unwrap(); // two lines in one write
/// let mut reply = [0u8; 4];
/// client.read_exact(&mut reply).unwrap();
/// assert_eq!(&reply, b"5\n6\n");
/// server.shutdown();
/// server.wait()?;
/// # Ok::<(), tcpio::Error>(())
/// ```
pub struct Framed<H: FrameHandler> {
    handler: H,
    /// Cloned for each connection.
    codec: H::Codec,
}

impl<H: FrameHandler> fmt::Debug for Framed<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Framed").finish_non_exhaustive()
    }
}

impl<H: FrameHandler> Framed<H> {
    /// Frames decoded with (a clone of) `codec`, handled by `handler`.
    pub fn new(codec: H::Codec, handler: H) -> Framed<H> {
        Framed { handler, codec }
    }

    /// The frame handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The frame handler, mutably.
    pub fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }

    /// Runs `f` with the connection's codec lent to a [`FrameConn`], then puts the
    /// codec back (it lives in the connection's state, which the `FrameConn` also
    /// borrows).
    fn with<R>(
        &mut self,
        conn: &mut FConn<'_, H>,
        f: impl FnOnce(&mut H, &mut FrameConn<'_, '_, H>) -> R,
    ) -> R {
        let mut codec = conn.state_mut().codec.take().unwrap_or_else(|| self.codec.clone());
        let r = f(&mut self.handler, &mut FrameConn { conn: &mut *conn, codec: &mut codec });
        conn.state_mut().codec = Some(codec);
        r
    }
}

impl<H: FrameHandler> Handler for Framed<H> {
    type State = FramedState<H::Codec, H::State>;

    fn on_loop_start(&mut self, loop_id: usize) {
        self.handler.on_loop_start(loop_id);
    }

    fn on_open(&mut self, conn: &mut FConn<'_, H>) -> Action {
        self.with(conn, |h, c| h.on_open(c))
    }

    fn on_data(&mut self, conn: &mut FConn<'_, H>, input: &mut Input<'_>) -> Action {
        self.with(conn, |h, c| loop {
            // `bytes` borrows the input's buffer, not `input`: the frame stays valid
            // after it is consumed.
            let item = match c.codec.decode(input.bytes()) {
                Ok(Decoded::NeedMore) => return Action::Continue,
                Ok(Decoded::Item { item, used }) => {
                    assert!(
                        used >= 1 && used <= input.len(),
                        "decoder used {used} bytes of {} (must be 1 or more, at most all)",
                        input.len()
                    );
                    input.consume(used);
                    item
                }
                Err(e) => {
                    tracing::debug!(conn = c.conn.id(), error = %e, "decode error, closing");
                    h.on_decode_error(c, &e);
                    c.conn.close_with(CloseReason::Protocol(Arc::new(e)));
                    return Action::Close;
                }
            };
            match h.on_frame(c, item) {
                Action::Continue if !c.conn.is_read_paused() => {}
                action => return action,
            }
        })
    }

    fn on_eof(&mut self, conn: &mut FConn<'_, H>) -> Action {
        self.with(conn, |h, c| h.on_eof(c))
    }

    fn on_high_water(&mut self, conn: &mut FConn<'_, H>) -> Action {
        self.with(conn, |h, c| h.on_high_water(c))
    }

    fn on_drained(&mut self, conn: &mut FConn<'_, H>) -> Action {
        self.with(conn, |h, c| h.on_drained(c))
    }

    fn on_timer(&mut self, conn: &mut FConn<'_, H>, timer: TimerId) -> Action {
        self.with(conn, |h, c| h.on_timer(c, timer))
    }

    fn on_timeout(&mut self, conn: &mut FConn<'_, H>, reason: &CloseReason) -> Action {
        self.with(conn, |h, c| h.on_timeout(c, reason))
    }

    fn on_wake(&mut self, conn: &mut FConn<'_, H>) -> Action {
        self.with(conn, |h, c| h.on_wake(c))
    }

    fn on_shutdown(&mut self, conn: &mut FConn<'_, H>) -> Action {
        self.with(conn, |h, c| h.on_shutdown(c))
    }

    fn on_close(&mut self, conn: &mut FConn<'_, H>, reason: &CloseReason) {
        let error = reason.protocol_error::<<H::Codec as Decoder>::Error>();
        self.with(conn, |h, c| h.on_close(c, reason, error));
    }

    fn on_detach(&mut self, detached: Detached<Self::State>) {
        self.handler.on_detach(detached);
    }

    fn on_tick(&mut self) -> Option<Duration> {
        self.handler.on_tick()
    }
}
