//! Every command of the redis-server example through the `redis` crate's typed client,
//! over a real socket.

mod redis_util;
mod util;

use redis::{Commands, ExistenceCheck, RedisResult, SetExpiry, SetOptions};
use redis_util::{client, start};

#[test]
fn strings_get_set_and_options() {
    let server = start(1);
    let mut con = client(server.addr);
    let _: () = con.set("greeting", "hello").unwrap();
    assert_eq!(con.get::<_, Option<String>>("greeting").unwrap().as_deref(), Some("hello"));
    assert_eq!(con.get::<_, Option<String>>("missing").unwrap(), None);
    // Binary-safe values, including CR LF and NUL, and a value bigger than a read.
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let _: () = con.set(b"bin\r\n\0", &big[..]).unwrap();
    assert_eq!(con.get::<_, Vec<u8>>(b"bin\r\n\0").unwrap(), big);
    let nx = SetOptions::default().conditional_set(ExistenceCheck::NX);
    assert_eq!(con.set_options::<_, _, Option<String>>("greeting", "again", nx).unwrap(), None);
    let xx = SetOptions::default().conditional_set(ExistenceCheck::XX).get(true);
    let old: Option<String> = con.set_options("greeting", "bye", xx).unwrap();
    assert_eq!(old.as_deref(), Some("hello"));
    let ex = SetOptions::default().with_expiration(SetExpiry::EX(100));
    let _: () = con.set_options("temp", "x", ex).unwrap();
    let ttl: i64 = con.ttl("temp").unwrap();
    assert!((99..=100).contains(&ttl), "ttl {ttl}");
    let px = SetOptions::default().with_expiration(SetExpiry::PX(100_000));
    let _: () = con.set_options("temp", "y", px).unwrap();
    let pttl: i64 = con.pttl("temp").unwrap();
    assert!((99_000..=100_000).contains(&pttl), "pttl {pttl}");
}

#[test]
fn counters_and_multi_key_commands() {
    let server = start(1);
    let mut con = client(server.addr);
    assert_eq!(redis::cmd("INCR").arg("n").query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(con.incr::<_, _, i64>("n", 41).unwrap(), 42);
    assert_eq!(redis::cmd("DECR").arg("n").query::<i64>(&mut con).unwrap(), 41);
    assert_eq!(con.decr::<_, _, i64>("n", 40).unwrap(), 1);
    let _: () = con.set("text", "abc").unwrap();
    let err = con.incr::<_, _, i64>("text", 1).unwrap_err();
    assert_eq!(err.detail(), Some("value is not an integer or out of range"), "{err}");
    let _: () = con.mset(&[("a", "1"), ("b", "2")]).unwrap();
    let got: Vec<Option<String>> = con.mget(&["a", "b", "c"]).unwrap();
    assert_eq!(got, vec![Some("1".into()), Some("2".into()), None]);
    assert_eq!(con.exists::<_, i64>(&["a", "b", "c", "a"]).unwrap(), 3);
    assert_eq!(con.del::<_, i64>(&["a", "c"]).unwrap(), 1);
    assert!(!con.exists::<_, bool>("a").unwrap());
}

#[test]
fn expiry_keys_and_keyspace_commands() {
    let server = start(2);
    let mut con = client(server.addr);
    for k in ["user:1", "user:2", "user:10", "order:1"] {
        let _: () = con.set(k, "v").unwrap();
    }
    let mut keys: Vec<String> = con.keys("user:?").unwrap();
    keys.sort();
    assert_eq!(keys, ["user:1", "user:2"]);
    assert_eq!(con.keys::<_, Vec<String>>("*").unwrap().len(), 4);
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 4);
    assert!(con.expire::<_, bool>("user:1", 100).unwrap());
    assert!(!con.expire::<_, bool>("nobody", 100).unwrap());
    assert_eq!(con.ttl::<_, i64>("user:1").unwrap(), 100);
    assert_eq!(con.ttl::<_, i64>("user:2").unwrap(), -1);
    assert_eq!(con.ttl::<_, i64>("nobody").unwrap(), -2);
    // A deadline in the past deletes at once.
    assert!(con.expire::<_, bool>("user:2", -1).unwrap());
    assert!(!con.exists::<_, bool>("user:2").unwrap());
    let info: String = redis::cmd("INFO").arg("keyspace").query(&mut con).unwrap();
    assert!(info.contains("db0:keys=3,expires=1"), "{info}");
    let info: String = redis::cmd("INFO").query(&mut con).unwrap();
    assert!(info.contains("# Server") && info.contains("redis_version:"), "{info}");
    let _: () = redis::cmd("FLUSHDB").query(&mut con).unwrap();
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 0);
}

