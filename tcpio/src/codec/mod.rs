//! Framing: turning a connection's byte stream into messages and back.
//!
//! TCP delivers bytes, not messages: one read may hold half a request, or three. A
//! codec says where each message (a *frame*, or *item*) ends. This module has
//!
//! - two tiny sans-I/O traits: a [`Decoder`] looks at the bytes received so far and
//!   says [`Decoded::NeedMore`], or [`Decoded::Item`] with how many bytes it used, or
//!   an error; an [`Encoder`] writes an item into a [`Sink`] (a [`Conn`](crate::Conn),
//!   a `Vec<u8>`). A type that is both is a [`Codec`];
//! - built-in codecs, each with a maximum size: [`LengthField`] (a length in the
//!   header; 1–8 bytes, either byte order, at an offset, with an adjustment),
//!   [`Line`] (`\n` or `\r\n`), [`Delimiter`] (any byte sequence) and [`Fixed`];
//! - [`Framed`], which turns a frame-level [`FrameHandler`] into a
//!   [`Handler`](crate::Handler) for the server.
//!
//! # Decoding by hand
//!
//! A decoder never owns the bytes: the caller keeps them, drops what each item used,
//! and asks again. The built-in decoders yield `&[u8]` slices of the input, so a
//! frame's payload is never copied.
//!
//! ```
//! use tcpio::codec::{Decoded, Decoder, LengthField};
//!
//! let mut codec = LengthField::new(); // 4-byte big-endian length, then the body
//! let wire = [&[0, 0, 0, 2][..], b"hi", &[0, 0, 0, 3], b"tcp", &[0, 0]].concat();
//!
//! let mut rest = &wire[..];
//! let mut frames = Vec::new();
//! while let Decoded::Item { item, used } = codec.decode(rest).unwrap() {
//!     frames.push(item);
//!     rest = &rest[used..];
//! }
//! assert_eq!(frames, [&b"hi"[..], b"tcp"]);
//! assert_eq!(rest, [0, 0]); // the start of a third frame: needs more
//! ```
//!
//! # Encoding
//!
//! An encoder writes a frame as a few pieces (a header on the stack, then the
//! payload), straight into the sink: no temporary buffer. It checks the item first,
//! and a refused item writes nothing.
//!
//! ```
//! use tcpio::codec::{EncodeError, Encoder, Line};
//!
//! let mut codec = Line::crlf();
//! let mut out = Vec::new();
//! codec.encode(b"+PONG", &mut out).unwrap();
//! assert_eq!(out, b"+PONG\r\n");
//! assert_eq!(codec.encode(b"two\nlines", &mut out), Err(EncodeError::ContainsDelimiter));
//! ```
//!
//! # Serving frames
//!
//! [`Framed`] runs a [`FrameHandler`] on the server: each connection gets its own
//! clone of the codec, every whole frame of a read is decoded in one callback, and
//! the replies to pipelined frames go out in one write.
//!
//! ```
//! use std::io::{Read, Write};
//! use tcpio::codec::{FrameConn, FrameHandler, Framed, LengthField};
//! use tcpio::{Action, Server};
//!
//! /// Replies to each frame with the same payload, reversed.
//! struct Reverse;
//!
//! impl FrameHandler for Reverse {
//!     type Codec = LengthField;
//!     type State = u64; // frames served on this connection
//!
//!     fn on_frame(&mut self, conn: &mut FrameConn<'_, '_, Self>, frame: &[u8]) -> Action {
//!         *conn.state_mut() += 1;
//!         let reversed: Vec<u8> = frame.iter().rev().copied().collect();
//!         conn.send(&reversed).expect("no larger than the request");
//!         Action::Continue
//!     }
//! }
//!
//! let codec = LengthField::builder().width(2).max_frame(1024).build().unwrap();
//! let server = Server::builder()
//!     .bind("127.0.0.1:0")?
//!     .loops(1)
//!     .start(move |_| Framed::new(codec.clone(), Reverse))?;
//! let mut client = std::net::TcpStream::connect(server.local_addrs()[0].as_ip().unwrap()).unwrap();
//! client.write_all(b"\x00\x03abc\x00\x02xy").unwrap(); // two frames, one write
//! let mut reply = [0u8; 9];
//! client.read_exact(&mut reply).unwrap();
//! assert_eq!(&reply, b"\x00\x03cba\x00\x02yx");
//! server.shutdown();
//! server.wait()?;
//! # Ok::<(), tcpio::Error>(())
//! ```
//!
//! # Bad input
//!
//! Every built-in codec has a maximum (lifting it is an explicit, large number,
//! never the default). A length over it, a malformed length, or a line that runs
//! past it is a [`DecodeError`] at once, before anything is buffered for the
//! claimed size: [`Framed`] closes that connection and hands the error to
//! [`FrameHandler::on_close`]; no other connection notices. Note that the engine
//! also bounds the input a connection may hold unconsumed
//! ([`Builder::max_input`](crate::Builder::max_input), 1 MiB by default): raise it
//! with the codec's maximum. A configuration that cannot work (a 5-byte length
//! field, an empty delimiter) is a [`ConfigError`] when the codec is built.

mod client;
mod decoder;
mod delimiter;
mod encoder;
mod error;
mod fixed;
mod framed;
mod length_field;
mod line;

pub use client::FramedClient;
pub use decoder::{Decoded, Decoder};
pub use delimiter::Delimiter;
pub use encoder::{Encoder, Sink};
pub use error::{ConfigError, DecodeError, EncodeError, InvalidFrame};
pub use fixed::Fixed;
pub use framed::{FrameConn, FrameHandler, Framed, FramedState};
pub use length_field::{Endian, LengthField, LengthFieldBuilder, DEFAULT_MAX_FRAME};
pub use line::{Line, LineEnding, DEFAULT_MAX_LINE};

/// A [`Decoder`] that is also an [`Encoder`]: what [`Framed`] needs. Implemented for
/// every such type.
pub trait Codec: Decoder + Encoder {}

impl<T: Decoder + Encoder> Codec for T {}

/// Decodes every whole item at the start of `wire`, for the codecs' unit tests.
#[cfg(test)]
fn decode_all<D>(codec: &mut D, mut wire: &[u8]) -> Result<Vec<Vec<u8>>, D::Error>
where
    D: for<'a> Decoder<Item<'a> = &'a [u8]>,
{
    let mut v = Vec::new();
    while let Decoded::Item { item, used } = codec.decode(wire)? {
        v.push(item.to_vec());
        wire = &wire[used..];
    }
    Ok(v)
}
