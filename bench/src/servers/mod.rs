//! The three single-threaded echo servers, the Redis and HTTP servers, the external peers
//! (nginx; real Redis is started by `redis`), and the child-side `serve` entry points.
//!
//! Each server binds 127.0.0.1, prints `LISTENING <port>` on stdout once ready, and exits
//! cleanly (through `exit`, so valgrind and strace write their output) when its stdin closes.

mod floor;
mod http_app;
pub mod nginx;
mod pubsub_app;
mod redis_app;
pub mod running;
mod tcpio_echo;
mod tls_echo;
mod tokio_app;
mod tokio_echo;

use crate::Res;
use std::io::{Read, Write};

/// Which echo server to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerKind {
    /// tcpio with one event loop.
    Tcpio,
    /// Idiomatic tokio, current-thread runtime, a task per connection.
    Tokio,
    /// Hand-written edge-triggered epoll on libc: the floor.
    Floor,
    /// tcpio on a PROXY protocol address: every connection starts with a v2 header
    /// (the `cost` suite only).
    TcpioProxy,
    /// tcpio on a TLS address (the `tls` suite).
    TcpioTls,
    /// tokio with tokio-rustls (the `tls` suite).
    TokioTls,
}

impl ServerKind {
    /// The servers the throughput comparison runs, in the default order.
    pub const ALL: [ServerKind; 3] = [ServerKind::Tcpio, ServerKind::Tokio, ServerKind::Floor];

    /// The servers `cost` runs: the same, and tcpio behind a PROXY header.
    pub const COST: [ServerKind; 4] =
        [ServerKind::Tcpio, ServerKind::TcpioProxy, ServerKind::Tokio, ServerKind::Floor];

    /// The TLS echo servers, tcpio first.
    pub const TLS: [ServerKind; 2] = [ServerKind::TcpioTls, ServerKind::TokioTls];

    /// Whether the load must open each connection with a PROXY header.
    pub fn proxy_header(self) -> bool {
        self == ServerKind::TcpioProxy
    }

    /// The server's command-line name.
    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Tcpio => "tcpio",
            ServerKind::Tokio => "tokio",
            ServerKind::Floor => "floor",
            ServerKind::TcpioProxy => "tcpio-proxy",
            ServerKind::TcpioTls => "tcpio-tls",
            ServerKind::TokioTls => "tokio-tls",
        }
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Res<ServerKind> {
        Self::COST.into_iter().chain(Self::TLS).find(|k| k.name() == s).ok_or_else(|| {
            format!("unknown server `{s}` (tcpio, tcpio-proxy, tokio, floor, tcpio-tls or tokio-tls)").into()
        })
    }
}

/// Child side: runs server `kind` on `port` (0 = ephemeral) until stdin closes.
pub fn serve(kind: ServerKind, port: u16) -> Res<()> {
    crate::proc::raise_nofile_limit();
    match kind {
        ServerKind::Tcpio => tcpio_echo::run(port, false),
        ServerKind::TcpioProxy => tcpio_echo::run(port, true),
        ServerKind::Tokio => tokio_echo::run(port),
        ServerKind::Floor => floor::run(port),
        ServerKind::TcpioTls => tls_echo::run_tcpio(port),
        ServerKind::TokioTls => tls_echo::run_tokio(port),
    }
}

/// Which application server to run (`serve-app`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppKind {
    /// tcpio's redis-server example, 1 loop.
    TcpioRedis,
    /// The same Redis server on tokio (shared parser, keyspace and commands).
    TokioRedis,
    /// The epoll floor answering `+OK` to every request, parsing nothing.
    CannedRedis,
    /// tcpio's http-server example, 1 loop.
    TcpioHttp,
    /// The same HTTP handling on tokio.
    TokioHttp,
    /// tcpio's pubsub example, 1 loop (the `fanout` suite).
    TcpioPubsub,
    /// The same protocol on tokio with a broadcast channel per topic.
    TokioPubsub,
}

