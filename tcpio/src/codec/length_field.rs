//! Frames announced by a length field in their header: [`LengthField`].

use super::{ConfigError, DecodeError, Decoded, Decoder, EncodeError, Encoder, Sink};

/// The default maximum body size of a [`LengthField`] codec: 512 KiB, so a whole
/// frame and the start of the next one fit within the engine's default input limit
/// ([`DEFAULT_MAX_INPUT`](crate::DEFAULT_MAX_INPUT), 1 MiB). Raise both together.
pub const DEFAULT_MAX_FRAME: usize = 512 * 1024;

/// Byte order of a length field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Endian {
    /// Most significant byte first (network order).
    #[default]
    Big,
    /// Least significant byte first.
    Little,
}

/// A codec for frames announced by a length field in their header.
///
/// Decodes `&[u8]` items borrowed from the input, and encodes a body `&[u8]` as a
/// header built on the stack followed by the body itself.
///
/// ```
/// use tcpio::codec::{Decoded, Decoder, Encoder, LengthField};
///
/// let mut codec = LengthField::new(); // u32 big-endian, at most 512 KiB
/// let mut wire = Vec::new();
/// codec.encode(b"hello, tcp", &mut wire).unwrap();
/// assert_eq!(&wire[..4], &[0, 0, 0, 10]);
/// assert_eq!(codec.decode(&wire).unwrap(), Decoded::Item { item: &b"hello, tcp"[..], used: 14 });
///
/// // A header claiming 4 GiB is refused at once.
/// assert!(codec.decode(&[0xFF, 0xFF, 0xFF, 0xFF]).is_err());
/// ```
///
/// # Layouts
///
/// The header is `offset` bytes of anything (a type, a version), then the length
/// field, `width` bytes in big- or little-endian order. The field's value plus the
/// `adjustment` is the number of bytes that follow the header: the *body*. The item
/// is the body alone when the header is stripped (the default), or the whole frame.
///
/// ```text
///  |<---------- header ---------->|
///  +---------------+--------------+------------------------------+
///  | offset bytes  | length field |  body: value + adjustment    |
///  +---------------+--------------+------------------------------+
///                   \__ width __/
/// ```
///
/// Every layout below is checked byte for byte by the unit tests beside the codec.
///
/// ## The default: a 4-byte big-endian length, header stripped
///
/// `LengthField::new()`. The length counts the body only.
///
/// ```text
///  input: 14 bytes                                  item: 10 bytes
///  +---- len: u32 ----+--------- body ---------+      +------------+
///  | 00  00  00  0A   |      "hello, tcp"      |  ──▶ |"hello, tcp"|
///  +------------------+------------------------+      +------------+
/// ```
///
/// ## Header kept
///
/// `.strip_header(false)`: the item is the whole frame, header included.
///
/// ```text
///  input: 14 bytes                                  item: 14 bytes
///  +---- len: u32 ----+--------- body ---------+      +-------------+------------+
///  | 00  00  00  0A   |      "hello, tcp"      |  ──▶ | 00 00 00 0A |"hello, tcp"|
///  +------------------+------------------------+      +-------------+------------+
/// ```
///
/// ## The length counts the header too
///
/// A 2-byte field whose value (12) is the frame's whole length: `.width(2)` and
/// `.adjustment(-2)` subtract the field from it.
///
/// ```text
///  input: 12 bytes                         item: 10 bytes
///  +- len: u16 -+------- body -------+      +------------+
///  |   00  0C   |    "hello, tcp"    |  ──▶ |"hello, tcp"|
///  +------------+--------------------+      +------------+
/// ```
///
/// ## A field before the length
///
/// A 2-byte type tag, then a 3-byte length: `.offset(2).width(3)`. Stripping drops
/// the whole header, tag included; keep it (`.strip_header(false)`) to read the tag.
///
/// ```text
///  input: 15 bytes                                      item: 10 bytes
///  +- tag -+--- len: u24 ---+------- body -------+      +------------+
///  | CA FE |   00  00  0A   |    "hello, tcp"    |  ──▶ |"hello, tcp"|
///  +-------+----------------+--------------------+      +------------+
/// ```
///
/// ## More follows than the length says
///
/// A 1-byte length counting only the payload, then a 2-byte checksum that belongs to
/// the body: `.width(1).adjustment(2)`.
///
/// ```text
///  input: 13 bytes                               item: 12 bytes
///  +- len -+------------- body -------------+      +------------------+
///  |  0A   | "hello, tcp" |  sum: 5A  A5    |  ──▶ |"hello, tcp" 5A A5|
///  +-------+--------------+-----------------+      +------------------+
/// ```
///
/// ## Little-endian
///
/// `.width(8).little_endian()`: the least significant byte first.
///
/// ```text
///  input: 18 bytes                                          item: 10 bytes
///  +----------- len: u64 LE -----------+------- body -------+      +------------+
///  |  0A  00  00  00  00  00  00  00   |    "hello, tcp"    |  ──▶ |"hello, tcp"|
///  +-----------------------------------+--------------------+      +------------+
/// ```
///
/// ## Limits
///
/// Every codec has a maximum body size, [`DEFAULT_MAX_FRAME`] unless set with
/// [`LengthFieldBuilder::max_frame`]. A header claiming more is a
/// [`DecodeError::FrameTooLarge`] as soon as the header has arrived: the decoder
/// never waits for, nor reserves memory for, a size the peer only claims. A value
/// that the adjustment makes negative is a [`DecodeError::BadLength`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LengthField {
    width: usize,
    endian: Endian,
    offset: usize,
    adjustment: i64,
    strip: bool,
    max: usize,
    /// `offset + width`.
    header: usize,
}

