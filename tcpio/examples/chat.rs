//! A line-based chat room: whatever one client says reaches everyone else, whichever
//! event loop they are on.
//!
//! ```text
//! cargo run --release --example chat -- --bind tcp://127.0.0.1:7000 --loops 2
//! nc 127.0.0.1 7000          # in two or more terminals
//! ```
//!
//! Commands: `/nick NAME`, `/who`, `/msg NAME TEXT`, `/quit`; anything else is said to
//! the room. The handler is `tcpio_examples::chat` (in `examples-support/`), which the
//! tests drive too. SIGINT or SIGTERM says goodbye to everyone and stops gracefully.

use std::process::ExitCode;

use tcpio_examples::cli::Cli;

fn main() -> ExitCode {
    Cli::new("chat", "tcp://127.0.0.1:7000").main(tcpio_examples::chat::start)
}
