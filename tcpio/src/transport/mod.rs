//! What sits between a socket and the handler.
//!
//! This layer owns the byte streams themselves: plain TCP and unix-domain sockets, the
//! PROXY protocol header, and TLS (`tls/`: rustls driven sans-I/O, so the engine
//! keeps reading and writing the socket itself). The engine reads and writes through
//! [`Stream`], and a handler only ever sees plain bytes.

mod addr;
pub(crate) mod bind;
mod cidr;
mod listener;
pub mod proxy;
#[cfg(test)]
pub(crate) mod scripted;
mod socket_options;
mod stream;
pub mod tls;

pub use addr::Addr;
pub(crate) use cidr::Cidr;
pub(crate) use listener::{AcceptError, Accepted, Listener, UnixSocketFile};
pub(crate) use socket_options::SocketOptions;
pub use stream::DetachedStream;
pub(crate) use stream::{IoError, Stream};
