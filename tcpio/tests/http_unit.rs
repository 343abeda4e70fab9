//! Unit tests of the http-server example's request handling, compiled here because
//! cargo does not run tests inside examples.

#[path = "../examples/http-server/http.rs"]
#[allow(dead_code)]
mod http;
#[path = "../examples/http-server/tests.rs"]
mod tests;
