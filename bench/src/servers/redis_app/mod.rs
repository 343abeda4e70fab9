//! The Redis servers: tcpio's example (its very files, compiled in here), the same server on
//! tokio, and the command helpers both share.
//!
//! The tokio clone runs the example's parser, keyspace and command code unchanged; only the
//! I/O around them differs, so the comparison measures the framework alone.

#[path = "../../../../tcpio/examples/redis-server/commands.rs"]
mod commands;
#[path = "../../../../tcpio/examples/redis-server/resp.rs"]
mod resp;
#[path = "../../../../tcpio/examples/redis-server/server.rs"]
mod server;
// The keyspace's test helpers are not used here.
#[path = "../../../../tcpio/examples/redis-server/store.rs"]
#[allow(dead_code)]
mod store;

use crate::Res;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Runs tcpio's redis-server example (1 loop) on 127.0.0.1:`port` until stdin closes.
pub fn run_tcpio(port: u16) -> Res<()> {
    let builder = tcpio::Server::builder().bind(&format!("127.0.0.1:{port}"))?.loops(1);
    let handle = server::start(builder).map_err(|e| format!("tcpio redis: {e}"))?;
    let port = handle.local_addrs()[0].as_ip().ok_or("tcpio listens on a non-IP address")?.port();
    super::announce(port)?;
    super::wait_for_stdin_close();
    handle.shutdown();
    handle.wait().expect("wait for the server");
    std::process::exit(0);
}

/// Runs the tokio clone (current-thread runtime, a task per connection) until stdin closes.
pub fn run_tokio(port: u16) -> Res<()> {
    let store = Arc::new(store::Store::new());
    super::tokio_app::serve(port, move |stream| serve_conn(stream, store.clone()))
}

/// Serves one connection: read, run every complete request, write all replies at once.
async fn serve_conn(mut stream: TcpStream, store: Arc<store::Store>) {
    let _ = stream.set_nodelay(true);
    let mut input = vec![0u8; 64 * 1024];
    let mut filled = 0;
    let mut out = Vec::new();
    let mut parser = resp::Parser::new();
    let mut progress = resp::Progress::default();
    let mut clock = store::Clock::new(store.origin());
    let mut scratch = Vec::new();
    loop {
        if filled == input.len() {
            input.resize(input.len() * 2, 0);
        }
        match stream.read(&mut input[filled..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => filled += n,
        }
        clock.reset();
        let mut ctx = commands::Ctx { store: &store, clock: &mut clock, scratch: &mut scratch };
        let mut used = 0;
        let mut close = false;
        loop {
            match parser.parse(&input[used..filled], &mut progress) {
                Ok(Some((args, n))) => {
                    used += n;
                    if !args.is_empty()
                        && commands::execute(args, &mut ctx, &mut out) == commands::Flow::Close
                    {
                        close = true;
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    commands::protocol_error(e, &mut out);
                    close = true;
                    break;
                }
            }
        }
        input.copy_within(used..filled, 0);
        filled -= used;
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
        if close {
            return;
        }
    }
}
