//! A blocking client for a framed protocol: [`FramedClient`] encodes requests onto
//! any `Read + Write` stream and decodes replies from it, with the same codecs the
//! server's [`Framed`](super::Framed) handler uses.

use std::io::{self, Read, Write};

use super::{Decoded, Decoder, Encoder};

/// Reads at least this much at a time.
const READ_CHUNK: usize = 64 * 1024;

/// A blocking framed client over a stream (`TcpStream`, `UnixStream`, a TLS stream):
/// [`send`](Self::send) encodes a request (buffered until [`flush`](Self::flush), so
/// a pipelined burst leaves in few writes); [`receive`](Self::receive) decodes the
/// next reply, reading as needed. Replies borrow the client's buffer until the next
/// `receive`. A decode error is an `InvalidData` error; the end of the stream before
/// a whole reply is `UnexpectedEof`.
///
/// ```no_run
/// use std::net::TcpStream;
/// use tcpio::codec::{FramedClient, LengthField};
///
/// let stream = TcpStream::connect("127.0.0.1:5001")?;
/// let mut client = FramedClient::new(stream, LengthField::new());
/// // Pipelined: 1,000 requests in one burst, then the replies in order.
/// for i in 0..1000u32 {
///     client.send(&i.to_be_bytes()[..])?;
/// }
/// client.flush()?;
/// for i in 0..1000u32 {
///     assert_eq!(client.receive()?, &i.to_be_bytes()[..]);
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct FramedClient<T, C> {
    stream: T,
    codec: C,
    /// Encoded requests not written yet.
    out: Vec<u8>,
    /// Bytes read, from `start`; the reply returned last took `taken` of them.
    inbox: Vec<u8>,
    start: usize,
    taken: usize,
}

impl<T: Read + Write, C: Decoder + Encoder> FramedClient<T, C> {
    /// A client speaking `codec` over `stream`.
    pub fn new(stream: T, codec: C) -> FramedClient<T, C> {
        FramedClient { stream, codec, out: Vec::new(), inbox: Vec::new(), start: 0, taken: 0 }
    }

    /// Encodes `item` into the send buffer (written by [`flush`](Self::flush) or the
    /// next [`receive`](Self::receive)). An item the codec refuses writes nothing and
    /// is an `InvalidInput` error.
    pub fn send(&mut self, item: <C as Encoder>::Item<'_>) -> io::Result<()> {
        let before = self.out.len();
        if let Err(e) = self.codec.encode(item, &mut self.out) {
            self.out.truncate(before);
            return Err(io::Error::new(io::ErrorKind::InvalidInput, e.to_string()));
        }
        Ok(())
    }

    /// Writes every request sent so far.
    pub fn flush(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            self.stream.write_all(&self.out)?;
            self.out.clear();
        }
        self.stream.flush()
    }

    /// [`send`](Self::send), [`flush`](Self::flush) and [`receive`](Self::receive):
    /// one request and its reply.
    pub fn call(&mut self, item: <C as Encoder>::Item<'_>) -> io::Result<<C as Decoder>::Item<'_>> {
        self.send(item)?;
        self.receive()
    }

    /// The next reply: requests still buffered are written first, then the stream
    /// is read until a whole reply has arrived.
    pub fn receive(&mut self) -> io::Result<<C as Decoder>::Item<'_>> {
        self.flush()?;
        self.start += std::mem::take(&mut self.taken);
        loop {
            // Decoded once to learn whether a reply is whole, and again to hand it
            // out: returning the first would keep `inbox` borrowed across the read.
            match self.codec.decode(&self.inbox[self.start..]) {
                Ok(Decoded::NeedMore) => {}
                Ok(Decoded::Item { .. }) => break,
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
            }
            self.read_more()?;
        }
        match self.codec.decode(&self.inbox[self.start..]) {
            Ok(Decoded::Item { item, used }) => {
                self.taken = used;
                Ok(item)
            }
            Ok(Decoded::NeedMore) => Err(io::Error::other("the codec changed its mind about a whole reply")),
            Err(e) => Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
        }
    }

    /// Reads once more into the inbox, compacting it first.
    fn read_more(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.inbox.drain(..self.start);
            self.start = 0;
        }
        let len = self.inbox.len();
        self.inbox.resize(len + READ_CHUNK, 0);
        let n = loop {
            match self.stream.read(&mut self.inbox[len..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        let n = n.inspect_err(|_| self.inbox.truncate(len))?;
        self.inbox.truncate(len + n);
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the stream ended before a whole reply",
            ));
        }
        Ok(())
    }

    /// The stream, to set options on it.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.stream
    }

    /// The stream back, with any bytes read but not decoded yet.
    pub fn into_parts(mut self) -> (T, Vec<u8>) {
        let rest = self.inbox.split_off(self.start + self.taken);
        (self.stream, rest)
    }
}
