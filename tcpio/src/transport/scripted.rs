//! Scripted I/O for the engine's unit tests (compiled into test builds only, so the
//! production read and write paths pay nothing for it).
//!
//! A test installs a script on its own thread; every read and write a [`Stream`] makes
//! on that thread then takes the next step of the script instead of calling the
//! kernel: so partial writes, `WouldBlock` in the middle of a flush, an error after
//! some bytes, short reads and reads of zero happen exactly where the test puts them,
//! not by chance. A call the script did not plan for fails the test.
//!
//! [`Stream`]: super::Stream

use std::cell::RefCell;
use std::collections::VecDeque;

use rustix::io::Errno;

/// One step of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// A read returns these bytes (as many as fit; the rest is the next read's).
    Read(Vec<u8>),
    /// A read returns 0: the peer's end of stream.
    Eof,
    /// A write takes at most this many bytes.
    Take(usize),
    /// A read or write would block.
    WouldBlock,
    /// A read or write fails with this error.
    Fail(Errno),
}

#[derive(Debug, Default)]
struct Script {
    steps: VecDeque<Step>,
    written: Vec<u8>,
}

thread_local! {
    static SCRIPT: RefCell<Option<Script>> = const { RefCell::new(None) };
}

/// Makes this thread's streams follow `steps`.
pub(crate) fn install(steps: impl IntoIterator<Item = Step>) {
    SCRIPT
        .with(|s| *s.borrow_mut() = Some(Script { steps: steps.into_iter().collect(), written: Vec::new() }));
}

/// Adds steps to the installed script.
pub(crate) fn then(steps: impl IntoIterator<Item = Step>) {
    SCRIPT.with(|s| s.borrow_mut().as_mut().expect("a script is installed").steps.extend(steps));
}

/// The bytes written so far, and whether every step was used.
pub(crate) fn written() -> (Vec<u8>, bool) {
    SCRIPT.with(|s| {
        let s = s.borrow();
        let s = s.as_ref().expect("a script is installed");
        (s.written.clone(), s.steps.is_empty())
    })
}

/// The next step for a read, if a script is installed.
pub(crate) fn read(buf: &mut [u8]) -> Option<Result<usize, Errno>> {
    SCRIPT.with(|s| {
        let mut s = s.borrow_mut();
        let s = s.as_mut()?;
        Some(match s.steps.pop_front() {
            Some(Step::Read(mut data)) => {
                let n = data.len().min(buf.len());
                buf[..n].copy_from_slice(&data[..n]);
                if n < data.len() {
                    s.steps.push_front(Step::Read(data.split_off(n)));
                }
                Ok(n)
            }
            Some(Step::Eof) => Ok(0),
            Some(Step::WouldBlock) => Err(Errno::AGAIN),
            Some(Step::Fail(e)) => Err(e),
            other => panic!("the engine read where the script has {other:?}"),
        })
    })
}

/// The next step for a write of `bufs` (in order), if a script is installed.
pub(crate) fn write(bufs: &[&[u8]]) -> Option<Result<usize, Errno>> {
    SCRIPT.with(|s| {
        let mut s = s.borrow_mut();
        let s = s.as_mut()?;
        Some(match s.steps.pop_front() {
            Some(Step::Take(max)) => {
                let mut left = max;
                for b in bufs {
                    let n = b.len().min(left);
                    s.written.extend_from_slice(&b[..n]);
                    left -= n;
                }
                Ok(max - left)
            }
            Some(Step::WouldBlock) => Err(Errno::AGAIN),
            Some(Step::Fail(e)) => Err(e),
            other => panic!("the engine wrote where the script has {other:?}"),
        })
    })
}
