//! tcpio echo server: one event loop, zero-copy forward from the read buffer.

use crate::Res;

/// The echo handler: writes back whatever arrived.
struct Echo;

impl tcpio::Handler for Echo {
    type State = ();

    /// Forwards all input bytes back to the peer and consumes them.
    fn on_data(&mut self, conn: &mut tcpio::Conn<'_, ()>, input: &mut tcpio::Input<'_>) -> tcpio::Action {
        conn.write(input.bytes());
        input.consume_all();
        tcpio::Action::Continue
    }
}

/// Runs the tcpio echo server on 127.0.0.1:`port` until stdin closes, then shuts down.
/// `proxy`: the address requires a PROXY protocol header first on each connection.
pub fn run(port: u16, proxy: bool) -> Res<()> {
    let options = if proxy { tcpio::BindOptions::new().proxy_protocol() } else { tcpio::BindOptions::new() };
    let handle = tcpio::Server::builder()
        .bind_with(&format!("127.0.0.1:{port}"), options)
        .map_err(|e| format!("tcpio bind: {e}"))?
        .loops(1)
        .start(|_loop_id| Echo)
        .map_err(|e| format!("tcpio start: {e}"))?;
    let port = match &handle.local_addrs()[0] {
        tcpio::Addr::Ip(sa) => sa.port(),
        _ => return Err("tcpio listens on a non-IP address".into()),
    };
    super::announce(port)?;
    super::wait_for_stdin_close();
    handle.shutdown();
    handle.wait().expect("wait for the server");
    std::process::exit(0);
}
