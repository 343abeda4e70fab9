//! Groups: sets of connections, on any loops, that receive the same messages (a
//! topic, a room, a channel). One published message is one shared buffer: each loop
//! with members gets one mailbox entry holding it, and writes it to its members.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use super::shared::Shared;
use super::token::Target;

/// A set of connections that receive the same messages, whichever loops serve them:
/// netty's `ChannelGroup`, a pub/sub topic. Made with [`Group::new`] (before the
/// server, to give to the handler factory, or any time after); it belongs to the
/// server of the first connection that joins it. Cloning it is one reference-count
/// increment, and clones are the same group.
///
/// A handler adds its connection with [`Conn::join`](crate::Conn::join) and takes it
/// out with [`Conn::leave_group`](crate::Conn::leave_group); a connection that
/// closes leaves every group it was in. [`publish`](Self::publish), from any thread
/// or callback, queues the message once per loop that has members (one shared
/// `Arc<[u8]>`) and each loop writes it to its members straight from that buffer,
/// no copy per member (a socket that does not take all of it keeps a copy of the
/// rest, as any write). It counts toward each member's high-water mark and hard
/// cap, so a member that stops reading is closed at the cap
/// ([`CloseReason::OutputLimit`](crate::CloseReason::OutputLimit)) while the others
/// carry on, and the publisher never blocks. Messages from one publisher reach each
/// member in the order published.
///
/// ```
/// use tcpio::{Action, Conn, Group, Handler, Input, Server};
///
/// /// Every line a client sends goes to every client, on every loop.
/// struct Room(Group);
///
/// impl Handler for Room {
///     type State = ();
///     fn on_open(&mut self, conn: &mut Conn<'_, ()>) -> Action {
///         conn.join(&self.0);
///         Action::Continue
///     }
///     fn on_data(&mut self, _conn: &mut Conn<'_, ()>, input: &mut Input<'_>) -> Action {
///         self.0.publish(input.bytes());
///         input.consume_all();
///         Action::Continue
///     }
/// }
///
/// let room = Group::new();
/// let server = Server::builder().bind("127.0.0.1:0")?.loops(2).start(move |_| Room(room.clone()))?;
/// # drop(server);
/// # Ok::<(), tcpio::Error>(())
/// ```
#[derive(Clone)]
pub struct Group {
    pub(crate) inner: Arc<GroupInner>,
}

pub(crate) struct GroupInner {
    pub(crate) id: u64,
    /// The server it belongs to (set by the first join) and its members per loop, by
    /// loop id: publish skips loops with none.
    server: OnceLock<(Arc<Shared>, Vec<AtomicUsize>)>,
}

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group").field("id", &self.inner.id).field("members", &self.len()).finish()
    }
}

impl PartialEq for Group {
    fn eq(&self, other: &Group) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for Group {}

/// Group ids, unique in the process.
static NEXT_GROUP: AtomicU64 = AtomicU64::new(1);

impl Default for Group {
    fn default() -> Group {
        Group::new()
    }
}

impl Group {
    /// A new, empty group.
    pub fn new() -> Group {
        let id = NEXT_GROUP.fetch_add(1, Ordering::Relaxed);
        Group { inner: Arc::new(GroupInner { id, server: OnceLock::new() }) }
    }

    /// Counts a member on loop `loop_id` of `shared`'s server; false if the group
    /// belongs to another server.
    pub(crate) fn count_in(&self, shared: &Arc<Shared>, loop_id: usize) -> bool {
        let (owner, members) = self
            .inner
            .server
            .get_or_init(|| (shared.clone(), (0..shared.loops.len()).map(|_| AtomicUsize::new(0)).collect()));
        if !Arc::ptr_eq(owner, shared) {
            return false;
        }
        members[loop_id].fetch_add(1, Ordering::AcqRel);
        true
    }

    /// Counts a member out of loop `loop_id`.
    pub(crate) fn count_out(&self, loop_id: usize) {
        if let Some((_, members)) = self.inner.server.get() {
            members[loop_id].fetch_sub(1, Ordering::AcqRel);
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.inner.id
    }

    /// Queues `message` for every member, on every loop; returns how many loops it
    /// was queued to. A loop whose mailbox already holds a hard cap's worth of
    /// published and broadcast bytes does not take it (counted in
    /// [`LoopStats::broadcasts_dropped`](crate::LoopStats::broadcasts_dropped)):
    /// the publisher never waits.
    pub fn publish(&self, message: impl Into<Arc<[u8]>>) -> usize {
        self.publish_inner(message.into(), None)
    }

    /// [`publish`](Self::publish) to every member but the connection with this id
    /// ([`Conn::id`](crate::Conn::id)): the sender of a chat line, or a publisher
    /// that has already written its own copy where its replies go.
    pub fn publish_except(&self, message: impl Into<Arc<[u8]>>, except: u64) -> usize {
        self.publish_inner(message.into(), Some(except))
    }

    fn publish_inner(&self, message: Arc<[u8]>, except: Option<u64>) -> usize {
        if message.is_empty() {
            return 0;
        }
        let Some((shared, members)) = self.inner.server.get() else { return 0 };
        let mut reached = 0;
        for (l, count) in shared.loops.iter().zip(members) {
            if count.load(Ordering::Acquire) > 0 && l.publish(&message, self.inner.id, except) {
                reached += 1;
            }
        }
        reached
    }

    /// Members now, over every loop.
    pub fn len(&self) -> usize {
        self.inner.server.get().map_or(0, |(_, m)| m.iter().map(|c| c.load(Ordering::Acquire)).sum())
    }

    /// Whether the group has no member now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One loop's members of every group (loop-local: no lock).
#[derive(Debug, Default)]
pub(crate) struct Memberships {
    by_group: HashMap<u64, Vec<Target>>,
}

impl Memberships {
    /// Adds `who` to group `id`, which it is not in (the connection's own record of
    /// its groups says so, without a look through the group's members).
    pub(crate) fn join(&mut self, id: u64, who: Target) {
        let list = self.by_group.entry(id).or_default();
        debug_assert!(!list.contains(&who));
        list.push(who);
    }

    /// Takes `who` out of group `id`; false if it was not in.
    pub(crate) fn leave(&mut self, id: u64, who: Target) -> bool {
        let Some(list) = self.by_group.get_mut(&id) else { return false };
        let Some(i) = list.iter().position(|t| *t == who) else { return false };
        list.swap_remove(i);
        if list.is_empty() {
            self.by_group.remove(&id);
        }
        true
    }

    /// The members of group `id` on this loop.
    pub(crate) fn members(&self, id: u64) -> &[Target] {
        self.by_group.get(&id).map_or(&[], Vec::as_slice)
    }
}
