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

/// Inputs the fuzz targets (`fuzz/fuzz_targets/redis_commands.rs`) found, minimized.
mod fuzz_regressions {
    use super::commands::{execute, Ctx};
    use super::resp::{Parser, Progress};
    use super::store::{Clock, Store};

    /// The reply to one request, sent as a multibulk request with these arguments.
    fn reply(args: &[&[u8]]) -> String {
        let mut wire = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            wire.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            wire.extend_from_slice(arg);
            wire.extend_from_slice(b"\r\n");
        }
        let (store, mut clock, mut scratch, mut out) =
            (Store::new(), Clock::fixed(1), Vec::new(), Vec::new());
        let mut parser = Parser::new();
        let (args, _) = parser.parse(&wire, &mut Progress::default()).unwrap().unwrap();
        execute(args, &mut Ctx { store: &store, clock: &mut clock, scratch: &mut scratch }, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn an_argument_quoted_in_an_error_ends_at_its_first_nul() {
        // Quoted arguments are cut at a NUL, as Redis formats them as C strings; the
        // length limit was applied to the argument instead of what was left of it, and
        // slicing past the end panicked. The fuzzer's input was `EXPIRE "" "" "\0"`.
        assert_eq!(reply(&[b"EXPIRE", b"", b"", b"\0"]), "-ERR Unsupported option \r\n");
        assert_eq!(reply(&[b"EXPIRE", b"k", b"1", b"ab\0cd"]), "-ERR Unsupported option ab\r\n");
        assert_eq!(
            reply(&[b"CONFIG", b"SET", b"x\0y", b"1"]),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'x'\r\n"
        );
    }
}
