//! The pub/sub registry every loop shares: one tcpio [`Group`] per channel and per
//! pattern that has subscribers, with their subscriber counts.
//!
//! A subscription is a membership of the channel's (or pattern's) group, so `PUBLISH`
//! encodes a message once and hands it to the group: tcpio queues one shared buffer
//! per loop with members and each loop writes it to its subscribers, whichever loop
//! the publisher is on. The registry counts subscribers itself, under its lock, so
//! `PUBLISH` and `PUBSUB NUMSUB` see a subscription as soon as its confirmation is
//! written; an entry goes when its last subscriber leaves, so one-off channels leave
//! nothing behind.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use tcpio::Group;

use super::reply::{array, bulk};
use super::store::glob_match;

/// A channel's or a pattern's groups and how many connections are subscribed to it,
/// by protocol: RESP2 subscribers (index 0) get its messages as arrays, RESP3
/// subscribers (index 1) as pushes, so each protocol has a group of its own.
#[derive(Debug, Default)]
struct Topic {
    groups: [Option<Group>; 2],
    subscribers: [usize; 2],
}

impl Topic {
    fn total(&self) -> usize {
        self.subscribers[0] + self.subscribers[1]
    }

    /// Its groups that have members, cloned so that the registry is unlocked before
    /// anything is published to them.
    fn receivers(&self) -> [Option<Group>; 2] {
        [0, 1].map(|p| self.groups[p].clone().filter(|_| self.subscribers[p] > 0))
    }
}

/// Hands `frame` (an array's frame) to `groups`: as it is to the RESP2 group, as a push
/// (the same bytes but the first) to the RESP3 group; to every member but the
/// connection `except` names (its tcpio id), if any.
fn publish_to(groups: [Option<Group>; 2], mut frame: Vec<u8>, except: Option<u64>) {
    let send = |group: &Group, frame: Vec<u8>| match except {
        Some(id) => group.publish_except(frame, id),
        None => group.publish(frame),
    };
    match groups {
        [Some(two), Some(three)] => {
            let mut pushed = frame.clone();
            pushed[0] = b'>';
            send(&two, frame);
            send(&three, pushed);
        }
        [Some(two), None] => {
            send(&two, frame);
        }
        [None, Some(three)] => {
            frame[0] = b'>';
            send(&three, frame);
        }
        [None, None] => {}
    }
}

/// Channels or patterns, by name.
type Topics = Mutex<HashMap<Vec<u8>, Topic>>;

/// Every channel and pattern with subscribers, over all loops.
#[derive(Debug, Default)]
pub struct PubSub {
    channels: Topics,
    patterns: Topics,
}

/// Locks `topics`; a panic elsewhere cannot leave the counts half-updated, so a
/// poisoned lock is used as it is.
fn lock(topics: &Topics) -> MutexGuard<'_, HashMap<Vec<u8>, Topic>> {
    topics.lock().unwrap_or_else(|e| e.into_inner())
}

impl PubSub {
    /// An empty registry.
    pub fn new() -> PubSub {
        PubSub::default()
    }

    fn topics(&self, pattern: bool) -> &Topics {
        if pattern {
            &self.patterns
        } else {
            &self.channels
        }
    }

    /// Counts one more subscriber of channel (or pattern) `name`, speaking RESP3 or
    /// RESP2, and returns the group it must join, made if it is the first.
    pub fn subscribe(&self, pattern: bool, name: &[u8], resp3: bool) -> Group {
        let mut topics = lock(self.topics(pattern));
        let topic = topics.entry(name.to_vec()).or_default();
        let p = usize::from(resp3);
        topic.subscribers[p] += 1;
        topic.groups[p].get_or_insert_with(Group::new).clone()
    }

    /// Counts a subscriber of `name` out; the entry goes with its last subscriber.
    pub fn unsubscribe(&self, pattern: bool, name: &[u8], resp3: bool) {
        let mut topics = lock(self.topics(pattern));
        if let Some(topic) = topics.get_mut(name) {
            let p = usize::from(resp3);
            topic.subscribers[p] = topic.subscribers[p].saturating_sub(1);
            if topic.total() == 0 {
                topics.remove(name);
                super::shrink_if_sparse(&mut topics);
            }
        }
    }

