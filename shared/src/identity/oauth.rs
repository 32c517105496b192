//! Machine clients: OAuth2 client credentials for the Event Collector, Notification and
//! Listener APIs.
//!
//! Cognito's token endpoint is not emulated by moto, so the platform issues these tokens
//! itself: a client (bound to one tenant and a set of scopes) proves its secret, and receives
//! an RS256 JWT signed by a KMS asymmetric key. The private key never leaves KMS; verifiers
//! fetch the public key once per container. Secrets are stored as SHA-256 digests: they are
//! 256 random bits, so a slow password hash would add latency without adding security.

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::{constant_time, digest, rand};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use crate::edge::error::ApiError;
use crate::identity::verified::VerifiedTokens;
use crate::infra::aws::Aws;
use crate::infra::config::Config;

/// What a machine client may do. A token carries the scopes granted at issue time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "collector:events")]
    CollectorEvents,
    #[serde(rename = "collector:subscriptions")]
    CollectorSubscriptions,
    #[serde(rename = "collector:jobs")]
    CollectorJobs,
    #[serde(rename = "notification:consent:administrator")]
    NotificationAdministrator,
    #[serde(rename = "notification:consent:consumer")]
    NotificationConsumer,
    #[serde(rename = "listener:events")]
    ListenerEvents,
    #[serde(rename = "listener:hub")]
    ListenerHub,
}

impl Scope {
    pub const ALL: [Scope; 7] = [
        Scope::CollectorEvents,
        Scope::CollectorSubscriptions,
        Scope::CollectorJobs,
        Scope::NotificationAdministrator,
        Scope::NotificationConsumer,
        Scope::ListenerEvents,
        Scope::ListenerHub,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CollectorEvents => "collector:events",
            Scope::CollectorSubscriptions => "collector:subscriptions",
            Scope::CollectorJobs => "collector:jobs",
            Scope::NotificationAdministrator => "notification:consent:administrator",
            Scope::NotificationConsumer => "notification:consent:consumer",
            Scope::ListenerEvents => "listener:events",
            Scope::ListenerHub => "listener:hub",
        }
    }
}

impl FromStr for Scope {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, ApiError> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| {
                ApiError::bad_request(format!("Unknown scope {s}")).with_code("invalid_scope")
            })
    }
}

/// Parses a space-separated scope list (RFC 6749 §3.3), dropping repeats.
pub fn parse_scopes(raw: &str) -> Result<Vec<Scope>, ApiError> {
    let mut scopes = Vec::new();
    for s in raw.split_ascii_whitespace() {
        let scope: Scope = s.parse()?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    Ok(scopes)
}

pub fn join_scopes(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

macro_rules! name_newtype {
    ($(#[$doc:meta])* $name:ident, $what:literal, $format:literal, $valid:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = ApiError;
            fn from_str(s: &str) -> Result<Self, ApiError> {
                let valid: fn(&str) -> bool = $valid;
                if !s.is_empty() && s.chars().count() <= 128 && valid(s) {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(ApiError::bad_request(format!(
                        concat!("Invalid ", $what, " {:?}: expected ", $format),
                        s
                    )))
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(|e: ApiError| serde::de::Error::custom(e.message))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

name_newtype!(
    /// A machine client's id: letters, digits, `.`, `_`, `-` (the Notification API's
    /// `client_id` pattern `^[\p{L}0-9\._\-]+$`), at most 128 characters.
    ClientId,
    "client_id",
    "1 to 128 letters, digits, '.', '_' or '-'",
    |s| s
        .chars()
        .all(|c| c.is_alphabetic() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
);

name_newtype!(
    /// A tenant (the Event Collector's `X-TWC-Tenant`, the token endpoint's realm): ASCII
    /// letters, digits, `.`, `_`, `-`, at most 128 characters.
    TenantId,
    "tenant",
    "1 to 128 ASCII letters, digits, '.', '_' or '-'",
    |s| s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
);

/// A new client secret: 256 random bits, base64url.
pub fn generate_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes).map_err(|_| ApiError::internal("system randomness failed"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a secret.
pub fn hash_secret(secret: &str) -> String {
    let d = digest::digest(&digest::SHA256, secret.as_bytes());
    URL_SAFE_NO_PAD.encode(d.as_ref())
}

/// Compares in constant time, so response timing does not reveal a prefix of the digest.
pub fn secret_matches(secret: &str, stored_hash: &str) -> bool {
    constant_time::verify_slices_are_equal(hash_secret(secret).as_bytes(), stored_hash.as_bytes())
        .is_ok()
}

/// The audience of every machine token.
pub const AUDIENCE: &str = "platform-api";

/// The claims of a machine access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub client_id: ClientId,
    pub tenant: TenantId,
    /// Space-separated scopes.
    pub scope: String,
    pub typ: String,
}

/// Who is calling, from a verified machine token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineIdentity {
    pub client_id: ClientId,
    pub tenant: TenantId,
    pub scopes: Vec<Scope>,
}

impl MachineIdentity {
    /// Refuses a token that was not granted `scope` (403).
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "The token lacks the scope {}",
                scope.as_str()
            )))
        }
    }
}

/// Signs `claims` with the KMS key: `header.claims` signed as RSASSA-PKCS1-v1_5 SHA-256,
/// which is JWS `RS256`.
pub async fn sign<C: Serialize>(aws: &Aws, key_id: &str, claims: &C) -> Result<String, ApiError> {
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": key_id}).to_string();
    let body = serde_json::to_vec(claims).map_err(ApiError::internal)?;
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(body)
    );
    let out = aws
        .kms()
        .await
        .sign()
        .key_id(key_id)
        .message(aws_sdk_kms::primitives::Blob::new(signing_input.as_bytes()))
        .message_type(aws_sdk_kms::types::MessageType::Raw)
        .signing_algorithm(aws_sdk_kms::types::SigningAlgorithmSpec::RsassaPkcs1V15Sha256)
        .send()
        .await
        .map_err(|e| ApiError::internal(format!("KMS Sign: {e:?}")))?;
    let signature = out
        .signature
        .ok_or_else(|| ApiError::internal("KMS Sign returned no signature"))?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.as_ref())
    ))
}

