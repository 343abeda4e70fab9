//! Idiomatic tokio echo server: current-thread runtime, a task per connection, 64 KiB buffer.

use crate::Res;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Runs the tokio echo server on 127.0.0.1:`port` until stdin closes.
pub fn run(port: u16) -> Res<()> {
    super::exit_on_stdin_close()?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
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
