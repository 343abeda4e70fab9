//! The frame shared by the tokio clones of the Redis and HTTP servers: a current-thread
//! runtime, a task per connection, exit when stdin closes; each connection read, answered
//! and written the same way.

use crate::Res;
use std::future::Future;
use std::os::fd::AsFd;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::pipe;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::LocalSet;

/// Serves 127.0.0.1:`port`, one `conn` task per connection, until stdin closes.
pub fn serve<F, Fut>(port: u16, conn: F) -> Res<()>
where
    F: Fn(TcpStream) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    serve_with(port, std::future::pending(), conn)
}

/// Like [`serve`], with a `background` task running beside the connections. Tasks are local
/// to the one thread (a `LocalSet`), so they may share state through `Rc`.
pub fn serve_with<B, F, Fut>(port: u16, background: B, conn: F) -> Res<()>
where
    B: Future<Output = ()> + 'static,
    F: Fn(TcpStream) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().enable_time().build()?;
    let local = LocalSet::new();
    local.block_on(&rt, async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        // The runtime watches stdin itself: a watcher thread would make the process
        // multi-threaded, which makes glibc's read/write slower (cancellation points).
        let stdin = std::io::stdin().as_fd().try_clone_to_owned()?;
        let stdin = pipe::Receiver::from_owned_fd(stdin).map_err(|e| format!("stdin must be a pipe: {e}"))?;
        tokio::task::spawn_local(super::tokio_echo::exit_on_stdin_close(stdin));
        tokio::task::spawn_local(background);
        super::announce(listener.local_addr()?.port())?;
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::task::spawn_local(conn(stream));
                }
                Err(e) => {
                    eprintln!("tokio server: accept: {e}");
                    // Back off briefly so a persistent error (EMFILE) does not spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    })
}

/// Serves one connection: read, let `answer` answer every complete request in what has
/// arrived (it returns the bytes they took and whether the connection stays open), write
/// all the replies at once. Unanswered input is kept for the next read, in a buffer of
/// 64 KiB doubled whenever it fills, up to `max_input` (then the connection is dropped).
pub async fn serve_requests(
    mut stream: TcpStream,
    max_input: usize,
    mut answer: impl FnMut(&[u8], &mut Vec<u8>) -> (usize, bool),
) {
    let _ = stream.set_nodelay(true);
    let mut input = vec![0u8; 64 * 1024];
    let mut filled = 0;
    let mut out = Vec::new();
    loop {
        if filled == input.len() {
            if input.len() >= max_input {
                return;
            }
            input.resize(input.len() * 2, 0);
        }
        match stream.read(&mut input[filled..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => filled += n,
        }
        let (used, keep) = answer(&input[..filled], &mut out);
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
