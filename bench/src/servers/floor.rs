//! The floor: a minimal single-threaded, edge-triggered epoll echo server written directly on
//! libc. No framework can do less work per message: one `read` and one `write` per message plus
//! an amortised `epoll_wait`, and a short read is taken to mean "drained" (no EAGAIN syscall).
//!
//! The same loop, built with `CANNED = true`, is the Redis benchmark's ceiling: it answers
//! every request with `+OK` and parses nothing (a request is counted by its `*`, or by its
//! line end for inline requests), so it shows what the load generator can drive at all.

use crate::Res;
use std::io;
use std::os::fd::RawFd;

/// Size of the shared read buffer.
const READ_BUF: usize = 64 * 1024;

/// Pending output above which a connection stops reading until the peer catches up.
const MAX_PENDING: usize = 1 << 20;

/// Epoll token of the listening socket (connections use their fd as token).
const LISTENER: u64 = u64::MAX;

/// Epoll token of stdin, whose EOF tells the server to exit.
const STDIN: u64 = u64::MAX - 1;

/// Events every connection is registered for.
const CONN_EVENTS: u32 = (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLET | libc::EPOLLRDHUP) as u32;

/// Per-connection state; slots are indexed by file descriptor.
#[derive(Default)]
struct Conn {
    /// Bytes a short write left unsent; empty (and unallocated) almost always.
    pending: Vec<u8>,
    /// Reading stopped because `pending` grew past [`MAX_PENDING`].
    paused: bool,
    /// The peer closed its side; close once `pending` is flushed.
    eof: bool,
}

/// Converts a libc return value into an `io::Result`, reading errno on -1.
fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// The current errno value.
fn errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Sets an integer socket option.
fn set_int_opt(fd: RawFd, level: i32, name: i32, value: i32) -> io::Result<()> {
    // SAFETY: the pointer and length describe `value`, which outlives the call.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const i32).cast(),
            std::mem::size_of::<i32>() as libc::socklen_t,
        )
    };
    check(rc).map(drop)
}

/// Registers `fd` with the epoll instance for `events`, tagged with `token`.
fn epoll_add(ep: RawFd, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
    let mut ev = libc::epoll_event { events, u64: token };
    // SAFETY: `ev` is a valid epoll_event for the duration of the call.
    check(unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, fd, &mut ev) }).map(drop)
}

