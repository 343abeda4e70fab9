//! `Framed` on a real server: pipelined frames, frames split byte by byte, decode
//! errors that close one connection and no other.

mod util;

use std::io::Write;
use std::sync::mpsc;

use tcpio::codec::{
    DecodeError, Decoder, EncodeError, Encoder, FrameConn, FrameHandler, Framed, LengthField, Line,
};
use tcpio::{Action, CloseReason};
use util::*;

/// How a connection ended, as the frame handler saw it.
#[derive(Debug)]
struct Closed {
    reason: CloseReason,
    error: Option<DecodeError>,
    frames: usize,
    max_queued: usize,
}

/// Echoes every frame, re-encoded; a frame `quit` closes. Records the most output
/// queued within one callback and reports each close.
struct Echo<C> {
    codec: std::marker::PhantomData<C>,
    closed: mpsc::Sender<Closed>,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    frames: usize,
    max_queued: usize,
}

impl<C> FrameHandler for Echo<C>
where
    C: for<'a> Decoder<Item<'a> = &'a [u8], Error = DecodeError>
        + for<'a> Encoder<Item<'a> = &'a [u8], Error = EncodeError>
        + Clone
        + 'static,
{
    type Codec = C;
    type State = Counts;

    fn on_frame(&mut self, conn: &mut FrameConn<'_, '_, Self>, frame: &[u8]) -> Action {
        conn.state_mut().frames += 1;
        if frame == b"quit" {
            return Action::Close;
        }
        conn.send(frame).unwrap();
        let queued = conn.queued();
        let st = conn.state_mut();
        st.max_queued = st.max_queued.max(queued);
        Action::Continue
    }

    fn on_close(
        &mut self,
        conn: &mut FrameConn<'_, '_, Self>,
        reason: &CloseReason,
        error: Option<&DecodeError>,
    ) {
        let Counts { frames, max_queued } = *conn.state();
        let _ =
            self.closed.send(Closed { reason: reason.clone(), error: error.cloned(), frames, max_queued });
    }
}

fn server<C>(codec: C) -> (tcpio::ServerHandle, std::net::SocketAddr, mpsc::Receiver<Closed>)
where
    Echo<C>: FrameHandler<Codec = C>,
    C: Clone + Send + Sync + 'static,
{
    let (tx, rx) = mpsc::channel();
    let (h, addr) = start(local().loops(1), move |_| {
        Framed::new(codec.clone(), Echo { codec: std::marker::PhantomData, closed: tx.clone() })
    });
    (h, addr, rx)
}

fn encode<C: for<'a> Encoder<Item<'a> = &'a [u8], Error = EncodeError>>(
    mut codec: C,
    frames: &[Vec<u8>],
) -> Vec<u8> {
    let mut wire = Vec::new();
    for f in frames {
        codec.encode(f, &mut wire).unwrap();
    }
    wire
}

#[test]
fn pipelined_frames_in_one_write_all_get_replies() {
    let codec = LengthField::builder().max_frame(4096).build().unwrap();
    let (_server, addr, closed) = server(codec);
    let frames: Vec<Vec<u8>> = (0..300).map(|i| payload(i, (i as usize * 37) % 3000)).collect();
    let wire = encode(codec, &frames);
    let mut c = connect(addr);
    let mut r = c.try_clone().unwrap();
    let len = wire.len();
    let reader = std::thread::spawn(move || read_n(&mut r, len));
    c.write_all(&wire).unwrap();
    assert!(reader.join().unwrap() == wire, "every reply, in order");
    drop(c);
    let done = closed.recv_timeout(LIMIT).unwrap();
    assert_eq!(done.frames, frames.len());
    assert!(done.error.is_none());
}

#[test]
fn replies_to_one_read_are_queued_together() {
    let codec = Line::new();
    let (_server, addr, closed) = server(codec.clone());
    // Ten short lines in one small write arrive in one read on loopback: all ten
    // replies are queued in that one callback, to leave in one write.
    let frames: Vec<Vec<u8>> = (0..10).map(|i| format!("line {i}").into_bytes()).collect();
    let wire = encode(codec, &frames);
    let mut c = connect(addr);
    c.write_all(&wire).unwrap();
    assert_eq!(read_n(&mut c, wire.len()), wire);
    drop(c);
    let done = closed.recv_timeout(LIMIT).unwrap();
    assert_eq!(done.frames, 10);
    assert_eq!(done.max_queued, wire.len(), "the tenth reply was queued behind the other nine");
}