impl LengthField {
    /// A 4-byte big-endian length at offset 0 counting the body, header stripped, at
    /// most [`DEFAULT_MAX_FRAME`] bytes.
    pub fn new() -> LengthField {
        LengthField::builder().build().expect("the defaults are valid")
    }

    /// A builder starting from the defaults of [`new`](Self::new).
    pub fn builder() -> LengthFieldBuilder {
        LengthFieldBuilder {
            width: 4,
            endian: Endian::Big,
            offset: 0,
            adjustment: 0,
            strip: true,
            max: DEFAULT_MAX_FRAME,
        }
    }

    /// The largest body accepted, in bytes.
    pub fn max_frame(&self) -> usize {
        self.max
    }

    /// The header's length: offset plus width.
    pub fn header_len(&self) -> usize {
        self.header
    }

    /// The largest value the length field can hold.
    fn field_max(&self) -> u64 {
        if self.width == 8 {
            u64::MAX
        } else {
            (1u64 << (8 * self.width)) - 1
        }
    }

    /// Writes one frame: `prefix` for the `offset` bytes before the length field (a
    /// tag, a version; its length must equal the offset), the length field, then
    /// `body`. [`Encoder::encode`] is this with a prefix of zeros.
    pub fn encode_with_prefix<S: Sink + ?Sized>(
        &self,
        prefix: &[u8],
        body: &[u8],
        dst: &mut S,
    ) -> Result<(), EncodeError> {
        if prefix.len() != self.offset {
            return Err(EncodeError::PrefixSize { len: prefix.len(), offset: self.offset });
        }
        let field = self.field_for(body.len())?;
        dst.put(prefix);
        dst.put(&field[..self.width]);
        dst.put(body);
        Ok(())
    }

    /// Writes one frame whose body is `parts` one after another: fields that come
    /// after the length (an opcode, a request id) and the payload, without gathering
    /// them into one buffer first. `prefix` is as for
    /// [`encode_with_prefix`](Self::encode_with_prefix) (empty without an offset).
    ///
    /// ```
    /// use tcpio::codec::{Decoded, Decoder, LengthField};
    ///
    /// // [length: u32][opcode: u8][payload]
    /// let mut codec = LengthField::new();
    /// let mut out = Vec::new();
    /// codec.encode_parts(&[], &[&[7], b"payload"], &mut out)?;
    /// assert_eq!(&out[..4], &8u32.to_be_bytes());
    /// assert_eq!(codec.decode(&out), Ok(Decoded::Item { item: &b"\x07payload"[..], used: 12 }));
    /// # Ok::<(), tcpio::codec::EncodeError>(())
    /// ```
    pub fn encode_parts<S: Sink + ?Sized>(
        &self,
        prefix: &[u8],
        parts: &[&[u8]],
        dst: &mut S,
    ) -> Result<(), EncodeError> {
        if prefix.len() != self.offset {
            return Err(EncodeError::PrefixSize { len: prefix.len(), offset: self.offset });
        }
        let len = parts.iter().fold(0usize, |n, p| n.saturating_add(p.len()));
        let field = self.field_for(len)?;
        dst.put(prefix);
        dst.put(&field[..self.width]);
        for p in parts {
            dst.put(p);
        }
        Ok(())
    }

