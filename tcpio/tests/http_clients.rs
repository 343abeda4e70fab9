//! The http-server example against real clients: `curl` (apt package `curl`; skipped
//! when missing, required under `CI=true`) for keep-alive reuse, `HEAD`, HTTP/1.0,
//! chunked uploads and `Expect: 100-continue`, and raw keep-alive and pipelined
//! requests.

mod http_util;
mod tools;
mod util;

use std::io::Write;
use std::process::{Command, Stdio};

use http_util::{digest, read_responses, start};
use tools::{run_bounded, tool};
use util::{connect, read_until_closed, LIMIT};

#[test]
fn curl_gets_both_routes_over_one_connection() {
    let Some(curl) = tool("curl", "curl") else { return };
    let server = start(1);
    let base = format!("http://{}", server.addr);
    let mut cmd = Command::new(curl);
    // Two URLs in one invocation: curl reuses the connection when the server keeps it.
    cmd.args(["-sS", "-i", "-v", &format!("{base}/plaintext"), &format!("{base}/json")]);
    let out = run_bounded(cmd, LIMIT);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Content-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"), "{text}");
    assert!(text.contains("Content-Type: application/json\r\n"), "{text}");
    assert!(text.ends_with("{\"message\":\"Hello, World!\"}"), "{text}");
    assert!(text.contains("Server: tcpio\r\nDate: "), "{text}");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("Re-using existing connection") || log.contains("Reusing existing"), "{log}");
}

#[test]
fn curl_sees_404_and_honours_http10() {
    let Some(curl) = tool("curl", "curl") else { return };
    let server = start(1);
    let mut cmd = Command::new(&curl);
    cmd.args(["-s", "-o", "/dev/null", "-w", "%{http_code}", &format!("http://{}/missing", server.addr)]);
    assert_eq!(String::from_utf8_lossy(&run_bounded(cmd, LIMIT).stdout), "404");
    let mut cmd = Command::new(&curl);
    cmd.args(["-s", "-i", "--http1.0", &format!("http://{}/json", server.addr)]);
    let text = String::from_utf8_lossy(&run_bounded(cmd, LIMIT).stdout).into_owned();
    assert!(text.contains("Connection: close\r\n"), "{text}");
}

#[test]
fn pipelined_requests_get_responses_in_order() {
    let server = start(1);
    let mut s = connect(server.addr);
    let mut req = Vec::new();
    for i in 0..100 {
        let path = if i % 2 == 0 { "/plaintext" } else { "/json" };
        req.extend_from_slice(format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes());
    }
    s.write_all(&req).unwrap();
    let responses = read_responses(&mut s, 100);
    for (i, r) in responses.iter().enumerate() {
        let body = if i % 2 == 0 { "Hello, World!" } else { "{\"message\":\"Hello, World!\"}" };
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n") && r.ends_with(body), "{i}: {r}");
    }
    // Split at every byte: answered once complete, and the connection stays open.
    let one = b"GET /plaintext HTTP/1.1\r\nHost: t\r\n\r\n";
    for b in one {
        s.write_all(std::slice::from_ref(b)).unwrap();
    }
    assert!(read_responses(&mut s, 1)[0].ends_with("Hello, World!"));
}

#[test]
fn connection_close_and_http10_close_after_the_response() {
    let server = start(2);
    let mut s = connect(server.addr);
    s.write_all(b"GET /json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /json HTTP/1.1\r\n\r\n")
        .unwrap();
    let text = String::from_utf8_lossy(&read_until_closed(&mut s)).into_owned();
    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 1, "nothing after the close: {text}");
    let mut s = connect(server.addr);
    s.write_all(b"GET /plaintext HTTP/1.0\r\n\r\n").unwrap();
    assert!(read_until_closed(&mut s).ends_with(b"Hello, World!"));
    // HTTP/1.0 asking for keep-alive keeps the connection.
    let mut s = connect(server.addr);
    s.write_all(b"GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").unwrap();
    assert!(read_responses(&mut s, 1)[0].contains("Connection: keep-alive\r\n"));
    s.write_all(b"GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").unwrap();
    assert!(read_responses(&mut s, 1)[0].ends_with("\"}"));
}

#[test]
fn curl_head_gets_the_get_headers_without_a_body() {
    let Some(curl) = tool("curl", "curl") else { return };
    let server = start(1);
    let mut cmd = Command::new(curl);
    cmd.args(["-sS", "-I", &format!("http://{}/plaintext", server.addr)]);
    let out = run_bounded(cmd, LIMIT);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\nServer: tcpio\r\nDate: "), "{text}");
    assert!(text.ends_with("Content-Type: text/plain\r\nContent-Length: 13\r\n\r\n"), "{text}");
}

#[test]
fn curl_http10_keep_alive_is_echoed() {
    let Some(curl) = tool("curl", "curl") else { return };
    let server = start(1);
    let url = format!("http://{}/json", server.addr);
    let mut cmd = Command::new(curl);
    cmd.args(["-sS", "-i", "-v", "--http1.0", "-H", "Connection: keep-alive", &url, &url]);
    let out = run_bounded(cmd, LIMIT);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("Connection: keep-alive\r\n").count(), 2, "{text}");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("Re-using existing connection") || log.contains("Reusing existing"), "{log}");
}

/// Runs curl with `args`, `body` on its standard input; its output and log.
fn curl_with_stdin(curl: &std::path::Path, args: &[&str], body: &[u8]) -> (String, String) {
    let mut child = Command::new(curl)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("curl");
    let mut stdin = child.stdin.take().unwrap();
    let body = body.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&body));
    // Bounded: curl's own --max-time ends it.
    let out = child.wait_with_output().expect("curl output");
    writer.join().unwrap().expect("curl's stdin");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn curl_chunked_upload_is_decoded() {
    let Some(curl) = tool("curl", "curl") else { return };
    let server = start(1);
    let body = util::payload(7, 300_000);
    let url = format!("http://{}/upload", server.addr);
    let max_time = LIMIT.as_secs().to_string();
    let args = [
        "-sS",
        "-v",
        "--max-time",
        &max_time,
        "-H",
        "Transfer-Encoding: chunked",
        "--data-binary",
        "@-",
        &url,
    ];
    let (text, log) = curl_with_stdin(&curl, &args, &body);
    assert!(log.contains("> Transfer-Encoding: chunked"), "{log}");
    assert_eq!(text, digest(&body));
}

#[test]
fn curl_large_upload_waits_for_100_continue() {
    let Some(curl) = tool("curl", "curl") else { return };
    let server = start(1);
    // The largest body accepted, then one byte more (refused with 413 before it is sent).
    let body = util::payload(8, tcpio_examples::http::MAX_BODY);
    let url = format!("http://{}/upload", server.addr);
    let max_time = LIMIT.as_secs().to_string();
    let args =
        ["-sS", "-v", "--max-time", &max_time, "-H", "Expect: 100-continue", "--data-binary", "@-", &url];
    let (text, log) = curl_with_stdin(&curl, &args, &body);
    assert!(log.contains("< HTTP/1.1 100 Continue"), "{log}");
    assert_eq!(text, digest(&body));
    let bigger = util::payload(9, tcpio_examples::http::MAX_BODY + 1);
    let args = [
        "-sS",
        "-v",
        "--max-time",
        &max_time,
        "-H",
        "Expect: 100-continue",
        "--data-binary",
        "@-",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &url,
    ];
    let (code, log) = curl_with_stdin(&curl, &args, &bigger);
    assert_eq!(code, "413", "{log}");
    assert!(!log.contains("100 Continue"), "{log}");
}
