//! Unit tests of the redis-server example's sans-I/O modules (parser, keyspace, glob,
//! commands), compiled here because cargo does not run tests inside examples.

#[path = "../examples/redis-server/commands.rs"]
#[allow(dead_code)]
mod commands;
#[path = "../examples/redis-server/resp.rs"]
#[allow(dead_code)]
mod resp;
#[path = "../examples/redis-server/store.rs"]
#[allow(dead_code)]
mod store;
#[path = "../examples/redis-server/tests.rs"]
mod tests;
