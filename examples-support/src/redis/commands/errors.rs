//! Error replies, worded as Redis 7.0 words them: those used by many commands, the
//! ones for an unknown command or subcommand, a wrong number of arguments and a
//! request Redis would refuse, and the quoting of an argument in an error.

use tcpio::codec::Sink;

use crate::redis::resp::{Args, ProtocolError};

/// Error replies used more than once.
pub(crate) const E_SYNTAX: &[u8] = b"-ERR syntax error\r\n";
pub(crate) const E_NOT_INT: &[u8] = b"-ERR value is not an integer or out of range\r\n";
pub(crate) const E_NOT_FLOAT: &[u8] = b"-ERR value is not a valid float\r\n";
pub(crate) const E_OVERFLOW: &[u8] = b"-ERR increment or decrement would overflow\r\n";
pub(crate) const E_NO_KEY: &[u8] = b"-ERR no such key\r\n";
pub(crate) const E_POSITIVE: &[u8] = b"-ERR value is out of range, must be positive\r\n";
pub(crate) const E_NOAUTH: &[u8] = b"-NOAUTH Authentication required.\r\n";

/// An argument quoted in an error message, its first `max` bytes at most (Redis's
/// `%.128s`): Redis replaces line breaks with spaces so the reply stays one line, and
/// formats arguments as C strings, so a NUL ends it. Only those bytes are looked at,
/// however long the argument.
pub(crate) fn sanitize(arg: &[u8], max: usize) -> std::borrow::Cow<'_, [u8]> {
    let arg = &arg[..arg.len().min(max)];
    let arg = &arg[..arg.iter().position(|&b| b == 0).unwrap_or(arg.len())];
    if arg.iter().any(|&b| b == b'\r' || b == b'\n') {
        arg.iter().map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }).collect::<Vec<u8>>().into()
    } else {
        arg.into()
    }
}

/// `-ERR unknown command 'foo', with args beginning with: 'a' 'b' `.
pub(crate) fn unknown_command(args: &Args<'_>, out: &mut impl Sink) {
    let name = sanitize(args.get(0), 128);
    out.put(b"-ERR unknown command '");
    out.put(&name);
    out.put(b"', with args beginning with: ");
    // Redis quotes arguments until the quoted text reaches 128 bytes.
    let mut quoted = 0;
    for arg in args.iter().skip(1) {
        if quoted >= 128 {
            break;
        }
        let arg = sanitize(arg, 128 - quoted);
        out.put(b"'");
        out.put(&arg);
        out.put(b"' ");
        quoted += arg.len() + 3;
    }
    out.put(b"\r\n");
}

/// `-ERR unknown subcommand 'x'. Try CONFIG HELP.`
pub(crate) fn unknown_subcommand(sub: &[u8], container: &str, out: &mut impl Sink) {
    let sub = sanitize(sub, 128);
    out.put(b"-ERR unknown subcommand '");
    out.put(&sub);
    out.put(b"'. Try ");
    out.put(container.as_bytes());
    out.put(b" HELP.\r\n");
}

/// `-ERR wrong number of arguments for 'get' command`.
pub(crate) fn arity_error(name: &str, out: &mut impl Sink) {
    out.put(b"-ERR wrong number of arguments for '");
    out.put(name.as_bytes());
    out.put(b"' command\r\n");
}

/// The reply to a request Redis would refuse; the connection closes after it.
pub fn protocol_error(e: ProtocolError, out: &mut impl Sink) {
    let (text, byte) = e.text();
    out.put(b"-ERR Protocol error: ");
    out.put(text.as_bytes());
    if let Some(b) = byte {
        let b = if b == b'\r' || b == b'\n' { b' ' } else { b };
        out.put(&[b, b'\'']);
    }
    out.put(b"\r\n");
}
