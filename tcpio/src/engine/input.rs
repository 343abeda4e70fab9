//! The bytes a connection has received and the handler has not consumed.

/// Input offered to [`Handler::on_data`](crate::Handler::on_data).
///
/// The bytes are borrowed from the loop's shared read buffer (or the connection's own
/// buffer when earlier input was left unconsumed) and are valid only during the
/// callback. Whatever is not consumed is kept and offered again, with the next bytes
/// appended. Writing a slice of these bytes with [`Conn::write`](crate::Conn::write)
/// forwards it without a copy.
#[derive(Debug)]
pub struct Input<'a> {
    data: &'a [u8],
    consumed: usize,
}

impl<'a> Input<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Input<'a> {
        Input { data, consumed: 0 }
    }

    /// The bytes not yet consumed.
    pub fn bytes(&self) -> &'a [u8] {
        &self.data[self.consumed..]
    }

    /// Number of bytes not yet consumed.
    pub fn len(&self) -> usize {
        self.data.len() - self.consumed
    }

    /// Whether every byte has been consumed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Marks the first `n` unconsumed bytes as handled.
    ///
    /// # Panics
    ///
    /// If `n` is more than [`len`](Self::len) (a bug in the handler; like any panic in
    /// a callback it closes only this connection).
    pub fn consume(&mut self, n: usize) {
        assert!(n <= self.len(), "consumed {n} bytes of {} available", self.len());
        self.consumed += n;
    }

    /// Marks every byte as handled.
    pub fn consume_all(&mut self) {
        self.consumed = self.data.len();
    }

    pub(crate) fn consumed(&self) -> usize {
        self.consumed
    }
}