#[test]
fn connection_and_introspection_commands() {
    let server = start(1);
    let mut con = client(server.addr);
    assert_eq!(redis::cmd("PING").query::<String>(&mut con).unwrap(), "PONG");
    assert_eq!(redis::cmd("PING").arg("hi").query::<String>(&mut con).unwrap(), "hi");
    assert_eq!(redis::cmd("ECHO").arg("echo me").query::<String>(&mut con).unwrap(), "echo me");
    let _: () = redis::cmd("SELECT").arg(0).query(&mut con).unwrap();
    let err = redis::cmd("SELECT").arg(16).query::<()>(&mut con).unwrap_err();
    assert_eq!(err.detail(), Some("DB index is out of range"));
    // Each database its own keyspace; a client URL's database is selected at connect.
    let _: () = redis::cmd("SET").arg("k").arg("zero").query(&mut con).unwrap();
    let mut in_three =
        redis::Client::open(format!("redis://{}/3", server.addr)).unwrap().get_connection().unwrap();
    assert_eq!(redis::cmd("GET").arg("k").query::<Option<String>>(&mut in_three).unwrap(), None);
    let _: () = redis::cmd("SET").arg("k").arg("three").query(&mut in_three).unwrap();
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "zero");
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut in_three).unwrap(), 1);
    let cfg: Vec<String> = redis::cmd("CONFIG").arg("GET").arg("save").query(&mut con).unwrap();
    assert_eq!(cfg, ["save", ""]);
    let n: i64 = redis::cmd("COMMAND").arg("COUNT").query(&mut con).unwrap();
    assert!(n > 20);
    // The docs name every command, each followed by its description.
    let docs: Vec<redis::Value> = redis::cmd("COMMAND").arg("DOCS").query(&mut con).unwrap();
    assert_eq!(docs.len() as i64, 2 * n);
    assert_eq!(docs.iter().filter(|v| **v == redis::Value::BulkString(b"get".to_vec())).count(), 1);
    let err = redis::cmd("NOSUCH").arg("x").query::<()>(&mut con).unwrap_err();
    assert_eq!(err.code(), Some("ERR"));
    assert_eq!(err.detail(), Some("unknown command 'NOSUCH', with args beginning with: 'x' "));
    let err = redis::cmd("GET").query::<()>(&mut con).unwrap_err();
    assert_eq!(err.detail(), Some("wrong number of arguments for 'get' command"));
    // The connection still works after errors; QUIT ends it.
    let _: () = redis::cmd("QUIT").query(&mut con).unwrap();
    let after: RedisResult<String> = redis::cmd("PING").query(&mut con);
    assert!(after.is_err(), "the server closed the connection after QUIT");
}

#[test]
fn pipelines_from_the_client_library() {
    let server = start(1);
    let mut con = client(server.addr);
    let mut pipe = redis::pipe();
    for i in 0..500 {
        pipe.cmd("SET").arg(format!("k{i}")).arg(i).ignore();
    }
    for i in 0..500 {
        pipe.cmd("GET").arg(format!("k{i}"));
    }
    let values: Vec<i64> = pipe.query(&mut con).unwrap();
    assert_eq!(values, (0..500).collect::<Vec<_>>());
}
