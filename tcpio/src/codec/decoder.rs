//! The decoding half of a codec: bytes in, items out, no I/O.

/// What one call to [`Decoder::decode`] found at the start of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "an item that is not used is lost, and a count not consumed decodes it again"]
pub enum Decoded<T> {
    /// The input does not hold a whole item yet; call again when more bytes arrived.
    NeedMore,
    /// One item, decoded from the first `used` bytes of the input (`used >= 1`).
    Item {
        /// The item; it may borrow from the input.
        item: T,
        /// How many bytes of the input the item took, header and delimiter included.
        used: usize,
    },
}

/// Turns a byte stream into items.
///
/// A decoder is sans-I/O: it looks at the bytes received so far and says whether
/// they start with a whole item. The caller ([`Framed`](super::Framed), a test, a
/// blocking client) owns the bytes, drops the `used` ones after each item, and calls
/// again with the rest.
///
/// # The contract
///
/// - `decode` never panics and never reserves memory for a size the input merely
///   claims: a length over the decoder's maximum is an error at once.
/// - After [`Decoded::NeedMore`], the next call gets the same bytes with more
///   appended, so a decoder may remember how far it has looked (the line and
///   delimiter decoders do, to scan each byte once). After [`Decoded::Item`], the
///   next call starts at the byte after the item.
/// - After an error the stream is out of step; the caller gives up on it.
///
/// # Borrowing from the input
///
/// [`Item`](Decoder::Item) is generic over the input's lifetime, so an item can
/// borrow its payload instead of copying it: every built-in decoder yields
/// `&'a [u8]`, a slice of the input.
///
/// ```
/// use tcpio::codec::{Decoded, Decoder};
///
/// /// Items are single bytes that are not zero; a zero byte is an error.
/// struct NonZero;
///
/// impl Decoder for NonZero {
///     type Item<'a> = u8;
///     type Error = std::io::Error;
///     fn decode<'a>(&mut self, src: &'a [u8]) -> Result<Decoded<u8>, std::io::Error> {
///         match src.first() {
///             None => Ok(Decoded::NeedMore),
///             Some(0) => Err(std::io::Error::other("zero byte")),
///             Some(&b) => Ok(Decoded::Item { item: b, used: 1 }),
///         }
///     }
/// }
///
/// assert_eq!(NonZero.decode(b"\x07rest").unwrap(), Decoded::Item { item: 7, used: 1 });
/// assert_eq!(NonZero.decode(b"").unwrap(), Decoded::NeedMore);
/// assert!(NonZero.decode(b"\0").is_err());
/// ```
pub trait Decoder {
    /// What the decoder yields, possibly borrowing from the input.
    type Item<'a>;
    /// Why the input was rejected; [`Framed`](super::Framed) hands it to
    /// [`FrameHandler::on_close`](super::FrameHandler::on_close).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Looks for one item at the start of `src`.
    fn decode<'a>(&mut self, src: &'a [u8]) -> Result<Decoded<Self::Item<'a>>, Self::Error>;
}
