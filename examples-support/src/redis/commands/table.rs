//! The commands this server knows, with what `COMMAND INFO` and `COMMAND DOCS` report
//! about them: Redis 7.0's own values (arity, flags, key positions, ACL categories,
//! summary), one row per command, in the order of [`Cmd`]; the subcommands are in
//! [`subcommands`](super::subcommands).

pub use super::subcommands::SUBCOMMANDS;
use crate::redis::clients::NO_CMD;

/// A command's description, as Redis 7.0 reports it.
#[derive(Debug)]
pub struct Spec {
    /// Lower-case name (`container|sub` for a subcommand).
    pub name: &'static str,
    /// `n`: exactly `n` arguments with the name; `-n`: at least `n`.
    pub arity: i32,
    /// Flags (`write`, `readonly`, `fast`...).
    pub flags: &'static [&'static str],
    /// Position of the first key, 0 when none.
    pub first: i32,
    /// Position of the last key, -1 for the last argument.
    pub last: i32,
    /// Step between keys.
    pub step: i32,
    /// ACL categories.
    pub categories: &'static [&'static str],
    /// One line on what it does.
    pub summary: &'static str,
    /// The Redis version that introduced it.
    pub since: &'static str,
    /// Its group (`string`, `list`...).
    pub group: &'static str,
    /// Its time complexity.
    pub complexity: &'static str,
    /// The command it is a subcommand of, or empty.
    pub container: &'static str,
}

/// The subcommands of `spec`.
pub(crate) fn subcommands(spec: &Spec) -> impl Iterator<Item = &'static Spec> + '_ {
    SUBCOMMANDS.iter().filter(move |s| s.container == spec.name)
}

