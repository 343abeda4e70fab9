//! The server builder: every option checked before anything starts.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use socket2::SockRef;

use super::address::{BindAddr, ToBindAddr};
use super::bind_options::BindOptions;
use super::handle::ServerHandle;
use super::listen::{bind_all, ListenPlan};
use super::Error;
use crate::engine::admission::AdmissionConfig;
use crate::engine::config::{BufferLimits, LoopConfig, Setup, Timeouts};
use crate::engine::events::Observer;
use crate::engine::ServerEvent;
use crate::engine::{start_loops, Action, Balance, Conn, FnHandler, Handler, Input, LoopSetup};
use crate::transport::SocketOptions;

/// Default size of each loop's shared read buffer.
pub const DEFAULT_READ_BUFFER: usize = 64 * 1024;
/// Default maximum of unconsumed input per connection.
pub const DEFAULT_MAX_INPUT: usize = 1024 * 1024;
/// Default queued output above which reading pauses.
pub const DEFAULT_HIGH_WATER: usize = 1024 * 1024;
/// Default hard cap on queued output per connection (big enough for multi-MiB
/// replies; past it the connection is closed).
pub const DEFAULT_MAX_OUTPUT: usize = 64 * 1024 * 1024;
/// Default time a closing connection waits for the peer's FIN after its own.
pub const DEFAULT_LINGER: Duration = Duration::from_secs(5);
/// Default time a graceful shutdown may take before what is left is closed at once.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// Configures and starts a server; made by [`Server::builder`](crate::Server::builder).
///
/// ```no_run
/// use tcpio::{Action, Server};
///
/// let server = Server::builder()
///     .bind("tcp://127.0.0.1:0")?
///     .bind("unix:///tmp/tcpio-doc.sock")?
///     .loops(2)
///     .start_fn(|conn, input| {
///         conn.write(input.bytes());
///         input.consume_all();
///         Action::Continue
///     })?;
/// println!("listening on {:?}", server.local_addrs());
/// server.shutdown();
/// server.wait()?;
/// # Ok::<(), tcpio::Error>(())
/// ```
pub struct Builder {
    addrs: Vec<BindAddr>,
    /// Each address's setup stage, in the order of `addrs`.
    setups: Vec<Option<Setup>>,
    loops: usize,
    balance: Option<Balance>,
    share_port: bool,
    backlog: i32,
    socket: SocketOptions,
    read_buffer: usize,
    read_budget: usize,
    max_input: usize,
    high_water: usize,
    low_water: Option<usize>,
    max_output: usize,
    linger: Duration,
    pub(super) timeouts: Timeouts,
    pub(super) shutdown_timeout: Option<Duration>,
    pub(super) admission: AdmissionConfig,
    pub(super) observer: Option<Observer>,
    no_listeners_ok: bool,
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("addrs", &self.addrs)
            .field("loops", &self.loops)
            .field("balance", &self.balance)
            .field("socket", &self.socket)
            .field("timeouts", &self.timeouts)
            .field("admission", &self.admission)
            .finish_non_exhaustive()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            addrs: Vec::new(),
            setups: Vec::new(),
            loops: 0,
            balance: None,
            share_port: false,
            backlog: 1024,
            socket: SocketOptions { nodelay: true, ..SocketOptions::default() },
            read_buffer: DEFAULT_READ_BUFFER,
            read_budget: 16,
            max_input: DEFAULT_MAX_INPUT,
            high_water: DEFAULT_HIGH_WATER,
            low_water: None,
            max_output: DEFAULT_MAX_OUTPUT,
            linger: DEFAULT_LINGER,
            timeouts: Timeouts::default(),
            shutdown_timeout: Some(DEFAULT_SHUTDOWN_TIMEOUT),
            admission: AdmissionConfig::default(),
            observer: None,
            no_listeners_ok: false,
        }
    }
}

pub(super) fn check(ok: bool, option: &'static str, reason: impl FnOnce() -> String) -> Result<(), Error> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidOption { option, reason: reason() })
    }
}

