//! The publish/subscribe servers of the `fanout` suite: tcpio's `pubsub` example and
//! the same protocol on tokio with a broadcast channel per topic, the way a tokio user
//! writes it. Both count their heap bytes (`alloc_count`) and answer a line `alloc` on
//! stdin with `ALLOC <bytes requested so far>`; stdin closing stops them.
//!
//! The tokio server is as strong as its design allows: a subscriber's task takes every
//! message waiting in its receiver and writes them with one vectored write, straight
//! from the shared `Arc<[u8]>`s, as tcpio does. It serves one subscription per
//! connection (all the suite needs); a subscriber that falls a channel's capacity
//! behind is dropped, as tcpio drops one at its output cap.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufRead, IoSlice, Write};
use std::os::fd::AsFd;
use std::rc::Rc;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::WriteHalf;
use tokio::net::unix::pipe;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::task::LocalSet;

use crate::alloc_count;
use crate::Res;
use tcpio_examples::pubsub::{self, Request};

/// Messages a topic's channel holds for its slowest subscriber.
const CHANNEL: usize = 4096;
/// Messages one vectored write takes at most.
const BATCH: usize = 64;

/// Answers `alloc` lines until stdin closes.
fn answer_alloc(line: &str) {
    if line.trim() == "alloc" {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "ALLOC {}", alloc_count::requested());
        let _ = out.flush();
    }
}

/// tcpio's `pubsub` example, 1 loop, on 127.0.0.1:`port`.
pub fn run_tcpio(port: u16) -> Res<()> {
    alloc_count::start();
    let builder = tcpio::Server::builder().bind(&format!("127.0.0.1:{port}"))?.loops(1);
    let handle = pubsub::start(builder).map_err(|e| format!("tcpio pubsub: {e}"))?;
    let port = handle.local_addrs()[0].as_ip().ok_or("tcpio listens on a non-IP address")?.port();
    super::announce(port)?;
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        answer_alloc(&line);
    }
    handle.shutdown();
    handle.wait().expect("wait for the server");
    std::process::exit(0);
}

type Topics = Rc<RefCell<HashMap<Vec<u8>, broadcast::Sender<Arc<[u8]>>>>>;

/// The tokio server, current-thread runtime, a task per connection.
pub fn run_tokio(port: u16) -> Res<()> {
    alloc_count::start();
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
    let local = LocalSet::new();
    local.block_on(&rt, async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let stdin = std::io::stdin().as_fd().try_clone_to_owned()?;
        let stdin = pipe::Receiver::from_owned_fd(stdin).map_err(|e| format!("stdin must be a pipe: {e}"))?;
        tokio::task::spawn_local(async move {
            let mut lines = BufReader::new(stdin).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                answer_alloc(&line);
            }
            std::process::exit(0);
        });
        super::announce(listener.local_addr()?.port())?;
        let topics = Topics::default();
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::task::spawn_local(serve_conn(stream, topics.clone()));
        }
    })
}

/// The next message for a subscriber; never, for a connection that subscribed to nothing.
async fn next(
    rx: &mut Option<broadcast::Receiver<Arc<[u8]>>>,
) -> Result<Arc<[u8]>, broadcast::error::RecvError> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// One connection: frames in (subscribe, publish), messages out.
async fn serve_conn(mut stream: TcpStream, topics: Topics) {
    let (mut rd, mut wr) = stream.split();
    let mut input: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut rx: Option<broadcast::Receiver<Arc<[u8]>>> = None;
    let mut batch: Vec<Arc<[u8]>> = Vec::with_capacity(BATCH);
    let mut frame: Vec<u8> = Vec::new();
    loop {
        tokio::select! {
            read = rd.read_buf(&mut input) => {
                if !matches!(read, Ok(n) if n > 0) {
                    return;
                }
                let mut at = 0;
                while input.len() - at >= 4 {
                    let len = u32::from_be_bytes(input[at..at + 4].try_into().unwrap()) as usize;
                    if len > pubsub::MAX_FRAME {
                        return;
                    }
                    if input.len() - at - 4 < len {
                        break;
                    }
                    let body = &input[at + 4..at + 4 + len];
                    match Request::parse(body) {
                        Ok(Request::Subscribe(topic)) => {
                            let mut t = topics.borrow_mut();
                            let tx = t.entry(topic.to_vec()).or_insert_with(|| broadcast::channel(CHANNEL).0);
                            rx = Some(tx.subscribe());
                        }
                        Ok(Request::Publish { topic, message }) => {
                            if let Some(tx) = topics.borrow().get(topic) {
                                // Encoded into a reused buffer, then one allocation.
                                let frame_len = 2 + topic.len() + message.len();
                                frame.clear();
                                frame.extend_from_slice(&(frame_len as u32).to_be_bytes());
                                frame.extend_from_slice(&[b'M', topic.len() as u8]);
                                frame.extend_from_slice(topic);
                                frame.extend_from_slice(message);
                                let _ = tx.send(Arc::from(&frame[..]));
                            }
                        }
                        Ok(Request::Unsubscribe(_)) => rx = None,
                        Err(_) => return,
                    }
                    at += 4 + len;
                }
                input.drain(..at);
            }
            message = next(&mut rx) => {
                let Ok(first) = message else { return }; // lagged (too slow) or closed
                batch.push(first);
                while batch.len() < BATCH {
                    match rx.as_mut().map(|rx| rx.try_recv()) {
                        Some(Ok(m)) => batch.push(m),
                        _ => break,
                    }
                }
                if write_all(&mut wr, &batch).await.is_err() {
                    return;
                }
                batch.clear();
            }
        }
    }
}

/// Writes every message, vectored, straight from the shared buffers.
async fn write_all(wr: &mut WriteHalf<'_>, messages: &[Arc<[u8]>]) -> std::io::Result<()> {
    let (mut first, mut skip) = (0, 0);
    while first < messages.len() {
        let mut iov = [IoSlice::new(&[]); BATCH];
        let n = messages.len() - first;
        iov[0] = IoSlice::new(&messages[first][skip..]);
        for (i, m) in messages[first + 1..].iter().enumerate() {
            iov[i + 1] = IoSlice::new(m);
        }
        let mut sent = wr.write_vectored(&iov[..n]).await?;
        if sent == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        // Past whole messages, then into the next one.
        while first < messages.len() && sent >= messages[first].len() - skip {
            sent -= messages[first].len() - skip;
            first += 1;
            skip = 0;
        }
        skip += sent;
    }
    Ok(())
}
