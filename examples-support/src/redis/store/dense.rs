//! [`Dense`]: a hash set whose items sit in one vector, in slots a cursor can walk.
//!
//! The items are kept densely in a `Vec`, with a hash table of their positions beside
//! it (the layout of `indexmap`). That gives what Redis's own dictionary gives and a
//! plain hash table does not:
//!
//! - **a stable scan cursor**: `SCAN`, `HSCAN` and `SSCAN` walk the positions from the
//!   last one down. A removal moves the *last* item into the hole, and the last item
//!   has already been visited, so an item present for the whole scan is never missed
//!   (it may be returned twice, as Redis allows); an insertion goes to the end, behind
//!   the cursor, and may be missed, as Redis allows;
//! - **uniform random picks** in O(1) (`RANDOMKEY`, `SPOP`, `SRANDMEMBER`,
//!   `HRANDFIELD`): a random position.
//!
//! Each item's hash is stored beside it, so moving an item never rehashes its key.

use std::hash::{BuildHasher, Hasher};

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::redis::resp::parse_i64;

/// An item of a [`Dense`] set: something with a byte-string key.
pub trait Keyed {
    /// The key the item is found by.
    fn key(&self) -> &[u8];
}

impl Keyed for Box<[u8]> {
    fn key(&self) -> &[u8] {
        self
    }
}

/// A field of a hash and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The field's name.
    pub name: Box<[u8]>,
    /// Its value.
    pub value: Box<[u8]>,
}

impl Keyed for Field {
    fn key(&self) -> &[u8] {
        &self.name
    }
}

/// A set of keyed items, dense in a vector (see the module doc).
#[derive(Clone, Debug)]
pub struct Dense<T> {
    items: Vec<(u64, T)>,
    index: HashTable<usize>,
}

impl<T> Default for Dense<T> {
    fn default() -> Self {
        Dense { items: Vec::new(), index: HashTable::new() }
    }
}

impl<T: Keyed> Dense<T> {
    /// An empty set; allocates nothing.
    pub fn new() -> Dense<T> {
        Dense { items: Vec::new(), index: HashTable::new() }
    }

    /// Number of items.
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Items it has room for without allocating.
    pub fn capacity(&self) -> usize {
        self.items.capacity()
    }

    /// The position of the item with `key` (whose hash is `hash`).
    #[inline]
    pub fn find(&self, hash: u64, key: &[u8]) -> Option<usize> {
        let items = &self.items;
        self.index.find(hash, |&i| items[i].1.key() == key).copied()
    }

    /// The item at position `i`.
    #[inline]
    pub fn at(&self, i: usize) -> &T {
        &self.items[i].1
    }

    /// The item at position `i`, to change (not its key).
    #[inline]
    pub fn at_mut(&mut self, i: usize) -> &mut T {
        &mut self.items[i].1
    }

    /// Adds `item`, whose key is not present and hashes to `hash`; returns its position.
    pub fn push(&mut self, hash: u64, item: T) -> usize {
        let i = self.items.len();
        let items = &self.items;
        self.index.insert_unique(hash, i, |&j| items[j].0);
        self.items.push((hash, item));
        i
    }

    /// Removes the item at position `i` and returns it; the last item takes its place.
    pub fn remove_at(&mut self, i: usize) -> T {
        let hash = self.items[i].0;
        if let Ok(slot) = self.index.find_entry(hash, |&j| j == i) {
            slot.remove();
        }
        let last = self.items.len() - 1;
        if i != last {
            let moved = self.items[last].0;
            if let Some(slot) = self.index.find_mut(moved, |&j| j == last) {
                *slot = i;
            }
        }
        let (_, item) = self.items.swap_remove(i);
        self.shrink();
        item
    }

    /// Removes the item at position `i` and returns it, the items after it moving down
    /// one place: the order of the rest is kept, as in Redis's small encodings, at the
    /// cost of a pass over the index (for small sets). A scan stays sound: an item
    /// moves down only past the cursor's side it was already on, or onto it (seen
    /// twice, as a scan allows).
    pub fn remove_at_in_order(&mut self, i: usize) -> T {
        let hash = self.items[i].0;
        if let Ok(slot) = self.index.find_entry(hash, |&j| j == i) {
            slot.remove();
        }
        for j in self.index.iter_mut() {
            if *j > i {
                *j -= 1;
            }
        }
        let (_, item) = self.items.remove(i);
        self.shrink();
        item
    }

    /// Gives memory back once most of it is unused, so a set that shrank does not keep
    /// what it once held.
    fn shrink(&mut self) {
        if self.items.capacity() > 64 && self.items.len() < self.items.capacity() / 4 {
            self.items.shrink_to(self.items.len() * 2);
            let items = &self.items;
            self.index.shrink_to(items.len() * 2, |&j| items[j].0);
        }
    }

