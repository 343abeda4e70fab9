//! What a connected socket's kernel queues still hold: the bytes sent that the peer
//! has not acknowledged, and the bytes received that nobody has read. A closing
//! connection that has neither can close at once: nothing of its output can be lost
//! to a reset, and closing sends no reset.
//!
//! The one `unsafe` block of the crate: `SIOCOUTQ` has no safe wrapper in `rustix`
//! or `socket2`.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsFd, AsRawFd};

/// Bytes written to a stream socket that the peer has not acknowledged yet (for TCP,
/// counting a sent FIN until it is acknowledged): Linux's `SIOCOUTQ`. Unsupported
/// elsewhere.
pub(crate) fn unacknowledged(fd: impl AsFd) -> io::Result<usize> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let mut n: libc::c_int = 0;
        // SAFETY: `SIOCOUTQ` (the value of `TIOCOUTQ`) on a socket stores one `c_int`
        // through the pointer, which points at `n`, alive and exclusively borrowed for
        // the call; the descriptor is borrowed, so it stays open meanwhile.
        let rc = unsafe { libc::ioctl(fd.as_fd().as_raw_fd(), libc::TIOCOUTQ, &mut n as *mut libc::c_int) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n.max(0) as usize)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = fd;
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// Bytes received on the socket and not read yet (`FIONREAD`).
pub(crate) fn unread(fd: impl AsFd) -> io::Result<usize> {
    Ok(rustix::io::ioctl_fionread(fd)? as usize)
}

/// Whether a closing socket can close now without losing anything: every byte it
/// sent acknowledged, nothing received left unread. False when it cannot tell.
pub(crate) fn settled(fd: impl AsFd) -> bool {
    let fd = fd.as_fd();
    matches!((unacknowledged(fd), unread(fd)), (Ok(0), Ok(0)))
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};

    #[test]
    fn a_socket_is_settled_once_its_fin_is_acknowledged_and_its_input_read() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut a = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut b, _) = listener.accept().unwrap();
        b.write_all(b"ping").unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while unread(&a).unwrap() < 4 {
            assert!(std::time::Instant::now() < deadline);
            std::thread::yield_now();
        }
        assert!(!settled(&a), "four bytes unread");
        let mut buf = [0u8; 4];
        a.read_exact(&mut buf).unwrap();
        a.write_all(b"pong").unwrap();
        a.shutdown(Shutdown::Write).unwrap();
        // Loopback acknowledges at once; the kernel's count follows.
        while !settled(&a) {
            assert!(std::time::Instant::now() < deadline, "outq {:?}", unacknowledged(&a));
            std::thread::yield_now();
        }
        assert_eq!(unacknowledged(&a).unwrap(), 0);
        let mut rest = Vec::new();
        b.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"pong");
    }
}