/// The public half of the KMS signing key, as a verifier needs it.
pub async fn public_key(aws: &Aws, key_id: &str) -> Result<DecodingKey, ApiError> {
    let out = aws
        .kms()
        .await
        .get_public_key()
        .key_id(key_id)
        .send()
        .await
        .map_err(|e| ApiError::internal(format!("KMS GetPublicKey: {e:?}")))?;
    let der = out
        .public_key
        .ok_or_else(|| ApiError::internal("KMS returned no public key"))?;
    // KMS returns a DER SubjectPublicKeyInfo; jsonwebtoken reads it as PEM.
    let body = STANDARD.encode(der.as_ref());
    let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str("-----END PUBLIC KEY-----\n");
    DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(ApiError::internal)
}

/// Verifies machine tokens against the KMS key's public half, fetched on first use.
pub struct MachineVerifier {
    key_id: String,
    validation: Validation,
    key: OnceCell<DecodingKey>,
    /// Tokens verified in full: the one key never changes in a container's life, so a token
    /// is answered from here until its `exp`.
    verified: VerifiedTokens<MachineIdentity>,
}

impl MachineVerifier {
    pub fn new(config: &Config) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[&config.token_issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            key_id: config.token_signing_key_id.clone(),
            validation,
            key: OnceCell::new(),
            verified: VerifiedTokens::default(),
        }
    }

    async fn key(&self, aws: &Aws) -> Result<&DecodingKey, ApiError> {
        self.key
            .get_or_try_init(|| public_key(aws, &self.key_id))
            .await
    }

    /// Checks signature, expiry, issuer and audience; any failure is a 401. A token verified
    /// before is checked for its expiry only ([`VerifiedTokens`]).
    pub async fn verify(&self, aws: &Aws, token: &str) -> Result<MachineIdentity, ApiError> {
        let now = crate::kernel::time::now().timestamp();
        if let Some(identity) = self.verified.get(token, now) {
            return Ok(identity);
        }
        let (identity, expires) = self.verify_in_full(aws, token).await?;
        self.verified.insert(token, identity.clone(), expires, now);
        Ok(identity)
    }

    async fn verify_in_full(
        &self,
        aws: &Aws,
        token: &str,
    ) -> Result<(MachineIdentity, i64), ApiError> {
        let key = self.key(aws).await?;
        let data = jsonwebtoken::decode::<AccessClaims>(token, key, &self.validation).map_err(
            |e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => ApiError::unauthorized()
                    .with_code(crate::edge::error::reason::EXPIRED_CREDENTIALS),
                _ => ApiError::unauthorized(),
            },
        )?;
        let claims = data.claims;
        if claims.typ != "Bearer" || claims.sub != claims.client_id.as_str() {
            return Err(ApiError::unauthorized());
        }
        let scopes = parse_scopes(&claims.scope).map_err(|_| ApiError::unauthorized())?;
        let identity = MachineIdentity {
            client_id: claims.client_id,
            tenant: claims.tenant,
            scopes,
        };
        Ok((identity, claims.exp))
    }
}

