//! The encoding half of a codec: items in, bytes out through a [`Sink`], no I/O.

use crate::{Conn, ConnWriter};

/// Where an encoder puts its bytes: a connection's output, a `Vec<u8>`, anything that
/// takes bytes in order.
///
/// An encoder writes a frame as a few `put`s (a header built on the stack, then the
/// payload as it is), so nothing is assembled in a temporary buffer. Into a
/// [`Conn`], a payload that is a slice of the callback's input is even forwarded
/// without a copy (see [`Conn::write`]).
pub trait Sink {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl<S> Sink for Conn<'_, S> {
    fn put(&mut self, bytes: &[u8]) {
        self.write(bytes);
    }
}

/// A pipeline's many small replies, each a plain append (see [`ConnWriter`]).
impl Sink for ConnWriter<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        ConnWriter::put(self, bytes);
    }
}

impl<T: Sink + ?Sized> Sink for &mut T {
    fn put(&mut self, bytes: &[u8]) {
        (**self).put(bytes);
    }
}

/// Turns items into bytes.
///
/// An encoder checks the item first and writes nothing if it refuses it, so a
/// failed encode leaves the output as it was.
///
/// ```
/// use tcpio::codec::{Encoder, Sink};
///
/// /// Writes a number as decimal text and a newline.
/// struct Decimal;
///
/// impl Encoder for Decimal {
///     type Item<'a> = u64;
///     type Error = std::convert::Infallible;
///     fn encode<S: Sink + ?Sized>(&mut self, n: u64, dst: &mut S) -> Result<(), Self::Error> {
///         dst.put(n.to_string().as_bytes());
///         dst.put(b"\n");
///         Ok(())
///     }
/// }
///
/// let mut out = Vec::new();
/// Decimal.encode(42, &mut out).unwrap();
/// assert_eq!(out, b"42\n");
/// ```
pub trait Encoder {
    /// What the encoder takes, possibly borrowed (`&'a [u8]` for the built-ins).
    type Item<'a>;
    /// Why an item was refused.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Writes `item` into `dst`, or nothing if it is refused.
    fn encode<S: Sink + ?Sized>(&mut self, item: Self::Item<'_>, dst: &mut S) -> Result<(), Self::Error>;
}
