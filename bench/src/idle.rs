//! `idle`: server resident memory per idle connection. A separate client process opens the
//! connections, proves each was accepted and served with a one-byte echo, then holds them idle
//! while the server's VmRSS is read again.

use crate::proc::{event_buffer, ChildProc, Epoll, Pinning, Wrapper, LOAD_CORE, SERVER_CORE};
use crate::report::{grouped, Table};
use crate::servers::running::ServerProc;
use crate::servers::ServerKind;
use crate::{Flags, Res};
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// Connections awaiting their echo at most at once (keeps the accept backlog small).
const IN_FLIGHT: usize = 256;

/// Time allowed for the client to open and check all connections.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(180);

/// Pause before each memory reading, to let the server settle.
const SETTLE: Duration = Duration::from_millis(300);

/// Runs the `idle` subcommand.
pub fn run(flags: &Flags) -> Res<()> {
    let conns: usize = flags.get("conns", 10_000)?;
    let which: String = flags.get("server", "all".to_string())?;
    if conns == 0 || conns > 19_000 {
        return Err("--conns must be between 1 and 19000 (one process holds at most 20000 fds)".into());
    }
    let kinds = if which == "all" { ServerKind::ALL.to_vec() } else { vec![ServerKind::parse(&which)?] };
    let pin = Pinning::setup();
    let mut table = Table::new(&["server", "VmRSS before", "VmRSS after", "bytes/conn"]);
    let mut results = Vec::new();
    for kind in kinds {
        let (before, after) = measure(kind, conns, pin).map_err(|e| format!("idle {}: {e}", kind.name()))?;
        let per_conn = (after as f64 - before as f64) / conns as f64;
        eprintln!("idle {:<5} {conns} conns: {:.0} bytes/conn", kind.name(), per_conn);
        table.push(vec![
            kind.name().to_string(),
            grouped(before as f64),
            grouped(after as f64),
            grouped(per_conn),
        ]);
        results.push(format!("RESULT idle {} bytes_per_conn={per_conn:.0}", kind.name()));
    }
    println!();
    println!("## idle: server VmRSS (bytes) before and after {conns} idle connections");
    println!();
    print!("{}", table.render());
    println!();
    for line in results {
        println!("{line}");
    }
    Ok(())
}

/// Returns the server's VmRSS in bytes before and after `conns` idle connections.
fn measure(kind: ServerKind, conns: usize, pin: Pinning) -> Res<(u64, u64)> {
    let server = ServerProc::start(kind, &Wrapper::Plain, pin.core(SERVER_CORE))?;
    std::thread::sleep(SETTLE);
    let pid = server.proc.pid();
    let before = vm_rss(pid)?;
    if ServerKind::TLS.contains(&kind) {
        // TLS clients from this process: each through its handshake and an echo.
        crate::proc::raise_nofile_limit();
        crate::tls::cert::files()?;
        let held = crate::tls::idle_clients(server.port, conns)?;
        std::thread::sleep(SETTLE);
        let after = vm_rss(pid)?;
        drop(held);
        server.stop(Duration::from_secs(30))?;
        return Ok((before, after));
    }
    let port = server.port.to_string();
    let count = conns.to_string();
    let args = ["idle-client", "--port", &port, "--conns", &count];
    let mut client = ChildProc::spawn("idle client", &args, &Wrapper::Plain, pin.core(LOAD_CORE))?;
    let ready = client.expect_line("READY ", CLIENT_TIMEOUT)?;
    if ready != count {
        return Err(format!("client reported `{ready}` connections, wanted {conns}").into());
    }
    std::thread::sleep(SETTLE);
    let after = vm_rss(pid)?;
    client.stop(Duration::from_secs(30))?;
    server.stop(Duration::from_secs(30))?;
    Ok((before, after))
}

/// Resident set size of process `pid` in bytes, from `/proc/<pid>/status`.
fn vm_rss(pid: u32) -> Res<u64> {
    Ok(crate::proc::status_field(&format!("/proc/{pid}/status"), "VmRSS:")? * 1024)
}

/// Child side: opens `conns` connections to 127.0.0.1:`port`, checks a one-byte echo on each,
/// prints `READY <conns>`, and holds them idle until stdin closes.
pub fn client(port: u16, conns: usize) -> Res<()> {
    let limit = crate::proc::raise_nofile_limit();
    if conns as u64 + 32 > limit {
        return Err(format!("{conns} connections need more than the fd limit {limit}").into());
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let ep = Epoll::new()?;
    let mut streams: Vec<TcpStream> = Vec::with_capacity(conns);
    let mut waiting = 0usize;
    let deadline = Instant::now() + CLIENT_TIMEOUT;
    for i in 0..conns {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
            .map_err(|e| format!("connect #{i}: {e}"))?;
        stream.set_nonblocking(true)?;
        (&stream).write_all(b"x")?;
        ep.add(stream.as_raw_fd(), libc::EPOLLIN as u32, i as u64)?;
        streams.push(stream);
        waiting += 1;
        while waiting >= IN_FLIGHT {
            waiting -= collect_echoes(&ep, &streams, deadline)?;
        }
    }
    while waiting > 0 {
        waiting -= collect_echoes(&ep, &streams, deadline)?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "READY {conns}")?;
    out.flush()?;
    drop(out);
    let mut stdin = std::io::stdin().lock();
    let mut buf = [0u8; 64];
    while let Ok(n) = stdin.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
    drop(streams);
    Ok(())
}

/// Waits briefly for echoes; checks each and stops watching its connection. Returns how many.
fn collect_echoes(ep: &Epoll, streams: &[TcpStream], deadline: Instant) -> Res<usize> {
    if Instant::now() > deadline {
        return Err(format!("echoes not all back within {CLIENT_TIMEOUT:?}").into());
    }
    let mut events = event_buffer(256);
    let n = ep.wait(&mut events, 100)?;
    let mut echoed = 0;
    for ev in &events[..n] {
        let idx = ev.u64 as usize;
        let stream = &streams[idx];
        let mut byte = [0u8; 1];
        match (&*stream).read(&mut byte) {
            Ok(1) if byte[0] == b'x' => {}
            Ok(1) => return Err(format!("connection {idx}: wrong echo byte {:#04x}", byte[0]).into()),
            Ok(_) => return Err(format!("connection {idx}: closed by the server").into()),
            Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
            Err(e) => return Err(format!("connection {idx}: {e}").into()),
        }
        ep.delete(stream.as_raw_fd())?;
        echoed += 1;
    }
    Ok(echoed)
}
