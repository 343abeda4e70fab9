//! What a callback answers: the [`Action`] the engine takes next.

/// What the engine should do after a callback returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "an Action tells the engine what to do next"]
pub enum Action {
    /// Keep the connection open.
    Continue,
    /// Flush everything queued, then close. The write side is shut down first and
    /// input is drained until the peer closes or the linger timeout passes, so the
    /// peer receives every byte instead of a reset.
    Close,
    /// Close at once, dropping queued output.
    CloseNow,
    /// Flush queued output, then hand the socket out of the engine as a blocking `std`
    /// stream through [`Handler::on_detach`](crate::Handler::on_detach).
    Detach,
    /// Shut the whole server down gracefully: stop accepting, flush and close every
    /// connection on every loop, and return from `serve`.
    Shutdown,
}
