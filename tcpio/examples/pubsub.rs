//! A publish/subscribe server over length-prefixed frames, and its client.
//!
//! ```text
//! cargo run --release --example pubsub -- --bind tcp://127.0.0.1:7100 --loops 2
//! cargo run --release --example pubsub -- --connect 127.0.0.1:7100 --subscribe news
//! cargo run --release --example pubsub -- --connect 127.0.0.1:7100 --publish news "hello"
//! ```
//!
//! The server is `tcpio_examples::pubsub`: each topic is a `tcpio::Group`, so a
//! message is encoded once and reaches subscribers on every loop; subscribers are
//! exempt from the 30 s idle timeout that closes the others (with an error frame
//! first). The client is a `FramedClient` over a blocking socket: `--subscribe` prints
//! each message as `topic: message` until the server closes; `--publish` sends one
//! message and exits.

use std::net::TcpStream;
use std::process::ExitCode;

use tcpio::codec::FramedClient;
use tcpio_examples::cli::Cli;
use tcpio_examples::pubsub;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cli = Cli::new("pubsub", "tcp://127.0.0.1:7100").mode(
        "--connect ADDR (--subscribe TOPIC | --publish TOPIC MESSAGE)",
        &[
            ("--connect ADDR", "be a client of the server at ADDR"),
            ("--subscribe TOPIC", "print every message published to TOPIC"),
            ("--publish TOPIC MESSAGE", "publish MESSAGE to TOPIC and exit"),
        ],
    );
    if args.first().map(String::as_str) == Some("--connect") {
        return client(&cli, &args);
    }
    cli.main(pubsub::start)
}

/// What a client does.
enum Client<'a> {
    Subscribe(&'a str),
    Publish(&'a str, &'a str),
}

fn client(cli: &Cli, args: &[String]) -> ExitCode {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let (addr, action) = match words.as_slice() {
        ["--connect", addr, "--subscribe", topic] => (addr, Client::Subscribe(topic)),
        ["--connect", addr, "--publish", topic, message] => (addr, Client::Publish(topic, message)),
        _ => {
            return cli
                .fail("a client takes --connect ADDR and then --subscribe TOPIC or --publish TOPIC MESSAGE")
        }
    };
    let topic = match action {
        Client::Subscribe(t) | Client::Publish(t, _) => t,
    };
    if topic.is_empty() || topic.len() > 255 {
        return cli.fail("a topic is 1 to 255 bytes");
    }
    let stream = match TcpStream::connect(addr) {
        Ok(s) => s,
        Err(e) => return fail(&format!("connect to {addr}: {e}")),
    };
    let mut client = FramedClient::new(stream, pubsub::codec());
    match action {
        Client::Publish(topic, message) => {
            let body = pubsub::publish_body(topic.as_bytes(), message.as_bytes());
            match client.send(&body).and_then(|()| client.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&format!("publish: {e}")),
            }
        }
        Client::Subscribe(topic) => {
            let body = [b"S", topic.as_bytes()].concat();
            if let Err(e) = client.send(&body).and_then(|()| client.flush()) {
                return fail(&format!("subscribe: {e}"));
            }
            loop {
                match client.receive() {
                    Ok(frame) => match pubsub::parse_message(frame) {
                        Some((t, m)) => {
                            println!("{}: {}", String::from_utf8_lossy(t), String::from_utf8_lossy(m))
                        }
                        None => return fail(&format!("the server said: {}", String::from_utf8_lossy(frame))),
                    },
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return ExitCode::SUCCESS,
                    Err(e) => return fail(&format!("receive: {e}")),
                }
            }
        }
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("pubsub: {msg}");
    ExitCode::FAILURE
}
