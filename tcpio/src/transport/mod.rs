//! What sits between a socket and the handler.
//!
//! This layer owns the byte streams themselves: plain TCP and unix-domain sockets
//! today, with TLS and the PROXY protocol header to come as further transports. The
//! engine reads and writes through [`Stream`] and never learns which kind it holds,
//! and a handler only ever sees plain bytes.

mod addr;
pub(crate) mod bind;
mod cidr;
mod listener;
pub mod proxy;
#[cfg(test)]
pub(crate) mod scripted;
mod socket_options;
mod stream;

pub use addr::Addr;
pub(crate) use cidr::Cidr;
pub(crate) use listener::{AcceptError, Accepted, Listener, UnixSocketFile};
pub(crate) use socket_options::SocketOptions;
pub use stream::DetachedStream;
pub(crate) use stream::{IoError, Stream};
