//! A group message is one shared buffer however many members it reaches: the heap
//! bytes a published message costs the server do not grow with the member count,
//! shown by a counting global allocator (its own test binary, since the global
//! allocator is per binary).

mod util;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

use tcpio::{Action, Conn, Group, Handler};
use util::*;

/// Counts every heap byte requested (growth by `realloc` included).
struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged,
// so `System`'s guarantees hold; the counter has no effect on the memory returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Relaxed);
        // SAFETY: the caller upholds `alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new_size.saturating_sub(layout.size()), Relaxed);
        // SAFETY: `ptr` came from `System` with `layout`; the caller upholds the rest.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Every connection joins the group.
struct Subscriber(Group);

impl Handler for Subscriber {
    type State = ();
    fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
        conn.join(&self.0);
        Action::Continue
    }
    fn on_data(&mut self, _: &mut Conn<'_, ()>, input: &mut tcpio::Input<'_>) -> Action {
        input.consume_all();
        Action::Continue
    }
}

const MESSAGE: usize = 1024;
/// Messages per measured round: together they fit in a loopback socket's buffers,
/// so the server never has to keep (copy) any of them.
const ROUND: usize = 64;

/// Publishes `ROUND` messages to `members` subscribers and reads them all back, round
/// after round; returns the heap bytes allocated per message in the median round. (A
/// round may grow one of the loop's reusable vectors, which then keeps its size, up
/// to a bound: the median is the steady state.)
fn bytes_per_message(members: usize) -> usize {
    let group = Group::new();
    let g = group.clone();
    let (server, addr) = start(local().loops(1), move |_| Subscriber(g.clone()));
    let mut subs: Vec<TcpStream> = (0..members).map(|_| connect(addr)).collect();
    assert!(wait_for(|| group.len() == members), "every subscriber joined");
    let messages: Vec<Arc<[u8]>> = (0..ROUND).map(|i| vec![i as u8; MESSAGE].into()).collect();
    let round = |subs: &mut [TcpStream]| {
        for m in &messages {
            group.publish(m.clone());
        }
        let mut buf = [0u8; MESSAGE];
        for s in subs.iter_mut() {
            for i in 0..ROUND {
                s.read_exact(&mut buf).unwrap();
                assert!(buf.iter().all(|&b| b == i as u8), "message {i} whole and in order");
            }
        }
    };
    round(&mut subs); // warm-up
    let mut per_message: Vec<usize> = (0..7)
        .map(|_| {
            let before = ALLOCATED.load(Relaxed);
            round(&mut subs);
            (ALLOCATED.load(Relaxed) - before) / ROUND
        })
        .collect();
    per_message.sort_unstable();
    drop(subs);
    server.shutdown_and_wait(LIMIT).unwrap();
    per_message[per_message.len() / 2]
}

#[test]
fn a_published_message_costs_the_same_heap_bytes_for_10_or_500_members() {
    let few = bytes_per_message(10);
    let many = bytes_per_message(500);
    println!("heap bytes per 1 KiB message: {few} for 10 members, {many} for 500");
    // Nothing per member: not a copy of the message, not a buffer for it.
    assert!(many <= few + 64, "{many} bytes per message for 500 members, {few} for 10");
    assert!(many < MESSAGE, "no copy of the message at all: {many} bytes");
}
