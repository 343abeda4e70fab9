//! Binding: typed errors for every bad address, ports in use across processes, unix
//! socket files (stale, live, not a socket).

mod util;

use std::os::unix::net::UnixListener;
use std::process::Command;

use tcpio::{Error, Server};
use util::*;

fn start_err(addr: &str) -> Error {
    match Server::builder().bind(addr).and_then(|b| b.loops(1).start(|_| Echo)) {
        Ok(_) => panic!("{addr:?} was accepted"),
        Err(e) => e,
    }
}

#[test]
fn each_bad_address_gives_its_typed_error_naming_it() {
    assert!(matches!(start_err(""), Error::EmptyAddress));
    assert!(
        matches!(start_err("ftp://1.2.3.4:5"), Error::UnknownScheme { ref scheme, .. } if scheme == "ftp")
    );
    for bad in ["127.0.0.1", "tcp://127.0.0.1:http", "tcp://:70000", "tcp://::1:80", "unix://"] {
        match start_err(bad) {
            Error::InvalidAddress { addr, reason } => {
                assert_eq!(addr, bad);
                assert!(!reason.is_empty());
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    match start_err("tcp://no-such-host.invalid:80") {
        Error::Unresolvable { addr, .. } => assert!(addr.contains("no-such-host.invalid")),
        other => panic!("{other:?}"),
    }
    let long = format!("unix:///tmp/{}", "d".repeat(120));
    match start_err(&long) {
        e @ Error::UnixPathTooLong { .. } => assert!(e.to_string().contains("longer than the maximum")),
        other => panic!("{other:?}"),
    }
    match start_err("tcp://192.0.2.1:0") {
        Error::Bind { addr, .. } => assert_eq!(addr, "tcp://192.0.2.1:0"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(Server::builder().start(|_| Echo), Err(Error::NoAddress)));
    let e = local().high_water(10).low_water(20).start(|_| Echo).unwrap_err();
    assert!(matches!(e, Error::InvalidOption { option: "low_water", .. }), "{e}");
    let e = local().read_buffer_size(1).start(|_| Echo).unwrap_err();
    assert!(matches!(e, Error::InvalidOption { option: "read_buffer_size", .. }), "{e}");
}

/// Run as a child process by the test below: tries to serve on the port it is given
/// and reports the outcome on stdout.
#[test]
#[ignore = "run by second_server_process_on_a_served_port_is_refused"]
fn child_tries_to_serve_the_port() {
    let Ok(port) = std::env::var("TCPIO_CHILD_PORT") else { return };
    let share = std::env::var("TCPIO_CHILD_SHARE").is_ok();
    let b = Server::builder().bind(format!("127.0.0.1:{port}").as_str()).unwrap();
    match b.loops(2).reuse_port_across_processes(share).start(|_| Echo) {
        Ok(_) => println!("CHILD: started"),
        Err(Error::AddrInUse { addr }) => println!("CHILD: in use: {addr}"),
        Err(e) => println!("CHILD: other error: {e}"),
    }
}

fn child(port: u16, share: bool) -> String {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_tries_to_serve_the_port", "--ignored", "--nocapture"])
        .env("TCPIO_CHILD_PORT", port.to_string());
    if share {
        cmd.env("TCPIO_CHILD_SHARE", "1");
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    text.lines().find(|l| l.starts_with("CHILD:")).unwrap_or(&text).to_string()
}

#[test]
fn second_server_process_on_a_served_port_is_refused() {
    let (_server, addr) = start(local().loops(2), |_| Echo);
    let out = child(addr.port(), false);
    assert_eq!(out, format!("CHILD: in use: 127.0.0.1:{}", addr.port()));
    // Opting in to sharing lets the second process join the port.
    assert_eq!(child(addr.port(), true), "CHILD: started");
    // And in one process, binding twice is refused too.
    let again = Server::builder().bind(&addr).unwrap().loops(1).start(|_| Echo);
    assert!(matches!(again, Err(Error::AddrInUse { .. })));
}

#[test]
fn unix_socket_files_stale_live_and_foreign() {
    let dir = std::env::temp_dir().join(format!("tcpio-bind-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A file left by a dead server: bound once, listener gone, file still there.
    let stale = dir.join("stale.sock");
    drop(UnixListener::bind(&stale).unwrap());
    assert!(stale.exists());
    let url = format!("unix://{}", stale.display());
    let server = Server::builder().bind(url.as_str()).unwrap().loops(1).start(|_| Echo).unwrap();
    let mut c = std::os::unix::net::UnixStream::connect(&stale).unwrap();
    std::io::Write::write_all(&mut c, b"ok").unwrap();
    assert_eq!(read_n(&mut c, 2), b"ok");
    // The same path again, while that server lives: in use.
    let e = Server::builder().bind(url.as_str()).unwrap().loops(1).start(|_| Echo).unwrap_err();
    assert!(matches!(e, Error::AddrInUse { ref addr } if addr == &url), "{e}");
    drop(c); // the server lingers for open clients' FIN at shutdown
    drop(server);
    assert!(!stale.exists());
    // A live listener that is not ours.
    let live = dir.join("live.sock");
    let _l = UnixListener::bind(&live).unwrap();
    let e = Server::builder().bind(live.as_path()).unwrap().loops(1).start(|_| Echo).unwrap_err();
    assert!(matches!(e, Error::AddrInUse { .. }), "{e}");
    // A regular file is never deleted.
    let file = dir.join("data.txt");
    std::fs::write(&file, b"precious").unwrap();
    let e = Server::builder().bind(file.as_path()).unwrap().loops(1).start(|_| Echo).unwrap_err();
    assert!(matches!(e, Error::Bind { .. }), "{e}");
    assert!(e.to_string().contains("not a socket"));
    assert_eq!(std::fs::read(&file).unwrap(), b"precious");
    std::fs::remove_dir_all(&dir).unwrap();
}
