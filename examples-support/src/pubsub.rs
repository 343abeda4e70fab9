//! A length-prefixed publish/subscribe server (the `pubsub` example), built on
//! [`Group`] and timeouts a handler shapes.
//!
//! Every frame is a 4-byte big-endian length and a body whose first byte says what it
//! is:
//!
//! | body | from | meaning |
//! |---|---|---|
//! | `S` topic | client | subscribe to `topic` |
//! | `U` topic | client | unsubscribe |
//! | `P` n topic message | client | publish `message` to `topic` (`n`: the topic's length, one byte) |
//! | `M` n topic message | server | a message published to a topic the client subscribed to |
//! | `E` text | server | the client's last frame was invalid; the connection closes |
//!
//! Each topic is a [`Group`]: a published message is encoded once and queued once per
//! loop with subscribers, whichever loop the publisher is on. A subscriber is exempt
//! from the idle timeout (it may rightly stay silent); other connections are closed
//! after it, with an `E` frame saying so.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tcpio::codec::{FrameConn, FrameHandler, Framed, LengthField};
use tcpio::{Action, Builder, CloseReason, Group, ServerHandle};

/// Longest frame body accepted (and published).
pub const MAX_FRAME: usize = 64 * 1024;
/// Idle timeout of connections that subscribe to nothing.
pub const IDLE: Duration = Duration::from_secs(30);

/// Topics by name, shared by every loop (touched on subscribe, unsubscribe and
/// publish to look a topic up; the fan-out itself takes no lock).
#[derive(Clone, Debug, Default)]
pub struct Topics(Arc<Mutex<HashMap<Vec<u8>, Group>>>);

impl Topics {
    fn get(&self, topic: &[u8]) -> Group {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).entry(topic.to_vec()).or_default().clone()
    }

    fn find(&self, topic: &[u8]) -> Option<Group> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(topic).cloned()
    }
}

