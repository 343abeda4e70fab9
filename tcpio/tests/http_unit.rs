//! Unit tests of the http-server example's request handling, compiled here because
//! cargo does not run tests inside examples.

#[path = "../examples/http-server/http.rs"]
#[allow(dead_code)]
mod http;
#[path = "../examples/http-server/tests.rs"]
mod tests;

/// Inputs the fuzz target (`fuzz/fuzz_targets/http.rs`) and its checks caught, minimized.
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

    #[test]
    fn a_405_to_http_1_0_kept_open_says_keep_alive() {
        // An HTTP/1.0 client assumes the connection closes unless the response says
        // `Connection: keep-alive`; the 405 response kept the connection without saying
        // so (the fuzz target's check, on a hand-written input).
        let date = Date::default();
        let (out, closed) = serve(b"DELETE /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 64, &date);
        assert!(out.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"), "{out}");
        assert!(out.contains("\r\nAllow: GET, HEAD\r\nConnection: keep-alive\r\n"), "{out}");
        assert!(!closed);
        for (req, connection) in [
            (&b"DELETE /json HTTP/1.0\r\n\r\n"[..], "Connection: close\r\n"),
            (b"DELETE /json HTTP/1.1\r\nConnection: close\r\n\r\n", "Connection: close\r\n"),
        ] {
            let (out, closed) = serve(req, 64, &date);
            assert!(out.contains(connection) && closed, "{out}");
        }
        let (out, closed) = serve(b"DELETE /json HTTP/1.1\r\n\r\n", 64, &date);
        assert!(!out.contains("Connection:") && !closed, "{out}");
    }
}
