//! The Listener hub's callbacks, signed as Standard Webhooks: `webhook-signature` holds
//! space-separated `v1,<base64 HMAC-SHA256>` entries over `{webhook-id}.{webhook-timestamp}.{body}`,
//! keyed with the base64-decoded part of the subscription's `whsec_` secret. One matching entry
//! suffices (a sender rotating its secret signs with both).

use std::time::{Duration, SystemTime};

use crate::unix_seconds;

use aws_lc_rs::{constant_time, hmac};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;

/// Prefix of a Standard Webhooks symmetric secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// How far `webhook-timestamp` may be from the receiver's clock, either way: enough for clock
/// skew and a slow delivery, short enough that a captured delivery cannot be replayed later.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";

/// Why a delivery is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the secret is not base64 (after an optional whsec_ prefix)")]
    InvalidSecret,
    #[error("header {0} is missing or not text")]
    MissingHeader(&'static str),
    #[error("webhook-timestamp is not a number of seconds")]
    InvalidTimestamp,
    #[error("webhook-timestamp is older than the tolerance")]
    TimestampTooOld,
    #[error("webhook-timestamp is further ahead than the tolerance")]
    TimestampInFuture,
    #[error("no v1 signature matches")]
    NoMatchingSignature,
}

/// Verifies the deliveries of one subscription, whose secret it holds.
pub struct WebhookVerifier {
    key: hmac::Key,
    tolerance: Duration,
}

