//! Options of one bound address: TLS, the PROXY protocol, who may send it, and the
//! setup stage's timeout ([`Builder::bind_with`](crate::Builder::bind_with)).

use std::time::Duration;

use super::Error;
use crate::engine::config::{ProxySetup, Setup};
use crate::transport::Cidr;

/// Default time a connection on an address with a setup stage (a PROXY header, a TLS
/// handshake) has to finish it and open: the PROXY specification asks receivers to
/// wait at least 3 s, and a TLS handshake takes a few round trips.
pub const DEFAULT_SETUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Options for one bound address, given to [`Builder::bind_with`](crate::Builder::bind_with).
///
/// ```
/// use std::time::Duration;
/// use tcpio::{BindOptions, Server};
///
/// // Plain clients on 6379; a balancer on 127.0.0.1 (or 10.0.0.0/8) sending the
/// // PROXY header on 6380, which has 3 s to send it.
/// let builder = Server::builder()
///     .bind("tcp://127.0.0.1:6379")?
///     .bind_with(
///         "tcp://127.0.0.1:6380",
///         BindOptions::new()
///             .proxy_protocol()
///             .trust("127.0.0.1")
///             .trust("10.0.0.0/8")
///             .setup_timeout(Duration::from_secs(3)),
///     )?;
/// # drop(builder);
/// # Ok::<(), tcpio::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct BindOptions {
    tls: Option<crate::tls::TlsServer>,
    proxy: bool,
    trusted: Vec<String>,
    max_header: Option<usize>,
    setup_timeout: Option<Duration>,
}

impl BindOptions {
    /// No setup stage: connections open as soon as they are accepted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves TLS on this address with these settings: a connection opens (and
    /// `on_open` runs) once its handshake is done, within the setup timeout; the
    /// handler reads and writes plaintext, and reads the session from
    /// [`Conn::tls`](crate::Conn::tls). With [`proxy_protocol`](Self::proxy_protocol)
    /// too, the PROXY header comes first, in the clear, as balancers send it.
    ///
    /// ```no_run
    /// use tcpio::{tls::TlsServer, BindOptions, Server};
    ///
    /// let tls = TlsServer::new("cert.pem", "key.pem")?;
    /// let builder = Server::builder()
    ///     .bind("tcp://0.0.0.0:6379")?
    ///     .bind_with("tls://0.0.0.0:6380", BindOptions::new().tls(tls))?;
    /// # drop(builder);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tls(mut self, settings: crate::tls::TlsServer) -> Self {
        self.tls = Some(settings);
        self
    }

    /// Requires a PROXY protocol header (version 1 or 2, told apart by its first
    /// bytes) at the start of every connection to this address. Until it has arrived
    /// the connection is in its setup stage: nothing is delivered, `on_open` has not
    /// run, broadcasts pass it by and a graceful stop closes it. Then
    /// [`Conn::peer_addr`](crate::Conn::peer_addr) is the client the header names
    /// (for a LOCAL header, a health check, the socket's peer) and
    /// [`Conn::proxy_header`](crate::Conn::proxy_header) the header itself. A
    /// connection without a valid header within the setup timeout is closed, without
    /// `on_open` or `on_close` (observers see it close, with the reason).
    ///
    /// Only sources given with [`trust`](Self::trust) may connect (loopback when none
    /// is given); any other is refused at accept, before a byte is read. On a unix
    /// address every local peer is trusted: the file's permissions say who connects.
    pub fn proxy_protocol(mut self) -> Self {
        self.proxy = true;
        self
    }

    /// A source allowed to send the PROXY header: an address (`192.0.2.7`, `::1`) or a
    /// network in CIDR notation (`10.0.0.0/8`). Repeatable; checked when the server is
    /// built, and a mistake is an error naming the address it was given for.
    pub fn trust(mut self, source: &str) -> Self {
        self.trusted.push(source.to_string());
        self
    }

    /// The largest PROXY header accepted (default
    /// [`proxy::DEFAULT_MAX_HEADER`](crate::proxy::DEFAULT_MAX_HEADER), 4 KiB): a
    /// longer one closes the connection as soon as its length is known.
    pub fn max_header(mut self, bytes: usize) -> Self {
        self.max_header = Some(bytes);
        self
    }

    /// How long a connection has to finish its setup stage ("not open within d"),
    /// default [`DEFAULT_SETUP_TIMEOUT`]. It counts from the accept, so a peer that
    /// sends one byte of a header and stalls is closed too.
    pub fn setup_timeout(mut self, d: Duration) -> Self {
        self.setup_timeout = Some(d);
        self
    }

    /// Whether TLS settings were given.
    pub(crate) fn has_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The engine's setup for this address, or a mistake named for `addr`.
    pub(crate) fn setup(&self, addr: &str) -> Result<Option<Setup>, Error> {
        let bad = |reason: String| Error::InvalidAddress { addr: addr.to_string(), reason };
        let tls = match &self.tls {
            Some(settings) => {
                Some(settings.config().map_err(|error| Error::Tls { addr: addr.to_string(), error })?)
            }
            None => None,
        };
        let timeout = self.setup_timeout.unwrap_or(DEFAULT_SETUP_TIMEOUT);
        if timeout.is_zero() || timeout > Duration::from_secs(24 * 3600) {
            return Err(bad(format!("setup_timeout of {timeout:?}; must be above zero and at most a day")));
        }
        if !self.proxy {
            if !self.trusted.is_empty() || self.max_header.is_some() {
                return Err(bad("trust and max_header need proxy_protocol()".into()));
            }
            if tls.is_none() {
                if self.setup_timeout.is_some() {
                    return Err(bad("setup_timeout needs proxy_protocol() or tls()".into()));
                }
                return Ok(None);
            }
            return Ok(Some(Setup { proxy: None, tls, timeout }));
        }
        let mut trusted = Vec::new();
        for t in &self.trusted {
            trusted.push(Cidr::parse(t).map_err(bad)?);
        }
        if trusted.is_empty() {
            trusted = vec![Cidr::parse("127.0.0.0/8").map_err(bad)?, Cidr::parse("::1").map_err(bad)?];
        }
        let max_header = self.max_header.unwrap_or(crate::proxy::DEFAULT_MAX_HEADER);
        if !(crate::proxy::V1_MAX..=65_551).contains(&max_header) {
            return Err(bad(format!(
                "max_header of {max_header} bytes; must be from {} (a v1 header) to 65,551 (the largest v2)",
                crate::proxy::V1_MAX
            )));
        }
        Ok(Some(Setup { proxy: Some(ProxySetup { trusted, max_header }), tls, timeout }))
    }
}
