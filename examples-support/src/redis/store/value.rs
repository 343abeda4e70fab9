//! What a key holds: a string, a list, a hash, a set or a sorted set.

use std::collections::VecDeque;

use super::{Bytes, Fields, Members, Zset};

/// What a key holds.
#[derive(Debug, Clone)]
pub enum Value {
    /// A string (any bytes).
    Str(Vec<u8>),
    /// A list, head first.
    List(VecDeque<Bytes>),
    /// A hash: fields and their values.
    Hash(Box<Fields>),
    /// A set of members.
    Set(Box<Members>),
    /// A sorted set: members with scores.
    Zset(Box<Zset>),
}

impl Value {
    /// The type's name, as `TYPE` reports it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::Zset(_) => "zset",
        }
    }

    /// Whether this is a collection with nothing in it (which Redis never keeps).
    pub(super) fn is_empty_collection(&self) -> bool {
        match self {
            Value::Str(_) => false,
            Value::List(l) => l.is_empty(),
            Value::Hash(h) => h.is_empty(),
            Value::Set(s) => s.is_empty(),
            Value::Zset(z) => z.is_empty(),
        }
    }
}