/// Sends `wire` one byte per write (no Nagle delay) and expects `wire` back.
fn byte_by_byte<C>(codec: C, frames: &[Vec<u8>])
where
    Echo<C>: FrameHandler<Codec = C>,
    C: for<'a> Encoder<Item<'a> = &'a [u8], Error = EncodeError> + Clone + Send + Sync + 'static,
{
    let wire = encode(codec.clone(), frames);
    let (_server, addr, closed) = server(codec);
    let mut c = connect(addr);
    c.set_nodelay(true).unwrap();
    let mut r = c.try_clone().unwrap();
    let len = wire.len();
    let reader = std::thread::spawn(move || read_n(&mut r, len));
    for b in &wire {
        c.write_all(std::slice::from_ref(b)).unwrap();
    }
    assert!(reader.join().unwrap() == wire);
    drop(c);
    assert_eq!(closed.recv_timeout(LIMIT).unwrap().frames, frames.len());
}

#[test]
fn a_frame_split_byte_by_byte() {
    let frames = vec![payload(1, 300), vec![], payload(2, 5)];
    byte_by_byte(LengthField::builder().width(2).little_endian().build().unwrap(), &frames);
    byte_by_byte(Line::crlf(), &[b"GET / HTTP/1.1".to_vec(), vec![], b"Host: x".to_vec()]);
}

#[test]
fn a_decode_error_closes_only_that_connection() {
    let codec = LengthField::builder().max_frame(1000).build().unwrap();
    let (_server, addr, closed) = server(codec);
    let mut good = connect(addr);
    let mut bad = connect(addr);
    // A valid frame, then a header claiming 4 GiB, in one write.
    let mut wire = encode(codec, &[b"ok".to_vec()]);
    wire.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3]);
    bad.write_all(&wire).unwrap();
    // The reply to the valid frame, then the end of the stream.
    assert_eq!(read_to_end(&mut bad).unwrap(), encode(codec, &[b"ok".to_vec()]));
    drop(bad); // the server lingers for our FIN before it reports the close
    let done = closed.recv_timeout(LIMIT).unwrap();
    assert_eq!(done.error, Some(DecodeError::FrameTooLarge { claimed: u32::MAX as u64, max: 1000 }));
    assert!(matches!(done.reason, CloseReason::Protocol(_)), "{:?}", done.reason);
    assert_eq!(done.frames, 1);
    // The other connection never noticed.
    let wire = encode(codec, &[b"still here".to_vec()]);
    good.write_all(&wire).unwrap();
    assert_eq!(read_n(&mut good, wire.len()), wire);
}

#[test]
fn a_line_that_never_ends_is_closed_at_the_maximum() {
    let (_server, addr, closed) = server(Line::new().with_max_length(64));
    let mut c = connect(addr);
    c.write_all(&[b'x'; 100]).unwrap();
    assert_eq!(read_to_end(&mut c).unwrap(), b"");
    drop(c);
    let done = closed.recv_timeout(LIMIT).unwrap();
    assert_eq!(done.error, Some(DecodeError::TooLong { max: 64 }));
}

#[test]
fn closing_from_a_frame_stops_the_frames_after_it() {
    let (_server, addr, closed) = server(Line::new());
    let mut c = connect(addr);
    c.write_all(b"a\nquit\nb\n").unwrap();
    assert_eq!(read_to_end(&mut c).unwrap(), b"a\n");
    drop(c);
    let done = closed.recv_timeout(LIMIT).unwrap();
    assert_eq!(done.frames, 2);
    assert!(done.error.is_none());
}

/// Answers each line after a timer, with the connection's id: timers, state and
/// `Conn` methods straight on the framed connection.
struct Delayed;

impl tcpio::codec::FrameHandler for Delayed {
    type Codec = tcpio::codec::Line;
    type State = Vec<Vec<u8>>;
    fn on_frame(&mut self, conn: &mut tcpio::codec::FrameConn<'_, '_, Self>, line: &[u8]) -> Action {
        conn.state_mut().push(line.to_vec());
        conn.set_timer(std::time::Duration::from_millis(20));
        // A Conn method, through the framed connection.
        assert!(conn.tls().is_none() && !conn.is_outbound());
        Action::Continue
    }
    fn on_timer(&mut self, conn: &mut tcpio::codec::FrameConn<'_, '_, Self>, _: tcpio::TimerId) -> Action {
        let lines = std::mem::take(conn.state_mut());
        for l in lines {
            let reply = [&b"later: "[..], &l].concat();
            conn.send(&reply).unwrap();
        }
        Action::Continue
    }
}

#[test]
fn a_frame_handler_sets_timers_on_its_connection_directly() {
    let (_h, addr) =
        start(local().loops(1), |_| tcpio::codec::Framed::new(tcpio::codec::Line::new(), Delayed));
    let mut s = connect(addr);
    s.write_all(b"one\ntwo\n").unwrap();
    let got = read_n(&mut s, b"later: one\nlater: two\n".len());
    assert_eq!(got, b"later: one\nlater: two\n");
}

/// Lines that must be numbers; anything else is an invalid frame, answered with an
/// error line before the close.
#[derive(Clone)]
struct Numbers;