    /// The length field for a body of `len` bytes, in its first `width` bytes.
    fn field_for(&self, len: usize) -> Result<[u8; 8], EncodeError> {
        if len > self.max {
            return Err(EncodeError::TooLarge { len, max: self.max });
        }
        let value = len as i128 - i128::from(self.adjustment);
        let value = u64::try_from(value)
            .ok()
            .filter(|&v| v <= self.field_max())
            .ok_or(EncodeError::LengthOutOfRange { len })?;
        let mut field = [0u8; 8];
        match self.endian {
            Endian::Big => field[..self.width].copy_from_slice(&value.to_be_bytes()[8 - self.width..]),
            Endian::Little => field[..self.width].copy_from_slice(&value.to_le_bytes()[..self.width]),
        }
        Ok(field)
    }

    fn read_field(&self, field: &[u8]) -> u64 {
        let fold = |v: u64, b: &u8| v << 8 | u64::from(*b);
        match self.endian {
            Endian::Big => field.iter().fold(0, fold),
            Endian::Little => field.iter().rev().fold(0, fold),
        }
    }
}

impl Default for LengthField {
    fn default() -> LengthField {
        LengthField::new()
    }
}

impl Decoder for LengthField {
    type Item<'a> = &'a [u8];
    type Error = DecodeError;

    fn decode<'a>(&mut self, src: &'a [u8]) -> Result<Decoded<&'a [u8]>, DecodeError> {
        let Some(field) = src.get(self.offset..self.header) else {
            return Ok(Decoded::NeedMore);
        };
        let value = self.read_field(field);
        let body = i128::from(value) + i128::from(self.adjustment);
        if body < 0 {
            return Err(DecodeError::BadLength { value, adjustment: self.adjustment });
        }
        if body > self.max as i128 {
            let claimed = u64::try_from(body).unwrap_or(u64::MAX);
            return Err(DecodeError::FrameTooLarge { claimed, max: self.max });
        }
        // Cannot overflow: `build` checked that header + max fits in usize.
        let used = self.header + body as usize;
        if src.len() < used {
            return Ok(Decoded::NeedMore);
        }
        let start = if self.strip { self.header } else { 0 };
        Ok(Decoded::Item { item: &src[start..used], used })
    }
}

impl Encoder for LengthField {
    type Item<'a> = &'a [u8];
    type Error = EncodeError;

    fn encode<S: Sink + ?Sized>(&mut self, body: &[u8], dst: &mut S) -> Result<(), EncodeError> {
        const ZEROS: [u8; 64] = [0; 64];
        let field = self.field_for(body.len())?;
        let mut left = self.offset;
        while left > 0 {
            let n = left.min(ZEROS.len());
            dst.put(&ZEROS[..n]);
            left -= n;
        }
        dst.put(&field[..self.width]);
        dst.put(body);
        Ok(())
    }
}

/// Configures a [`LengthField`] codec; [`build`](Self::build) checks it.
///
/// ```
/// use tcpio::codec::{ConfigError, LengthField};
///
/// // A 2-byte little-endian length that counts itself, frames up to 60,000 bytes.
/// let codec = LengthField::builder().width(2).little_endian().adjustment(-2).max_frame(60_000).build()?;
/// assert_eq!(codec.header_len(), 2);
///
/// assert_eq!(LengthField::builder().width(5).build(), Err(ConfigError::Width(5)));
/// # Ok::<(), ConfigError>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `build`"]
pub struct LengthFieldBuilder {
    width: usize,
    endian: Endian,
    offset: usize,
    adjustment: i64,
    strip: bool,
    max: usize,
}

impl LengthFieldBuilder {
    /// Width of the length field in bytes: 1, 2, 3, 4 or 8 (default 4).
    pub fn width(mut self, bytes: usize) -> Self {
        self.width = bytes;
        self
    }