    /// The items in position order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &T> + '_ {
        self.items.iter().map(|(_, t)| t)
    }

    /// The items with their hashes, in position order.
    pub fn iter_hashed(&self) -> impl ExactSizeIterator<Item = (u64, &T)> + '_ {
        self.items.iter().map(|(h, t)| (*h, t))
    }

    /// Keeps the items `keep` approves, in their order: one pass, the index rebuilt.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let items = std::mem::take(&mut self.items);
        self.index.clear();
        for (hash, item) in items {
            if keep(&item) {
                self.push(hash, item);
            }
        }
    }

    /// Removes every item, keeping nothing allocated.
    pub fn clear(&mut self) {
        *self = Dense::new();
    }
}

/// The hasher of the sets inside values (hashes, sets): one process-wide seed, random
/// per process, so a client cannot choose colliding fields.
fn hasher() -> &'static DefaultHashBuilder {
    static HASHER: std::sync::OnceLock<DefaultHashBuilder> = std::sync::OnceLock::new();
    HASHER.get_or_init(DefaultHashBuilder::default)
}

/// The hash of `key` for a set inside a value: its bytes alone, straight into the
/// hasher (as the keyspace hashes a key).
#[inline(always)]
pub fn hash(key: &[u8]) -> u64 {
    let mut h = hasher().build_hasher();
    h.write(key);
    h.finish()
}

/// A set of byte strings (a Redis set).
pub type Members = Dense<Box<[u8]>>;

/// A set of fields with values (a Redis hash).
pub type Fields = Dense<Field>;

impl Members {
    /// Whether `m` is a member.
    pub fn contains(&self, m: &[u8]) -> bool {
        self.find(hash(m), m).is_some()
    }

    /// Adds `m`; returns whether it was new.
    pub fn insert(&mut self, m: &[u8]) -> bool {
        let h = hash(m);
        if self.find(h, m).is_some() {
            return false;
        }
        self.push(h, m.into());
        true
    }

    /// The members in the order Redis gives a whole set: ascending for one it would
    /// keep as an intset (at most [`INTSET_ENTRIES`] members, all integers as
    /// `string2ll` reads them), in position order otherwise (a hash table's, which a
    /// client cannot rely on).
    pub fn for_each_in_order<'s>(&'s self, mut f: impl FnMut(&'s [u8])) {
        match self.as_intset() {
            Some(sorted) => sorted.into_iter().for_each(|(_, m)| f(m)),
            None => self.iter().for_each(|m| f(m)),
        }
    }

    /// Whether Redis would keep this set as an intset.
    pub fn is_intset(&self) -> bool {
        self.len() <= INTSET_ENTRIES && self.iter().all(|m| parse_i64(m).is_some())
    }

    /// The members with their values, ascending, if Redis would keep the set as an
    /// intset.
    fn as_intset(&self) -> Option<Vec<(i64, &[u8])>> {
        if self.len() > INTSET_ENTRIES {
            return None;
        }
        let mut all = self.iter().map(|m| Some((parse_i64(m)?, &m[..]))).collect::<Option<Vec<_>>>()?;
        all.sort_unstable_by_key(|&(n, _)| n);
        Some(all)
    }

    /// Removes `m`; returns whether it was there.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match self.find(hash(m), m) {
            Some(i) => {
                self.remove_at(i);
                true
            }
            None => false,
        }
    }
}

impl Fields {
    /// The value of field `name`.
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.find(hash(name), name).map(|i| &self.at(i).value[..])
    }

    /// Sets field `name` to `value`; returns whether the field was new.
    pub fn set(&mut self, name: &[u8], value: &[u8]) -> bool {
        let h = hash(name);
        match self.find(h, name) {
            Some(i) => {
                // A value of the same length is copied over the old one: no
                // allocation and no free.
                let slot = &mut self.at_mut(i).value;
                if slot.len() == value.len() {
                    slot.copy_from_slice(value);
                } else {
                    *slot = value.into();
                }
                false
            }
            None => {
                self.push(h, Field { name: name.into(), value: value.into() });
                true
            }
        }
    }

    /// Removes field `name`; returns whether it was there. A small hash keeps the
    /// order of the fields left, as Redis's listpack does.
    pub fn remove(&mut self, name: &[u8]) -> bool {
        match self.find(hash(name), name) {
            Some(i) if self.len() <= LISTPACK_ENTRIES => {
                self.remove_at_in_order(i);
                true
            }
            Some(i) => {
                self.remove_at(i);
                true
            }
            None => false,
        }
    }

    /// Whether Redis would keep this hash as a listpack (at most
    /// [`LISTPACK_ENTRIES`] fields, none of whose names or values is longer than
    /// [`LISTPACK_VALUE`] bytes): its order is then the order of insertion, which a
    /// scan returns whole.
    pub fn is_listpack(&self) -> bool {
        self.len() <= LISTPACK_ENTRIES
            && self.iter().all(|f| f.name.len() <= LISTPACK_VALUE && f.value.len() <= LISTPACK_VALUE)
    }
}