impl Builder {
    /// Adds an address to listen on: `tcp://host:port`, `tcp4://`, `tcp6://`,
    /// `unix:///path`, a plain `host:port`, a [`SocketAddr`](std::net::SocketAddr)
    /// or a [`Path`](std::path::Path). Port 0 picks a free port; see
    /// [`ServerHandle::local_addrs`]. The syntax is checked here; resolving and
    /// binding happen in [`start`](Self::start).
    pub fn bind<A: ToBindAddr + ?Sized>(self, addr: &A) -> Result<Self, Error> {
        self.bind_one(addr.to_bind_addr()?, BindOptions::new())
    }

    /// [`bind`](Self::bind) with options of its own for this address: the PROXY
    /// protocol, its trusted sources, the setup timeout (see [`BindOptions`]).
    pub fn bind_with<A: ToBindAddr + ?Sized>(self, addr: &A, options: BindOptions) -> Result<Self, Error> {
        self.bind_one(addr.to_bind_addr()?, options)
    }

    fn bind_one(mut self, addr: BindAddr, options: BindOptions) -> Result<Self, Error> {
        // `proxy+tcp://...` asks for the PROXY header as `proxy_protocol()` does.
        let options = if addr.is_proxy() { options.proxy_protocol() } else { options };
        if addr.is_tls() && !options.has_tls() {
            return Err(Error::InvalidAddress {
                addr: addr.to_string(),
                reason: "a tls:// address needs its certificate: bind it with BindOptions::tls(..)".into(),
            });
        }
        // Checked now, so the mistake names the address it was given for.
        let setup = options.setup(&addr.to_string())?;
        self.addrs.push(addr);
        self.setups.push(setup);
        Ok(self)
    }

    /// Number of event loops (threads); 0, the default, means one per available core.
    pub fn loops(mut self, n: usize) -> Self {
        self.loops = n;
        self
    }

    /// How connections are spread over the loops. Default: [`Balance::ReusePort`] on
    /// Linux, [`Balance::RoundRobin`] elsewhere.
    pub fn balance(mut self, b: Balance) -> Self {
        self.balance = Some(b);
        self
    }

    /// Lets the `SO_REUSEPORT` listeners join a port another process already listens
    /// on (for zero-downtime restarts). Off by default: such a port is "in use".
    pub fn reuse_port_across_processes(mut self, yes: bool) -> Self {
        self.share_port = yes;
        self
    }

    /// Listen backlog (default 1024).
    pub fn backlog(mut self, n: u32) -> Self {
        self.backlog = n.min(i32::MAX as u32) as i32;
        self
    }

    /// `TCP_NODELAY` on accepted TCP sockets (default on).
    pub fn nodelay(mut self, on: bool) -> Self {
        self.socket.nodelay = on;
        self
    }

    /// TCP keepalive with this idle time before the first probe (default off).
    pub fn keepalive(mut self, idle: Option<Duration>) -> Self {
        self.socket.keepalive = idle;
        self
    }

    /// `SO_RCVBUF` for accepted sockets (default: the kernel's).
    pub fn recv_buffer_size(mut self, bytes: usize) -> Self {
        self.socket.recv_buffer = Some(bytes);
        self
    }

    /// `SO_SNDBUF` for accepted sockets (default: the kernel's).
    pub fn send_buffer_size(mut self, bytes: usize) -> Self {
        self.socket.send_buffer = Some(bytes);
        self
    }

