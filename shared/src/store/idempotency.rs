//! Idempotency keys: a retried create answers what the first answered and writes nothing.
//!
//! A request may carry `Idempotency-Key` (this platform's extension to the published APIs, as
//! Stripe and the IETF draft define it). The key is the caller's: it is scoped to the caller's
//! organization, so two organizations never share one. The first request with a key writes a
//! key item in the same transaction as its state change, holding a fingerprint of the request
//! (method, path, body) and the response it is answered with. For 24 hours after, the same key
//! with the same request gets that response again, byte for byte, and writes nothing; the same
//! key with another request is refused (422). Two requests with one key at once: both may
//! decide, only one transaction can write the key item, and the other answers what the winner
//! stored. `shared::edge::keyed::once` runs this around a use case.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::edge::error::ApiError;
use crate::kernel::time::Timestamp;
use crate::store::db::{Cond, Db, Item, Keys, to_item};

/// How long a key and its response are kept.
pub const KEY_TTL_SECONDS: i64 = 24 * 3600;
/// The longest key accepted.
pub const MAX_KEY_CHARS: usize = 255;

/// A request's key, with what identifies the request it was first used for.
#[derive(Clone, Debug)]
pub struct IdempotencyKey {
    scope: String,
    key: String,
    fingerprint: String,
}

impl IdempotencyKey {
    /// The key `key` of the caller `scope` for the request `method path` with `body`: 400 for a
    /// key that is empty, longer than [`MAX_KEY_CHARS`] or not printable ASCII.
    pub fn new(
        scope: &str,
        key: &str,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<Self, ApiError> {
        if key.is_empty() || key.len() > MAX_KEY_CHARS || !key.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(ApiError::bad_request(format!(
                "Idempotency-Key: 1 to {MAX_KEY_CHARS} printable ASCII characters without spaces"
            )));
        }
        let mut request = digest::Context::new(&digest::SHA256);
        for part in [method.as_bytes(), b"\n", path.as_bytes(), b"\n", body] {
            request.update(part);
        }
        Ok(Self {
            scope: scope.to_owned(),
            key: key.to_owned(),
            fingerprint: URL_SAFE_NO_PAD.encode(request.finish().as_ref()),
        })
    }

    fn keys(&self) -> Keys {
        // The key is hashed into the item's key: any printable key fits, at a fixed length.
        let key = digest::digest(&digest::SHA256, self.key.as_bytes());
        Keys::new(
            format!(
                "IDEMP#{}#{}",
                self.scope,
                URL_SAFE_NO_PAD.encode(key.as_ref())
            ),
            "IDEMP",
        )
    }
}

/// The response a key's first request was answered with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    /// The JSON body, as sent.
    pub body: String,
    fingerprint: String,
    /// Epoch seconds after which the key is free again (also the item's TTL).
    ttl: i64,
}

/// What a use case that creates something writes with its state change when its request
/// carries a key: [`Once::write`].
#[derive(Clone, Debug)]
pub struct Once {
    key: IdempotencyKey,
    status: u16,
}

impl Once {
    pub fn new(key: IdempotencyKey, status: u16) -> Self {
        Self { key, status }
    }

    /// The key item holding `response`, rendered as it is sent, with its condition: no live
    /// item with this key (an expired one that TTL has not removed yet may be replaced).
    pub fn write<T: Serialize>(
        &self,
        response: &T,
        now: Timestamp,
    ) -> Result<(Item, Cond), ApiError> {
        let stored = StoredResponse {
            status: self.status,
            body: serde_json::to_string(response).map_err(ApiError::internal)?,
            fingerprint: self.key.fingerprint.clone(),
            ttl: now.timestamp() + KEY_TTL_SECONDS,
        };
        // `ttl` is the table's TTL attribute: DynamoDB removes the item some time after.
        let item = to_item("idempotency_key", &self.key.keys(), &stored)?;
        Ok((item, Cond::ExpiredBy(now.timestamp())))
    }
}

/// The key item of `once` holding `response`, when the request has a key: what a creating
/// use case adds to its transaction.
pub fn key_item<T: Serialize>(
    once: Option<Once>,
    response: &T,
    now: Timestamp,
) -> Result<Option<(Item, Cond)>, ApiError> {
    once.map(|o| o.write(response, now)).transpose()
}

/// The 409 of a request that lost to one with the same key, which `keyed::once` then answers
/// with that request's stored response.
pub fn answered_first() -> ApiError {
    ApiError::conflict("A request with this Idempotency-Key was answered first.")
}

/// After a create carrying `once` lost a race: a 409 when it lost to a request with the same
/// key, which has stored its response by now (`keyed::once` answers with it), so that a retry
/// stops instead of deciding again against its own first request; `Ok` to decide again.
pub async fn check_not_answered(
    db: &Db,
    once: Option<&Once>,
    now: Timestamp,
) -> Result<(), ApiError> {
    let Some(once) = once else {
        return Ok(());
    };
    match stored(db, &once.key, now).await? {
        Some(_) => Err(answered_first()),
        None => Ok(()),
    }
}

/// The live response stored under `key`, if any: 422 when the key was first used for another
/// request.
pub async fn stored(
    db: &Db,
    key: &IdempotencyKey,
    now: Timestamp,
) -> Result<Option<StoredResponse>, ApiError> {
    let keys = key.keys();
    let Some(stored) = db
        .get::<StoredResponse>(&keys.pk, &keys.sk)
        .await?
        .filter(|s| s.ttl > now.timestamp())
    else {
        return Ok(None);
    };
    if stored.fingerprint != key.fingerprint {
        return Err(ApiError::unprocessable(
            "Idempotency-Key was already used with another request; use a new key",
        ));
    }
    Ok(Some(stored))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_printable_bounded_and_fingerprints_its_request() {
        let key = |k: &str, body: &[u8]| IdempotencyKey::new("org", k, "POST", "/x", body);
        assert!(key("", b"{}").is_err());
        assert!(key("has space", b"{}").is_err());
        assert!(key(&"k".repeat(MAX_KEY_CHARS + 1), b"{}").is_err());
        let a = key("retry-1", b"{\"a\":1}").unwrap();
        assert_eq!(
            a.fingerprint,
            key("retry-1", b"{\"a\":1}").unwrap().fingerprint
        );
        assert_ne!(
            a.fingerprint,
            key("retry-1", b"{\"a\":2}").unwrap().fingerprint
        );
        let other_org = IdempotencyKey::new("other", "retry-1", "POST", "/x", b"{}").unwrap();
        assert_ne!(
            a.keys().pk,
            other_org.keys().pk,
            "keys are scoped to their caller"
        );
    }
}
