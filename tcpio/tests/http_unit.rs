//! Unit tests of the http-server example's request handling, compiled here because
//! cargo does not run tests inside examples.

#[path = "../examples/http-server/http.rs"]
#[allow(dead_code)]
mod http;
#[path = "../examples/http-server/tests.rs"]
mod tests;

/// Inputs the fuzz target (`fuzz/fuzz_targets/http.rs`) found, minimized.
mod fuzz_regressions {
    use super::http::{respond, Date, Handled, MAX_HEAD};

    /// Serves `input` arriving in pieces of `size` bytes, as `server.rs` does: the
    /// responses, and whether the connection closed.
    fn serve(input: &[u8], size: usize, date: &Date) -> (String, bool) {
        let (mut out, mut kept) = (Vec::new(), Vec::new());
        for piece in input.chunks(size) {
            kept.extend_from_slice(piece);
            let mut used = 0;
            while used < kept.len() {
                match respond(&kept[used..], date, &mut out) {
                    Handled::KeepAlive { used: n } => used += n,
                    Handled::Incomplete => break,
                    Handled::Close => return (String::from_utf8(out).unwrap(), true),
                }
            }
            kept.drain(..used);
        }
        (String::from_utf8(out).unwrap(), false)
    }

    #[test]
    fn an_oversized_head_gets_431_however_it_arrives() {
        // 16 KiB of `a` and a line feed: seen whole, httparse found the request line
        // malformed (400); in pieces, 8 KiB came without an end of head first (431).
        let date = Date::default();
        let mut input = vec![b'a'; 2 * MAX_HEAD];
        input.push(b'\n');
        for size in [input.len(), 1000, 48] {
            let (out, closed) = serve(&input, size, &date);
            assert!(out.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "{size}: {out}");
            assert!(closed);
        }
        // A head of exactly MAX_HEAD bytes is still answered, with more input after it.
        let mut input = b"GET /json HTTP/1.1\r\nX-Pad: ".to_vec();
        input.resize(MAX_HEAD - 4, b'p');
        input.extend_from_slice(b"\r\n\r\nGET /json HTTP/1.1\r\n\r\n");
        for size in [input.len(), 1000, 48] {
            let (out, closed) = serve(&input, size, &date);
            assert_eq!(out.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{size}: {out}");
            assert!(!closed);
        }
    }
}
