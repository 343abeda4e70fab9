//! The chat example, driven by real clients over two loops.

mod util;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;

use util::*;

struct Client {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Client {
    fn join(addr: std::net::SocketAddr) -> (Client, String) {
        let s = connect(addr);
        let mut c = Client { r: BufReader::new(s.try_clone().unwrap()), w: s };
        let welcome = c.line();
        let nick = welcome.strip_prefix("welcome, ").unwrap().split('!').next().unwrap().to_string();
        (c, nick)
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        assert!(self.r.read_line(&mut l).unwrap() > 0, "connection closed");
        l.trim_end().to_string()
    }

    /// Reads lines until one equals `want` (notices of joins may come first).
    fn expect(&mut self, want: &str) {
        for _ in 0..20 {
            if self.line() == want {
                return;
            }
        }
        panic!("never got {want:?}");
    }

    fn say(&mut self, text: &str) {
        self.w.write_all(format!("{text}\n").as_bytes()).unwrap();
    }
}

#[test]
fn messages_reach_every_other_member_across_loops() {
    let (_server, addr) = start_with(local().loops(2), tcpio_examples::chat::start);
    let (mut a, na) = Client::join(addr);
    let (mut b, nb) = Client::join(addr);
    a.expect(&format!("* {nb} joined"));
    let (mut c, nc) = Client::join(addr);
    a.expect(&format!("* {nc} joined"));
    b.expect(&format!("* {nc} joined"));

    a.say("hello room");
    b.expect(&format!("<{na}> hello room"));
    c.expect(&format!("<{na}> hello room"));

    b.say("/nick bob");
    for x in [&mut a, &mut b, &mut c] {
        x.expect(&format!("* {nb} is now bob"));
    }
    c.say("/msg bob psst");
    b.expect(&format!("[{nc}] psst"));
    a.say("/who");
    let who = a.line();
    assert!(
        who.starts_with("* here: ") && who.contains("bob") && who.contains(&na) && who.contains(&nc),
        "{who}"
    );
    a.say("/msg nobody hi");
    a.expect("! no one called nobody");

    c.say("/quit");
    c.expect("bye");
    a.expect(&format!("* {nc} left"));
    b.expect(&format!("* {nc} left"));
    // What one member says never comes back to them.
    a.say("last word");
    b.expect(&format!("<{na}> last word"));
    a.say("/who");
    let mut names = [na.clone(), "bob".to_string()];
    names.sort();
    assert_eq!(a.line(), format!("* here: {}", names.join(", ")));
}

#[test]
fn a_line_past_the_maximum_closes_only_its_sender() {
    let (_server, addr) = start_with(local().loops(1), tcpio_examples::chat::start);
    let (mut a, _) = Client::join(addr);
    let (mut b, nb) = Client::join(addr);
    a.expect(&format!("* {nb} joined"));
    b.w.write_all(&[b'x'; 4096]).unwrap();
    // Closed: an end of stream (the server then waits for our FIN before it is done).
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut b.r, &mut rest);
    drop(b);
    a.expect(&format!("* {nb} left"));
    a.say("/who");
    assert!(!a.line().contains(&nb));
}
