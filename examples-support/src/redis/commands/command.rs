//! `COMMAND`: every command this server has, described as Redis 7.0 describes it
//! (`COMMAND INFO`, `COMMAND DOCS`, `COMMAND LIST`, `COMMAND COUNT`), and the keys of
//! a full command (`COMMAND GETKEYS`, `COMMAND GETKEYSANDFLAGS`), from the same table
//! (`server.c`, `db.c`).

use tcpio::codec::Sink;

use super::docs;
use super::key_specs;
use super::table::{subcommands, Spec, SPECS, SUBCOMMANDS};
use super::{array, bulk, int, is, subcommand, E_SYNTAX};
use crate::redis::reply::{help, map, null, set, status};
use crate::redis::resp::Args;
use crate::redis::store::glob_match;

/// One command's `COMMAND INFO` entry: name, arity, flags, key positions, ACL
/// categories, tips, key specs and subcommands.
fn command_info(spec: &Spec, out: &mut impl Sink, resp3: bool) {
    array(out, 10);
    bulk(out, spec.name.as_bytes());
    int(out, i64::from(spec.arity));
    set(out, spec.flags.len(), resp3);
    for f in spec.flags {
        status(out, f);
    }
    int(out, i64::from(spec.first));
    int(out, i64::from(spec.last));
    int(out, i64::from(spec.step));
    set(out, spec.categories.len(), resp3);
    for c in spec.categories {
        status(out, c);
    }
    key_specs::tips(spec.name, out, resp3);
    key_specs::key_specs(spec.name, out, resp3);
    // No subcommands: an empty set, as Redis writes it; else an array of entries.
    match subcommands(spec).count() {
        0 => set(out, 0, resp3),
        n => array(out, n),
    }
    for sub in subcommands(spec) {
        command_info(sub, out, resp3);
    }
}

/// The command called `name` (any case; `container|sub` for a subcommand).
fn find(name: &[u8]) -> Option<&'static Spec> {
    SPECS.iter().chain(SUBCOMMANDS).find(|s| is(name, s.name))
}

/// Every command and subcommand, each command followed by its subcommands.
fn all_names() -> impl Iterator<Item = &'static Spec> {
    SPECS.iter().flat_map(|spec| std::iter::once(spec).chain(subcommands(spec)))
}

/// `COMMAND`, `COMMAND COUNT`, `COMMAND INFO [name...]`, `COMMAND DOCS [name...]`,
/// `COMMAND LIST [FILTERBY ACLCAT c|PATTERN p|MODULE m]`: every command this server has, described as Redis 7.0 describes it.
#[inline(never)]
pub(crate) fn command(args: &Args<'_>, out: &mut impl Sink, resp3: bool) {
    if args.len() == 1 {
        array(out, SPECS.len());
        for spec in SPECS {
            command_info(spec, out, resp3);
        }
        return;
    }
    let Some(sub) = subcommand("command", args, out) else { return };
    if sub == "count" {
        int(out, SPECS.len() as i64);
    } else if sub == "list" {
        // `FILTERBY ACLCAT category`, `FILTERBY PATTERN glob`, `FILTERBY MODULE name`
        // (no module is loaded here).
        let keep: Box<dyn Fn(&Spec) -> bool> = match args.len() {
            2 => Box::new(|_| true),
            5 if is(args.get(2), "filterby") => {
                let (kind, value) = (args.get(3), args.get(4));
                if is(kind, "aclcat") {
                    Box::new(move |s: &Spec| s.categories.iter().any(|c| is(value, &c[1..])))
                } else if is(kind, "pattern") {
                    let pattern = value.to_ascii_lowercase();
                    Box::new(move |s: &Spec| glob_match(&pattern, s.name.as_bytes()))
                } else if is(kind, "module") {
                    Box::new(|_| false)
                } else {
                    return out.put(E_SYNTAX);
                }
            }
            _ => return out.put(E_SYNTAX),
        };
        array(out, all_names().filter(|s| keep(s)).count());
        for spec in all_names().filter(|s| keep(s)) {
            bulk(out, spec.name.as_bytes());
        }
    } else if sub == "info" {
        if args.len() == 2 {
            array(out, SPECS.len());
            for spec in SPECS {
                command_info(spec, out, resp3);
            }
            return;
        }
        array(out, args.len() - 2);
        for name in args.iter().skip(2) {
            match find(name) {
                Some(spec) => command_info(spec, out, resp3),
                None => null(out, resp3),
            }
        }
    } else if sub == "docs" {
        let specs: Vec<&Spec> = if args.len() == 2 {
            SPECS.iter().collect()
        } else {
            args.iter().skip(2).filter_map(find).collect()
        };
        map(out, specs.len(), resp3);
        for spec in specs {
            bulk(out, spec.name.as_bytes());
            docs::command_docs(spec, out, resp3);
        }
    } else if sub == "getkeys" || sub == "getkeysandflags" {
        getkeys(args, sub == "getkeysandflags", out, resp3);
    } else {
        help(out, HELP);
    }
}

/// `COMMAND HELP`, as Redis 7.0 words it.
const HELP: &[&str] = &[
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
    "HELP",
    "    Prints this help.",
];

/// `COMMAND GETKEYS command arg...`: the keys of a full command, found as Redis finds
/// them (by its key specs); `COMMAND GETKEYSANDFLAGS` adds each key's flags.
fn getkeys(args: &Args<'_>, with_flags: bool, out: &mut impl Sink, resp3: bool) {
    let full: Vec<&[u8]> = args.iter().skip(2).collect();
    // A container's subcommand by its name, a container alone as itself.
    let top = SPECS.iter().find(|s| is(full[0], s.name));
    let spec = match top {
        Some(top) if full.len() > 1 && subcommands(top).next().is_some() => {
            subcommands(top).find(|s| is(full[1], &s.name[top.name.len() + 1..]))
        }
        top => top,
    };
    let Some(spec) = spec else { return out.put(b"-ERR Invalid command specified\r\n") };
    let argc = full.len() as i32;
    if !key_specs::has_keys(spec.name) {
        return out.put(b"-ERR The command has no key arguments\r\n");
    } else if (spec.arity > 0 && argc != spec.arity) || argc < -spec.arity {
        return out.put(b"-ERR Invalid number of arguments specified for command\r\n");
    }
    let keys = key_specs::keys_of(spec.name, &full);
    if keys.is_empty() {
        return out.put(b"-ERR Invalid arguments specified for command\r\n");
    }
    array(out, keys.len());
    for (i, flags) in keys {
        if with_flags {
            array(out, 2);
        }
        bulk(out, full[i]);
        if with_flags {
            set(out, flags.len(), resp3);
            for flag in flags {
                status(out, flag);
            }
        }
    }
}