impl AppKind {
    /// Every application server.
    pub const ALL: [AppKind; 7] = [
        AppKind::TcpioRedis,
        AppKind::TokioRedis,
        AppKind::CannedRedis,
        AppKind::TcpioHttp,
        AppKind::TokioHttp,
        AppKind::TcpioPubsub,
        AppKind::TokioPubsub,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            AppKind::TcpioRedis => "tcpio-redis",
            AppKind::TokioRedis => "tokio-redis",
            AppKind::CannedRedis => "canned-redis",
            AppKind::TcpioHttp => "tcpio-http",
            AppKind::TokioHttp => "tokio-http",
            AppKind::TcpioPubsub => "tcpio-pubsub",
            AppKind::TokioPubsub => "tokio-pubsub",
        }
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Res<AppKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("unknown app server `{s}`").into())
    }
}

/// Child side: runs application server `kind` on `port` until stdin closes.
pub fn serve_app(kind: AppKind, port: u16) -> Res<()> {
    crate::proc::raise_nofile_limit();
    match kind {
        AppKind::TcpioRedis => run_tcpio_app(port, "redis", tcpio_examples::redis::start),
        AppKind::TokioRedis => redis_app::run_tokio(port),
        AppKind::CannedRedis => floor::run_canned(port),
        AppKind::TcpioHttp => run_tcpio_app(port, "http", tcpio_examples::http::start),
        AppKind::TokioHttp => http_app::run_tokio(port),
        AppKind::TcpioPubsub => pubsub_app::run_tcpio(port),
        AppKind::TokioPubsub => pubsub_app::run_tokio(port),
    }
}

/// Runs one of tcpio's example servers (`start`, 1 loop) on 127.0.0.1:`port` until stdin
/// closes.
fn run_tcpio_app(
    port: u16,
    name: &str,
    start: fn(tcpio::Builder) -> Result<tcpio::ServerHandle, tcpio::Error>,
) -> Res<()> {
    let builder = tcpio::Server::builder().bind(&format!("127.0.0.1:{port}"))?.loops(1);
    let handle = start(builder).map_err(|e| format!("tcpio {name}: {e}"))?;
    let port = handle.local_addrs()[0].as_ip().ok_or("tcpio listens on a non-IP address")?.port();
    announce(port)?;
    wait_for_stdin_close();
    handle.shutdown();
    handle.wait().expect("wait for the server");
    std::process::exit(0);
}

/// Prints the ready line `LISTENING <port>` and flushes stdout.
fn announce(port: u16) -> Res<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "LISTENING {port}")?;
    out.flush()?;
    Ok(())
}

/// Blocks until stdin reaches end of file (or fails): the parent's signal to exit.
pub(crate) fn wait_for_stdin_close() {
    let mut stdin = std::io::stdin().lock();
    let mut buf = [0u8; 256];
    while let Ok(n) = stdin.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
}

/// Puts stdin in nonblocking mode, so a server's own event loop can watch it for EOF (no extra
/// thread: a second thread would make glibc's `read`/`write` take their slower
/// cancellation-point path and skew per-message costs).
fn stdin_nonblocking() -> Res<()> {
    // SAFETY: F_GETFL/F_SETFL on fd 0 take no pointers; worst case they fail with EBADF.
    unsafe {
        let flags = libc::fcntl(0, libc::F_GETFL);
        if flags < 0 || libc::fcntl(0, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
            return Err(format!("stdin: {}", std::io::Error::last_os_error()).into());
        }
    }
    Ok(())
}

/// Reads (nonblocking) stdin until it would block; exits the process with status 0 on EOF or
/// error. Call when stdin polled readable.
fn exit_if_stdin_closed() {
    let mut stdin = std::io::stdin().lock();
    let mut buf = [0u8; 256];
    loop {
        match stdin.read(&mut buf) {
            Ok(0) => std::process::exit(0),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => std::process::exit(0),
        }
    }
}