impl tcpio::codec::Decoder for Numbers {
    type Item<'a> = u64;
    type Error = tcpio::codec::InvalidFrame;
    fn decode(&mut self, src: &[u8]) -> Result<tcpio::codec::Decoded<u64>, Self::Error> {
        let Some(end) = src.iter().position(|&b| b == b'\n') else {
            return Ok(tcpio::codec::Decoded::NeedMore);
        };
        let text =
            std::str::from_utf8(&src[..end]).map_err(|_| tcpio::codec::InvalidFrame::new("not UTF-8"))?;
        let n =
            text.parse().map_err(|_| tcpio::codec::InvalidFrame::new(format!("{text:?} is not a number")))?;
        Ok(tcpio::codec::Decoded::Item { item: n, used: end + 1 })
    }
}

impl Encoder for Numbers {
    type Item<'a> = &'a [u8];
    type Error = EncodeError;
    fn encode<S: tcpio::codec::Sink + ?Sized>(
        &mut self,
        line: &[u8],
        dst: &mut S,
    ) -> Result<(), EncodeError> {
        dst.put(line);
        dst.put(b"\n");
        Ok(())
    }
}

struct Doubler(mpsc::Sender<String>);

impl tcpio::codec::FrameHandler for Doubler {
    type Codec = Numbers;
    type State = ();
    fn on_frame(&mut self, conn: &mut tcpio::codec::FrameConn<'_, '_, Self>, n: u64) -> Action {
        conn.send((n * 2).to_string().as_bytes()).unwrap();
        Action::Continue
    }
    fn on_decode_error(
        &mut self,
        conn: &mut tcpio::codec::FrameConn<'_, '_, Self>,
        error: &tcpio::codec::InvalidFrame,
    ) {
        conn.send(format!("ERR {}", error.reason()).as_bytes()).unwrap();
    }
    fn on_close(
        &mut self,
        _: &mut tcpio::codec::FrameConn<'_, '_, Self>,
        reason: &CloseReason,
        error: Option<&tcpio::codec::InvalidFrame>,
    ) {
        let _ = self.0.send(format!("{reason} / {:?}", error.map(|e| e.reason())));
    }
}

#[test]
fn an_invalid_frame_is_answered_with_an_error_frame_before_the_close() {
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let (_h, addr) = start(local().loops(1), move |_| {
        tcpio::codec::Framed::new(Numbers, Doubler(tx.lock().unwrap().clone()))
    });
    let mut s = connect(addr);
    s.write_all(b"21\nfive\n7\n").unwrap();
    let got = read_to_end(&mut s).unwrap();
    assert_eq!(got, b"42\nERR \"five\" is not a number\n", "the reply, the error frame, then the end");
    drop(s);
    let closed = rx.recv_timeout(LIMIT).unwrap();
    assert_eq!(
        closed,
        "protocol error: invalid frame: \"five\" is not a number / Some(\"\\\"five\\\" is not a number\")"
    );
}

/// Echoes every frame.
struct FrameEcho;

impl tcpio::codec::FrameHandler for FrameEcho {
    type Codec = LengthField;
    type State = ();
    fn on_frame(&mut self, conn: &mut tcpio::codec::FrameConn<'_, '_, Self>, frame: &[u8]) -> Action {
        conn.send(frame).unwrap();
        Action::Continue
    }
}

#[test]
fn a_blocking_framed_client_pipelines_ten_thousand_requests() {
    let (_h, addr) = start(local().loops(2), |_| tcpio::codec::Framed::new(LengthField::new(), FrameEcho));
    let mut client = tcpio::codec::FramedClient::new(connect(addr), LengthField::new());
    for i in 0..10_000u32 {
        client.send(&payload(u64::from(i), (i % 300) as usize)).unwrap();
    }
    client.flush().unwrap();
    for i in 0..10_000u32 {
        assert_eq!(client.receive().unwrap(), &payload(u64::from(i), (i % 300) as usize)[..], "reply {i}");
    }
    assert_eq!(client.call(b"one more").unwrap(), b"one more");
    // The server's end of stream before a whole reply.
    let (stream, rest) = client.into_parts();
    assert!(rest.is_empty());
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut client = tcpio::codec::FramedClient::new(stream, LengthField::new());
    let e = client.receive().unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof, "{e}");
}

#[test]
fn a_blocking_framed_client_reports_a_reply_that_does_not_decode() {
    // A "server" that answers with a header claiming 4 GiB.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(&[0xFF, 0xFF, 0xFF, 0xFF, 0]).unwrap();
        let _ = read_to_end(&mut s);
    });
    let codec = LengthField::builder().max_frame(1000).build().unwrap();
    let mut client = tcpio::codec::FramedClient::new(connect(addr), codec);
    let e = client.call(b"hello").unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
    assert!(e.to_string().contains("exceeds the maximum of 1000"), "{e}");
    // An item the codec refuses is refused before anything is sent.
    let e = client.send(&vec![0u8; 2000]).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    drop(client);
    server.join().unwrap();
}