/// A client's frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Request<'a> {
    /// Subscribe to a topic.
    Subscribe(&'a [u8]),
    /// Unsubscribe from a topic.
    Unsubscribe(&'a [u8]),
    /// Publish a message to a topic.
    Publish {
        /// The topic.
        topic: &'a [u8],
        /// The message.
        message: &'a [u8],
    },
}

impl<'a> Request<'a> {
    /// Parses a frame body; the reason if it is not a request.
    pub fn parse(body: &'a [u8]) -> Result<Request<'a>, String> {
        let topic_ok = |t: &[u8]| !t.is_empty() && t.len() <= 255;
        match body.split_first() {
            Some((b'S', t)) if topic_ok(t) => Ok(Request::Subscribe(t)),
            Some((b'U', t)) if topic_ok(t) => Ok(Request::Unsubscribe(t)),
            Some((b'P', rest)) => {
                let (&n, rest) = rest.split_first().ok_or("a publish without a topic")?;
                let n = n as usize;
                if n == 0 || rest.len() < n {
                    return Err("a publish whose topic length is wrong".into());
                }
                Ok(Request::Publish { topic: &rest[..n], message: &rest[n..] })
            }
            Some((b'S' | b'U', _)) => Err("a topic must be 1 to 255 bytes".into()),
            Some((op, _)) => Err(format!("unknown frame type {:?}", *op as char)),
            None => Err("an empty frame".into()),
        }
    }
}

/// The body of an `M` frame: `M`, the topic's length, the topic, the message.
pub fn message_body(topic: &[u8], message: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(2 + topic.len() + message.len());
    v.push(b'M');
    v.push(topic.len() as u8);
    v.extend_from_slice(topic);
    v.extend_from_slice(message);
    v
}

/// The body of a `P` frame.
pub fn publish_body(topic: &[u8], message: &[u8]) -> Vec<u8> {
    let mut v = message_body(topic, message);
    v[0] = b'P';
    v
}

/// The codec: length-prefixed frames of at most [`MAX_FRAME`] bytes.
pub fn codec() -> LengthField {
    LengthField::builder().max_frame(MAX_FRAME).build().expect("a valid codec")
}

/// One loop's handler.
#[derive(Debug)]
pub struct PubSub {
    topics: Topics,
    codec: LengthField,
    /// Where a message frame is encoded before it becomes the one shared buffer.
    frame: Vec<u8>,
}

impl FrameHandler for PubSub {
    type Codec = LengthField;
    /// The topics this connection subscribed to.
    type State = Vec<Group>;

    fn on_frame(&mut self, conn: &mut FrameConn<'_, '_, Self>, body: &[u8]) -> Action {
        let request = match Request::parse(body) {
            Ok(r) => r,
            Err(reason) => {
                let _ = conn.send(format!("E{reason}").as_bytes());
                conn.close_with(CloseReason::protocol(reason));
                return Action::Continue;
            }
        };
        match request {
            Request::Subscribe(topic) => {
                let group = self.topics.get(topic);
                if conn.join(&group) {
                    conn.state_mut().push(group);
                }
                // A subscriber may stay silent for as long as it likes.
                conn.set_idle_timeout(None);
            }
            Request::Unsubscribe(topic) => {
                if let Some(group) = self.topics.find(topic) {
                    conn.leave_group(&group);
                    conn.state_mut().retain(|g| *g != group);
                }
                if conn.state().is_empty() {
                    conn.set_idle_timeout(Some(IDLE));
                }
            }
            Request::Publish { topic, message } => {
                if let Some(group) = self.topics.find(topic) {
                    // Encoded once (into a reused buffer, then one allocation): every
                    // subscriber, on every loop, shares it.
                    self.frame.clear();
                    let parts: [&[u8]; 4] = [b"M", &[topic.len() as u8], topic, message];
                    if self.codec.encode_parts(&[], &parts, &mut self.frame).is_ok() {
                        group.publish(&self.frame[..]);
                    }
                }
            }
        }
        Action::Continue
    }

    fn on_decode_error(&mut self, conn: &mut FrameConn<'_, '_, Self>, error: &tcpio::codec::DecodeError) {
        let _ = conn.send(format!("E{error}").as_bytes());
    }

    fn on_timeout(&mut self, conn: &mut FrameConn<'_, '_, Self>, reason: &CloseReason) -> Action {
        let _ = conn.send(format!("E{reason}").as_bytes());
        Action::Close
    }
}

/// Starts the server on `builder`'s addresses and loops, with the idle timeout for
/// connections that subscribe to nothing.
pub fn start(builder: Builder) -> Result<ServerHandle, tcpio::Error> {
    let topics = Topics::default();
    builder.idle_timeout(IDLE).start(move |_| {
        Framed::new(codec(), PubSub { topics: topics.clone(), codec: codec(), frame: Vec::new() })
    })
}

/// Decodes one `M` frame body into topic and message.
pub fn parse_message(body: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&b'M', rest) = body.split_first()? else { return None };
    let (&n, rest) = rest.split_first()?;
    (rest.len() >= n as usize).then(|| rest.split_at(n as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_and_bad_ones_say_why() {
        assert_eq!(Request::parse(b"Snews"), Ok(Request::Subscribe(b"news")));
        assert_eq!(Request::parse(b"Unews"), Ok(Request::Unsubscribe(b"news")));
        assert_eq!(
            Request::parse(&publish_body(b"news", b"hello")),
            Ok(Request::Publish { topic: b"news", message: b"hello" })
        );
        assert!(Request::parse(b"S").is_err());
        assert!(Request::parse(b"P\x05ab").is_err());
        assert!(Request::parse(b"X").unwrap_err().contains("unknown frame type"));
        assert!(Request::parse(b"").is_err());
        assert_eq!(parse_message(&message_body(b"t", b"m")), Some((&b"t"[..], &b"m"[..])));
    }
}
