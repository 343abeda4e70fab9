//! The HTTP server on tokio: the request handling of tcpio's (`tcpio_examples::http`, what
//! the `http-server` example runs; `run_tcpio_app` runs that one) unchanged, so the
//! comparison measures the framework alone.

use crate::Res;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use tcpio_examples::http::{self, respond_all};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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
        let (used, keep) = respond_all(&input[..filled], &date.get(), &mut out);
        input.copy_within(used..filled, 0);
        filled -= used;
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
        if !keep {
            return;
        }
    }
}
