//! CLIENT in the redis-server example: ID, SETNAME, GETNAME, LIST, INFO, KILL and HELP
//! against the real `redis-server` 7.0 (error texts and reply shapes; CLIENT LIST
//! lines by field names and order, with the values that do not depend on the
//! server's internals), and over four event loops: the list shows the connections of
//! every loop, KILL closes one whichever loop serves it. The differential parts are
//! skipped, with a message, when `redis-server` is not installed, except under
//! `CI=true`.

mod redis_diff_util;
mod redis_util;
mod tools;
mod util;

use std::net::SocketAddr;
use std::sync::Arc;

use redis_diff_util::{pair, servers, Conn, Pair, Reply};
use redis_util::start;
use tcpio_examples::redis::store::Databases;
use tcpio_examples::redis::{Options, Redis, Shared, MAX_QUERY_BUFFER};

/// A `CLIENT LIST` line as (field, value) pairs, in order.
fn fields(line: &str) -> Vec<(String, String)> {
    line.split(' ')
        .map(|f| {
            let (k, v) = f.split_once('=').unwrap_or_else(|| panic!("field {f:?} in {line:?}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// The lines of a `CLIENT LIST` or `CLIENT INFO` reply, each ending in `\n`.
fn lines(reply: &Reply) -> Vec<String> {
    let text = String::from_utf8(reply.bytes().to_vec()).unwrap();
    assert!(text.is_empty() || text.ends_with('\n'), "{text:?}");
    text.lines().map(str::to_string).collect()
}

/// Field `name` of a line.
fn field(line: &[(String, String)], name: &str) -> String {
    line.iter().find(|(k, _)| k == name).unwrap_or_else(|| panic!("no {name} in {line:?}")).1.clone()
}

/// The fields whose values do not depend on the server's buffers or timing.
const STABLE: &[&str] =
    &["name", "flags", "db", "sub", "psub", "ssub", "multi", "cmd", "user", "redir", "resp"];

/// Checks that `ours` and `real` (`CLIENT LIST` or `CLIENT INFO` lines) have the same
/// fields in the same order, the same stable values, and the ids `ids` (ours, real).
fn same_line(ours: &str, real: &str, ids: (i64, i64)) {
    let (o, r) = (fields(ours), fields(real));
    let names = |v: &[(String, String)]| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(names(&o), names(&r), "\n ours {ours}\n real {real}");
    for f in STABLE {
        assert_eq!(field(&o, f), field(&r, f), "{f}\n ours {ours}\n real {real}");
    }
    assert_eq!(field(&o, "id"), ids.0.to_string());
    assert_eq!(field(&r, "id"), ids.1.to_string());
}

/// `CLIENT ID` of a connection.
fn id(c: &mut Conn) -> i64 {
    c.call(&[b"CLIENT", b"ID"]).1.int()
}

/// Sends `request` through `q` (to both servers), then checks `q`'s line in the
/// `CLIENT LIST` that `p` sees: the same as Redis's, its last command `cmd`.
fn see(p: &mut Pair, q: &mut Pair, qids: (i64, i64), request: &[&[u8]], cmd: &str) {
    q.check(request);
    let list =
        |c: &mut Conn, id: i64| lines(&c.call(&[b"CLIENT", b"LIST", b"ID", id.to_string().as_bytes()]).1);
    let (o, r) = (list(&mut p.ours, qids.0), list(&mut p.real, qids.1));
    assert_eq!((o.len(), r.len()), (1, 1));
    same_line(&o[0], &r[0], qids);
    assert_eq!(field(&fields(&o[0]), "cmd"), cmd, "{o:?}");
    // The same client listed twice when asked twice, an unknown id skipped.
    let twice = |c: &mut Conn, id: i64| {
        let id = id.to_string();
        lines(&c.call(&[b"CLIENT", b"LIST", b"ID", id.as_bytes(), b"999999", id.as_bytes()]).1).len()
    };
    assert_eq!((twice(&mut p.ours, qids.0), twice(&mut p.real, qids.1)), (2, 2));
}

#[test]
fn client_subcommands_answer_as_redis_does() {
    let Some((ours, real)) = servers() else { return };
    let mut p = pair(&ours, &real);
    p.lines(&[
        "CLIENT",
        "CLIENT NOPE",
        "CLIENT ID x",
        "CLIENT INFO x",
        "CLIENT GETNAME x",
        "CLIENT SETNAME",
        "CLIENT SETNAME a b",
        "CLIENT GETNAME",
        "CLIENT SETNAME worker-1",
        "CLIENT GETNAME",
        "CLIENT HELP",
        "CLIENT HELP x",
        "CLIENT LIST foo",
        "CLIENT LIST TYPE",
        "CLIENT LIST TYPE foo",
        "CLIENT LIST TYPE master",
        "CLIENT LIST TYPE replica",
        "CLIENT LIST TYPE slave",
        "CLIENT LIST TYPE pubsub",
        "CLIENT LIST ID abc",
        "CLIENT LIST ID 1 abc",
        "CLIENT LIST ID 999999",
        "CLIENT LIST ID -1",
        "CLIENT LIST TYPE normal x",
        "CLIENT KILL",
        "CLIENT KILL 1.2.3.4:5",
        "CLIENT KILL ID",
        "CLIENT KILL ID 0",
        "CLIENT KILL ID -3",
        "CLIENT KILL ID abc",
        "CLIENT KILL ID 999999",
        "CLIENT KILL ID 999999 SKIPME",
        "CLIENT KILL TYPE foo",
        "CLIENT KILL TYPE master",
        "CLIENT KILL TYPE pubsub",
        "CLIENT KILL USER bob",
        "CLIENT KILL USER default ID 999999",
        "CLIENT KILL SKIPME maybe",
        "CLIENT KILL SKIPME no ID 999999",
        "CLIENT KILL ADDR 1.2.3.4:5",
        "CLIENT KILL LADDR 1.2.3.4:5",
        "CLIENT KILL FOO bar",
        "CLIENT KILL MAXAGE 10",
        "CLIENT KILL ID 999999 TYPE foo",
    ]);
    // Names: Redis's charset, the empty name clearing it; HELLO names too, RESET
    // forgets it.
    for name in [&b"a b"[..], b"a\nb", b"\xc3\xa9", b"\x7f", b"", b"~!"] {
        p.check(&[b"CLIENT", b"SETNAME", name]);
        p.line("CLIENT GETNAME");
    }
    p.line("HELLO 2 SETNAME x y");
    // HELLO's reply differs by the connection id only (checked in redis_diff.rs).
    for c in [&mut p.ours, &mut p.real] {
        assert_eq!(c.call(&[b"HELLO", b"2", b"SETNAME", b"hello-name"]).1.items().len(), 14);
    }
    p.lines(&["CLIENT GETNAME", "RESET", "CLIENT GETNAME"]);
    p.line("CLIENT SETNAME me");

    // CLIENT INFO and CLIENT LIST: the same fields in Redis's order, with the same
    // stable values.
    let ids = (id(&mut p.ours), id(&mut p.real));
    let info = (p.ours.call(&[b"CLIENT", b"INFO"]).1, p.real.call(&[b"CLIENT", b"INFO"]).1);
    let (o, r) = (lines(&info.0), lines(&info.1));
    assert_eq!((o.len(), r.len()), (1, 1));
    same_line(&o[0], &r[0], ids);
    assert_eq!(field(&fields(&o[0]), "cmd"), "client|info");
    let list = |c: &mut Conn| lines(&c.call(&[b"CLIENT", b"LIST"]).1);
    let (o, r) = (list(&mut p.ours), list(&mut p.real));
    assert_eq!((o.len(), r.len()), (1, 1), "\n ours {o:?}\n real {r:?}");
    same_line(&o[0], &r[0], ids);

    // A second client, seen from the first: its last command as Redis names it
    // (`NULL` after an unknown command or subcommand), its subscriptions.
    let mut q = pair(&ours, &real);
    let qids = (id(&mut q.ours), id(&mut q.real));
    see(&mut p, &mut q, qids, &[b"NOPE"], "NULL");
    see(&mut p, &mut q, qids, &[b"GET", b"k"], "get");
    see(&mut p, &mut q, qids, &[b"CLIENT", b"NOPE"], "NULL");
    see(&mut p, &mut q, qids, &[b"CLIENT", b"ID", b"x"], "client|id");
    see(&mut p, &mut q, qids, &[b"CONFIG", b"GET", b"timeout"], "config|get");
    see(&mut p, &mut q, qids, &[b"CLIENT", b"SETNAME", b"second"], "client|setname");
    see(&mut p, &mut q, qids, &[b"SUBSCRIBE", b"a"], "subscribe");
    see(&mut p, &mut q, qids, &[b"PSUBSCRIBE", b"c*"], "psubscribe");
    // Subscribed: type pubsub, flag P.
    for kind in ["pubsub", "normal"] {
        let (o, r) = (
            lines(&p.ours.call(&[b"CLIENT", b"LIST", b"TYPE", kind.as_bytes()]).1),
            lines(&p.real.call(&[b"CLIENT", b"LIST", b"TYPE", kind.as_bytes()]).1),
        );
        assert_eq!((o.len(), r.len()), (1, 1), "{kind}");
        same_line(&o[0], &r[0], if kind == "pubsub" { qids } else { ids });
    }
    see(&mut p, &mut q, qids, &[b"RESET"], "reset");
}

/// A connection of the test to the example, with its id and name.
struct Client {
    conn: Conn,
    id: i64,
    name: String,
}

fn named(addr: SocketAddr, name: &str) -> Client {
    let mut conn = Conn::new(addr);
    assert_eq!(conn.call(&[b"CLIENT", b"SETNAME", name.as_bytes()]).1, Reply::Status(b"OK".to_vec()));
    let id = id(&mut conn);
    Client { conn, id, name: name.to_string() }
}

/// The ids in `CLIENT LIST`, asked through `c`.
fn listed(c: &mut Conn) -> Vec<i64> {
    lines(&c.call(&[b"CLIENT", b"LIST"]).1).iter().map(|l| field(&fields(l), "id").parse().unwrap()).collect()
}

/// `connected_clients` in `INFO clients`.
fn connected(c: &mut Conn) -> usize {
    let text = String::from_utf8(c.call(&[b"INFO", b"clients"]).1.bytes().to_vec()).unwrap();
    let line = text.lines().find(|l| l.starts_with("connected_clients:")).unwrap();
    line["connected_clients:".len()..].parse().unwrap()
}

/// A server with `loops` loops whose shared state (the client registry) the test
/// sees too.
struct Server {
    _handle: tcpio::ServerHandle,
    addr: SocketAddr,
    shared: Arc<Shared>,
}

fn server(loops: usize) -> Server {
    let (store, shared) = (Arc::new(Databases::new()), Arc::new(Shared::new(&Options::default())));
    let s = shared.clone();
    let (handle, addr) = util::start(util::local().loops(loops).max_input(MAX_QUERY_BUFFER), move |_| {
        Redis::with_shared(store.clone(), s.clone())
    });
    Server { _handle: handle, addr, shared }
}

#[test]
fn client_list_and_kill_reach_every_loop() {
    let server = server(4);
    // Twelve clients over four loops (spread over them as they connect), and one more
    // that asks.
    let mut clients: Vec<Client> = (0..12).map(|i| named(server.addr, &format!("c{i}"))).collect();
    let mut me = named(server.addr, "me");
    let loop_of = |id: i64| server.shared.registry.get(id as u64).expect("registered").loop_id();
    let my_loop = loop_of(me.id);
    let mut loops: Vec<usize> = clients.iter().map(|c| loop_of(c.id)).collect();
    loops.sort();
    loops.dedup();
    assert!(loops.len() > 1, "the clients are spread over the loops: {loops:?}");
    // The first victims: clients served by other loops than the asking one's.
    clients.sort_by_key(|c| loop_of(c.id) == my_loop);
    assert_ne!(loop_of(clients[0].id), my_loop);
    let mut all: Vec<i64> = clients.iter().map(|c| c.id).chain([me.id]).collect();
    all.sort();
    let mut ids = listed(&mut me.conn);
    ids.sort();
    assert_eq!(ids, all);
    assert_eq!(connected(&mut me.conn), 13);
    let text = lines(&me.conn.call(&[b"CLIENT", b"LIST"]).1);
    for c in &clients {
        let line = text.iter().map(|l| fields(l)).find(|f| field(f, "id") == c.id.to_string()).unwrap();
        assert_eq!(field(&line, "name"), c.name);
        assert_eq!(field(&line, "cmd"), "client|id");
        assert_eq!(field(&line, "flags"), "N");
    }

    // KILL ID: four clients, on other loops than the asking client's first: each sees the end
    // of its stream, and is gone from the list and from `connected_clients` at once.
    for victim in clients.drain(..4) {
        let Client { mut conn, id, .. } = victim;
        let n = me.conn.call(&[b"CLIENT", b"KILL", b"ID", id.to_string().as_bytes()]).1;
        assert_eq!(n, Reply::Int(1));
        assert!(conn.closed(), "client {id} was not closed");
        assert!(!listed(&mut me.conn).contains(&id));
    }
    assert_eq!(connected(&mut me.conn), 9);

    // KILL ADDR, and the old form with an address.
    let text = lines(&me.conn.call(&[b"CLIENT", b"LIST"]).1);
    let addr_of = |id: i64| {
        let line = text.iter().map(|l| fields(l)).find(|f| field(f, "id") == id.to_string()).unwrap();
        assert_eq!(field(&line, "laddr"), server.addr.to_string());
        field(&line, "addr")
    };
    let (a, b) = (addr_of(clients[0].id), addr_of(clients[1].id));
    assert_eq!(me.conn.call(&[b"CLIENT", b"KILL", b"ADDR", a.as_bytes()]).1, Reply::Int(1));
    assert_eq!(me.conn.call(&[b"CLIENT", b"KILL", b"ADDR", a.as_bytes()]).1, Reply::Int(0));
    assert_eq!(me.conn.call(&[b"CLIENT", b"KILL", b.as_bytes()]).1, Reply::Status(b"OK".to_vec()));
    assert_eq!(
        me.conn.call(&[b"CLIENT", b"KILL", b.as_bytes()]).1,
        Reply::Error(b"ERR No such client".to_vec())
    );
    for mut c in clients.drain(..2) {
        assert!(c.conn.closed());
    }

    // KILL TYPE pubsub: the subscribed ones only, on whatever loop.
    for c in &mut clients[..3] {
        c.conn.call(&[b"SUBSCRIBE", b"news"]);
    }
    let pubsub = lines(&me.conn.call(&[b"CLIENT", b"LIST", b"TYPE", b"pubsub"]).1);
    assert_eq!(pubsub.len(), 3);
    assert!(pubsub.iter().all(|l| field(&fields(l), "flags") == "P" && field(&fields(l), "sub") == "1"));
    assert_eq!(me.conn.call(&[b"CLIENT", b"KILL", b"TYPE", b"pubsub"]).1, Reply::Int(3));
    for mut c in clients.drain(..3) {
        assert!(c.conn.closed());
    }
    assert_eq!(listed(&mut me.conn).len(), 4);
    // Their subscriptions end when their own loops close them, just after.
    assert!(util::wait_for(|| me.conn.call(&[b"PUBSUB", b"NUMSUB", b"news"]).1.items()[1] == Reply::Int(0)));

    // SKIPME: the asking client is spared by default, not with SKIPME no; killed, it
    // still gets its reply, then the end of the stream.
    let mine = me.id.to_string();
    assert_eq!(me.conn.call(&[b"CLIENT", b"KILL", b"ID", mine.as_bytes()]).1, Reply::Int(0));
    let laddr = server.addr.to_string();
    // Everyone else, by the address they reached.
    assert_eq!(me.conn.call(&[b"CLIENT", b"KILL", b"LADDR", laddr.as_bytes()]).1, Reply::Int(3));
    for mut c in clients.drain(..) {
        assert!(c.conn.closed());
    }
    assert_eq!(listed(&mut me.conn), [me.id]);
    assert_eq!(connected(&mut me.conn), 1);
    assert_eq!(
        me.conn.call(&[b"CLIENT", b"KILL", b"ID", mine.as_bytes(), b"SKIPME", b"no"]).1,
        Reply::Int(1)
    );
    assert!(me.conn.closed());

    // The old form may kill the caller too; the server goes on.
    let mut last = named(server.addr, "last");
    let own = field(&fields(&lines(&last.conn.call(&[b"CLIENT", b"INFO"]).1)[0]), "addr");
    assert_eq!(last.conn.call(&[b"CLIENT", b"KILL", own.as_bytes()]).1, Reply::Status(b"OK".to_vec()));
    assert!(last.conn.closed());
    let mut after = named(server.addr, "after");
    assert_eq!(listed(&mut after.conn), [after.id]);
    assert_eq!(connected(&mut after.conn), 1);
}

#[test]
fn connections_that_close_leave_the_list() {
    let server = start(2);
    let mut me = named(server.addr, "me");
    let others: Vec<Client> = (0..6).map(|i| named(server.addr, &format!("o{i}"))).collect();
    assert_eq!(listed(&mut me.conn).len(), 7);
    drop(others);
    assert!(util::wait_for(|| listed(&mut me.conn) == [me.id]));
    assert_eq!(connected(&mut me.conn), 1);
}

#[test]
fn a_client_the_server_closes_leaves_at_once() {
    // As Redis frees a client after QUIT or a protocol error: gone from `CLIENT LIST`,
    // `connected_clients`, its channels and `maxclients`'s count at once, while its
    // peer still holds the socket open (tcpio lingers for the peer's FIN).
    let server = start(2);
    let mut me = named(server.addr, "me");
    let mut quitter = named(server.addr, "quitter");
    assert_eq!(quitter.conn.call(&[b"SUBSCRIBE", b"ch"]).1.items().len(), 3);
    let mut garbled = named(server.addr, "garbled");
    assert_eq!(listed(&mut me.conn).len(), 3);
    let numsub = |c: &mut Conn| c.call(&[b"PUBSUB", b"NUMSUB", b"ch"]).1.items()[1].int();
    assert_eq!(numsub(&mut me.conn), 1);
    quitter.conn.send(b"QUIT\r\n");
    assert_eq!(quitter.conn.read().0, b"+OK\r\n");
    garbled.conn.send(b"*1\r\n$x\r\n");
    assert_eq!(garbled.conn.read().0, b"-ERR Protocol error: invalid bulk length\r\n");
    // Both sockets are still open on this side: the next command sees them gone.
    assert_eq!(listed(&mut me.conn), [me.id]);
    assert_eq!(connected(&mut me.conn), 1);
    assert_eq!(numsub(&mut me.conn), 0);
    assert_eq!(me.conn.call(&[b"PUBLISH", b"ch", b"m"]).1.int(), 0);
    drop((quitter, garbled));
}

#[test]
fn redis_cli_lists_clients() {
    let Some(bin) = tools::tool("redis-cli", "redis-tools") else { return };
    let server = start(2);
    let _watcher = named(server.addr, "watcher");
    let port = server.addr.port().to_string();
    let mut cmd = std::process::Command::new(&bin);
    cmd.args(["-h", "127.0.0.1", "-p", &port, "CLIENT", "LIST"]);
    let out = tools::run_bounded(cmd, util::LIMIT);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines.iter().any(|l| l.contains(" name=watcher ") && l.contains(" cmd=client|id ")), "{text}");
    assert!(lines.iter().any(|l| l.contains(" name= ") && l.contains(" cmd=client|list ")), "{text}");
    let mut cmd = std::process::Command::new(&bin);
    cmd.args(["-h", "127.0.0.1", "-p", &port, "CLIENT", "SETNAME", "a b"]);
    let out = tools::run_bounded(cmd, util::LIMIT);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Client names cannot contain spaces"), "{text}");
}