/// Every command, in the order of [`Cmd`]'s variants.
pub const SPECS: &[Spec] = &[
Spec { name: "append", arity: 3, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@string", "@fast"], summary: "Append a value to a key", since: "2.0.0", group: "string", complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.", container: "" },
    Spec { name: "decr", arity: 2, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@string", "@fast"], summary: "Decrement the integer value of a key by one", since: "1.0.0", group: "string", complexity: "O(1)", container: "" },
    Spec { name: "decrby", arity: 3, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@string", "@fast"], summary: "Decrement the integer value of a key by the given number", since: "1.0.0", group: "string", complexity: "O(1)", container: "" },
    Spec { name: "get", arity: 2, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@read", "@string", "@fast"], summary: "Get the value of a key", since: "1.0.0", group: "string", complexity: "O(1)", container: "" },
    Spec { name: "getdel", arity: 2, flags: &["write", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@string", "@fast"], summary: "Get the value of a key and delete the key", since: "6.2.0", group: "string", complexity: "O(1)", container: "" },
    Spec { name: "getex", arity: -2, flags: &["write", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@string", "@fast"], summary: "Get the value of a key and optionally set its expiration", since: "6.2.0", group: "string", complexity: "O(1)", container: "" },
    Spec { name: "getrange", arity: 4, flags: &["readonly"], first: 1, last: 1, step: 1, categories: &["@read", "@string", "@slow"], summary: "Get a substring of the string stored at a key", since: "2.4.0", group: "string", complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", container: "" },
    Spec { name: "getset", arity: 3, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@string", "@fast"], summary: "Set the string value of a key and return its old value", since: "1.0.0", group: "string", complexity: "O(1)", container: "" },
    Spec { name: "incr", arity: 2, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@string", "@fast"], summary: "Increment the integer value of a key by one", since: "1.0.0", group: "string", complexity: "O(1)", container: "" },
    Spec { name: "incrby", arity: 3, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@string", "@fast"], summary: "Increment the integer value of a key by the given amount", since: "1.0.0", group: "string", complexity: "O(1)", container: "" },
    Spec { name: "incrbyfloat", arity: 3, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@string", "@fast"], summary: "Increment the float value of a key by the given amount", since: "2.6.0", group: "string", complexity: "O(1)", container: "" },
    Spec { name: "lcs", arity: -3, flags: &["readonly"], first: 1, last: 2, step: 1, categories: &["@read", "@string", "@slow"], summary: "Find longest common substring", since: "7.0.0", group: "string", complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively", container: "" },
    Spec { name: "mget", arity: -2, flags: &["readonly", "fast"], first: 1, last: -1, step: 1, categories: &["@read", "@string", "@fast"], summary: "Get the values of all the given keys", since: "1.0.0", group: "string", complexity: "O(N) where N is the number of keys to retrieve.", container: "" },
    Spec { name: "mset", arity: -3, flags: &["write", "denyoom"], first: 1, last: -1, step: 2, categories: &["@write", "@string", "@slow"], summary: "Set multiple keys to multiple values", since: "1.0.1", group: "string", complexity: "O(N) where N is the number of keys to set.", container: "" },
    Spec { name: "msetnx", arity: -3, flags: &["write", "denyoom"], first: 1, last: -1, step: 2, categories: &["@write", "@string", "@slow"], summary: "Set multiple keys to multiple values, only if none of the keys exist", since: "1.0.1", group: "string", complexity: "O(N) where N is the number of keys to set.", container: "" },
    Spec { name: "psetex", arity: 4, flags: &["write", "denyoom"], first: 1, last: 1, step: 1, categories: &["@write", "@string", "@slow"], summary: "Set the value and expiration in milliseconds of a key", since: "2.6.0", group: "string", complexity: "O(1)", container: "" },
    Spec { name: "set", arity: -3, flags: &["write", "denyoom"], first: 1, last: 1, step: 1, categories: &["@write", "@string", "@slow"], summary: "Set the string value of a key", since: "1.0.0", group: "string", complexity: "O(1)", container: "" },
    Spec { name: "setex", arity: 4, flags: &["write", "denyoom"], first: 1, last: 1, step: 1, categories: &["@write", "@string", "@slow"], summary: "Set the value and expiration of a key", since: "2.0.0", group: "string", complexity: "O(1)", container: "" },
    Spec { name: "setnx", arity: 3, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@string", "@fast"], summary: "Set the value of a key, only if the key does not exist", since: "1.0.0", group: "string", complexity: "O(1)", container: "" },
    Spec { name: "setrange", arity: 4, flags: &["write", "denyoom"], first: 1, last: 1, step: 1, categories: &["@write", "@string", "@slow"], summary: "Overwrite part of a string at key starting at the specified offset", since: "2.2.0", group: "string", complexity: "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.", container: "" },
    Spec { name: "strlen", arity: 2, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@read", "@string", "@fast"], summary: "Get the length of the value stored in a key", since: "2.2.0", group: "string", complexity: "O(1)", container: "" },
    Spec { name: "substr", arity: 4, flags: &["readonly"], first: 1, last: 1, step: 1, categories: &["@read", "@string", "@slow"], summary: "Get a substring of the string stored at a key", since: "1.0.0", group: "string", complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", container: "" },
    Spec { name: "copy", arity: -3, flags: &["write", "denyoom"], first: 1, last: 2, step: 1, categories: &["@keyspace", "@write", "@slow"], summary: "Copy a key", since: "6.2.0", group: "generic", complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.", container: "" },
    Spec { name: "del", arity: -2, flags: &["write"], first: 1, last: -1, step: 1, categories: &["@keyspace", "@write", "@slow"], summary: "Delete a key", since: "1.0.0", group: "generic", complexity: "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).", container: "" },
    Spec { name: "exists", arity: -2, flags: &["readonly", "fast"], first: 1, last: -1, step: 1, categories: &["@keyspace", "@read", "@fast"], summary: "Determine if a key exists", since: "1.0.0", group: "generic", complexity: "O(N) where N is the number of keys to check.", container: "" },
    Spec { name: "expire", arity: -3, flags: &["write", "fast"], first: 1, last: 1, step: 1, categories: &["@keyspace", "@write", "@fast"], summary: "Set a key's time to live in seconds", since: "1.0.0", group: "generic", complexity: "O(1)", container: "" },
    Spec { name: "expireat", arity: -3, flags: &["write", "fast"], first: 1, last: 1, step: 1, categories: &["@keyspace", "@write", "@fast"], summary: "Set the expiration for a key as a UNIX timestamp", since: "1.2.0", group: "generic", complexity: "O(1)", container: "" },
    Spec { name: "expiretime", arity: 2, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@keyspace", "@read", "@fast"], summary: "Get the expiration Unix timestamp for a key", since: "7.0.0", group: "generic", complexity: "O(1)", container: "" },
    Spec { name: "move", arity: 3, flags: &["write", "fast"], first: 1, last: 1, step: 1, categories: &["@keyspace", "@write", "@fast"], summary: "Move a key to another database", since: "1.0.0", group: "generic", complexity: "O(1)", container: "" },
    Spec { name: "keys", arity: 2, flags: &["readonly"], first: 0, last: 0, step: 0, categories: &["@keyspace", "@read", "@slow", "@dangerous"], summary: "Find all keys matching the given pattern", since: "1.0.0", group: "generic", complexity: "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.", container: "" },
    Spec { name: "persist", arity: 2, flags: &["write", "fast"], first: 1, last: 1, step: 1, categories: &["@keyspace", "@write", "@fast"], summary: "Remove the expiration from a key", since: "2.2.0", group: "generic", complexity: "O(1)", container: "" },
    Spec { name: "pexpire", arity: -3, flags: &["write", "fast"], first: 1, last: 1, step: 1, categories: &["@keyspace", "@write", "@fast"], summary: "Set a key's time to live in milliseconds", since: "2.6.0", group: "generic", complexity: "O(1)", container: "" },
    Spec { name: "pexpireat", arity: -3, flags: &["write", "fast"], first: 1, last: 1, step: 1, categories: &["@keyspace", "@write", "@fast"], summary: "Set the expiration for a key as a UNIX timestamp specified in milliseconds", since: "2.6.0", group: "generic", complexity: "O(1)", container: "" },
    Spec { name: "pexpiretime", arity: 2, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@keyspace", "@read", "@fast"], summary: "Get the expiration Unix timestamp for a key in milliseconds", since: "7.0.0", group: "generic", complexity: "O(1)", container: "" },
    Spec { name: "pttl", arity: 2, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@keyspace", "@read", "@fast"], summary: "Get the time to live for a key in milliseconds", since: "2.6.0", group: "generic", complexity: "O(1)", container: "" },
    Spec { name: "randomkey", arity: 1, flags: &["readonly"], first: 0, last: 0, step: 0, categories: &["@keyspace", "@read", "@slow"], summary: "Return a random key from the keyspace", since: "1.0.0", group: "generic", complexity: "O(1)", container: "" },
    Spec { name: "rename", arity: 3, flags: &["write"], first: 1, last: 2, step: 1, categories: &["@keyspace", "@write", "@slow"], summary: "Rename a key", since: "1.0.0", group: "generic", complexity: "O(1)", container: "" },
    Spec { name: "renamenx", arity: 3, flags: &["write", "fast"], first: 1, last: 2, step: 1, categories: &["@keyspace", "@write", "@fast"], summary: "Rename a key, only if the new key does not exist", since: "1.0.0", group: "generic", complexity: "O(1)", container: "" },
    Spec { name: "scan", arity: -2, flags: &["readonly"], first: 0, last: 0, step: 0, categories: &["@keyspace", "@read", "@slow"], summary: "Incrementally iterate the keys space", since: "2.8.0", group: "generic", complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.", container: "" },
    Spec { name: "touch", arity: -2, flags: &["readonly", "fast"], first: 1, last: -1, step: 1, categories: &["@keyspace", "@read", "@fast"], summary: "Alters the last access time of a key(s). Returns the number of existing keys specified.", since: "3.2.1", group: "generic", complexity: "O(N) where N is the number of keys that will be touched.", container: "" },
    Spec { name: "ttl", arity: 2, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@keyspace", "@read", "@fast"], summary: "Get the time to live for a key in seconds", since: "1.0.0", group: "generic", complexity: "O(1)", container: "" },
    Spec { name: "type", arity: 2, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@keyspace", "@read", "@fast"], summary: "Determine the type stored at key", since: "1.0.0", group: "generic", complexity: "O(1)", container: "" },
    Spec { name: "unlink", arity: -2, flags: &["write", "fast"], first: 1, last: -1, step: 1, categories: &["@keyspace", "@write", "@fast"], summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", since: "4.0.0", group: "generic", complexity: "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.", container: "" },
    Spec { name: "lpush", arity: -3, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@list", "@fast"], summary: "Prepend one or multiple elements to a list", since: "1.0.0", group: "list", complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", container: "" },
    Spec { name: "rpush", arity: -3, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@list", "@fast"], summary: "Append one or multiple elements to a list", since: "1.0.0", group: "list", complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", container: "" },
    Spec { name: "lpushx", arity: -3, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@list", "@fast"], summary: "Prepend an element to a list, only if the list exists", since: "2.2.0", group: "list", complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", container: "" },
    Spec { name: "rpushx", arity: -3, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@list", "@fast"], summary: "Append an element to a list, only if the list exists", since: "2.2.0", group: "list", complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", container: "" },
    Spec { name: "lpop", arity: -2, flags: &["write", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@list", "@fast"], summary: "Remove and get the first elements in a list", since: "1.0.0", group: "list", complexity: "O(N) where N is the number of elements returned", container: "" },
    Spec { name: "rpop", arity: -2, flags: &["write", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@list", "@fast"], summary: "Remove and get the last elements in a list", since: "1.0.0", group: "list", complexity: "O(N) where N is the number of elements returned", container: "" },
    Spec { name: "llen", arity: 2, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@read", "@list", "@fast"], summary: "Get the length of a list", since: "1.0.0", group: "list", complexity: "O(1)", container: "" },
    Spec { name: "lrange", arity: 4, flags: &["readonly"], first: 1, last: 1, step: 1, categories: &["@read", "@list", "@slow"], summary: "Get a range of elements from a list", since: "1.0.0", group: "list", complexity: "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.", container: "" },
    Spec { name: "lindex", arity: 3, flags: &["readonly"], first: 1, last: 1, step: 1, categories: &["@read", "@list", "@slow"], summary: "Get an element from a list by its index", since: "1.0.0", group: "list", complexity: "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).", container: "" },
    Spec { name: "lset", arity: 4, flags: &["write", "denyoom"], first: 1, last: 1, step: 1, categories: &["@write", "@list", "@slow"], summary: "Set the value of an element in a list by its index", since: "1.0.0", group: "list", complexity: "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).", container: "" },
    Spec { name: "lrem", arity: 4, flags: &["write"], first: 1, last: 1, step: 1, categories: &["@write", "@list", "@slow"], summary: "Remove elements from a list", since: "1.0.0", group: "list", complexity: "O(N+M) where N is the length of the list and M is the number of elements removed.", container: "" },
    Spec { name: "ltrim", arity: 4, flags: &["write"], first: 1, last: 1, step: 1, categories: &["@write", "@list", "@slow"], summary: "Trim a list to the specified range", since: "1.0.0", group: "list", complexity: "O(N) where N is the number of elements to be removed by the operation.", container: "" },
    Spec { name: "linsert", arity: 5, flags: &["write", "denyoom"], first: 1, last: 1, step: 1, categories: &["@write", "@list", "@slow"], summary: "Insert an element before or after another element in a list", since: "2.2.0", group: "list", complexity: "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).", container: "" },
    Spec { name: "lpos", arity: -3, flags: &["readonly"], first: 1, last: 1, step: 1, categories: &["@read", "@list", "@slow"], summary: "Return the index of matching elements on a list", since: "6.0.6", group: "list", complexity: "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.", container: "" },
    Spec { name: "lmove", arity: 5, flags: &["write", "denyoom"], first: 1, last: 2, step: 1, categories: &["@write", "@list", "@slow"], summary: "Pop an element from a list, push it to another list and return it", since: "6.2.0", group: "list", complexity: "O(1)", container: "" },
    Spec { name: "rpoplpush", arity: 3, flags: &["write", "denyoom"], first: 1, last: 2, step: 1, categories: &["@write", "@list", "@slow"], summary: "Remove the last element in a list, prepend it to another list and return it", since: "1.2.0", group: "list", complexity: "O(1)", container: "" },
    Spec { name: "blpop", arity: -3, flags: &["write", "noscript", "blocking"], first: 1, last: -2, step: 1, categories: &["@write", "@list", "@slow", "@blocking"], summary: "Remove and get the first element in a list, or block until one is available", since: "2.0.0", group: "list", complexity: "O(N) where N is the number of provided keys.", container: "" },
    Spec { name: "brpop", arity: -3, flags: &["write", "noscript", "blocking"], first: 1, last: -2, step: 1, categories: &["@write", "@list", "@slow", "@blocking"], summary: "Remove and get the last element in a list, or block until one is available", since: "2.0.0", group: "list", complexity: "O(N) where N is the number of provided keys.", container: "" },
    Spec { name: "blmove", arity: 6, flags: &["write", "denyoom", "noscript", "blocking"], first: 1, last: 2, step: 1, categories: &["@write", "@list", "@slow", "@blocking"], summary: "Pop an element from a list, push it to another list and return it; or block until one is available", since: "6.2.0", group: "list", complexity: "O(1)", container: "" },
    Spec { name: "brpoplpush", arity: 4, flags: &["write", "denyoom", "noscript", "blocking"], first: 1, last: 2, step: 1, categories: &["@write", "@list", "@slow", "@blocking"], summary: "Pop an element from a list, push it to another list and return it; or block until one is available", since: "2.2.0", group: "list", complexity: "O(1)", container: "" },
    Spec { name: "hset", arity: -4, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@hash", "@fast"], summary: "Set the string value of a hash field", since: "2.0.0", group: "hash", complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.", container: "" },
    Spec { name: "hsetnx", arity: 4, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@hash", "@fast"], summary: "Set the value of a hash field, only if the field does not exist", since: "2.0.0", group: "hash", complexity: "O(1)", container: "" },
    Spec { name: "hget", arity: 3, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@read", "@hash", "@fast"], summary: "Get the value of a hash field", since: "2.0.0", group: "hash", complexity: "O(1)", container: "" },
    Spec { name: "hmget", arity: -3, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@read", "@hash", "@fast"], summary: "Get the values of all the given hash fields", since: "2.0.0", group: "hash", complexity: "O(N) where N is the number of fields being requested.", container: "" },
    Spec { name: "hdel", arity: -3, flags: &["write", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@hash", "@fast"], summary: "Delete one or more hash fields", since: "2.0.0", group: "hash", complexity: "O(N) where N is the number of fields to be removed.", container: "" },
    Spec { name: "hexists", arity: 3, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@read", "@hash", "@fast"], summary: "Determine if a hash field exists", since: "2.0.0", group: "hash", complexity: "O(1)", container: "" },
    Spec { name: "hlen", arity: 2, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@read", "@hash", "@fast"], summary: "Get the number of fields in a hash", since: "2.0.0", group: "hash", complexity: "O(1)", container: "" },
    Spec { name: "hkeys", arity: 2, flags: &["readonly"], first: 1, last: 1, step: 1, categories: &["@read", "@hash", "@slow"], summary: "Get all the fields in a hash", since: "2.0.0", group: "hash", complexity: "O(N) where N is the size of the hash.", container: "" },
    Spec { name: "hvals", arity: 2, flags: &["readonly"], first: 1, last: 1, step: 1, categories: &["@read", "@hash", "@slow"], summary: "Get all the values in a hash", since: "2.0.0", group: "hash", complexity: "O(N) where N is the size of the hash.", container: "" },
    Spec { name: "hgetall", arity: 2, flags: &["readonly"], first: 1, last: 1, step: 1, categories: &["@read", "@hash", "@slow"], summary: "Get all the fields and values in a hash", since: "2.0.0", group: "hash", complexity: "O(N) where N is the size of the hash.", container: "" },
    Spec { name: "hincrby", arity: 4, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@hash", "@fast"], summary: "Increment the integer value of a hash field by the given number", since: "2.0.0", group: "hash", complexity: "O(1)", container: "" },
    Spec { name: "hincrbyfloat", arity: 4, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@hash", "@fast"], summary: "Increment the float value of a hash field by the given amount", since: "2.6.0", group: "hash", complexity: "O(1)", container: "" },
    Spec { name: "hstrlen", arity: 3, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@read", "@hash", "@fast"], summary: "Get the length of the value of a hash field", since: "3.2.0", group: "hash", complexity: "O(1)", container: "" },
    Spec { name: "hrandfield", arity: -2, flags: &["readonly"], first: 1, last: 1, step: 1, categories: &["@read", "@hash", "@slow"], summary: "Get one or multiple random fields from a hash", since: "6.2.0", group: "hash", complexity: "O(N) where N is the number of fields returned", container: "" },
    Spec { name: "hscan", arity: -3, flags: &["readonly"], first: 1, last: 1, step: 1, categories: &["@read", "@hash", "@slow"], summary: "Incrementally iterate hash fields and associated values", since: "2.8.0", group: "hash", complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", container: "" },
    Spec { name: "hmset", arity: -4, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@hash", "@fast"], summary: "Set multiple hash fields to multiple values", since: "2.0.0", group: "hash", complexity: "O(N) where N is the number of fields being set.", container: "" },
    Spec { name: "sadd", arity: -3, flags: &["write", "denyoom", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@set", "@fast"], summary: "Add one or more members to a set", since: "1.0.0", group: "set", complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", container: "" },
    Spec { name: "srem", arity: -3, flags: &["write", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@set", "@fast"], summary: "Remove one or more members from a set", since: "1.0.0", group: "set", complexity: "O(N) where N is the number of members to be removed.", container: "" },
    Spec { name: "smembers", arity: 2, flags: &["readonly"], first: 1, last: 1, step: 1, categories: &["@read", "@set", "@slow"], summary: "Get all the members in a set", since: "1.0.0", group: "set", complexity: "O(N) where N is the set cardinality.", container: "" },
    Spec { name: "sismember", arity: 3, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@read", "@set", "@fast"], summary: "Determine if a given value is a member of a set", since: "1.0.0", group: "set", complexity: "O(1)", container: "" },
    Spec { name: "smismember", arity: -3, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@read", "@set", "@fast"], summary: "Returns the membership associated with the given elements for a set", since: "6.2.0", group: "set", complexity: "O(N) where N is the number of elements being checked for membership", container: "" },
    Spec { name: "scard", arity: 2, flags: &["readonly", "fast"], first: 1, last: 1, step: 1, categories: &["@read", "@set", "@fast"], summary: "Get the number of members in a set", since: "1.0.0", group: "set", complexity: "O(1)", container: "" },
    Spec { name: "spop", arity: -2, flags: &["write", "fast"], first: 1, last: 1, step: 1, categories: &["@write", "@set", "@fast"], summary: "Remove and return one or multiple random members from a set", since: "1.0.0", group: "set", complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", container: "" },
    Spec { name: "srandmember", arity: -2, flags: &["readonly"], first: 1, last: 1, step: 1, categories: &["@read", "@set", "@slow"], summary: "Get one or multiple random members from a set", since: "1.0.0", group: "set", complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.", container: "" },
    Spec { name: "smove", arity: 4, flags: &["write", "fast"], first: 1, last: 2, step: 1, categories: &["@write", "@set", "@fast"], summary: "Move a member from one set to another", since: "1.0.0", group: "set", complexity: "O(1)", container: "" },
    Spec { name: "sinter", arity: -2, flags: &["readonly"], first: 1, last: -1, step: 1, categories: &["@read", "@set", "@slow"], summary: "Intersect multiple sets", since: "1.0.0", group: "set", complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", container: "" },
    Spec { name: "sinterstore", arity: -3, flags: &["write", "denyoom"], first: 1, last: -1, step: 1, categories: &["@write", "@set", "@slow"], summary: "Intersect multiple sets and store the resulting set in a key", since: "1.0.0", group: "set", complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", container: "" },
    Spec { name: "sunion", arity: -2, flags: &["readonly"], first: 1, last: -1, step: 1, categories: &["@read", "@set", "@slow"], summary: "Add multiple sets", since: "1.0.0", group: "set", complexity: "O(N) where N is the total number of elements in all given sets.", container: "" },
    Spec { name: "sunionstore", arity: -3, flags: &["write", "denyoom"], first: 1, last: -1, step: 1, categories: &["@write", "@set", "@slow"], summary: "Add multiple sets and store the resulting set in a key", since: "1.0.0", group: "set", complexity: "O(N) where N is the total number of elements in all given sets.", container: "" },
    Spec { name: "sdiff", arity: -2, flags: &["readonly"], first: 1, last: -1, step: 1, categories: &["@read", "@set", "@slow"], summary: "Subtract multiple sets", since: "1.0.0", group: "set", complexity: "O(N) where N is the total number of elements in all given sets.", container: "" },
    Spec { name: "sdiffstore", arity: -3, flags: &["write", "denyoom"], first: 1, last: -1, step: 1, categories: &["@write", "@set", "@slow"], summary: "Subtract multiple sets and store the resulting set in a key", since: "1.0.0", group: "set", complexity: "O(N) where N is the total number of elements in all given sets.", container: "" },
    Spec { name: "sscan", arity: -3, flags: &["readonly"], first: 1, last: 1, step: 1, categories: &["@read", "@set", "@slow"], summary: "Incrementally iterate Set elements", since: "2.8.0", group: "set", complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", container: "" },
    Spec { name: "ping", arity: -1, flags: &["fast"], first: 0, last: 0, step: 0, categories: &["@fast", "@connection"], summary: "Ping the server", since: "1.0.0", group: "connection", complexity: "O(1)", container: "" },
    Spec { name: "echo", arity: 2, flags: &["loading", "stale", "fast"], first: 0, last: 0, step: 0, categories: &["@fast", "@connection"], summary: "Echo the given string", since: "1.0.0", group: "connection", complexity: "O(1)", container: "" },
    Spec { name: "quit", arity: -1, flags: &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], first: 0, last: 0, step: 0, categories: &["@fast", "@connection"], summary: "Close the connection", since: "1.0.0", group: "connection", complexity: "O(1)", container: "" },
    Spec { name: "select", arity: 2, flags: &["loading", "stale", "fast"], first: 0, last: 0, step: 0, categories: &["@fast", "@connection"], summary: "Change the selected database for the current connection", since: "1.0.0", group: "connection", complexity: "O(1)", container: "" },
    Spec { name: "hello", arity: -1, flags: &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], first: 0, last: 0, step: 0, categories: &["@fast", "@connection"], summary: "Handshake with Redis", since: "6.0.0", group: "connection", complexity: "O(1)", container: "" },
    Spec { name: "auth", arity: -2, flags: &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], first: 0, last: 0, step: 0, categories: &["@fast", "@connection"], summary: "Authenticate to the server", since: "1.0.0", group: "connection", complexity: "O(N) where N is the number of passwords defined for the user", container: "" },
    Spec { name: "dbsize", arity: 1, flags: &["readonly", "fast"], first: 0, last: 0, step: 0, categories: &["@keyspace", "@read", "@fast"], summary: "Return the number of keys in the selected database", since: "1.0.0", group: "server", complexity: "O(1)", container: "" },
    Spec { name: "flushdb", arity: -1, flags: &["write"], first: 0, last: 0, step: 0, categories: &["@keyspace", "@write", "@slow", "@dangerous"], summary: "Remove all keys from the current database", since: "1.0.0", group: "server", complexity: "O(N) where N is the number of keys in the selected database", container: "" },
    Spec { name: "flushall", arity: -1, flags: &["write"], first: 0, last: 0, step: 0, categories: &["@keyspace", "@write", "@slow", "@dangerous"], summary: "Remove all keys from all databases", since: "1.0.0", group: "server", complexity: "O(N) where N is the total number of keys in all databases", container: "" },
    Spec { name: "time", arity: 1, flags: &["loading", "stale", "fast"], first: 0, last: 0, step: 0, categories: &["@fast"], summary: "Return the current server time", since: "2.6.0", group: "server", complexity: "O(1)", container: "" },
    Spec { name: "info", arity: -1, flags: &["loading", "stale"], first: 0, last: 0, step: 0, categories: &["@slow", "@dangerous"], summary: "Get information and statistics about the server", since: "1.0.0", group: "server", complexity: "O(1)", container: "" },
    Spec { name: "config", arity: -2, flags: &[], first: 0, last: 0, step: 0, categories: &["@slow"], summary: "A container for server configuration commands", since: "2.0.0", group: "server", complexity: "Depends on subcommand.", container: "" },
    Spec { name: "command", arity: -1, flags: &["loading", "stale"], first: 0, last: 0, step: 0, categories: &["@slow", "@connection"], summary: "Get array of Redis command details", since: "2.8.13", group: "server", complexity: "O(N) where N is the total number of Redis commands", container: "" },
    Spec { name: "subscribe", arity: -2, flags: &["pubsub", "noscript", "loading", "stale"], first: 0, last: 0, step: 0, categories: &["@pubsub", "@slow"], summary: "Listen for messages published to the given channels", since: "2.0.0", group: "pubsub", complexity: "O(N) where N is the number of channels to subscribe to.", container: "" },
    Spec { name: "unsubscribe", arity: -1, flags: &["pubsub", "noscript", "loading", "stale"], first: 0, last: 0, step: 0, categories: &["@pubsub", "@slow"], summary: "Stop listening for messages posted to the given channels", since: "2.0.0", group: "pubsub", complexity: "O(N) where N is the number of clients already subscribed to a channel.", container: "" },
    Spec { name: "psubscribe", arity: -2, flags: &["pubsub", "noscript", "loading", "stale"], first: 0, last: 0, step: 0, categories: &["@pubsub", "@slow"], summary: "Listen for messages published to channels matching the given patterns", since: "2.0.0", group: "pubsub", complexity: "O(N) where N is the number of patterns the client is already subscribed to.", container: "" },
    Spec { name: "punsubscribe", arity: -1, flags: &["pubsub", "noscript", "loading", "stale"], first: 0, last: 0, step: 0, categories: &["@pubsub", "@slow"], summary: "Stop listening for messages posted to channels matching the given patterns", since: "2.0.0", group: "pubsub", complexity: "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).", container: "" },
    Spec { name: "publish", arity: 3, flags: &["pubsub", "loading", "stale", "fast"], first: 0, last: 0, step: 0, categories: &["@pubsub", "@fast"], summary: "Post a message to a channel", since: "2.0.0", group: "pubsub", complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).", container: "" },
    Spec { name: "pubsub", arity: -2, flags: &[], first: 0, last: 0, step: 0, categories: &["@slow"], summary: "A container for Pub/Sub commands", since: "2.8.0", group: "pubsub", complexity: "Depends on subcommand.", container: "" },
    Spec { name: "reset", arity: 1, flags: &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], first: 0, last: 0, step: 0, categories: &["@fast", "@connection"], summary: "Reset the connection", since: "6.2.0", group: "connection", complexity: "O(1)", container: "" },
    Spec { name: "client", arity: -2, flags: &[], first: 0, last: 0, step: 0, categories: &["@slow"], summary: "A container for client connection commands", since: "2.4.0", group: "connection", complexity: "Depends on subcommand.", container: "" },
];

/// A command, by its place in [`SPECS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// `APPEND`.
    Append,
    /// `DECR`.
    Decr,
    /// `DECRBY`.
    Decrby,
    /// `GET`.
    Get,
    /// `GETDEL`.
    Getdel,
    /// `GETEX`.
    Getex,
    /// `GETRANGE`.
    Getrange,
    /// `GETSET`.
    Getset,
    /// `INCR`.
    Incr,
    /// `INCRBY`.
    Incrby,
    /// `INCRBYFLOAT`.
    Incrbyfloat,
    /// `LCS`.
    Lcs,
    /// `MGET`.
    Mget,
    /// `MSET`.
    Mset,
    /// `MSETNX`.
    Msetnx,
    /// `PSETEX`.
    Psetex,
    /// `SET`.
    Set,
    /// `SETEX`.
    Setex,
    /// `SETNX`.
    Setnx,
    /// `SETRANGE`.
    Setrange,
    /// `STRLEN`.
    Strlen,
    /// `SUBSTR`.
    Substr,
    /// `COPY`.
    Copy,
    /// `DEL`.
    Del,
    /// `EXISTS`.
    Exists,
    /// `EXPIRE`.
    Expire,
    /// `EXPIREAT`.
    Expireat,
    /// `EXPIRETIME`.
    Expiretime,
    /// `MOVE`.
    Move,
    /// `KEYS`.
    Keys,
    /// `PERSIST`.
    Persist,
    /// `PEXPIRE`.
    Pexpire,
    /// `PEXPIREAT`.
    Pexpireat,
    /// `PEXPIRETIME`.
    Pexpiretime,
    /// `PTTL`.
    Pttl,
    /// `RANDOMKEY`.
    Randomkey,
    /// `RENAME`.
    Rename,
    /// `RENAMENX`.
    Renamenx,
    /// `SCAN`.
    Scan,
    /// `TOUCH`.
    Touch,
    /// `TTL`.
    Ttl,
    /// `TYPE`.
    Type,
    /// `UNLINK`.
    Unlink,
    /// `LPUSH`.
    Lpush,
    /// `RPUSH`.
    Rpush,
    /// `LPUSHX`.
    Lpushx,
    /// `RPUSHX`.
    Rpushx,
    /// `LPOP`.
    Lpop,
    /// `RPOP`.
    Rpop,
    /// `LLEN`.
    Llen,
    /// `LRANGE`.
    Lrange,
    /// `LINDEX`.
    Lindex,
    /// `LSET`.
    Lset,
    /// `LREM`.
    Lrem,
    /// `LTRIM`.
    Ltrim,
    /// `LINSERT`.
    Linsert,
    /// `LPOS`.
    Lpos,
    /// `LMOVE`.
    Lmove,
    /// `RPOPLPUSH`.
    Rpoplpush,
    /// `BLPOP`.
    Blpop,
    /// `BRPOP`.
    Brpop,
    /// `BLMOVE`.
    Blmove,
    /// `BRPOPLPUSH`.
    Brpoplpush,
    /// `HSET`.
    Hset,
    /// `HSETNX`.
    Hsetnx,
    /// `HGET`.
    Hget,
    /// `HMGET`.
    Hmget,
    /// `HDEL`.
    Hdel,
    /// `HEXISTS`.
    Hexists,
    /// `HLEN`.
    Hlen,
    /// `HKEYS`.
    Hkeys,
    /// `HVALS`.
    Hvals,
    /// `HGETALL`.
    Hgetall,
    /// `HINCRBY`.
    Hincrby,
    /// `HINCRBYFLOAT`.
    Hincrbyfloat,
    /// `HSTRLEN`.
    Hstrlen,
    /// `HRANDFIELD`.
    Hrandfield,
    /// `HSCAN`.
    Hscan,
    /// `HMSET`.
    Hmset,
    /// `SADD`.
    Sadd,
    /// `SREM`.
    Srem,
    /// `SMEMBERS`.
    Smembers,
    /// `SISMEMBER`.
    Sismember,
    /// `SMISMEMBER`.
    Smismember,
    /// `SCARD`.
    Scard,
    /// `SPOP`.
    Spop,
    /// `SRANDMEMBER`.
    Srandmember,
    /// `SMOVE`.
    Smove,
    /// `SINTER`.
    Sinter,
    /// `SINTERSTORE`.
    Sinterstore,
    /// `SUNION`.
    Sunion,
    /// `SUNIONSTORE`.
    Sunionstore,
    /// `SDIFF`.
    Sdiff,
    /// `SDIFFSTORE`.
    Sdiffstore,
    /// `SSCAN`.
    Sscan,
    /// `PING`.
    Ping,
    /// `ECHO`.
    Echo,
    /// `QUIT`.
    Quit,
    /// `SELECT`.
    Select,
    /// `HELLO`.
    Hello,
    /// `AUTH`.
    Auth,
    /// `DBSIZE`.
    Dbsize,
    /// `FLUSHDB`.
    Flushdb,
    /// `FLUSHALL`.
    Flushall,
    /// `TIME`.
    Time,
    /// `INFO`.
    Info,
    /// `CONFIG`.
    Config,
    /// `COMMAND`.
    Command,
    /// `SUBSCRIBE`.
    Subscribe,
    /// `UNSUBSCRIBE`.
    Unsubscribe,
    /// `PSUBSCRIBE`.
    Psubscribe,
    /// `PUNSUBSCRIBE`.
    Punsubscribe,
    /// `PUBLISH`.
    Publish,
    /// `PUBSUB`.
    Pubsub,
    /// `RESET`.
    Reset,
    /// `CLIENT`.
    Client,
}

impl Cmd {
    /// Looks up a lower-case command name.
    #[inline]
    pub fn lookup(name: &[u8]) -> Option<Cmd> {
        Some(match name {
            b"append" => Cmd::Append,
            b"decr" => Cmd::Decr,
            b"decrby" => Cmd::Decrby,
            b"get" => Cmd::Get,
            b"getdel" => Cmd::Getdel,
            b"getex" => Cmd::Getex,
            b"getrange" => Cmd::Getrange,
            b"getset" => Cmd::Getset,
            b"incr" => Cmd::Incr,
            b"incrby" => Cmd::Incrby,
            b"incrbyfloat" => Cmd::Incrbyfloat,
            b"lcs" => Cmd::Lcs,
            b"mget" => Cmd::Mget,
            b"mset" => Cmd::Mset,
            b"msetnx" => Cmd::Msetnx,
            b"psetex" => Cmd::Psetex,
            b"set" => Cmd::Set,
            b"setex" => Cmd::Setex,
            b"setnx" => Cmd::Setnx,
            b"setrange" => Cmd::Setrange,
            b"strlen" => Cmd::Strlen,
            b"substr" => Cmd::Substr,
            b"copy" => Cmd::Copy,
            b"del" => Cmd::Del,
            b"exists" => Cmd::Exists,
            b"expire" => Cmd::Expire,
            b"expireat" => Cmd::Expireat,
            b"expiretime" => Cmd::Expiretime,
            b"move" => Cmd::Move,
            b"keys" => Cmd::Keys,
            b"persist" => Cmd::Persist,
            b"pexpire" => Cmd::Pexpire,
            b"pexpireat" => Cmd::Pexpireat,
            b"pexpiretime" => Cmd::Pexpiretime,
            b"pttl" => Cmd::Pttl,
            b"randomkey" => Cmd::Randomkey,
            b"rename" => Cmd::Rename,
            b"renamenx" => Cmd::Renamenx,
            b"scan" => Cmd::Scan,
            b"touch" => Cmd::Touch,
            b"ttl" => Cmd::Ttl,
            b"type" => Cmd::Type,
            b"unlink" => Cmd::Unlink,
            b"lpush" => Cmd::Lpush,
            b"rpush" => Cmd::Rpush,
            b"lpushx" => Cmd::Lpushx,
            b"rpushx" => Cmd::Rpushx,
            b"lpop" => Cmd::Lpop,
            b"rpop" => Cmd::Rpop,
            b"llen" => Cmd::Llen,
            b"lrange" => Cmd::Lrange,
            b"lindex" => Cmd::Lindex,
            b"lset" => Cmd::Lset,
            b"lrem" => Cmd::Lrem,
            b"ltrim" => Cmd::Ltrim,
            b"linsert" => Cmd::Linsert,
            b"lpos" => Cmd::Lpos,
            b"lmove" => Cmd::Lmove,
            b"rpoplpush" => Cmd::Rpoplpush,
            b"blpop" => Cmd::Blpop,
            b"brpop" => Cmd::Brpop,
            b"blmove" => Cmd::Blmove,
            b"brpoplpush" => Cmd::Brpoplpush,
            b"hset" => Cmd::Hset,
            b"hsetnx" => Cmd::Hsetnx,
            b"hget" => Cmd::Hget,
            b"hmget" => Cmd::Hmget,
            b"hdel" => Cmd::Hdel,
            b"hexists" => Cmd::Hexists,
            b"hlen" => Cmd::Hlen,
            b"hkeys" => Cmd::Hkeys,
            b"hvals" => Cmd::Hvals,
            b"hgetall" => Cmd::Hgetall,
            b"hincrby" => Cmd::Hincrby,
            b"hincrbyfloat" => Cmd::Hincrbyfloat,
            b"hstrlen" => Cmd::Hstrlen,
            b"hrandfield" => Cmd::Hrandfield,
            b"hscan" => Cmd::Hscan,
            b"hmset" => Cmd::Hmset,
            b"sadd" => Cmd::Sadd,
            b"srem" => Cmd::Srem,
            b"smembers" => Cmd::Smembers,
            b"sismember" => Cmd::Sismember,
            b"smismember" => Cmd::Smismember,
            b"scard" => Cmd::Scard,
            b"spop" => Cmd::Spop,
            b"srandmember" => Cmd::Srandmember,
            b"smove" => Cmd::Smove,
            b"sinter" => Cmd::Sinter,
            b"sinterstore" => Cmd::Sinterstore,
            b"sunion" => Cmd::Sunion,
            b"sunionstore" => Cmd::Sunionstore,
            b"sdiff" => Cmd::Sdiff,
            b"sdiffstore" => Cmd::Sdiffstore,
            b"sscan" => Cmd::Sscan,
            b"ping" => Cmd::Ping,
            b"echo" => Cmd::Echo,
            b"quit" => Cmd::Quit,
            b"select" => Cmd::Select,
            b"hello" => Cmd::Hello,
            b"auth" => Cmd::Auth,
            b"dbsize" => Cmd::Dbsize,
            b"flushdb" => Cmd::Flushdb,
            b"flushall" => Cmd::Flushall,
            b"time" => Cmd::Time,
            b"info" => Cmd::Info,
            b"config" => Cmd::Config,
            b"command" => Cmd::Command,
            b"subscribe" => Cmd::Subscribe,
            b"unsubscribe" => Cmd::Unsubscribe,
            b"psubscribe" => Cmd::Psubscribe,
            b"punsubscribe" => Cmd::Punsubscribe,
            b"publish" => Cmd::Publish,
            b"pubsub" => Cmd::Pubsub,
            b"reset" => Cmd::Reset,
            b"client" => Cmd::Client,
            _ => return None,
        })
    }

    /// The command's description.
    #[inline]
    pub fn spec(self) -> &'static Spec {
        &SPECS[self as usize]
    }
}

/// The full name (`get`, `client|list`) of the command or subcommand numbered `code`
/// ([`Cmd`]'s place in [`SPECS`], or [`SPECS`]' length plus a place in
/// [`SUBCOMMANDS`]), `NULL` for [`NO_CMD`] or any other number.
pub fn code_name(code: u16) -> &'static str {
    let code = usize::from(code);
    match SPECS.get(code) {
        Some(s) => s.name,
        None => SUBCOMMANDS.get(code - SPECS.len()).map_or("NULL", |s| s.name),
    }
}

/// The code of the command `cmd` was called as: its subcommand's when it is a
/// container and `sub` names one it has (`None` is the code's [`NO_CMD`] then, as
/// Redis records no command for an unknown subcommand), `cmd`'s own otherwise.
#[cold]
pub fn code_of(cmd: Cmd, sub: Option<&[u8]>) -> u16 {
    let name = cmd.spec().name;
    let Some(sub) = sub else { return cmd as u16 };
    let mut subs = SUBCOMMANDS.iter().enumerate().filter(|(_, s)| s.container == name).peekable();
    if subs.peek().is_none() {
        return cmd as u16;
    }
    subs.find(|(_, s)| sub.eq_ignore_ascii_case(&s.name.as_bytes()[name.len() + 1..]))
        .map_or(NO_CMD, |(i, _)| (SPECS.len() + i) as u16)
}