/// Creates the nonblocking listening socket on 127.0.0.1:`port`; returns it and its port.
fn listen(port: u16) -> io::Result<(RawFd, u16)> {
    let flags = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: plain socket(2) call with constant arguments.
    let fd = check(unsafe { libc::socket(libc::AF_INET, flags, 0) })?;
    set_int_opt(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
    // SAFETY: sockaddr_in is plain old data; all-zero is a valid value we then fill in.
    let mut addr: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    addr.sin_family = libc::AF_INET as libc::sa_family_t;
    addr.sin_port = port.to_be();
    addr.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: the pointer and length describe `addr`, a valid sockaddr_in.
    check(unsafe { libc::bind(fd, (&addr as *const libc::sockaddr_in).cast(), len) })?;
    // SAFETY: `fd` is our socket; listen(2) takes no pointers.
    check(unsafe { libc::listen(fd, 4096) })?;
    let mut len = len;
    // SAFETY: the kernel writes at most `len` bytes into `addr`, which is that large.
    check(unsafe { libc::getsockname(fd, (&mut addr as *mut libc::sockaddr_in).cast(), &mut len) })?;
    Ok((fd, u16::from_be(addr.sin_port)))
}

/// Replies the canned server can send in one piece.
const CANNED_BATCH: usize = 256;

/// `+OK\r\n`, [`CANNED_BATCH`] times.
static CANNED_REPLIES: [u8; 5 * CANNED_BATCH] = {
    let mut b = [0u8; 5 * CANNED_BATCH];
    let mut i = 0;
    while i < CANNED_BATCH {
        b[5 * i] = b'+';
        b[5 * i + 1] = b'O';
        b[5 * i + 2] = b'K';
        b[5 * i + 3] = b'\r';
        b[5 * i + 4] = b'\n';
        i += 1;
    }
    b
};

/// Runs the floor echo server on 127.0.0.1:`port` until stdin closes.
pub fn run(port: u16) -> Res<()> {
    serve::<false>(port)
}

/// Runs the canned-reply Redis ceiling on 127.0.0.1:`port` until stdin closes.
pub fn run_canned(port: u16) -> Res<()> {
    serve::<true>(port)
}

/// The event loop; `CANNED` picks canned replies instead of the echo.
fn serve<const CANNED: bool>(port: u16) -> Res<()> {
    super::stdin_nonblocking()?;
    // SAFETY: setting SIGPIPE to "ignore" is always sound; write(2) then reports EPIPE instead
    // of killing the process (Rust's runtime already does this; we do not rely on it).
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let (lfd, port) = listen(port)?;
    // SAFETY: plain epoll_create1(2) call.
    let ep = check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
    epoll_add(ep, lfd, (libc::EPOLLIN | libc::EPOLLET) as u32, LISTENER)?;
    epoll_add(ep, 0, libc::EPOLLIN as u32, STDIN).map_err(|e| format!("cannot watch stdin: {e}"))?;
    super::announce(port)?;

    let mut slots: Vec<Option<Conn>> = Vec::new();
    let mut buf = vec![0u8; READ_BUF];
    let mut events = [libc::epoll_event { events: 0, u64: 0 }; 256];
    loop {
        // SAFETY: `events` is a writable array of exactly `events.len()` epoll_event.
        let n = unsafe { libc::epoll_wait(ep, events.as_mut_ptr(), events.len() as i32, -1) };
        if n < 0 {
            if errno() == libc::EINTR {
                continue;
            }
            return Err(format!("epoll_wait: {}", io::Error::last_os_error()).into());
        }
        for ev in &events[..n as usize] {
            let (flags, token) = (ev.events, ev.u64);
            if token < STDIN {
                on_conn_event::<CANNED>(token as RawFd, flags, &mut slots, &mut buf);
            } else if token == LISTENER {
                accept_all(lfd, ep, &mut slots);
            } else {
                super::exit_if_stdin_closed();
            }
        }
    }
}

/// Accepts connections until EAGAIN, registering each for edge-triggered events.
fn accept_all(lfd: RawFd, ep: RawFd, slots: &mut Vec<Option<Conn>>) {
    loop {
        let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
        // SAFETY: null address pointers are allowed: we do not want the peer address.
        let fd = unsafe { libc::accept4(lfd, std::ptr::null_mut(), std::ptr::null_mut(), flags) };
        if fd < 0 {
            match errno() {
                libc::EAGAIN => return,
                libc::EINTR | libc::ECONNABORTED => continue,
                _ => {
                    eprintln!("floor: accept4: {}", io::Error::last_os_error());
                    return;
                }
            }
        }
        let ok = set_int_opt(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1)
            .and_then(|()| epoll_add(ep, fd, CONN_EVENTS, fd as u64));
        if let Err(e) = ok {
            eprintln!("floor: setting up connection: {e}");
            // SAFETY: `fd` is a socket we own and have not stored anywhere.
            unsafe { libc::close(fd) };
            continue;
        }
        let idx = fd as usize;
        if slots.len() <= idx {
            slots.resize_with(idx + 1, || None);
        }
        slots[idx] = Some(Conn::default());
    }
}

/// Handles readiness `flags` for connection `fd`, closing it on EOF or error.
#[inline(always)]
fn on_conn_event<const CANNED: bool>(fd: RawFd, flags: u32, slots: &mut [Option<Conn>], buf: &mut [u8]) {
    let Some(Some(conn)) = slots.get_mut(fd as usize) else {
        return;
    };
    let unusual = (libc::EPOLLERR | libc::EPOLLRDHUP | libc::EPOLLHUP) as u32;
    let alive = if flags & unusual == 0 && !conn.paused && !conn.eof && conn.pending.is_empty() {
        // The fast path: data to echo, nothing queued.
        flags & libc::EPOLLIN as u32 == 0 || read_echo::<CANNED>(fd, conn, buf, false)
    } else {
        slow_event::<CANNED>(fd, flags, conn, buf)
    };
    if !alive {
        slots[fd as usize] = None;
        // SAFETY: `fd` is an open socket owned by this slot, which we just emptied; closing
        // also removes it from the epoll set.
        unsafe { libc::close(fd) };
    }
}

/// Handles errors, hang-ups, pending output and paused reading; returns liveness.
#[cold]
#[inline(never)]
fn slow_event<const CANNED: bool>(fd: RawFd, flags: u32, conn: &mut Conn, buf: &mut [u8]) -> bool {
    if flags & libc::EPOLLERR as u32 != 0 {
        return false;
    }
    if flags & libc::EPOLLOUT as u32 != 0 && !conn.pending.is_empty() && !flush::<CANNED>(fd, conn, buf) {
        return false;
    }
    let readable = (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLHUP) as u32;
    if flags & readable != 0 && !conn.paused && !conn.eof {
        // After the peer's FIN a short read no longer proves we saw everything: read to EOF.
        let hup = flags & (libc::EPOLLRDHUP | libc::EPOLLHUP) as u32 != 0;
        return read_echo::<CANNED>(fd, conn, buf, hup);
    }
    true
}

/// Reads and echoes until a short read (or EAGAIN when `until_eagain`); returns liveness.
#[inline(always)]
fn read_echo<const CANNED: bool>(fd: RawFd, conn: &mut Conn, buf: &mut [u8], until_eagain: bool) -> bool {
    loop {
        // SAFETY: `buf` is a writable buffer of `buf.len()` bytes.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            match read_ended(conn, n) {
                Some(alive) => return alive,
                None => continue,
            }
        }
        let n = n as usize;
        if CANNED {
            let mut left = canned_count(&buf[..n]);
            while left > 0 {
                let k = left.min(CANNED_BATCH);
                left -= k;
                if !send(fd, conn, &CANNED_REPLIES[..5 * k]) {
                    return false;
                }
            }
        } else if !send(fd, conn, &buf[..n]) {
            return false;
        }
        if conn.paused {
            return true;
        }
        if n < buf.len() && !until_eagain {
            return true;
        }
    }
}

