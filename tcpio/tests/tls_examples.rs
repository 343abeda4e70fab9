//! The TLS examples as a user runs them: the `tls-echo` binary with the command line
//! its documentation gives (mutual TLS, a certificate reload on SIGHUP, a graceful
//! stop on SIGTERM), and the redis-server example on a `tls://` address under
//! `redis-cli --tls` and `redis-benchmark --tls`.

mod tools;
mod util;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Command;

use tcpio::tls::{rustls, TlsServer};
use tcpio::{BindOptions, Server};
use tools::{example, launch, run_bounded, tool, Running};
use util::tls::*;
use util::*;

fn signal(r: &Running, sig: &str) {
    assert!(Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(r.0.id().to_string())
        .status()
        .unwrap()
        .success());
}

#[test]
fn tls_echo_serves_mutual_tls_reloads_on_sighup_and_stops_on_sigterm() {
    let Some(bin) = example("tls-echo") else { return };
    let pki = Pki::new();
    // Files the reload reads again.
    let (cert, key) = (pki.dir.join("live.pem"), pki.dir.join("live-key.pem"));
    std::fs::copy(&pki.server.cert, &cert).unwrap();
    std::fs::copy(&pki.server.key, &key).unwrap();
    let (cert_s, key_s, ca_s) = (cert.to_str().unwrap(), key.to_str().unwrap(), pki.ca.to_str().unwrap());
    let args = [
        "--bind",
        "tls://127.0.0.1:0",
        "--cert",
        cert_s,
        "--key",
        key_s,
        "--client-ca",
        ca_s,
        "--loops",
        "2",
    ];
    let (mut server, addr) = launch(&bin, &args, "tls://");
    let with_cert = pki.client().cert(&pki.client).build();
    let mut s = connect_tls(addr, &with_cert, "localhost").unwrap();
    s.write_all(b"over tls").unwrap();
    let mut buf = [0u8; 8];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"over tls");
    let first = s.conn.peer_certificates().unwrap()[0].to_vec();
    // No client certificate: refused.
    let mut bare = connect_tls(addr, &pki.client().build(), "localhost").unwrap();
    let _ = bare.write_all(b"x");
    assert!(!matches!(bare.read(&mut buf), Ok(n) if n > 0));
    // A new certificate in the same files, then SIGHUP: new handshakes use it.
    let next = pki.another_server("rotated");
    std::fs::copy(&next.cert, &cert).unwrap();
    std::fs::copy(&next.key, &key).unwrap();
    signal(&server, "HUP");
    assert!(wait_for(|| {
        let s = connect_tls(addr, &pki.client().cert(&pki.client).build(), "localhost").unwrap();
        s.conn.peer_certificates().unwrap()[0].to_vec() != first
    }));
    // The old connection is untouched; SIGTERM drains and exits 0.
    s.write_all(b"still up").unwrap();
    s.read_exact(&mut buf).unwrap();
    signal(&server, "TERM");
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    let status = server.0.wait().unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn tls_echo_explains_a_missing_or_bad_certificate() {
    let Some(bin) = example("tls-echo") else { return };
    let pki = Pki::new();
    let run = |args: &[&str]| {
        let mut cmd = Command::new(&bin);
        cmd.args(args);
        run_bounded(cmd, LIMIT)
    };
    let out = run(&["--bind", "tls://127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs --cert PEM and --key PEM"));
    let missing = pki.dir.join("none.pem");
    let out = run(&["--cert", missing.to_str().unwrap(), "--key", pki.server.key.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("none.pem"));
    let out = run(&["--cert", pki.server.cert.to_str().unwrap(), "--key", pki.client.key.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not match"), "{out:?}");
}

#[test]
fn the_redis_example_on_a_tls_address_serves_redis_cli_and_redis_benchmark() {
    let Some(cli) = tool("redis-cli", "redis-tools") else { return };
    let Some(bench) = tool("redis-benchmark", "redis-tools") else { return };
    let pki = Pki::new();
    let tls = TlsServer::new(&pki.server.cert, &pki.server.key).unwrap();
    let b = Server::builder().bind_with("tls://127.0.0.1:0", BindOptions::new().tls(tls)).unwrap().loops(2);
    let (_h, addr) = start_with(b, tcpio_examples::redis::start);
    let port = addr.port().to_string();
    let tls_args =
        ["--tls", "--cacert", pki.ca.to_str().unwrap(), "--sni", "localhost", "-h", "127.0.0.1", "-p", &port];
    let run = |bin: &PathBuf, args: &[&str]| {
        let mut cmd = Command::new(bin);
        cmd.args(tls_args).args(args);
        let out = run_bounded(cmd, LIMIT);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(run(&cli, &["SET", "secret", "kept"]), "OK\n");
    assert_eq!(run(&cli, &["GET", "secret"]), "kept\n");
    let out = run(&bench, &["-t", "set,get", "-n", "20000", "-c", "20", "-P", "8", "-q"]);
    assert!(out.contains("SET:") && out.contains("GET:"), "{out}");
    // And rustls as the client, for good measure.
    let cfg = pki.client().only(&rustls::version::TLS13).build();
    let mut s = connect_tls(addr, &cfg, "localhost").unwrap();
    s.write_all(b"*2\r\n$3\r\nGET\r\n$6\r\nsecret\r\n").unwrap();
    let mut buf = [0u8; 10];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"$4\r\nkept\r\n");
}