/// Redis's `hash-max-listpack-entries`.
pub const LISTPACK_ENTRIES: usize = 128;
/// Redis's `hash-max-listpack-value`.
pub const LISTPACK_VALUE: usize = 64;
/// Redis's `set-max-intset-entries`.
pub const INTSET_ENTRIES: usize = 512;

/// Scans positions of a [`Dense`] from the top down: starting at `cursor` (the number
/// of positions still to visit, or anything above the length to start at the top),
/// calls `f` with up to `count` items; returns the next cursor, 0 when done.
pub fn scan<T: Keyed>(set: &Dense<T>, cursor: u64, count: usize, mut f: impl FnMut(&T)) -> u64 {
    let mut left = cursor.min(set.len() as u64) as usize;
    let mut n = 0;
    while left > 0 && n < count {
        left -= 1;
        f(set.at(left));
        n += 1;
    }
    left as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removal_in_order_keeps_the_order_and_the_index() {
        let mut s = Members::new();
        for i in 0..100u32 {
            s.insert(&i.to_be_bytes());
        }
        for gone in [0u32, 50, 99, 7, 8, 9] {
            let i = s.find(hash(&gone.to_be_bytes()), &gone.to_be_bytes()).unwrap();
            assert_eq!(&s.remove_at_in_order(i)[..], gone.to_be_bytes());
        }
        let left: Vec<u32> = s.iter().map(|m| u32::from_be_bytes(m[..].try_into().unwrap())).collect();
        let want: Vec<u32> = (0..100).filter(|i| ![0, 50, 99, 7, 8, 9].contains(i)).collect();
        assert_eq!(left, want);
        for (pos, m) in s.iter().enumerate() {
            assert_eq!(s.find(hash(m), m), Some(pos), "{m:?}");
        }
    }

    #[test]
    fn a_small_set_of_integers_comes_ascending_and_any_other_in_position_order() {
        let order = |s: &Members| {
            let mut v = Vec::new();
            s.for_each_in_order(|m| v.push(String::from_utf8_lossy(m).into_owned()));
            v
        };
        let mut s = Members::new();
        for m in ["30", "-5", "1", "9223372036854775807", "-9223372036854775808"] {
            s.insert(m.as_bytes());
        }
        assert!(s.is_intset());
        assert_eq!(order(&s), ["-9223372036854775808", "-5", "1", "30", "9223372036854775807"]);
        // Not integers as `string2ll` reads them: position order.
        for odd in ["01", "+1", "x", " 1", "9223372036854775808"] {
            let mut t = s.clone();
            t.insert(odd.as_bytes());
            assert!(!t.is_intset(), "{odd}");
            assert_eq!(order(&t).last().map(String::as_str), Some(odd));
        }
        // Past 512 members: position order.
        let mut big = Members::new();
        for i in (0..=INTSET_ENTRIES as i64).rev() {
            big.insert(i.to_string().as_bytes());
        }
        assert!(!big.is_intset());
        assert_eq!(order(&big)[0], INTSET_ENTRIES.to_string());
    }

    #[test]
    fn a_field_set_again_has_the_new_value_whatever_its_length() {
        let mut h = Fields::new();
        assert!(h.set(b"f", b"abc"));
        assert!(!h.set(b"f", b"xyz"), "same length: copied over");
        assert_eq!(h.get(b"f"), Some(&b"xyz"[..]));
        assert!(!h.set(b"f", b"longer value"));
        assert_eq!(h.get(b"f"), Some(&b"longer value"[..]));
        assert!(!h.set(b"f", b""));
        assert_eq!(h.get(b"f"), Some(&b""[..]));
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn removal_keeps_every_position_found() {
        let mut s = Members::new();
        for i in 0..1000u32 {
            assert!(s.insert(&i.to_be_bytes()));
        }
        for i in (0..1000u32).step_by(3) {
            assert!(s.remove(&i.to_be_bytes()));
        }
        for i in 0..1000u32 {
            assert_eq!(s.contains(&i.to_be_bytes()), i % 3 != 0, "{i}");
        }
        assert_eq!(s.len(), 666);
    }

    #[test]
    fn a_scan_misses_nothing_that_stays() {
        let mut s = Members::new();
        for i in 0..200u32 {
            s.insert(&i.to_be_bytes());
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = u64::MAX;
        let mut removed = 0u32;
        loop {
            cursor = scan(&s, cursor, 7, |m| {
                seen.insert(m.to_vec());
            });
            // Remove members from both ends while the scan runs.
            for k in [removed, 199 - removed] {
                s.remove(&k.to_be_bytes());
            }
            removed += 1;
            if cursor == 0 {
                break;
            }
        }
        for i in removed..200 - removed {
            assert!(seen.contains(&i.to_be_bytes()[..]), "{i} missed");
        }
    }
}
