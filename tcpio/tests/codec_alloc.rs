//! A peer that claims a huge frame is closed without the server reserving memory
//! for it, shown by a counting global allocator (its own test binary, since the
//! global allocator is per binary).

mod util;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{mpsc, Mutex};

use tcpio::codec::{DecodeError, FrameConn, FrameHandler, Framed, LengthField};
use tcpio::{Action, CloseReason};
use util::*;

/// Counts live heap bytes, their peak, and the largest single request.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static LARGEST: AtomicUsize = AtomicUsize::new(0);

fn grew(size: usize) {
    let now = LIVE.fetch_add(size, Relaxed) + size;
    PEAK.fetch_max(now, Relaxed);
    LARGEST.fetch_max(size, Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged,
// so `System`'s guarantees hold; the counters have no effect on the memory returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, passed on as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from `System` with `layout`; the caller upholds the rest.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The tests measure the whole process: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Starts counting afresh from the bytes live now.
fn reset() -> usize {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    LARGEST.store(0, Relaxed);
    base
}

const GIB: u64 = 1 << 30;
/// Far below any claim here, well above what the engine legitimately holds (its read
/// buffer, one connection's input up to `max_input`, thread stacks are not heap).
const BOUND: usize = 32 << 20;

/// Replies to nothing; reports how each connection closed.
struct Sink(mpsc::Sender<(CloseReason, Option<DecodeError>)>);

impl FrameHandler for Sink {
    type Codec = LengthField;
    type State = ();
    fn on_frame(&mut self, _: &mut FrameConn<'_, '_, Self>, _: &[u8]) -> Action {
        Action::Continue
    }
    fn on_close(
        &mut self,
        _: &mut FrameConn<'_, '_, Self>,
        reason: &CloseReason,
        error: Option<&DecodeError>,
    ) {
        let _ = self.0.send((reason.clone(), error.cloned()));
    }
}

fn serve(
    codec: LengthField,
) -> (tcpio::ServerHandle, std::net::SocketAddr, mpsc::Receiver<(CloseReason, Option<DecodeError>)>) {
    let (tx, rx) = mpsc::channel();
    let (h, addr) = start(local().loops(1), move |_| Framed::new(codec, Sink(tx.clone())));
    (h, addr, rx)
}

#[test]
fn a_4_gib_claim_over_a_raised_maximum_is_refused_on_its_header() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let codec = LengthField::builder().width(4).max_frame(GIB as usize).build().unwrap();
    let (server, addr, closed) = serve(codec);
    let base = reset();
    let mut c = connect(addr);
    c.write_all(&[0xFF, 0xFF, 0xFF, 0xFF]).unwrap();
    c.write_all(&payload(1, 64 << 10)).unwrap();
    assert_eq!(read_to_end(&mut c).unwrap(), b"", "closed without a reply");
    drop(c); // the server lingers for our FIN before it reports the close
    let (reason, error) = closed.recv_timeout(LIMIT).unwrap();
    assert!(matches!(reason, CloseReason::Protocol(_)), "{reason:?}");
    assert_eq!(error, Some(DecodeError::FrameTooLarge { claimed: u32::MAX as u64, max: GIB as usize }));
    let (peak, largest) = (PEAK.load(Relaxed) - base, LARGEST.load(Relaxed));
    assert!(peak < BOUND && largest < BOUND, "peak {peak} bytes, largest allocation {largest}");
    eprintln!("refused on its header: peak {peak} bytes, largest allocation {largest}");
    server.shutdown();
    server.wait().unwrap();
}

#[test]
fn a_4_gib_claim_under_the_maximum_is_never_reserved() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // An 8-byte length, maximum raised to 8 GiB: the claim is "valid", so the decoder
    // waits for the body, and the engine's input limit (1 MiB) ends the connection.
    let codec = LengthField::builder().width(8).max_frame(8 * GIB as usize).build().unwrap();
    let (server, addr, closed) = serve(codec);
    let base = reset();
    let mut c = connect(addr);
    c.write_all(&(4 * GIB).to_be_bytes()).unwrap();
    let chunk = payload(2, 64 << 10);
    for _ in 0..64 {
        if c.write_all(&chunk).is_err() {
            break; // closed (reset) by the server: expected
        }
    }
    let (reason, error) = closed.recv_timeout(LIMIT).unwrap();
    assert!(matches!(reason, CloseReason::InputLimit { .. }), "{reason:?}");
    assert_eq!(error, None);
    let (peak, largest) = (PEAK.load(Relaxed) - base, LARGEST.load(Relaxed));
    assert!(peak < BOUND && largest < BOUND, "peak {peak} bytes, largest allocation {largest}");
    eprintln!("input limit: peak {peak} bytes, largest allocation {largest}");
    drop(c);
    server.shutdown();
    server.wait().unwrap();
}
