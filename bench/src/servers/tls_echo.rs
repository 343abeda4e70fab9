//! The two TLS echo servers: tcpio on a TLS address, and tokio with tokio-rustls (a
//! task per connection), with the same certificate, provider and session settings.

use crate::Res;
use std::os::fd::AsFd;
use std::sync::Arc;
use tcpio::tls::rustls;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::pipe;
use tokio::net::TcpListener;

/// tcpio: one loop, the echo handler, `tls://127.0.0.1:port`.
pub fn run_tcpio(port: u16) -> Res<()> {
    let (cert, key) = crate::tls::cert::files()?;
    let tls = tcpio::tls::TlsServer::new(cert, key)?
        .versions(tcpio::tls::TlsVersion::Tls13, tcpio::tls::TlsVersion::Tls13);
    let handle = tcpio::Server::builder()
        .bind_with(&format!("127.0.0.1:{port}"), tcpio::BindOptions::new().tls(tls))?
        .loops(1)
        .start(|_| tcpio_examples::echo::Echo)?;
    let port = handle.local_addrs()[0].as_ip().ok_or("tcpio listens on a non-IP address")?.port();
    super::announce(port)?;
    super::wait_for_stdin_close();
    handle.shutdown();
    handle.wait().expect("wait for the server");
    std::process::exit(0);
}

/// The rustls server settings tcpio's `TlsServer` makes by default (TLS 1.3 here):
/// a session cache of 4096, *ring*'s rotating ticketer, two TLS 1.3 tickets.
fn tokio_config() -> Res<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::pem::PemObject;
    let (cert, key) = crate::tls::cert::files()?;
    let chain = rustls::pki_types::CertificateDer::pem_file_iter(&cert)?.collect::<Result<Vec<_>, _>>()?;
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(&key)?;
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(crate::tls::cert::provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    cfg.session_storage = rustls::server::ServerSessionMemoryCache::new(tcpio::tls::DEFAULT_SESSION_CACHE);
    cfg.ticketer = rustls::crypto::ring::Ticketer::new()?;
    Ok(Arc::new(cfg))
}

/// tokio + tokio-rustls: current-thread runtime, a task per connection, 64 KiB buffer.
pub fn run_tokio(port: u16) -> Res<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(tokio_config()?);
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let stdin = std::io::stdin().as_fd().try_clone_to_owned()?;
        let stdin = pipe::Receiver::from_owned_fd(stdin).map_err(|e| format!("stdin must be a pipe: {e}"))?;
        tokio::spawn(super::tokio_echo::exit_on_stdin_close(stdin));
        super::announce(listener.local_addr()?.port())?;
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = stream.set_nodelay(true);
                let Ok(mut tls) = acceptor.accept(stream).await else { return };
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    if tls.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            });
        }
    })
}
