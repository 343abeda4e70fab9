//! The TLS floor: what any server must spend per echoed message on the crypto itself.
//! A rustls client and server talk over memory; per message the server decrypts one
//! record, copies its plaintext out, and encrypts the reply (rustls's unbuffered API,
//! no sockets). Callgrind counts only the server's step (`--toggle-collect`), so the
//! client's half is left out.

use crate::proc::{ChildProc, Pinning, Wrapper, SERVER_CORE};
use crate::Res;
use rustls::server::UnbufferedServerConnection;
use rustls::unbuffered::ConnectionState;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tcpio::tls::rustls;

/// Runs the floor child for `messages` messages of `size` bytes under callgrind,
/// counting the server's step only; the profile goes to `out`.
pub fn measure(out: &Path, messages: u64, size: usize, pin: Pinning) -> Res<()> {
    let wrapper = Wrapper::CallgrindCollect(out.to_path_buf(), "*floor*server_step*");
    let mut proc = ChildProc::spawn(
        "tls floor",
        &["tls-floor", "--messages", &messages.to_string(), "--size", &size.to_string()],
        &wrapper,
        pin.core(SERVER_CORE),
    )?;
    proc.expect_line("DONE", Duration::from_secs(300))?;
    proc.stop(Duration::from_secs(60))?;
    Ok(())
}

/// The server's whole work for one message: decrypt what arrived, copy the plaintext
/// out (as a server hands it to its handler), encrypt it back.
#[inline(never)]
fn server_step(
    server: &mut UnbufferedServerConnection,
    incoming: &mut [u8],
    plain: &mut Vec<u8>,
    out: &mut [u8],
) -> usize {
    plain.clear();
    let mut used = 0;
    loop {
        let status = server.process_tls_records(&mut incoming[used..]);
        let discard = status.discard;
        match status.state.expect("a good record") {
            ConnectionState::ReadTraffic(mut r) => {
                while let Some(rec) = r.next_record() {
                    plain.extend_from_slice(rec.expect("decrypts").payload);
                }
            }
            ConnectionState::WriteTraffic(mut w) => {
                return w.encrypt(plain, out).expect("room for the reply");
            }
            other => panic!("unexpected state {other:?}"),
        }
        used += discard;
    }
}

/// The child: a handshake over memory, then `messages` round trips; prints `DONE`.
pub fn run(messages: u64, size: usize) -> Res<()> {
    let (cert, key) = super::cert::files()?;
    use rustls::pki_types::pem::PemObject;
    let chain = rustls::pki_types::CertificateDer::pem_file_iter(&cert)?.collect::<Result<Vec<_>, _>>()?;
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(&key)?;
    let server_cfg = rustls::ServerConfig::builder_with_provider(Arc::new(super::cert::provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    let mut server = UnbufferedServerConnection::new(Arc::new(server_cfg))?;
    let name = rustls::pki_types::ServerName::try_from("localhost")?;
    let mut client = rustls::ClientConnection::new(super::cert::client(), name)?;
    // The handshake, through a buffered server (`Pipe`) on the unbuffered connection.
    let mut to_server: Vec<u8> = Vec::new();
    let mut to_client: Vec<u8> = Vec::new();
    for _ in 0..16 {
        client.write_tls(&mut to_server)?;
        let mut used = 0;
        loop {
            let status = server.process_tls_records(&mut to_server[used..]);
            let discard = status.discard;
            match status.state? {
                ConnectionState::EncodeTlsData(mut e) => {
                    let mut buf = vec![0u8; 32 * 1024];
                    let n = e.encode(&mut buf).map_err(|e| e.to_string())?;
                    to_client.extend_from_slice(&buf[..n]);
                }
                ConnectionState::TransmitTlsData(t) => t.done(),
                _ => {
                    used += discard;
                    break;
                }
            }
            used += discard;
        }
        to_server.drain(..used);
        let mut rd = &to_client[..];
        while !rd.is_empty() {
            client.read_tls(&mut rd)?;
            client.process_new_packets()?;
        }
        to_client.clear();
        if !client.is_handshaking() && !server.is_handshaking() {
            break;
        }
    }
    let msg = vec![0x5a_u8; size];
    let mut plain = Vec::with_capacity(size);
    let mut out = vec![0u8; size + 1024];
    let mut buf = vec![0u8; size + 1024];
    for _ in 0..messages {
        client.writer().write_all(&msg)?;
        to_server.clear();
        client.write_tls(&mut to_server)?;
        let n = server_step(&mut server, &mut to_server, &mut plain, &mut out);
        let mut rd = &out[..n];
        while !rd.is_empty() {
            client.read_tls(&mut rd)?;
            client.process_new_packets()?;
        }
        let got = client.reader().read(&mut buf)?;
        if got != size {
            return Err(format!("floor: {got} of {size} bytes back").into());
        }
    }
    println!("DONE");
    std::io::stdout().flush()?;
    crate::servers::wait_for_stdin_close();
    std::process::exit(0);
}
