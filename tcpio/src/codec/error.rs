//! The errors of the built-in codecs: bad input on the wire, an item that cannot be
//! encoded, a configuration that makes no sense.

use std::fmt;

/// Input the built-in decoders reject. The stream cannot be resynchronised after it:
/// [`Framed`](super::Framed) closes the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// A length field claims a frame body longer than the codec's maximum. Nothing
    /// was reserved for it.
    FrameTooLarge {
        /// The body length the header claims (length field plus adjustment).
        claimed: u64,
        /// The codec's maximum body length.
        max: usize,
    },
    /// A length field whose value, with the codec's adjustment, is negative or does
    /// not fit in memory.
    BadLength {
        /// The raw value of the length field.
        value: u64,
        /// The codec's length adjustment.
        adjustment: i64,
    },
    /// No delimiter (or line ending) within the maximum length.
    TooLong {
        /// The codec's maximum item length, delimiter excluded.
        max: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::FrameTooLarge { claimed, max } => {
                write!(f, "frame of {claimed} bytes exceeds the maximum of {max}")
            }
            DecodeError::BadLength { value, adjustment } => {
                write!(f, "malformed length field: {value} with adjustment {adjustment}")
            }
            DecodeError::TooLong { max } => write!(f, "no delimiter within the maximum of {max} bytes"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// A frame a codec of your own cannot decode: an unknown opcode, a field out of range,
/// bad UTF-8. Use it as your decoder's `Error` when a reason is all there is to say;
/// [`Framed`](super::Framed) closes the connection with it as
/// [`CloseReason::Protocol`](crate::CloseReason::Protocol), after
/// [`FrameHandler::on_decode_error`](super::FrameHandler::on_decode_error) has had the
/// chance to answer with an error frame.
///
/// ```
/// use tcpio::codec::{Decoded, Decoder, InvalidFrame};
///
/// /// One byte per frame: an opcode from 1 to 3.
/// struct Op;
///
/// impl Decoder for Op {
///     type Item<'a> = u8;
///     type Error = InvalidFrame;
///     fn decode<'a>(&mut self, src: &'a [u8]) -> Result<Decoded<u8>, InvalidFrame> {
///         match src.first() {
///             None => Ok(Decoded::NeedMore),
///             Some(&op @ 1..=3) => Ok(Decoded::Item { item: op, used: 1 }),
///             Some(op) => Err(InvalidFrame::new(format!("unknown opcode {op}"))),
///         }
///     }
/// }
///
/// assert_eq!(Op.decode(&[9]).unwrap_err().to_string(), "invalid frame: unknown opcode 9");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidFrame {
    reason: String,
}

impl InvalidFrame {
    /// An invalid frame, and why.
    pub fn new(reason: impl Into<String>) -> InvalidFrame {
        InvalidFrame { reason: reason.into() }
    }

    /// Why the frame is invalid.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for InvalidFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid frame: {}", self.reason)
    }
}

impl std::error::Error for InvalidFrame {}

/// An item the built-in encoders refuse. Nothing was written for it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The item is longer than the codec's maximum (the peer would reject it).
    TooLarge {
        /// The item's length.
        len: usize,
        /// The codec's maximum.
        max: usize,
    },
    /// The length field cannot hold the item's length (too wide for the field, or
    /// negative after the adjustment).
    LengthOutOfRange {
        /// The item's length.
        len: usize,
    },
    /// The prefix given for the bytes before the length field has the wrong size.
    PrefixSize {
        /// The prefix's length.
        len: usize,
        /// The codec's length-field offset.
        offset: usize,
    },
    /// The item contains the delimiter (or a line ending), so it would not decode
    /// as one item.
    ContainsDelimiter,
    /// The item's length differs from a fixed-size codec's size.
    WrongSize {
        /// The item's length.
        len: usize,
        /// The codec's size.
        size: usize,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::TooLarge { len, max } => {
                write!(f, "item of {len} bytes exceeds the maximum of {max}")
            }
            EncodeError::LengthOutOfRange { len } => {
                write!(f, "the length field cannot express an item of {len} bytes")
            }
            EncodeError::PrefixSize { len, offset } => {
                write!(f, "prefix of {len} bytes given for a length field at offset {offset}")
            }
            EncodeError::ContainsDelimiter => f.write_str("the item contains the delimiter"),
            EncodeError::WrongSize { len, size } => {
                write!(f, "item of {len} bytes given to a fixed-size codec of {size}")
            }
        }
    }
}

impl std::error::Error for EncodeError {}

/// A codec configuration that cannot work, found when it is built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A length field must be 1, 2, 3, 4 or 8 bytes wide.
    Width(usize),
    /// The header (offset plus width) plus the maximum frame size overflow `usize`.
    Overflow,
    /// A delimiter must have at least one byte.
    EmptyDelimiter,
    /// A fixed-size codec's size must be at least one byte.
    ZeroSize,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Width(w) => write!(f, "length field width {w}: must be 1, 2, 3, 4 or 8 bytes"),
            ConfigError::Overflow => f.write_str("offset, width and maximum frame size overflow usize"),
            ConfigError::EmptyDelimiter => f.write_str("the delimiter is empty"),
            ConfigError::ZeroSize => f.write_str("a fixed frame size must be at least 1 byte"),
        }
    }
}

impl std::error::Error for ConfigError {}
