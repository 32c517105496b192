//! Tokens verified in full, remembered by their exact text. A client sends the same token
//! with every request for as long as it lives, and checking its RSA signature again each time
//! cost about 0.3 M instructions a request (docs/performance.md). A token is answered from here
//! only byte for byte (so with the same signature over the same claims) and before its `exp`;
//! anything else is verified in full. What the remembered value must still satisfy beyond that
//! (an IdToken's key still being in the key set) is the verifier's to check.

use std::collections::HashMap;
use std::sync::Mutex;

/// How many verified tokens a container remembers per verifier (about 1 KB each).
pub const MAX_VERIFIED_TOKENS: usize = 256;

pub struct VerifiedTokens<T> {
    tokens: Mutex<HashMap<String, (T, i64)>>,
}

impl<T> Default for VerifiedTokens<T> {
    fn default() -> Self {
        Self {
            tokens: Mutex::default(),
        }
    }
}

impl<T: Clone> VerifiedTokens<T> {
    /// What `token` was verified as, if it was and has not expired at `now` (seconds since
    /// the epoch); an expired one is forgotten.
    pub fn get(&self, token: &str, now: i64) -> Option<T> {
        let mut tokens = self.tokens.lock().expect("verified tokens lock");
        let (value, expires) = tokens.get(token)?;
        if now >= *expires {
            tokens.remove(token);
            return None;
        }
        Some(value.clone())
    }

    /// Remembers `token`, verified as `value`, until `expires` (its `exp` claim). A full
    /// cache drops its expired tokens first, and everything when none has expired.
    pub fn insert(&self, token: &str, value: T, expires: i64, now: i64) {
        let mut tokens = self.tokens.lock().expect("verified tokens lock");
        if tokens.len() >= MAX_VERIFIED_TOKENS {
            tokens.retain(|_, (_, e)| now < *e);
            if tokens.len() >= MAX_VERIFIED_TOKENS {
                tokens.clear();
            }
        }
        tokens.insert(token.to_owned(), (value, expires));
    }

    pub fn forget(&self, token: &str) {
        self.tokens
            .lock()
            .expect("verified tokens lock")
            .remove(token);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.tokens.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verified_token_is_remembered_until_it_expires() {
        let verified = VerifiedTokens::default();
        verified.insert("a.b.c", "alice", 1_000, 0);
        assert_eq!(verified.get("a.b.c", 999), Some("alice"));
        assert_eq!(verified.get("a.b.c", 1_000), None, "expired at its exp");
        assert_eq!(verified.get("a.b.c", 0), None, "and forgotten");
    }

    #[test]
    fn only_the_same_bytes_hit() {
        let verified = VerifiedTokens::default();
        verified.insert("a.b.c", "alice", 1_000, 0);
        for other in ["a.b.d", "a.b.c ", "A.b.c", "a.b"] {
            assert!(verified.get(other, 0).is_none(), "{other}");
        }
        verified.forget("a.b.c");
        assert!(verified.get("a.b.c", 0).is_none(), "forgotten");
    }

    #[test]
    fn a_full_cache_drops_the_expired_first_and_stays_bounded() {
        let verified = VerifiedTokens::default();
        for i in 0..MAX_VERIFIED_TOKENS {
            let expires = if i % 2 == 0 { 10 } else { 1_000 };
            verified.insert(&format!("t{i}"), i, expires, 0);
        }
        verified.insert("new", 0, 1_000, 20);
        assert_eq!(verified.get("t1", 20), Some(1), "an unexpired token stays");
        assert!(verified.get("t0", 0).is_none(), "an expired one went");
        assert!(verified.get("new", 20).is_some());
        for i in 0..MAX_VERIFIED_TOKENS * 2 {
            verified.insert(&format!("u{i}"), i, 1_000, 20);
        }
        assert!(verified.len() <= MAX_VERIFIED_TOKENS, "{}", verified.len());
    }
}