/// Whether machine clients may still call, remembered per container for a short window, so a
/// deactivated client is refused within seconds (not when its token expires) at the cost of
/// one read per client per window. Deactivation is final, so a refusal is remembered for good.
pub struct ClientStates {
    window: std::time::Duration,
    seen: std::sync::Mutex<std::collections::HashMap<ClientId, (std::time::Instant, bool)>>,
}

/// Bounds the memory one container spends on remembered clients.
const MAX_REMEMBERED_CLIENTS: usize = 10_000;

impl ClientStates {
    pub fn new(window: std::time::Duration) -> Self {
        Self {
            window,
            seen: Default::default(),
        }
    }

    /// Whether `identity`'s client is active and still belongs to the token's tenant;
    /// `load` reads the stored client when the remembered answer is missing or stale.
    pub async fn is_active<F>(&self, identity: &MachineIdentity, load: F) -> Result<bool, ApiError>
    where
        F: Future<Output = Result<Option<ClientRecord>, ApiError>>,
    {
        let remembered = self
            .seen
            .lock()
            .expect("client states lock")
            .get(&identity.client_id)
            .copied();
        match remembered {
            Some((_, false)) => return Ok(false),
            Some((at, true)) if at.elapsed() < self.window => return Ok(true),
            _ => {}
        }
        let active = load
            .await?
            .is_some_and(|c| c.active && c.tenant == identity.tenant);
        let mut seen = self.seen.lock().expect("client states lock");
        if seen.len() >= MAX_REMEMBERED_CLIENTS {
            seen.retain(|_, (_, active)| !*active);
        }
        seen.insert(
            identity.client_id.clone(),
            (std::time::Instant::now(), active),
        );
        Ok(active)
    }
}

/// A registered machine client as stored (the secret only as its digest).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientRecord {
    pub client_id: ClientId,
    pub tenant: TenantId,
    pub scopes: Vec<Scope>,
    pub name: Option<String>,
    pub secret_hash: String,
    pub active: bool,
    #[serde(with = "crate::kernel::time::serde_ts")]
    pub created_at: crate::kernel::time::Timestamp,
}

/// The token request of RFC 6749 §4.4.2, client credentials in the body (§2.3.1).
#[derive(Debug, Default, Deserialize)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scope: Option<String>,
}

/// Decides a client-credentials grant: the client must be active, belong to the realm (its
/// tenant) and prove its secret; the granted scopes are the requested ones (all of the
/// client's when none are asked for), each of which the client must hold.
/// Every credential failure reads the same, so a caller cannot probe which part was wrong.
pub fn grant(
    client: Option<&ClientRecord>,
    realm: &str,
    secret: &str,
    requested: Option<&str>,
) -> Result<Vec<Scope>, ApiError> {
    let invalid = || {
        ApiError::new(crate::ErrorKind::Unauthorized, "Invalid client credentials")
            .with_code("invalid_client")
    };
    let client = client.ok_or_else(invalid)?;
    // Check the secret first and always, so timing does not tell a known client id apart.
    let secret_ok = secret_matches(secret, &client.secret_hash);
    if !secret_ok || !client.active || client.tenant.as_str() != realm {
        return Err(invalid());
    }
    match requested.map(parse_scopes).transpose()? {
        None => Ok(client.scopes.clone()),
        Some(asked) if asked.is_empty() => Ok(client.scopes.clone()),
        Some(asked) => {
            if let Some(extra) = asked.iter().find(|s| !client.scopes.contains(s)) {
                return Err(ApiError::bad_request(format!(
                    "The client may not request the scope {}",
                    extra.as_str()
                ))
                .with_code("invalid_scope"));
            }
            Ok(asked)
        }
    }
}