/// Writes `data` (or queues it behind pending output); returns liveness. Sets `paused` when
/// the queue grows past [`MAX_PENDING`].
#[inline(always)]
fn send(fd: RawFd, conn: &mut Conn, data: &[u8]) -> bool {
    if conn.pending.is_empty() {
        // SAFETY: `data` is a readable slice of `data.len()` bytes.
        let w = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if w != data.len() as isize && !keep_unsent(conn, data, w) {
            return false;
        }
    } else {
        conn.pending.extend_from_slice(data);
        if conn.pending.len() > MAX_PENDING {
            conn.paused = true;
        }
    }
    true
}

/// Requests in `input` without parsing them: multibulk requests counted by their `*`, inline
/// ones by their line end. (Exact for `redis-benchmark`'s requests, whose arguments hold
/// neither byte.)
#[inline(always)]
fn canned_count(input: &[u8]) -> usize {
    let stars = input.iter().filter(|&&b| b == b'*').count();
    if stars > 0 {
        stars
    } else {
        input.iter().filter(|&&b| b == b'\n').count()
    }
}

/// Handles a read that returned `n <= 0`: `Some(liveness)`, or `None` to retry (EINTR).
#[cold]
#[inline(never)]
fn read_ended(conn: &mut Conn, n: isize) -> Option<bool> {
    if n == 0 {
        conn.eof = true;
        return Some(!conn.pending.is_empty());
    }
    match errno() {
        libc::EAGAIN => Some(true),
        libc::EINTR => None,
        _ => Some(false),
    }
}

/// After a short write of `data` (`w` bytes written, or -1), queues the rest; returns liveness.
#[cold]
#[inline(never)]
fn keep_unsent(conn: &mut Conn, data: &[u8], w: isize) -> bool {
    if w < 0 {
        if errno() != libc::EAGAIN {
            return false;
        }
        conn.pending.extend_from_slice(data);
    } else {
        conn.pending.extend_from_slice(&data[w as usize..]);
    }
    true
}

/// Writes out pending bytes; resumes reading if it was paused. Returns liveness.
#[cold]
#[inline(never)]
fn flush<const CANNED: bool>(fd: RawFd, conn: &mut Conn, buf: &mut [u8]) -> bool {
    let mut done = 0;
    while done < conn.pending.len() {
        let rest = &conn.pending[done..];
        // SAFETY: `rest` is a readable slice of `rest.len()` bytes.
        let w = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
        if w > 0 {
            done += w as usize;
            continue;
        }
        match if w == 0 { libc::EAGAIN } else { errno() } {
            libc::EAGAIN => {
                conn.pending.drain(..done);
                return true;
            }
            libc::EINTR => continue,
            _ => return false,
        }
    }
    // Fully flushed: give the memory back so idle connections stay small.
    conn.pending = Vec::new();
    if conn.eof {
        return false;
    }
    if conn.paused {
        conn.paused = false;
        // Edges that arrived while paused were not acted on: read until EAGAIN.
        return read_echo::<CANNED>(fd, conn, buf, true);
    }
    true
}
