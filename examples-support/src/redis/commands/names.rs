//! Finding a command by its name, in any case: a table of [`SLOTS`] places built once
//! from [`SPECS`], where a name's place comes from its length and its first, second and
//! last letters; a taken place that holds another name sends the search to the next one.
//!
//! Every command name is lower-case letters, and a byte ORed with 0x20 is a lower-case
//! letter exactly when it is a letter of either case: so a name is compared with the
//! table's by ORing each of its bytes with 0x20, with no lower-case copy.

use std::sync::OnceLock;

use super::table::{Cmd, SPECS};
use crate::case::is_lower;

/// Places in the table: a power of two, over four times the number of commands, so a
/// search rarely goes past the first place it looks at.
const SLOTS: usize = 1024;

/// A command in the table, with what a search needs of its [`Spec`](super::table::Spec).
#[derive(Clone, Copy, Debug)]
struct Entry {
    cmd: Cmd,
    arity: i32,
    name: &'static [u8],
}

/// Commands by place; `None` ends a search.
type Table = [Option<Entry>; SLOTS];

/// The table, built on first use.
static TABLE: OnceLock<Box<Table>> = OnceLock::new();

/// Where the search for `name` (any bytes, in any case) begins: from its length and
/// its first, second (the first again for a name of one byte) and last bytes.
#[inline]
fn place(name: &[u8]) -> usize {
    let (Some(&first), Some(&last)) = (name.first(), name.last()) else { return 0 };
    let second = *name.get(1).unwrap_or(&first);
    let [a, b, c] = [first, second, last].map(|x| usize::from(x | 0x20));
    (name.len() * 94 + a * 4 + b * 61 + c * 6) & (SLOTS - 1)
}

/// Places every command of [`SPECS`] (its subcommands are found apart).
fn build() -> Box<Table> {
    let mut table = Box::new([None; SLOTS]);
    for spec in SPECS.iter().filter(|s| s.container.is_empty()) {
        let name = spec.name.as_bytes();
        let cmd = Cmd::lookup(name).unwrap_or_else(|| panic!("no Cmd for {}", spec.name));
        let mut i = place(name);
        while table[i].is_some() {
            i = (i + 1) & (SLOTS - 1);
        }
        table[i] = Some(Entry { cmd, arity: spec.arity, name });
    }
    table
}

/// The command named `name` in any case, with its arity.
#[inline(never)]
pub(super) fn find(name: &[u8]) -> Option<(Cmd, i32)> {
    if name.is_empty() {
        return None;
    }
    let table = TABLE.get_or_init(build);
    let mut i = place(name);
    loop {
        let e = table[i]?;
        if is_lower(name, e.name) {
            return Some((e.cmd, e.arity));
        }
        i = (i + 1) & (SLOTS - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top_level() -> impl Iterator<Item = &'static str> {
        SPECS.iter().filter(|s| s.container.is_empty()).map(|s| s.name)
    }

    #[test]
    fn every_command_name_is_lower_case_letters() {
        for name in top_level() {
            assert!(!name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase()), "{name}");
        }
    }

    #[test]
    fn finds_every_command_in_any_case() {
        for name in top_level() {
            let cmd = Cmd::lookup(name.as_bytes()).unwrap();
            let upper = name.to_ascii_uppercase();
            let mixed: String = name
                .chars()
                .enumerate()
                .map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c })
                .collect();
            for n in [name, &upper, &mixed] {
                assert_eq!(find(n.as_bytes()), Some((cmd, cmd.spec().arity)), "{n}");
            }
        }
    }

    /// `find` agrees with the table of names matched on a lower-case copy.
    fn agrees(name: &[u8]) {
        let reference = Cmd::lookup(&name.to_ascii_lowercase()).map(|c| (c, c.spec().arity));
        assert_eq!(find(name), reference, "{:?}", name.escape_ascii().to_string());
    }

    #[test]
    fn finds_nothing_else() {
        for name in top_level() {
            let n = name.as_bytes();
            agrees(&n[..n.len() - 1]);
            agrees(&[n, b"x"].concat());
            agrees(&[b"x", n].concat());
            // Each byte changed to its neighbours, to non-letters next to the letters
            // (which ORed with 0x20 become non-letters too), and to high bytes.
            for i in 0..n.len() {
                for b in
                    [n[i] - 1, n[i] + 1, n[i] ^ 0x80, n[i] & !0x20 ^ 0x80, 0, b'@', b'[', b'`', b'{', b' ']
                {
                    let mut m = n.to_vec();
                    m[i] = b;
                    agrees(&m);
                }
            }
        }
        for junk in [&b""[..], b"x", b"getx", b"\x00\x00\x00", b"G\xc5T", b"@et", b"get\x00"] {
            agrees(junk);
        }
    }

    #[test]
    fn a_search_looks_at_two_places_at_most() {
        let table = build();
        for name in top_level() {
            let n = name.as_bytes();
            let start = place(n);
            let at = (0..SLOTS)
                .map(|k| (start + k) & (SLOTS - 1))
                .position(|i| table[i].is_some_and(|e| e.name == name.as_bytes()));
            assert!(at.is_some_and(|k| k <= 1), "{name} is {at:?} places from its own");
        }
    }
}
