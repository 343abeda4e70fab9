//! The HTTP server on tokio: the request handling of tcpio's (`tcpio_examples::http`, what
//! the `http-server` example runs; `run_tcpio_app` runs that one) unchanged, so the
//! comparison measures the framework alone.

use crate::Res;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use tcpio_examples::http::{self, Session};
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
/// More than 64 KiB left unused is not a client of these routes: the connection is dropped.
async fn serve_conn(stream: TcpStream, date: Rc<Cell<http::Date>>) {
    let mut session = Session::default();
    super::tokio_app::serve_requests(stream, 64 * 1024, move |input, out| {
        let served = session.serve(input, &date.get(), out);
        (served.used, served.keep)
    })
    .await
}
