//! The Redis server on tokio: a clone of tcpio's (`tcpio_examples::redis`, what the
//! `redis-server` example runs; `run_tcpio_app` runs that one).
//!
//! The tokio clone runs the example's parser, keyspace and command code unchanged; only the
//! I/O around them differs, so the comparison measures the framework alone.

use crate::Res;
use std::sync::Arc;
use tcpio_examples::redis::commands::{run_all, Ctx, Flow, Session};
use tcpio_examples::redis::resp::{Parser, Progress};
use tcpio_examples::redis::stats::Counters;
use tcpio_examples::redis::store;
use tcpio_examples::redis::{Options, Shared};
use tokio::net::TcpStream;

/// Runs the tokio clone (current-thread runtime, a task per connection) until stdin closes.
pub fn run_tokio(port: u16) -> Res<()> {
    let dbs = Arc::new(store::Databases::new());
    let shared = Arc::new(Shared::new(&Options::default()));
    super::tokio_app::serve(port, move |stream| serve_conn(stream, dbs.clone(), shared.clone()))
}

/// Serves one connection: read, run every complete request, write all replies at once.
async fn serve_conn(stream: TcpStream, dbs: Arc<store::Databases>, shared: Arc<Shared>) {
    let mut parser = Parser::new();
    let mut progress = Progress::default();
    let mut clock = store::Clock::new(dbs.origin());
    let mut scratch = Vec::new();
    let mut session = Session::open();
    let counters = Counters::default();
    super::tokio_app::serve_requests(stream, usize::MAX, move |input, out| {
        clock.reset();
        let mut ctx = Ctx::new(&dbs, &mut clock, &mut scratch, &shared, &mut session, &counters);
        let (used, flow) = run_all(&mut parser, &mut progress, input, &mut ctx, out);
        (used, flow == Flow::Continue)
    })
    .await
}