    /// A hook that receives every accepted socket before it is served, to set any
    /// other option. An error drops that connection (and is logged).
    pub fn on_accept_socket<F>(mut self, f: F) -> Self
    where
        F: Fn(SockRef<'_>) -> io::Result<()> + Send + Sync + 'static,
    {
        self.socket.hook = Some(Arc::new(f));
        self
    }

    /// Size of each loop's shared read buffer, and so the most one read takes
    /// (default [`DEFAULT_READ_BUFFER`]).
    pub fn read_buffer_size(mut self, bytes: usize) -> Self {
        self.read_buffer = bytes;
        self
    }

    /// Reads per readiness event before a busy connection yields to the others
    /// (default 16).
    pub fn read_budget(mut self, reads: usize) -> Self {
        self.read_budget = reads;
        self
    }

    /// Most unconsumed input a connection may hold; past it the connection is closed
    /// with [`CloseReason::InputLimit`](crate::CloseReason::InputLimit) (default
    /// [`DEFAULT_MAX_INPUT`]).
    pub fn max_input(mut self, bytes: usize) -> Self {
        self.max_input = bytes;
        self
    }

    /// Queued output above which the engine stops reading the connection and calls
    /// [`Handler::on_high_water`] (default [`DEFAULT_HIGH_WATER`]).
    pub fn high_water(mut self, bytes: usize) -> Self {
        self.high_water = bytes;
        self
    }

    /// Queued output at or below which reading resumes and
    /// [`Handler::on_drained`] is called (default: a quarter of the high-water mark).
    pub fn low_water(mut self, bytes: usize) -> Self {
        self.low_water = Some(bytes);
        self
    }

    /// Hard cap on queued output; past it the connection is closed with
    /// [`CloseReason::OutputLimit`](crate::CloseReason::OutputLimit) (default
    /// [`DEFAULT_MAX_OUTPUT`]).
    pub fn max_output(mut self, bytes: usize) -> Self {
        self.max_output = bytes;
        self
    }

    /// How long a connection closing after a flush waits for the peer to close its
    /// side, draining input meanwhile (default [`DEFAULT_LINGER`]). In a graceful
    /// stop on Linux the wait ends sooner, as soon as the peer has acknowledged all
    /// the output (the FIN too) and nothing it sent is left unread: closing then
    /// sends no reset and the output is in the peer's kernel. So it bounds a stop only
    /// for a peer that does not acknowledge (gone, its receive buffer full, a broken
    /// path) or keeps sending; elsewhere than Linux, for a peer that keeps its socket
    /// open.
    pub fn linger(mut self, d: Duration) -> Self {
        self.linger = d;
        self
    }

    pub(super) fn linger_value(&self) -> Duration {
        self.linger
    }

    /// A callback for the server's lifecycle: started, stopping, stopped, each
    /// connection opened and closed (with addresses and reason), refused by a limit,
    /// and non-fatal errors such as failed accepts. For logging, auditing or a
    /// connection table without writing a handler for it. Connection events run on
    /// the connection's loop: keep the callback short.
    ///
    /// ```
    /// use tcpio::ServerEvent;
    ///
    /// let builder = tcpio::Server::builder().on_event(|e| match e {
    ///     ServerEvent::Opened { id, peer, .. } => eprintln!("#{id} open from {peer}"),
    ///     ServerEvent::Closed { id, reason, .. } => eprintln!("#{id} closed: {reason}"),
    ///     ServerEvent::Error { context, error, .. } => eprintln!("{context}: {error}"),
    ///     _ => {}
    /// });
    /// # drop(builder);
    /// ```
    pub fn on_event<F>(mut self, f: F) -> Self
    where
        F: Fn(&ServerEvent<'_>) + Send + Sync + 'static,
    {
        self.observer = Some(Arc::new(f));
        self
    }

    /// Lets [`start`](Self::start) run with no address bound (see
    /// [`Server::client`](crate::Server::client)).
    pub(super) fn allow_no_listeners(mut self) -> Self {
        self.no_listeners_ok = true;
        self
    }

    fn config(&self) -> Result<(LoopConfig, ListenPlan), Error> {
        if self.addrs.is_empty() && !self.no_listeners_ok {
            return Err(Error::NoAddress);
        }
        let loops = match self.loops {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        check(loops <= 1024, "loops", || format!("{loops} loops; at most 1024"))?;
        check(self.backlog > 0, "backlog", || "must be at least 1".into())?;
        check((512..=(64 << 20)).contains(&self.read_buffer), "read_buffer_size", || {
            format!("{} bytes; must be from 512 bytes to 64 MiB", self.read_buffer)
        })?;
        check(self.read_budget > 0, "read_budget", || "must be at least 1".into())?;
        check(self.max_input > 0, "max_input", || "must be at least 1 byte".into())?;
        let low = self.low_water.unwrap_or(self.high_water / 4);
        check(self.high_water > 0, "high_water", || "must be at least 1 byte".into())?;
        check(low < self.high_water, "low_water", || {
            format!("{low} bytes is not below the high-water mark of {} bytes", self.high_water)
        })?;
        check(self.high_water <= self.max_output, "max_output", || {
            format!("{} bytes is below the high-water mark of {} bytes", self.max_output, self.high_water)
        })?;
        let balance = self.balance.unwrap_or(if cfg!(target_os = "linux") {
            Balance::ReusePort
        } else {
            Balance::RoundRobin
        });
        let cfg = LoopConfig {
            loops,
            read_buffer: self.read_buffer,
            pool_buffer: 16 * 1024,
            pool_max_free: 256,
            read_budget: self.read_budget,
            accept_budget: 256,
            max_events: 1024,
            linger: self.linger,
            limits: BufferLimits {
                max_input: self.max_input,
                high_water: self.high_water,
                low_water: low,
                max_output: self.max_output,
            },
            socket: self.socket.clone(),
            balance,
            timeouts: self.timeouts,
            setups: self.setups.clone().into(),
        };
        self.check_timeouts()?;
        self.check_admission()?;
        let plan = ListenPlan { loops, balance, backlog: self.backlog, share_port: self.share_port };
        Ok((cfg, plan))
    }

    /// Binds every address, starts the loops and returns at once. `factory` makes one
    /// handler per loop, on that loop's thread, given the loop id.
    pub fn start<H, F>(self, factory: F) -> Result<ServerHandle, Error>
    where
        H: Handler,
        F: Fn(usize) -> H + Send + Sync + 'static,
    {
        let (cfg, plan) = self.config()?;
        let (addrs, per_loop) = bind_all(&self.addrs, plan)?;
        let setup = LoopSetup {
            cfg,
            admission: self.admission,
            observer: self.observer.clone(),
            shutdown_timeout: self.shutdown_timeout,
        };
        let loops = setup.cfg.loops;
        let (shared, threads) = start_loops(setup, per_loop, addrs.clone().into(), factory)
            .map_err(|(context, source)| Error::Io { context, source })?;
        tracing::info!(addrs = ?addrs, loops, "server started");
        shared.emit(ServerEvent::Started { addrs: &addrs });
        Ok(ServerHandle::new(shared, threads, addrs))
    }
    /// [`start`](Self::start), then blocks until the server stops (a handler returned
    /// [`Action::Shutdown`] or [`ServerHandle::shutdown`] was called elsewhere).
    pub fn serve<H, F>(self, factory: F) -> Result<(), Error>
    where
        H: Handler,
        F: Fn(usize) -> H + Send + Sync + 'static,
    {
        self.start(factory)?.wait()
    }

    /// Starts a server from one closure over the connection and its input; each loop
    /// gets a clone of it. The simplest way to write a server:
    ///
    /// ```no_run
    /// tcpio::Server::builder().bind("127.0.0.1:7000")?.serve_fn(|conn, input| {
    ///     conn.write(input.bytes()); // echo, straight from the read buffer
    ///     input.consume_all();
    ///     tcpio::Action::Continue
    /// })?;
    /// # Ok::<(), tcpio::Error>(())
    /// ```
    pub fn start_fn<F>(self, f: F) -> Result<ServerHandle, Error>
    where
        F: FnMut(&mut Conn<'_, ()>, &mut Input<'_>) -> Action + Clone + Send + Sync + 'static,
    {
        self.start(move |_| FnHandler(f.clone()))
    }

    /// [`start_fn`](Self::start_fn), then blocks until the server stops.
    pub fn serve_fn<F>(self, f: F) -> Result<(), Error>
    where
        F: FnMut(&mut Conn<'_, ()>, &mut Input<'_>) -> Action + Clone + Send + Sync + 'static,
    {
        self.start_fn(f)?.wait()
    }
}
