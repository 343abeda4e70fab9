//! Idiomatic tokio echo server: current-thread runtime, a task per connection, 64 KiB buffer.

use crate::Res;
use std::os::fd::AsFd;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::pipe;
use tokio::net::{TcpListener, TcpStream};

/// Runs the tokio echo server on 127.0.0.1:`port` until stdin closes.
pub fn run(port: u16) -> Res<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        // The runtime watches stdin itself: a watcher thread would make the process
        // multi-threaded, which makes glibc's read/write slower (cancellation points).
        let stdin = std::io::stdin().as_fd().try_clone_to_owned()?;
        let stdin = pipe::Receiver::from_owned_fd(stdin).map_err(|e| format!("stdin must be a pipe: {e}"))?;
        tokio::spawn(exit_on_stdin_close(stdin));
        super::announce(listener.local_addr()?.port())?;
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(echo(stream));
                }
                Err(e) => {
                    eprintln!("tokio server: accept: {e}");
                    // Back off briefly so a persistent error (EMFILE) does not spin.
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        }
    })
}

/// Echoes one connection until EOF or error.
async fn echo(mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if stream.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// Exits the process once stdin (a pipe, owned by the runtime) reaches end of file.
pub(super) async fn exit_on_stdin_close(mut stdin: pipe::Receiver) {
    let mut buf = [0u8; 256];
    while let Ok(n) = stdin.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
    std::process::exit(0);
}
