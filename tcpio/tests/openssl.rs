//! TLS against the real OpenSSL (`openssl` package; required under `CI=true`):
//! `s_client` as the peer of a TLS address (1.2 and 1.3, with and without a client
//! certificate, a KeyUpdate it asks for), and `s_server` as the server a dialed TLS
//! connection reaches.

mod tools;
mod util;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tcpio::tls::{ClientAuth, TlsClient, TlsServer};
use tcpio::{Action, CloseReason, Conn, Handler, Input};
use util::tls::*;
use util::*;

/// A running `openssl` command whose output (stdout and stderr together) is
/// collected as it comes; killed when dropped.
struct Openssl {
    child: Child,
    stdin: Option<ChildStdin>,
    seen: Arc<Mutex<String>>,
}

impl Openssl {
    fn start(bin: &std::path::Path, args: &[&str]) -> Openssl {
        let mut child = Command::new(bin)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("openssl starts");
        let seen = Arc::new(Mutex::new(String::new()));
        let mut pipes: Vec<Box<dyn Read + Send>> =
            vec![Box::new(child.stdout.take().unwrap()), Box::new(child.stderr.take().unwrap())];
        for mut pipe in pipes.drain(..) {
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    seen.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        let stdin = child.stdin.take();
        Openssl { child, stdin, seen }
    }

    fn send(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Waits until the output holds `needle` (at least `times` times); false if it
    /// does not within the limit, or the program exits first without it.
    fn wait_for(&mut self, needle: &str, times: usize) -> bool {
        let end = Instant::now() + LIMIT;
        loop {
            if self.seen.lock().unwrap().matches(needle).count() >= times {
                return true;
            }
            if Instant::now() > end || matches!(self.child.try_wait(), Ok(Some(_))) {
                // What was printed before the exit may still be on its way.
                std::thread::sleep(Duration::from_millis(50));
                return self.seen.lock().unwrap().matches(needle).count() >= times;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn output(&self) -> String {
        self.seen.lock().unwrap().clone()
    }

    /// Closes its stdin and waits for it to exit.
    fn finish(mut self) -> String {
        drop(self.stdin.take());
        let end = Instant::now() + LIMIT;
        while !matches!(self.child.try_wait(), Ok(Some(_))) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(50));
        self.output()
    }
}

impl Drop for Openssl {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Echoes; reports each session's version and client subject, and each close.
struct Report(mpsc::Sender<String>);

impl Handler for Report {
    type State = ();
    fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
        let info = conn.tls().unwrap();
        let subject = info.peer_subject().unwrap_or_else(|| "-".into());
        let _ = self.0.send(format!("open {} subject={subject}", info.version));
        Action::Continue
    }
    fn on_data(&mut self, conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
        conn.write(input.bytes());
        input.consume_all();
        Action::Continue
    }
}

fn server(tls: TlsServer) -> (tcpio::ServerHandle, SocketAddr, mpsc::Receiver<String>) {
    reporting_server(tls, 1, Report)
}

fn s_client<'a>(addr: SocketAddr, pki: &'a Pki, version: &'a str) -> Vec<String> {
    [
        "s_client",
        "-connect",
        &addr.to_string(),
        version,
        "-CAfile",
        pki.ca.to_str().unwrap(),
        "-servername",
        "localhost",
        "-verify_return_error",
        "-msg",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn s_client_talks_tls_1_2_and_1_3_and_its_key_update_is_answered() {
    let Some(bin) = tools::tool("openssl", "openssl") else { return };
    let pki = Pki::new();
    let (_h, addr, rx) = server(server_tls(&pki));
    for (flag, name) in [("-tls1_2", "TLS 1.2"), ("-tls1_3", "TLS 1.3")] {
        let args = s_client(addr, &pki, flag);
        let mut c = Openssl::start(&bin, &args.iter().map(String::as_str).collect::<Vec<_>>());
        let open = loop {
            let m = rx.recv_timeout(LIMIT).unwrap_or_else(|_| panic!("{}", c.output()));
            if m.starts_with("open") {
                break m;
            }
        };
        assert_eq!(open, format!("open {name} subject=-"));
        c.send("hello over tls\n");
        assert!(c.wait_for("hello over tls", 1), "{}", c.output());
        assert!(c.output().contains("Verify return code: 0 (ok)"), "{}", c.output());
        if flag == "-tls1_3" {
            // "K": a KeyUpdate that asks for one back. The answer comes before the
            // server's next application data (RFC 8446 §4.6.3), and the session
            // goes on under the new keys both ways.
            c.send("K\n");
            assert!(c.wait_for(">>> TLS 1.3, Handshake [length 0005], KeyUpdate", 1), "{}", c.output());
            c.send("after the update\n");
            assert!(c.wait_for("after the update", 1), "{}", c.output());
            let out = c.output();
            let answer =
                out.find("<<< TLS 1.3, Handshake [length 0005], KeyUpdate").expect("the server's KeyUpdate");
            assert!(answer < out.rfind("after the update").unwrap(), "{out}");
        }
        let out = c.finish();
        assert!(out.contains("hello over tls"), "{out}");
    }
}

#[test]
fn s_client_with_and_without_a_client_certificate_under_mutual_tls() {
    let Some(bin) = tools::tool("openssl", "openssl") else { return };
    let pki = Pki::new();
    let (_h, addr, rx) = server(server_tls(&pki).client_auth(ClientAuth::Required, &pki.ca).unwrap());
    for flag in ["-tls1_2", "-tls1_3"] {
        let mut args = s_client(addr, &pki, flag);
        args.extend(
            ["-cert", pki.client.cert.to_str().unwrap(), "-key", pki.client.key.to_str().unwrap()]
                .map(String::from),
        );
        let mut c = Openssl::start(&bin, &args.iter().map(String::as_str).collect::<Vec<_>>());
        let open = rx.recv_timeout(LIMIT).unwrap();
        assert!(open.ends_with("subject=CN=client one,O=tcpio tests"), "{open}");
        c.send("with a certificate\n");
        assert!(c.wait_for("with a certificate", 1), "{}", c.output());
        c.finish();
        // Without one: refused in the handshake; the handler never sees it.
        let args = s_client(addr, &pki, flag);
        let mut c = Openssl::start(&bin, &args.iter().map(String::as_str).collect::<Vec<_>>());
        c.send("no certificate\n");
        let closed = loop {
            let m = rx.recv_timeout(LIMIT).unwrap();
            if m.starts_with("closed TLS") {
                break m;
            }
            assert!(!m.starts_with("open"), "{m}");
        };
        assert!(closed.contains("certificate"), "{closed}");
        let out = c.finish();
        assert!(!out.contains("no certificate\n\n") && out.contains("alert"), "{out}");
    }
}

/// A port free now (`s_server` needs a number).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Dials `upstream` over TLS when a plain client connects, sends a line, and passes
/// what comes back to the client; the reasons its connections close are kept, for a
/// failure's message.
struct Dial(SocketAddr, TlsClient, Arc<Mutex<Vec<String>>>);

impl Handler for Dial {
    type State = Option<u64>;
    fn on_open(&mut self, conn: &mut Conn<'_, Option<u64>>) -> Action {
        if conn.is_outbound() {
            conn.write(b"dialed\n");
        } else {
            let me = Some(conn.id());
            let id = conn.connect_tls(self.0, Duration::from_secs(5), me, &self.1, "localhost").unwrap();
            *conn.state_mut() = Some(id);
        }
        Action::Continue
    }
    fn on_data(&mut self, conn: &mut Conn<'_, Option<u64>>, input: &mut Input<'_>) -> Action {
        if let Some(mut other) = conn.state().and_then(|id| conn.to(id)) {
            other.write(input.bytes());
        }
        input.consume_all();
        Action::Continue
    }
    fn on_close(&mut self, conn: &mut Conn<'_, Option<u64>>, reason: &CloseReason) {
        let side = if conn.is_outbound() { "dialed" } else { "client" };
        self.2.lock().unwrap().push(format!("{side}: {reason:?}"));
        if let Some(mut other) = conn.state().and_then(|id| conn.to(id)) {
            other.close_with(reason.clone());
        }
    }
}

#[test]
fn a_dialed_tls_connection_reaches_s_server_with_and_without_a_client_certificate() {
    let Some(bin) = tools::tool("openssl", "openssl") else { return };
    let pki = Pki::new();
    for with_cert in [false, true] {
        let port = free_port();
        let port_s = port.to_string();
        let mut args = vec![
            "s_server",
            "-accept",
            &port_s,
            "-cert",
            pki.server.cert.to_str().unwrap(),
            "-key",
            pki.server.key.to_str().unwrap(),
            "-rev",
            "-naccept",
            "1",
        ];
        if with_cert {
            args.extend(["-Verify", "1", "-CAfile", pki.ca.to_str().unwrap(), "-verify_return_error"]);
        }
        let mut server = Openssl::start(&bin, &args);
        assert!(server.wait_for("ACCEPT", 1), "{}", server.output());
        let upstream: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let client = TlsClient::builder().ca(&pki.ca).unwrap();
        let client = match with_cert {
            true => client.client_cert(&pki.client.cert, &pki.client.key).unwrap(),
            false => client,
        };
        let client = client.build().unwrap();
        let closes = Arc::new(Mutex::new(Vec::new()));
        let kept = closes.clone();
        let (_h, addr) = start(local().loops(1), move |_| Dial(upstream, client.clone(), kept.clone()));
        let mut s = connect(addr);
        // `-rev` answers each line reversed.
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while !got.ends_with(b"delaid\n") {
            let n = s.read(&mut buf).unwrap_or(0);
            if n == 0 {
                // What each side said of it, s_server's last words included.
                let said = server.finish();
                panic!(
                    "closed (with_cert {with_cert}); closes: {:?}; s_server said: {said}",
                    closes.lock().unwrap()
                );
            }
            got.extend_from_slice(&buf[..n]);
        }
        if with_cert {
            assert!(server.output().contains("client one"), "{}", server.output());
        }
    }
}