    /// Byte order of the length field (default big-endian).
    pub fn endian(mut self, endian: Endian) -> Self {
        self.endian = endian;
        self
    }

    /// The length field is big-endian (the default).
    pub fn big_endian(self) -> Self {
        self.endian(Endian::Big)
    }

    /// The length field is little-endian.
    pub fn little_endian(self) -> Self {
        self.endian(Endian::Little)
    }

    /// Bytes before the length field (default 0).
    pub fn offset(mut self, bytes: usize) -> Self {
        self.offset = bytes;
        self
    }

    /// Added to the length field's value to give the number of bytes after the header
    /// (default 0). Negative when the value counts the header too: `-(offset + width)`
    /// if it counts the whole frame.
    pub fn adjustment(mut self, bytes: i64) -> Self {
        self.adjustment = bytes;
        self
    }

    /// Whether the item leaves out the header (default true).
    pub fn strip_header(mut self, strip: bool) -> Self {
        self.strip = strip;
        self
    }

    /// The largest body accepted, in bytes (default [`DEFAULT_MAX_FRAME`]). The
    /// engine's [`max_input`](crate::Builder::max_input) must be at least the header
    /// plus this for the largest frames to arrive whole.
    pub fn max_frame(mut self, bytes: usize) -> Self {
        self.max = bytes;
        self
    }