    /// Sends `message` to the subscribers of `channel` and of the patterns matching
    /// it, on every loop: the `message` frame is encoded once for the channel's
    /// groups, a `pmessage` frame once per matching pattern's. Returns the receivers,
    /// as `PUBLISH` does: the channel's subscribers plus every matching pattern's.
    /// The connection `except` names (a subscriber that publishes, whose own copies
    /// were written before its reply) is counted but sent nothing.
    pub fn publish(&self, channel: &[u8], message: &[u8], except: Option<u64>) -> usize {
        let mut receivers = 0;
        let direct = lock(&self.channels).get(channel).map(|t| (t.receivers(), t.total()));
        if let Some((groups, n)) = direct {
            receivers += n;
            let mut frame = Vec::with_capacity(32 + channel.len() + message.len());
            array(&mut frame, 3);
            bulk(&mut frame, b"message");
            bulk(&mut frame, channel);
            bulk(&mut frame, message);
            publish_to(groups, frame, except);
        }
        let patterns = lock(&self.patterns);
        if patterns.is_empty() {
            // Nobody subscribes by pattern (the common case): no list to build.
            return receivers;
        }
        let matching: Vec<(Vec<u8>, [Option<Group>; 2], usize)> = patterns
            .iter()
            .filter(|(pattern, _)| glob_match(pattern, channel))
            .map(|(pattern, t)| (pattern.clone(), t.receivers(), t.total()))
            .collect();
        drop(patterns);
        for (pattern, groups, n) in matching {
            receivers += n;
            let mut frame = Vec::with_capacity(48 + pattern.len() + channel.len() + message.len());
            array(&mut frame, 4);
            bulk(&mut frame, b"pmessage");
            bulk(&mut frame, &pattern);
            bulk(&mut frame, channel);
            bulk(&mut frame, message);
            publish_to(groups, frame, except);
        }
        receivers
    }

    /// The channels with subscribers, those matching `pattern` if one is given
    /// (`PUBSUB CHANNELS`), in no particular order.
    pub fn channels(&self, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        lock(&self.channels).keys().filter(|c| pattern.map_or(true, |p| glob_match(p, c))).cloned().collect()
    }

    /// The subscribers of `channel`, patterns aside (`PUBSUB NUMSUB`).
    pub fn numsub(&self, channel: &[u8]) -> usize {
        lock(&self.channels).get(channel).map_or(0, Topic::total)
    }

    /// The patterns with subscribers (`PUBSUB NUMPAT`).
    pub fn numpat(&self) -> usize {
        lock(&self.patterns).len()
    }
}

/// One connection's subscriptions, and the group changes its commands asked for that
/// the handler has yet to make on the connection (commands write replies through the
/// connection's writer, so joining waits until they are done; the client sees the
/// confirmations only after that).
#[derive(Clone, Debug, Default)]
pub struct Subscriptions {
    /// The channels it is subscribed to, with their groups.
    pub channels: HashMap<Vec<u8>, Group>,
    /// The patterns it is subscribed to, with their groups.
    pub patterns: HashMap<Vec<u8>, Group>,
    /// Groups to join (`true`) or leave (`false`), in order.
    pub pending: Vec<(Group, bool)>,
}

impl Subscriptions {
    /// Channels and patterns: what the confirmations count.
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// Leaves every channel and pattern in `registry`, where they are counted as
    /// RESP3 or RESP2 subscriptions (a connection the server closes), and returns
    /// their groups, which the connection is still in (tcpio takes a closed
    /// connection out of them itself).
    pub fn clear(&mut self, registry: &PubSub, resp3: bool) -> Vec<Group> {
        let mut groups = Vec::with_capacity(self.count());
        for (pattern, names) in [(false, &mut self.channels), (true, &mut self.patterns)] {
            for (name, group) in names.drain() {
                registry.unsubscribe(pattern, &name, resp3);
                groups.push(group);
            }
        }
        self.pending.clear();
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::PubSub;

    #[test]
    fn the_registry_counts_subscribers_and_forgets_empty_entries() {
        let reg = PubSub::new();
        let a = reg.subscribe(false, b"a", false);
        assert_eq!(reg.subscribe(false, b"a", false), a);
        reg.subscribe(true, b"a*", false);
        assert_eq!(reg.numsub(b"a"), 2);
        assert_eq!(reg.numpat(), 1);
        assert_eq!(reg.publish(b"a", b"m", None), 3);
        assert_eq!(reg.publish(b"abc", b"m", None), 1);
        assert_eq!(reg.publish(b"b", b"m", None), 0);
        assert_eq!(reg.channels(Some(b"a?")), Vec::<Vec<u8>>::new());
        assert_eq!(reg.channels(Some(b"a")), [b"a".to_vec()]);
        reg.unsubscribe(false, b"a", false);
        assert_eq!(reg.numsub(b"a"), 1);
        reg.unsubscribe(false, b"a", false);
        reg.unsubscribe(true, b"a*", false);
        // An unknown name is no error.
        reg.unsubscribe(false, b"zzz", false);
        assert!(reg.channels(None).is_empty());
        assert_eq!(reg.numpat(), 0);
        // A channel subscribed again gets a new group.
        assert_ne!(reg.subscribe(false, b"a", false), a);
    }

    #[test]
    fn each_protocol_has_its_own_group_and_both_are_counted() {
        let reg = PubSub::new();
        let two = reg.subscribe(false, b"a", false);
        let three = reg.subscribe(false, b"a", true);
        assert_ne!(two, three);
        assert_eq!(reg.subscribe(false, b"a", true), three);
        assert_eq!(reg.numsub(b"a"), 3);
        assert_eq!(reg.publish(b"a", b"m", None), 3);
        reg.unsubscribe(false, b"a", false);
        assert_eq!(reg.numsub(b"a"), 2);
        reg.unsubscribe(false, b"a", true);
        reg.unsubscribe(false, b"a", true);
        assert!(reg.channels(None).is_empty());
    }
}