/// A token issued by the client-credentials grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedToken {
    pub access_token: String,
    /// Seconds it lives.
    pub expires_in: i64,
    /// The scopes granted, space-separated.
    pub scope: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_follow_the_notification_pattern() {
        for ok in ["acme", "a.b_c-1", "Zürich-consumer", "ÉTÉ"] {
            assert!(ok.parse::<ClientId>().is_ok(), "{ok}");
        }
        for bad in ["", "a b", "a/b", "a#b", "x".repeat(129).as_str()] {
            assert!(bad.parse::<ClientId>().is_err(), "{bad}");
        }
        // The refusal names the field, the value and the format it takes.
        let e = "a b".parse::<ClientId>().unwrap_err();
        assert_eq!(
            e.message,
            "Invalid client_id \"a b\": expected 1 to 128 letters, digits, '.', '_' or '-'"
        );
    }

    #[test]
    fn tenants_are_ascii_names() {
        assert!("shop_in-dev.1".parse::<TenantId>().is_ok());
        assert!("Zürich".parse::<TenantId>().is_err());
        assert!("a b".parse::<TenantId>().is_err());
    }

    #[test]
    fn scopes_parse_space_separated_without_repeats() {
        let scopes = parse_scopes(" collector:events  collector:jobs collector:events ").unwrap();
        assert_eq!(scopes, vec![Scope::CollectorEvents, Scope::CollectorJobs]);
        assert_eq!(join_scopes(&scopes), "collector:events collector:jobs");
        let err = parse_scopes("collector:events admin").unwrap_err();
        assert_eq!(err.code, Some("invalid_scope"));
        for s in Scope::ALL {
            assert_eq!(s.as_str().parse::<Scope>().unwrap(), s);
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
    }

    #[test]
    fn secrets_are_random_and_checked_against_their_digest() {
        let a = generate_secret().unwrap();
        let b = generate_secret().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        let stored = hash_secret(&a);
        assert!(!stored.contains(&a));
        assert!(secret_matches(&a, &stored));
        assert!(!secret_matches(&b, &stored));
        assert!(!secret_matches("", &stored));
    }

    fn record(secret: &str) -> ClientRecord {
        ClientRecord {
            client_id: "shop-client".parse().unwrap(),
            tenant: "shop".parse().unwrap(),
            scopes: vec![Scope::CollectorEvents, Scope::CollectorJobs],
            name: None,
            secret_hash: hash_secret(secret),
            active: true,
            created_at: crate::kernel::time::now(),
        }
    }

    #[test]
    fn a_grant_needs_the_right_secret_realm_and_an_active_client() {
        let c = record("s3cret");
        assert_eq!(grant(Some(&c), "shop", "s3cret", None).unwrap(), c.scopes);
        for (client, realm, secret) in [
            (None, "shop", "s3cret"),
            (Some(&c), "other", "s3cret"),
            (Some(&c), "shop", "wrong"),
        ] {
            let e = grant(client, realm, secret, None).unwrap_err();
            assert_eq!(e.code, Some("invalid_client"));
            assert_eq!(e.message, "Invalid client credentials");
        }
        let inactive = ClientRecord {
            active: false,
            ..c.clone()
        };
        assert!(grant(Some(&inactive), "shop", "s3cret", None).is_err());
    }

    #[test]
    fn a_grant_narrows_to_the_requested_scopes_the_client_holds() {
        let c = record("s");
        assert_eq!(
            grant(Some(&c), "shop", "s", Some("collector:jobs")).unwrap(),
            vec![Scope::CollectorJobs]
        );
        assert_eq!(grant(Some(&c), "shop", "s", Some(" ")).unwrap(), c.scopes);
        let e = grant(Some(&c), "shop", "s", Some("collector:events listener:hub")).unwrap_err();
        assert_eq!(e.code, Some("invalid_scope"));
    }

    #[test]
    fn a_missing_scope_is_forbidden() {
        let id = MachineIdentity {
            client_id: "c".parse().unwrap(),
            tenant: "t".parse().unwrap(),
            scopes: vec![Scope::CollectorEvents],
        };
        assert!(id.require(Scope::CollectorEvents).is_ok());
        assert_eq!(
            id.require(Scope::CollectorJobs).unwrap_err().kind,
            crate::ErrorKind::Forbidden
        );
    }
}