    /// Checks the configuration.
    pub fn build(self) -> Result<LengthField, ConfigError> {
        if !matches!(self.width, 1..=4 | 8) {
            return Err(ConfigError::Width(self.width));
        }
        let header = self.offset.checked_add(self.width).ok_or(ConfigError::Overflow)?;
        header.checked_add(self.max).ok_or(ConfigError::Overflow)?;
        Ok(LengthField {
            width: self.width,
            endian: self.endian,
            offset: self.offset,
            adjustment: self.adjustment,
            strip: self.strip,
            max: self.max,
            header,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"hello, tcp";

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    /// Decodes `wire` whole, checks that no shorter prefix decodes, and that encoding
    /// the body with `prefix` gives `wire` back.
    fn check(codec: LengthField, prefix: &[u8], wire: &[u8], item: &[u8], body: &[u8]) {
        let mut c = codec;
        assert_eq!(c.decode(wire).unwrap(), Decoded::Item { item, used: wire.len() });
        for n in 0..wire.len() {
            assert_eq!(c.decode(&wire[..n]).unwrap(), Decoded::NeedMore, "prefix of {n}");
        }
        let mut out = Vec::new();
        codec.encode_with_prefix(prefix, body, &mut out).unwrap();
        assert_eq!(out, wire);
    }

    #[test]
    fn default_layout() {
        let wire = cat(&[&[0, 0, 0, 0x0A], BODY]);
        check(LengthField::new(), &[], &wire, BODY, BODY);
        let mut out = Vec::new();
        LengthField::new().encode(BODY, &mut out).unwrap();
        assert_eq!(out, wire);
    }

    #[test]
    fn header_kept() {
        let wire = cat(&[&[0, 0, 0, 0x0A], BODY]);
        let c = LengthField::builder().strip_header(false).build().unwrap();
        check(c, &[], &wire, &wire, BODY);
    }

    #[test]
    fn length_counts_the_header() {
        let wire = cat(&[&[0, 0x0C], BODY]);
        let c = LengthField::builder().width(2).adjustment(-2).build().unwrap();
        check(c, &[], &wire, BODY, BODY);
    }

    #[test]
    fn field_at_an_offset() {
        let wire = cat(&[&[0xCA, 0xFE], &[0, 0, 0x0A], BODY]);
        let c = LengthField::builder().offset(2).width(3).build().unwrap();
        check(c, &[0xCA, 0xFE], &wire, BODY, BODY);
        let kept = LengthField::builder().offset(2).width(3).strip_header(false).build().unwrap();
        check(kept, &[0xCA, 0xFE], &wire, &wire, BODY);
        // The plain encoder writes zeros before the field.
        let mut out = Vec::new();
        let mut zeros = c;
        zeros.encode(BODY, &mut out).unwrap();
        assert_eq!(out, cat(&[&[0, 0], &[0, 0, 0x0A], BODY]));
    }

    #[test]
    fn positive_adjustment() {
        let body = cat(&[BODY, &[0x5A, 0xA5]]);
        let wire = cat(&[&[0x0A], &body]);
        let c = LengthField::builder().width(1).adjustment(2).build().unwrap();
        check(c, &[], &wire, &body, &body);
    }

    #[test]
    fn little_endian_u64() {
        let wire = cat(&[&[0x0A, 0, 0, 0, 0, 0, 0, 0], BODY]);
        let c = LengthField::builder().width(8).little_endian().build().unwrap();
        check(c, &[], &wire, BODY, BODY);
    }

    #[test]
    fn three_byte_orders() {
        let body = vec![7u8; 0x01_02_03];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut be = LengthField::builder().width(3).max_frame(1 << 20).build().unwrap();
        let mut le = LengthField::builder().width(3).little_endian().max_frame(1 << 20).build().unwrap();
        be.encode(&body, &mut a).unwrap();
        le.encode(&body, &mut b).unwrap();
        assert_eq!(&a[..3], &[1, 2, 3]);
        assert_eq!(&b[..3], &[3, 2, 1]);
        assert_eq!(be.decode(&a).unwrap(), Decoded::Item { item: &body[..], used: a.len() });
        assert_eq!(le.decode(&b).unwrap(), Decoded::Item { item: &body[..], used: b.len() });
    }

    #[test]
    fn oversized_claims_fail_on_the_header_alone() {
        let mut c = LengthField::new();
        let err = c.decode(&[0xFF, 0xFF, 0xFF, 0xFF]).unwrap_err();
        assert_eq!(err, DecodeError::FrameTooLarge { claimed: u32::MAX as u64, max: DEFAULT_MAX_FRAME });
        let mut wide =
            LengthField::builder().width(8).adjustment(i64::MAX).max_frame(usize::MAX - 8).build().unwrap();
        let err = wide.decode(&[0xFF; 8]).unwrap_err();
        assert_eq!(err, DecodeError::FrameTooLarge { claimed: u64::MAX, max: usize::MAX - 8 });
        // One byte over the maximum is refused, the maximum itself waits for the body.
        let mut small = LengthField::builder().width(1).max_frame(10).build().unwrap();
        assert!(matches!(small.decode(&[11]), Err(DecodeError::FrameTooLarge { claimed: 11, max: 10 })));
        assert_eq!(small.decode(&[10]).unwrap(), Decoded::NeedMore);
    }

    #[test]
    fn negative_lengths_are_malformed() {
        let mut c = LengthField::builder().width(2).adjustment(-2).build().unwrap();
        assert_eq!(c.decode(&[0, 1]).unwrap_err(), DecodeError::BadLength { value: 1, adjustment: -2 });
        assert_eq!(c.decode(&[0, 2]).unwrap(), Decoded::Item { item: &[][..], used: 2 });
    }

    #[test]
    fn encode_refuses_what_the_field_or_the_limit_cannot_take() {
        let mut one = LengthField::builder().width(1).max_frame(1000).build().unwrap();
        let mut out = Vec::new();
        assert_eq!(one.encode(&[0; 256], &mut out), Err(EncodeError::LengthOutOfRange { len: 256 }));
        assert_eq!(one.encode(&[0; 1001], &mut out), Err(EncodeError::TooLarge { len: 1001, max: 1000 }));
        let mut plus = LengthField::builder().adjustment(4).build().unwrap();
        assert_eq!(plus.encode(&[0; 3], &mut out), Err(EncodeError::LengthOutOfRange { len: 3 }));
        let err = LengthField::new().encode_with_prefix(&[1], BODY, &mut out);
        assert_eq!(err, Err(EncodeError::PrefixSize { len: 1, offset: 0 }));
        assert!(out.is_empty(), "a refused item writes nothing");
    }

    #[test]
    fn configuration_mistakes_are_errors() {
        for w in [0, 5, 6, 7, 9, usize::MAX] {
            assert_eq!(LengthField::builder().width(w).build(), Err(ConfigError::Width(w)));
        }
        assert_eq!(LengthField::builder().offset(usize::MAX - 2).build(), Err(ConfigError::Overflow));
        assert_eq!(LengthField::builder().max_frame(usize::MAX).build(), Err(ConfigError::Overflow));
        assert!(LengthField::builder().max_frame(usize::MAX - 4).build().is_ok());
    }
}
