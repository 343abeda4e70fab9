//! The three single-threaded echo servers and the child-side `serve` entry point.
//!
//! Each server binds 127.0.0.1, prints `LISTENING <port>` on stdout once ready, and exits
//! cleanly (through `exit`, so valgrind and strace write their output) when its stdin closes.

mod floor;
mod tcpio_echo;
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
}

impl ServerKind {
    /// All servers, in the default order.
    pub const ALL: [ServerKind; 3] = [ServerKind::Tcpio, ServerKind::Tokio, ServerKind::Floor];

    /// The server's command-line name.
    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Tcpio => "tcpio",
            ServerKind::Tokio => "tokio",
            ServerKind::Floor => "floor",
        }
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Res<ServerKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("unknown server `{s}` (tcpio, tokio or floor)").into())
    }
}

/// Child side: runs server `kind` on `port` (0 = ephemeral) until stdin closes.
pub fn serve(kind: ServerKind, port: u16) -> Res<()> {
    crate::proc::raise_nofile_limit();
    match kind {
        ServerKind::Tcpio => tcpio_echo::run(port),
        ServerKind::Tokio => tokio_echo::run(port),
        ServerKind::Floor => floor::run(port),
    }
}

/// Prints the ready line `LISTENING <port>` and flushes stdout.
fn announce(port: u16) -> Res<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "LISTENING {port}")?;
    out.flush()?;
    Ok(())
}

/// Blocks until stdin reaches end of file (or fails): the parent's signal to exit.
fn wait_for_stdin_close() {
    let mut stdin = std::io::stdin().lock();
    let mut buf = [0u8; 256];
    while let Ok(n) = stdin.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
}

/// Starts a thread that exits the process with status 0 once stdin closes.
fn exit_on_stdin_close() -> Res<()> {
    std::thread::Builder::new().name("stdin-watch".into()).spawn(|| {
        wait_for_stdin_close();
        std::process::exit(0);
    })?;
    Ok(())
}
