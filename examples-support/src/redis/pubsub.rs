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

/// A channel's or a pattern's group and how many connections are subscribed to it.
#[derive(Debug)]
struct Topic {
    group: Group,
    subscribers: usize,
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

    /// Counts one more subscriber of channel (or pattern) `name` and returns the group
    /// it must join, made if it is the first.
    pub fn subscribe(&self, pattern: bool, name: &[u8]) -> Group {
        let mut topics = lock(self.topics(pattern));
        let topic =
            topics.entry(name.to_vec()).or_insert_with(|| Topic { group: Group::new(), subscribers: 0 });
        topic.subscribers += 1;
        topic.group.clone()
    }

    /// Counts a subscriber of `name` out; the entry goes with its last subscriber.
    pub fn unsubscribe(&self, pattern: bool, name: &[u8]) {
        let mut topics = lock(self.topics(pattern));
        if let Some(topic) = topics.get_mut(name) {
            topic.subscribers -= 1;
            if topic.subscribers == 0 {
                topics.remove(name);
            }
        }
    }

    /// Sends `message` to the subscribers of `channel` and of the patterns matching
    /// it, on every loop: the `message` frame is encoded once for the channel's group,
    /// a `pmessage` frame once per matching pattern's group. Returns the receivers,
    /// as `PUBLISH` does: the channel's subscribers plus every matching pattern's.
    pub fn publish(&self, channel: &[u8], message: &[u8]) -> usize {
        let mut receivers = 0;
        let direct = lock(&self.channels).get(channel).map(|t| (t.group.clone(), t.subscribers));
        if let Some((group, n)) = direct {
            receivers += n;
            let mut frame = Vec::with_capacity(32 + channel.len() + message.len());
            array(&mut frame, 3);
            bulk(&mut frame, b"message");
            bulk(&mut frame, channel);
            bulk(&mut frame, message);
            group.publish(frame);
        }
        let patterns = lock(&self.patterns);
        if patterns.is_empty() {
            // Nobody subscribes by pattern (the common case): no list to build.
            return receivers;
        }
        let matching: Vec<(Vec<u8>, Group, usize)> = patterns
            .iter()
            .filter(|(pattern, _)| glob_match(pattern, channel))
            .map(|(pattern, t)| (pattern.clone(), t.group.clone(), t.subscribers))
            .collect();
        drop(patterns);
        for (pattern, group, n) in matching {
            receivers += n;
            let mut frame = Vec::with_capacity(48 + pattern.len() + channel.len() + message.len());
            array(&mut frame, 4);
            bulk(&mut frame, b"pmessage");
            bulk(&mut frame, &pattern);
            bulk(&mut frame, channel);
            bulk(&mut frame, message);
            group.publish(frame);
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
        lock(&self.channels).get(channel).map_or(0, |t| t.subscribers)
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

    /// Leaves every channel and pattern in `registry` (a closed connection; tcpio
    /// takes it out of the groups itself).
    pub fn clear(&mut self, registry: &PubSub) {
        for (pattern, names) in [(false, &mut self.channels), (true, &mut self.patterns)] {
            for (name, _) in names.drain() {
                registry.unsubscribe(pattern, &name);
            }
        }
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::PubSub;

    #[test]
    fn the_registry_counts_subscribers_and_forgets_empty_entries() {
        let reg = PubSub::new();
        let a = reg.subscribe(false, b"a");
        assert_eq!(reg.subscribe(false, b"a"), a);
        reg.subscribe(true, b"a*");
        assert_eq!(reg.numsub(b"a"), 2);
        assert_eq!(reg.numpat(), 1);
        assert_eq!(reg.publish(b"a", b"m"), 3);
        assert_eq!(reg.publish(b"abc", b"m"), 1);
        assert_eq!(reg.publish(b"b", b"m"), 0);
        assert_eq!(reg.channels(Some(b"a?")), Vec::<Vec<u8>>::new());
        assert_eq!(reg.channels(Some(b"a")), [b"a".to_vec()]);
        reg.unsubscribe(false, b"a");
        assert_eq!(reg.numsub(b"a"), 1);
        reg.unsubscribe(false, b"a");
        reg.unsubscribe(true, b"a*");
        // An unknown name is no error.
        reg.unsubscribe(false, b"zzz");
        assert!(reg.channels(None).is_empty());
        assert_eq!(reg.numpat(), 0);
        // A channel subscribed again gets a new group.
        assert_ne!(reg.subscribe(false, b"a"), a);
    }
}