impl WebhookVerifier {
    /// `secret` as the hub gave it: `whsec_` and base64 (a bare base64 key is accepted too, as
    /// the platform's signer accepts it).
    pub fn new(secret: &str) -> Result<Self, WebhookError> {
        let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| WebhookError::InvalidSecret)?;
        if key.is_empty() {
            return Err(WebhookError::InvalidSecret);
        }
        Ok(Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, &key),
            tolerance: DEFAULT_TOLERANCE,
        })
    }

    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Verifies a delivery by its headers and raw body (the bytes as received: re-serialized
    /// JSON would not match).
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
        self.verify_at(headers, body, SystemTime::now())
    }

    /// [`Self::verify`] with the receiver's clock at `now`.
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), WebhookError> {
        let header = |name: &'static str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or(WebhookError::MissingHeader(name))
        };
        self.verify_parts(
            header(ID_HEADER)?,
            header(TIMESTAMP_HEADER)?,
            header(SIGNATURE_HEADER)?,
            body,
            now,
        )
    }

    /// Verifies the three header values and the body, for receivers that hold no
    /// [`HeaderMap`].
    pub fn verify_parts(
        &self,
        id: &str,
        timestamp: &str,
        signatures: &str,
        body: &[u8],
        now: SystemTime,
    ) -> Result<(), WebhookError> {
        let sent: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| WebhookError::InvalidTimestamp)?;
        let now = unix_seconds(now);
        let tolerance = i64::try_from(self.tolerance.as_secs()).unwrap_or(i64::MAX);
        if now.saturating_sub(sent) > tolerance {
            return Err(WebhookError::TimestampTooOld);
        }
        if sent.saturating_sub(now) > tolerance {
            return Err(WebhookError::TimestampInFuture);
        }
        // The timestamp is signed as sent, so a reformatted number would not match.
        let mut ctx = hmac::Context::with_key(&self.key);
        for part in [id.as_bytes(), b".", timestamp.as_bytes(), b".", body] {
            ctx.update(part);
        }
        let expected = ctx.sign();
        let matches = signatures
            .split(' ')
            .filter_map(|entry| entry.strip_prefix("v1,"))
            .filter_map(|b64| STANDARD.decode(b64).ok())
            .any(|sig| constant_time::verify_slices_are_equal(&sig, expected.as_ref()).is_ok());
        if matches {
            Ok(())
        } else {
            Err(WebhookError::NoMatchingSignature)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use shared::listener::webhook;
    use std::time::UNIX_EPOCH;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn headers(id: &str, timestamp: i64, signature: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ID_HEADER, HeaderValue::from_str(id).unwrap());
        h.insert(TIMESTAMP_HEADER, HeaderValue::from(timestamp));
        h.insert(SIGNATURE_HEADER, HeaderValue::from_str(signature).unwrap());
        h
    }

    const T: i64 = 1_714_557_600;
    const BODY: &[u8] = br#"{"eventId":"e-1","eventType":"OfferAccepted","event":{}}"#;

    #[test]
    fn accepts_what_the_platform_signs_and_refuses_any_change() {
        let secret = webhook::generate_secret().unwrap();
        let sig = webhook::sign(&secret, "msg_1", T, BODY).unwrap();
        let verifier = WebhookVerifier::new(&secret).unwrap();
        let now = at(T as u64 + 1);

        assert_eq!(
            verifier.verify_at(&headers("msg_1", T, &sig), BODY, now),
            Ok(())
        );
        let tampered = br#"{"eventId":"e-1","eventType":"OfferDeclined","event":{}}"#;
        assert_eq!(
            verifier.verify_at(&headers("msg_1", T, &sig), tampered, now),
            Err(WebhookError::NoMatchingSignature)
        );
        assert_eq!(
            verifier.verify_at(&headers("msg_2", T, &sig), BODY, now),
            Err(WebhookError::NoMatchingSignature)
        );
        assert_eq!(
            verifier.verify_at(&headers("msg_1", T - 1, &sig), BODY, now),
            Err(WebhookError::NoMatchingSignature)
        );
        let other = WebhookVerifier::new(&webhook::generate_secret().unwrap()).unwrap();
        assert_eq!(
            other.verify_at(&headers("msg_1", T, &sig), BODY, now),
            Err(WebhookError::NoMatchingSignature)
        );
    }

    #[test]
    fn the_standard_webhooks_test_vector_verifies() {
        let verifier = WebhookVerifier::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let h = headers(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        );
        assert_eq!(
            verifier.verify_at(&h, br#"{"test": 2432232314}"#, at(1_614_265_330)),
            Ok(())
        );
    }

    #[test]
    fn one_matching_v1_entry_among_several_suffices() {
        let secret = webhook::generate_secret().unwrap();
        let sig = webhook::sign(&secret, "msg_1", T, BODY).unwrap();
        let verifier = WebhookVerifier::new(&secret).unwrap();
        let b64 = sig.strip_prefix("v1,").unwrap();
        let now = at(T as u64);
        // A rotated-out secret's signature, an asymmetric entry, garbage, then the right one.
        let list = format!("v1,AAAA v1a,{b64} nonsense {sig}");
        assert_eq!(
            verifier.verify_at(&headers("msg_1", T, &list), BODY, now),
            Ok(())
        );
        // The right bytes under another version tag do not count.
        let wrong_version = format!("v2,{b64} v1a,{b64}");
        assert_eq!(
            verifier.verify_at(&headers("msg_1", T, &wrong_version), BODY, now),
            Err(WebhookError::NoMatchingSignature)
        );
    }

    #[test]
    fn timestamps_outside_the_tolerance_are_refused_both_ways() {
        let secret = webhook::generate_secret().unwrap();
        let sig = webhook::sign(&secret, "msg_1", T, BODY).unwrap();
        let verifier = WebhookVerifier::new(&secret).unwrap();
        let h = headers("msg_1", T, &sig);
        let t = T as u64;
        assert_eq!(verifier.verify_at(&h, BODY, at(t + 300)), Ok(()));
        assert_eq!(verifier.verify_at(&h, BODY, at(t - 300)), Ok(()));
        assert_eq!(
            verifier.verify_at(&h, BODY, at(t + 301)),
            Err(WebhookError::TimestampTooOld)
        );
        assert_eq!(
            verifier.verify_at(&h, BODY, at(t - 301)),
            Err(WebhookError::TimestampInFuture)
        );
        let strict = WebhookVerifier::new(&secret)
            .unwrap()
            .with_tolerance(Duration::from_secs(10));
        assert_eq!(
            strict.verify_at(&h, BODY, at(t + 11)),
            Err(WebhookError::TimestampTooOld)
        );
        // Against the real clock, a genuine signature from 2024 is a replay.
        assert_eq!(
            verifier.verify(&h, BODY),
            Err(WebhookError::TimestampTooOld)
        );
    }

    #[test]
    fn missing_headers_bad_timestamps_and_bad_secrets_are_refused() {
        let secret = webhook::generate_secret().unwrap();
        let sig = webhook::sign(&secret, "msg_1", T, BODY).unwrap();
        let verifier = WebhookVerifier::new(&secret).unwrap();
        let now = at(T as u64);
        for name in [ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER] {
            let mut h = headers("msg_1", T, &sig);
            h.remove(name);
            assert_eq!(
                verifier.verify_at(&h, BODY, now),
                Err(WebhookError::MissingHeader(name))
            );
        }
        let mut h = headers("msg_1", T, &sig);
        h.insert(TIMESTAMP_HEADER, HeaderValue::from_static("yesterday"));
        assert_eq!(
            verifier.verify_at(&h, BODY, now),
            Err(WebhookError::InvalidTimestamp)
        );
        assert!(matches!(
            WebhookVerifier::new("whsec_not base64!"),
            Err(WebhookError::InvalidSecret)
        ));
        assert!(matches!(
            WebhookVerifier::new("whsec_"),
            Err(WebhookError::InvalidSecret)
        ));
    }
}
