//! The harness's global allocator: the system allocator, counting the bytes requested
//! once a server child turns counting on (the `fanout` servers do; every other child
//! pays one relaxed load per allocation and counts nothing).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// Whether allocations are counted.
static COUNTING: AtomicBool = AtomicBool::new(false);
/// Bytes requested since counting began (growth by `realloc` included).
static REQUESTED: AtomicU64 = AtomicU64::new(0);

/// Starts counting.
pub fn start() {
    COUNTING.store(true, Relaxed);
}

/// Heap bytes requested since [`start`].
pub fn requested() -> u64 {
    REQUESTED.load(Relaxed)
}

#[inline]
fn count(bytes: usize) {
    if COUNTING.load(Relaxed) {
        REQUESTED.fetch_add(bytes as u64, Relaxed);
    }
}

/// The counting allocator.
pub struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees hold; counting has no effect on the memory returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller upholds `alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, that is from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size.saturating_sub(layout.size()));
        // SAFETY: `ptr` came from `System` with `layout`; the caller upholds the rest.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
