//! The HTTP servers: tcpio's http-server example (its very files, compiled in here) and the
//! same request handling on tokio, so the comparison measures the framework alone.

#[path = "../../../../tcpio/examples/http-server/http.rs"]
mod http;
#[path = "../../../../tcpio/examples/http-server/server.rs"]
mod server;

use crate::Res;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Runs tcpio's http-server example (1 loop) on 127.0.0.1:`port` until stdin closes.
pub fn run_tcpio(port: u16) -> Res<()> {
    let builder = tcpio::Server::builder().bind(&format!("127.0.0.1:{port}"))?.loops(1);
    let handle = server::start(builder).map_err(|e| format!("tcpio http: {e}"))?;
    let port = handle.local_addrs()[0].as_ip().ok_or("tcpio listens on a non-IP address")?.port();
    super::announce(port)?;
    super::wait_for_stdin_close();
    handle.shutdown();
    handle.wait().expect("wait for the server");
    std::process::exit(0);
}

/// Runs the tokio clone until stdin closes. The `Date` header is refreshed by a task once
/// per second, as tcpio's handler does on its tick.
pub fn run_tokio(port: u16) -> Res<()> {
    let date = Rc::new(Cell::new(http::Date::default()));
    let ticker = date.clone();
    super::tokio_app::serve_with(
        port,
        async move {
            loop {
                let mut d = ticker.get();
                let wait = d.refresh();
                ticker.set(d);
                tokio::time::sleep(wait + Duration::from_millis(1)).await;
            }
        },
        move |stream| serve_conn(stream, date.clone()),
    )
}

/// Serves one connection: read, answer every complete request, write all responses at once.
async fn serve_conn(mut stream: TcpStream, date: Rc<Cell<http::Date>>) {
    let _ = stream.set_nodelay(true);
    let mut input = vec![0u8; 64 * 1024];
    let mut filled = 0;
    let mut out = Vec::new();
    loop {
        if filled == input.len() {
            return; // More than a 64 KiB head: not a client of these routes.
        }
        match stream.read(&mut input[filled..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => filled += n,
        }
        let d = date.get();
        let mut used = 0;
        let mut close = false;
        while used < filled {
            match http::respond(&input[used..filled], &d, &mut out) {
                http::Handled::KeepAlive { used: n } => used += n,
                http::Handled::Incomplete => break,
                http::Handled::Close => {
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
