//! A panic in any user code (a socket hook, a state's `Default`, a state's
//! destructor) costs only the connection it ran for: the server keeps serving.

mod util;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use tcpio::{Action, CloseReason, Conn, Handler, Input};
use util::*;

/// Echoes with a state type `S`.
struct EchoWith<S>(std::marker::PhantomData<S>);

impl<S: Default + 'static> Handler for EchoWith<S> {
    type State = S;
    fn on_data(&mut self, conn: &mut Conn<'_, S>, input: &mut Input<'_>) -> Action {
        conn.write(input.bytes());
        input.consume_all();
        Action::Continue
    }
}

fn echo_with<S>() -> EchoWith<S> {
    EchoWith(std::marker::PhantomData)
}

/// The server still answers a fresh connection, and counted the panic.
fn still_serving(server: &tcpio::ServerHandle, addr: std::net::SocketAddr) {
    let mut c = connect(addr);
    c.write_all(b"still here").unwrap();
    assert_eq!(read_n(&mut c, 10), b"still here");
    assert!(server.is_running());
}

#[test]
fn a_panicking_socket_hook_drops_only_that_connection() {
    static ARMED: AtomicBool = AtomicBool::new(true);
    let b = local().loops(1).on_accept_socket(|_| {
        if ARMED.swap(false, Ordering::SeqCst) {
            panic!("hook panicked");
        }
        Ok(())
    });
    let (server, addr) = start(b, |_| Echo);
    let mut first = connect(addr);
    // The first connection is dropped unserved: end of stream or a reset.
    let _ = first.write_all(b"x");
    let _ = read_to_end(&mut first);
    still_serving(&server, addr);
    assert!(wait_for(|| server.stats().total.panics == 1), "the panic is counted");
}

#[test]
fn a_panicking_state_default_drops_only_that_connection() {
    static ARMED: AtomicBool = AtomicBool::new(false);
    struct Touchy;
    impl Default for Touchy {
        fn default() -> Self {
            if ARMED.swap(false, Ordering::SeqCst) {
                panic!("default panicked");
            }
            Touchy
        }
    }
    let (server, addr) = start(local().loops(1), |_| echo_with::<Touchy>());
    still_serving(&server, addr);
    ARMED.store(true, Ordering::SeqCst);
    let mut victim = connect(addr);
    let _ = victim.write_all(b"x");
    let _ = read_to_end(&mut victim);
    still_serving(&server, addr);
    assert!(wait_for(|| server.stats().total.panics == 1), "the panic is counted");
}

#[test]
fn a_panicking_state_destructor_costs_nothing_else() {
    static ARMED: AtomicBool = AtomicBool::new(false);
    #[derive(Default)]
    struct Touchy;
    impl Drop for Touchy {
        fn drop(&mut self) {
            if ARMED.swap(false, Ordering::SeqCst) {
                panic!("drop panicked");
            }
        }
    }
    struct Closer(mpsc::Sender<CloseReason>);
    impl Handler for Closer {
        type State = Touchy;
        fn on_data(&mut self, conn: &mut Conn<'_, Touchy>, input: &mut Input<'_>) -> Action {
            conn.write(input.bytes());
            input.consume_all();
            Action::Continue
        }
        fn on_close(&mut self, _: &mut Conn<'_, Touchy>, reason: &CloseReason) {
            let _ = self.0.send(reason.clone());
        }
    }
    let (tx, rx) = mpsc::channel();
    let (server, addr) = start(local().loops(1), move |_| Closer(tx.clone()));
    let mut keep = connect(addr);
    keep.write_all(b"a").unwrap();
    assert_eq!(read_n(&mut keep, 1), b"a");
    ARMED.store(true, Ordering::SeqCst);
    let mut victim = connect(addr);
    victim.write_all(b"b").unwrap();
    assert_eq!(read_n(&mut victim, 1), b"b");
    drop(victim);
    rx.recv_timeout(LIMIT).expect("the victim closed");
    assert!(wait_for(|| server.stats().total.panics == 1), "the panic is counted");
    // The connection that was open all along is untouched, and new ones are served.
    keep.write_all(b"c").unwrap();
    assert_eq!(read_n(&mut keep, 1), b"c");
    still_serving(&server, addr);
}
