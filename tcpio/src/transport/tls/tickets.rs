//! Session tickets sealed with a key the operator gives, so that every server holding
//! it (the instances behind one balancer, or one server across a restart) resumes the
//! others' sessions. The key is rotated by giving a new one: tickets sealed with the
//! one before still open, those older do not.

use std::fmt;
use std::sync::RwLock;

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};

/// How long a client is told it may keep a ticket: the rotation period the
/// documentation advises, twice over (a ticket opens under the key that sealed it
/// and the one after).
const LIFETIME_SECS: u32 = 24 * 3600;

/// A ticket key: its name (sent in the clear, to pick the key) and the AEAD key.
struct TicketKey {
    name: [u8; 16],
    key: LessSafeKey,
}

impl TicketKey {
    fn new(secret: &[u8; 32]) -> TicketKey {
        let digest = ring::digest::digest(&ring::digest::SHA256, secret);
        let mut name = [0u8; 16];
        name.copy_from_slice(&digest.as_ref()[..16]);
        let key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, secret).expect("a 32-byte key"));
        TicketKey { name, key }
    }
}

/// Seals and opens tickets with the current key, and opens with the previous one.
pub(crate) struct SharedTicketer {
    keys: RwLock<(TicketKey, Option<TicketKey>)>,
    rng: SystemRandom,
}

impl fmt::Debug for SharedTicketer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedTicketer")
    }
}

impl SharedTicketer {
    pub(crate) fn new(secret: &[u8; 32]) -> SharedTicketer {
        SharedTicketer { keys: RwLock::new((TicketKey::new(secret), None)), rng: SystemRandom::new() }
    }

    /// Makes `secret` the key that seals; the one before still opens.
    pub(crate) fn rotate(&self, secret: &[u8; 32]) {
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        let next = TicketKey::new(secret);
        let current = std::mem::replace(&mut keys.0, next);
        keys.1 = Some(current);
    }
}

impl rustls::server::ProducesTickets for SharedTicketer {
    fn enabled(&self) -> bool {
        true
    }

    fn lifetime(&self) -> u32 {
        LIFETIME_SECS
    }

    /// `name ‖ nonce ‖ sealed(plain)`, the name as associated data.
    fn encrypt(&self, plain: &[u8]) -> Option<Vec<u8>> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let key = &keys.0;
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).ok()?;
        let mut out = Vec::with_capacity(16 + NONCE_LEN + plain.len() + 16);
        out.extend_from_slice(&key.name);
        out.extend_from_slice(&nonce);
        let mut sealed = plain.to_vec();
        key.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(&key.name), &mut sealed)
            .ok()?;
        out.extend_from_slice(&sealed);
        Some(out)
    }

    fn decrypt(&self, cipher: &[u8]) -> Option<Vec<u8>> {
        if cipher.len() < 16 + NONCE_LEN + 16 || cipher.len() > 16 * 1024 {
            return None;
        }
        let (name, rest) = cipher.split_at(16);
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let key = [Some(&keys.0), keys.1.as_ref()].into_iter().flatten().find(|k| k.name == name)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = sealed.to_vec();
        let plain = key.key.open_in_place(nonce, Aad::from(&key.name), &mut buf).ok()?;
        Some(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::server::ProducesTickets;

    #[test]
    fn a_ticket_opens_with_its_key_and_the_next_one_only() {
        let a = SharedTicketer::new(&[1; 32]);
        let b = SharedTicketer::new(&[1; 32]);
        let t = a.encrypt(b"session state").unwrap();
        assert_eq!(b.decrypt(&t).as_deref(), Some(&b"session state"[..]), "another server, same key");
        b.rotate(&[2; 32]);
        assert!(b.decrypt(&t).is_some(), "the key before still opens");
        b.rotate(&[3; 32]);
        assert!(b.decrypt(&t).is_none(), "two rotations on, it does not");
        let mut forged = a.encrypt(b"x").unwrap();
        *forged.last_mut().unwrap() ^= 1;
        assert!(a.decrypt(&forged).is_none());
        assert!(a.decrypt(&[0; 10]).is_none());
        assert!(SharedTicketer::new(&[9; 32]).decrypt(&t).is_none(), "another key");
    }
}
