//! An HTTP/1.1 server on tcpio: TechEmpower's plaintext and JSON routes with
//! keep-alive and pipelining.
//!
//! ```text
//! cargo run --release --example http-server -- --bind tcp://127.0.0.1:8080 --loops 2
//! curl -i http://127.0.0.1:8080/plaintext
//! wrk -t1 -c50 -d5s http://127.0.0.1:8080/plaintext
//! ```
//!
//! The server is `tcpio_examples::http` (in `examples-support/`; parsing with
//! `httparse`), shared with the tests, the fuzz target and the benchmark's tokio clone.

use std::process::ExitCode;

const USAGE: &str = "usage: http-server [--bind URL]... [--loops N]
  --bind URL   tcp://host:port, tcp4://, tcp6://, unix:///path or host:port
               (repeatable; default tcp://127.0.0.1:8080)
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
        binds.push("tcp://127.0.0.1:8080".to_string());
    }
    let mut builder = tcpio::Server::builder().loops(loops);
    for b in &binds {
        builder = match builder.bind(b.as_str()) {
            Ok(b) => b,
            Err(e) => return fail(&e.to_string()),
        };
    }
    let server = match tcpio_examples::http::start(builder) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    for a in server.local_addrs() {
        println!("http-server listening on {a}");
    }
    // SIGINT/SIGTERM drain the server gracefully; the process then exits 0.
    if let Err(e) = server.shutdown_on_signals().and_then(|()| server.wait()) {
        return fail(&e.to_string());
    }
    ExitCode::SUCCESS
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("http-server: {msg}\n{USAGE}");
    ExitCode::from(2)
}
