//! The simplest tcpio server: one closure, no types to declare. It reads a message,
//! prints it, and replies `OK`.
//!
//! ```text
//! cargo run --example hello            # then: echo hi | nc 127.0.0.1 7000
//! ```

fn main() -> Result<(), tcpio::Error> {
    let server = tcpio::Server::builder().bind("127.0.0.1:7000")?.loops(1);
    println!("hello listening on tcp://127.0.0.1:7000");
    server.serve_fn(|conn, input| {
        println!("{} says: {}", conn.peer_addr(), String::from_utf8_lossy(input.bytes()).trim_end());
        input.consume_all();
        conn.write(b"OK\n");
        tcpio::Action::Continue
    })
}
