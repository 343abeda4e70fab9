//! A length-prefixed echo: each frame is a 4-byte big-endian length and that many
//! bytes; the server replies to every frame with the same frame.
//!
//! ```text
//! cargo run --release --example framed-echo -- --bind tcp://127.0.0.1:5000 --loops 2
//! cargo run --release --example framed-echo -- --connect 127.0.0.1:5000 --count 1000
//! ```
//!
//! The server is a [`FrameHandler`] run by [`Framed`]: the reply's header is built on
//! the stack and its payload, a slice of the input, is forwarded without a copy. The
//! client is a [`FramedClient`] over a blocking `std` socket with the same codec: it
//! sends a window of frames in one burst, then checks each reply in order.

use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Instant;

use tcpio::codec::{FrameConn, FrameHandler, Framed, FramedClient, LengthField};
use tcpio::Action;
use tcpio_examples::cli::{self, Cli};

struct Echo;

impl FrameHandler for Echo {
    type Codec = LengthField;
    type State = ();

    fn on_frame(&mut self, conn: &mut FrameConn<'_, '_, Self>, frame: &[u8]) -> Action {
        // Cannot fail: the frame passed the same codec's maximum on the way in.
        conn.send(frame).expect("a decoded frame re-encodes");
        Action::Continue
    }
}

/// Frames the client writes before reading their replies.
const WINDOW: usize = 16;

fn main() -> ExitCode {
    let cli = Cli::new("framed-echo", "tcp://127.0.0.1:5000").mode(
        "--connect HOST:PORT [--count N]",
        &[
            ("--connect HOST:PORT", "be the client: send frames of varying sizes, check each reply"),
            ("--count N", "frames the client sends (default 1000)"),
        ],
    );
    let (mut connect, mut count) = (None, 1000);
    let parsed = cli.parse(std::env::args().skip(1), |flag, value| {
        match flag {
            "--connect" => connect = Some(value.to_string()),
            "--count" => count = cli::number(flag, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    });
    let options = match parsed {
        Ok(options) => options,
        Err(code) => return code,
    };
    match connect {
        Some(addr) if options.binds.is_empty() => client(&addr, count),
        Some(_) => cli.fail("--connect and --bind exclude each other"),
        None => cli.run(&options, |builder| builder.start(|_| Framed::new(LengthField::new(), Echo))),
    }
}

/// The `i`th frame's payload: sizes from 0 to 64 KiB, bytes that depend on `i`.
fn frame(i: usize) -> Vec<u8> {
    let len = match i % 8 {
        0 => 0,
        1 => 1,
        _ => (i * 7919) % (64 * 1024),
    };
    (0..len).map(|j| (i.wrapping_mul(31) ^ j) as u8).collect()
}

fn client(addr: &str, count: usize) -> ExitCode {
    let stream = match TcpStream::connect(addr) {
        Ok(s) => s,
        Err(e) => return error(&format!("connect to {addr}: {e}")),
    };
    let _ = stream.set_nodelay(true);
    let mut client = FramedClient::new(stream, LengthField::new());
    let started = Instant::now();
    let (mut sent_bytes, mut mismatches, mut checked) = (0usize, 0usize, 0usize);
    for first in (0..count).step_by(WINDOW) {
        let batch = first..(first + WINDOW).min(count);
        // A window of requests in one burst, then their replies in order.
        for i in batch.clone() {
            let f = frame(i);
            sent_bytes += f.len() + 4;
            if let Err(e) = client.send(&f) {
                return error(&format!("request {i}: {e}"));
            }
        }
        if let Err(e) = client.flush() {
            return error(&format!("write: {e}"));
        }
        for i in batch {
            let reply = match client.receive() {
                Ok(reply) => reply,
                Err(e) => return error(&format!("reply {i}: {e}")),
            };
            checked += 1;
            if reply != frame(i) {
                mismatches += 1;
                eprintln!(
                    "framed-echo: reply {i} differs ({} bytes, expected {})",
                    reply.len(),
                    frame(i).len()
                );
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "framed-echo: {count} frames ({sent_bytes} bytes) sent, {checked} replies checked, {mismatches} mismatches, {:.1} ms",
        secs * 1000.0
    );
    if mismatches == 0 && checked == count {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A runtime failure: exit status 1.
fn error(msg: &str) -> ExitCode {
    eprintln!("framed-echo: {msg}");
    ExitCode::FAILURE
}
