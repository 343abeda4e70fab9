//! An echo server: every byte a client sends comes straight back.
//!
//! ```text
//! cargo run --release --example echo -- --bind tcp://127.0.0.1:5000 --bind unix:///tmp/echo.sock --loops 2
//! ```
//!
//! The reply is forwarded from the loop's read buffer without a copy: `conn.write`
//! recognises a slice of the current input.

use std::process::ExitCode;

use tcpio::{Action, Conn, Handler, Input, Server};

struct Echo;

impl Handler for Echo {
    type State = ();

    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        conn.write(input.bytes());
        input.consume_all();
        Action::Continue
    }
}

const USAGE: &str = "usage: echo [--bind URL]... [--loops N]
  --bind URL   tcp://host:port, tcp4://, tcp6://, unix:///path or host:port
               (repeatable; default tcp://127.0.0.1:5000)
  --loops N    event loops, 0 = one per core (default 0)";

fn main() -> ExitCode {
    let mut binds = Vec::new();
    let mut loops = 0;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--bind", Some(v)) => binds.push(v),
            ("--loops", Some(v)) => match v.parse() {
                Ok(n) => loops = n,
                Err(_) => return fail(&format!("--loops takes a number, not {v:?}")),
            },
            ("-h" | "--help", _) => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            (other, _) => return fail(&format!("unknown or incomplete argument {other:?}")),
        }
    }
    if binds.is_empty() {
        binds.push("tcp://127.0.0.1:5000".to_string());
    }
    let mut builder = Server::builder().loops(loops);
    for b in &binds {
        builder = match builder.bind(b.as_str()) {
            Ok(b) => b,
            Err(e) => return fail(&e.to_string()),
        };
    }
    let server = match builder.start(|_| Echo) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    for a in server.local_addrs() {
        println!("echo listening on {a}");
    }
    server.wait();
    ExitCode::SUCCESS
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("echo: {msg}\n{USAGE}");
    ExitCode::from(2)
}
