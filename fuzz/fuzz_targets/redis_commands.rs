//! The redis-server example's commands, run against a fresh keyspace. Byte 0 says how
//! the rest is read: even, as a stream of requests (RESP or inline, as a client sends
//! them); odd, as requests separated by 0xFE whose arguments are separated by 0xFF,
//! encoded here as multibulk requests, so arguments may hold any other byte (NUL, CR,
//! LF) without the fuzzer having to get the lengths right.
//!
//! Checks: every request gets exactly one well-formed reply, RESP2 or (after `HELLO 3`)
//! RESP3, and no RESP3 type in RESP2 (errors start with
//! `-ERR ` or one of Redis's other codes: `-WRONGTYPE`, `-NOAUTH`, `-NOPROTO`,
//! `-WRONGPASS`), only `QUIT` closes the connection and it answers `+OK`, a protocol error's
//! reply is one `-ERR Protocol error: ` line; afterwards `KEYS *` lists distinct keys
//! that all `EXISTS`, no more of them than `DBSIZE` counts.
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use tcpio_examples::redis::commands::{execute, protocol_error, Ctx, Flow, Session};
use tcpio_examples::redis::stats::Counters;
use tcpio_examples::redis::store::{Clock, Databases};
use tcpio_examples::redis::{Options, Shared};
use tcpio_fuzz::redis::{check_replies, check_reply, drive};

fuzz_target!(|data: &[u8]| {
    let [mode, rest @ ..] = data else { return };
    let wire = if mode & 1 == 0 { Cow::Borrowed(rest) } else { Cow::Owned(multibulk(rest)) };
    // Two databases (`SELECT 1` works, `SELECT 2` is out of range): 16 would cost each
    // input 16 empty keyspaces.
    let dbs = Databases::with_count(2);
    // One clock reading for the whole input, as for one batch of pipelined requests.
    let mut clock = Clock::new(dbs.origin());
    let mut scratch = Vec::new();
    let shared = Shared::new(&Options::default());
    let mut session = Session::open();
    let counters = Counters::default();
    let mut ctx = Ctx::new(&dbs, &mut clock, &mut scratch, &shared, &mut session, &counters);
    let mut run = |wire: &[u8]| -> Vec<Vec<u8>> {
        let mut replies = Vec::new();
        let outcome = drive([wire], |args, _, _| {
            if args.is_empty() {
                return true;
            }
            let mut out = Vec::new();
            let flow = execute(args, &mut ctx, &mut out);
            let shown = || {
                let args: Vec<_> = args.iter().map(String::from_utf8_lossy).collect();
                format!("{args:?} -> {:?}", String::from_utf8_lossy(&out))
            };
            // (P)SUBSCRIBE and (P)UNSUBSCRIBE confirm each name with a reply of its own.
            let name = args.get(0).to_ascii_lowercase();
            let several =
                matches!(&name[..], b"subscribe" | b"unsubscribe" | b"psubscribe" | b"punsubscribe");
            // In the protocol the connection speaks after the request (`HELLO`
            // answers in the one it asks for).
            let resp3 = ctx.session.resp3;
            let checked = if several { check_replies(&out, resp3) } else { check_reply(&out, resp3) };
            if let Err(e) = checked {
                panic!("{e}: {}", shown());
            }
            let codes: [&[u8]; 5] = [b"-ERR ", b"-WRONGTYPE ", b"-NOAUTH ", b"-NOPROTO ", b"-WRONGPASS "];
            assert!(out[0] != b'-' || codes.iter().any(|c| out.starts_with(c)), "{}", shown());
            let quit = args.get(0).eq_ignore_ascii_case(b"quit");
            assert_eq!(flow == Flow::Close, quit, "{}", shown());
            assert!(!quit || out == b"+OK\r\n", "{}", shown());
            replies.push(out);
            flow == Flow::Continue
        });
        if let Some(e) = outcome.error {
            let mut out = Vec::new();
            protocol_error(e, &mut out);
            check_reply(&out, ctx.session.resp3).unwrap();
            assert!(out.starts_with(b"-ERR Protocol error: "));
        }
        replies
    };
    run(&wire);
    // Out of subscribed mode and back to RESP2, if the input subscribed or asked for
    // RESP3, and authenticated again if the input set a password and reset the
    // connection.
    assert_eq!(run(b"RESET\r\n").remove(0), b"+RESET\r\n");
    let password = shared.requirepass.lock().unwrap().clone();
    if let Some(p) = password {
        assert_eq!(run(&request(&[&b"AUTH"[..], &p[..]])).remove(0), b"+OK\r\n");
    }

    // The keyspace is consistent afterwards.
    let keys = run(b"*2\r\n$4\r\nKEYS\r\n$1\r\n*\r\n").remove(0);
    let (n, listed) = array_of_bulks(&keys);
    let dbsize = run(b"DBSIZE\r\n").remove(0);
    let dbsize: usize = std::str::from_utf8(&dbsize[1..dbsize.len() - 2]).unwrap().parse().unwrap();
    assert!(n <= dbsize, "KEYS * lists {n} keys, DBSIZE counts {dbsize}");
    let mut sorted = listed.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), n, "KEYS * lists a key twice");
    for key in listed {
        let exists = run(&request(&[b"EXISTS", &key])).remove(0);
        assert_eq!(exists, b":1\r\n", "a key KEYS * lists does not exist");
    }
});

/// Requests separated by 0xFE, their arguments by 0xFF, as multibulk requests.
fn multibulk(spec: &[u8]) -> Vec<u8> {
    spec.split(|&b| b == 0xfe).flat_map(|r| request(&r.split(|&b| b == 0xff).collect::<Vec<_>>())).collect()
}

/// One multibulk request.
fn request(args: &[&[u8]]) -> Vec<u8> {
    let mut wire = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        wire.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        wire.extend_from_slice(arg);
        wire.extend_from_slice(b"\r\n");
    }
    wire
}

/// The elements of a reply that is an array of bulk strings.
fn array_of_bulks(reply: &[u8]) -> (usize, Vec<Vec<u8>>) {
    let line_end = |from: usize| from + reply[from..].windows(2).position(|w| w == b"\r\n").unwrap();
    assert_eq!(reply[0], b'*');
    let end = line_end(1);
    let n: usize = std::str::from_utf8(&reply[1..end]).unwrap().parse().unwrap();
    let mut pos = end + 2;
    let mut items = Vec::with_capacity(n);
    for _ in 0..n {
        assert_eq!(reply[pos], b'$');
        let end = line_end(pos + 1);
        let len: usize = std::str::from_utf8(&reply[pos + 1..end]).unwrap().parse().unwrap();
        items.push(reply[end + 2..end + 2 + len].to_vec());
        pos = end + 2 + len + 2;
    }
    (n, items)
}
