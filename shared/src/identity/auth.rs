//! Verifying the Cognito IdToken that AlayaMarket clients send raw in `Authorization`, and
//! the caller identity derived from its claims.

use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use tokio::sync::RwLock;

use crate::edge::error::ApiError;
use crate::identity::verified::VerifiedTokens;
use crate::infra::config::Config;
use crate::kernel::ids::OrgId;

pub const ORG_ADMIN: &str = "org_admin";
/// The user attributes whose claims decide authorization. None may ever be writable by the
/// user (template.yaml; `tests/platform/security.rs` fails if one becomes writable).
pub const AUTHORIZATION_ATTRIBUTES: [&str; 1] = ["custom:organization_id"];
pub const SYS_ADMIN: &str = "sys_admin";

/// Who is calling, from a verified IdToken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub email: String,
    pub name: Option<String>,
    pub groups: Vec<String>,
    pub organization_id: Option<OrgId>,
}

impl Identity {
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    /// A `sys_admin` caller passes; anyone else is refused with 403 (the role is wrong, whatever
    /// the resource).
    pub fn sys_admin(&self) -> Result<(), ApiError> {
        if self.in_group(SYS_ADMIN) {
            Ok(())
        } else {
            Err(ApiError::forbidden("Required role: sys_admin"))
        }
    }

    /// The organization of an `org_admin` caller; anything else is refused.
    pub fn org_admin(&self) -> Result<OrgId, ApiError> {
        if !self.in_group(ORG_ADMIN) {
            return Err(ApiError::forbidden("Required role: org_admin"));
        }
        self.organization_id
            .ok_or_else(|| ApiError::forbidden("The user does not belong to an organization"))
    }
}

#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    token_use: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "cognito:groups")]
    groups: Vec<String>,
    #[serde(default, rename = "custom:organization_id")]
    organization_id: Option<String>,
    exp: i64,
}

/// Keys are fetched on first use and again when a token names an unknown key id, but at most
/// once a minute, so a flood of forged tokens cannot turn into a flood of JWKS requests.
const REFRESH_INTERVAL: Duration = Duration::from_secs(60);

struct Keys {
    set: JwkSet,
    fetched: Instant,
}

pub struct TokenVerifier {
    jwks_url: String,
    validation: Validation,
    keys: RwLock<Option<Keys>>,
    /// Built on first use, with the compiled-in roots of `crate::infra::tls`.
    http: OnceLock<reqwest::Client>,
    /// Tokens verified in full, with the id of the key that signed each.
    verified: VerifiedTokens<(Identity, String)>,
}

impl TokenVerifier {
    pub fn new(config: &Config) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[&config.user_pool_client_id]);
        validation.set_issuer(&[config.issuer()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            jwks_url: config.jwks_url.clone(),
            validation,
            keys: RwLock::new(None),
            http: OnceLock::new(),
            verified: VerifiedTokens::default(),
        }
    }

    async fn fetch(&self) -> Result<JwkSet, ApiError> {
        let http = self.http.get_or_init(|| {
            reqwest::Client::builder()
                .tls_backend_preconfigured(crate::infra::tls::client_config())
                .timeout(Duration::from_secs(5))
                .build()
                .expect("static HTTP client configuration")
        });
        let response = http
            .get(&self.jwks_url)
            .send()
            .await
            .map_err(ApiError::internal)?;
        if !response.status().is_success() {
            return Err(ApiError::internal(format!(
                "JWKS answered {}",
                response.status()
            )));
        }
        response.json::<JwkSet>().await.map_err(ApiError::internal)
    }

    async fn key_for(&self, kid: &str) -> Result<Option<DecodingKey>, ApiError> {
        if let Some(keys) = self.keys.read().await.as_ref() {
            if let Some(jwk) = keys.set.find(kid) {
                return DecodingKey::from_jwk(jwk)
                    .map(Some)
                    .map_err(ApiError::internal);
            }
            if keys.fetched.elapsed() < REFRESH_INTERVAL {
                return Ok(None);
            }
        }
        let mut guard = self.keys.write().await;
        let stale = guard
            .as_ref()
            .is_none_or(|k| k.fetched.elapsed() >= REFRESH_INTERVAL);
        if stale {
            *guard = Some(Keys {
                set: self.fetch().await?,
                fetched: Instant::now(),
            });
        }
        match guard.as_ref().and_then(|k| k.set.find(kid)) {
            Some(jwk) => DecodingKey::from_jwk(jwk)
                .map(Some)
                .map_err(ApiError::internal),
            None => Ok(None),
        }
    }

    /// Whether the key set last fetched still holds key `kid` (a rotated-out key does not).
    async fn still_has_key(&self, kid: &str) -> bool {
        let keys = self.keys.read().await;
        keys.as_ref().is_some_and(|k| k.set.find(kid).is_some())
    }

    /// Checks signature, expiry, issuer, audience and that it is an ID token; a token verified
    /// before is checked for its expiry and key only ([`VerifiedTokens`]).
    pub async fn verify(&self, token: &str) -> Result<Identity, ApiError> {
        let now = crate::kernel::time::now().timestamp();
        if let Some((identity, kid)) = self.verified.get(token, now) {
            if self.still_has_key(&kid).await {
                return Ok(identity);
            }
            self.verified.forget(token);
        }
        let (identity, expires, kid) = self.verify_in_full(token).await?;
        self.verified
            .insert(token, (identity.clone(), kid), expires, now);
        Ok(identity)
    }

    /// The identity, expiry and key id of a token whose signature and claims hold.
    async fn verify_in_full(&self, token: &str) -> Result<(Identity, i64, String), ApiError> {
        let header = decode_header(token).map_err(|_| ApiError::unauthorized())?;
        let kid = header.kid.ok_or_else(ApiError::unauthorized)?;
        let key = self
            .key_for(&kid)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let data = decode::<IdClaims>(token, &key, &self.validation)
            .map_err(|_| ApiError::unauthorized())?;
        let claims = data.claims;
        if claims.token_use != "id" {
            return Err(ApiError::unauthorized());
        }
        let organization_id = match claims.organization_id {
            Some(raw) => Some(raw.parse().map_err(|_| ApiError::unauthorized())?),
            None => None,
        };
        let mut seen = HashSet::new();
        let groups = claims
            .groups
            .into_iter()
            .filter(|g| seen.insert(g.clone()))
            .collect();
        let identity = Identity {
            subject: claims.sub,
            email: claims.email.unwrap_or_default(),
            name: claims.name,
            groups,
            organization_id,
        };
        Ok((identity, claims.exp, kid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(subject: &str) -> Identity {
        Identity {
            subject: subject.into(),
            email: String::new(),
            name: None,
            groups: vec![ORG_ADMIN.into()],
            organization_id: None,
        }
    }

    /// A key set holding only key `kid` (its numbers are never used: nothing is verified).
    fn keys(kid: &str) -> Keys {
        let set =
            serde_json::json!({"keys": [{"kty": "RSA", "kid": kid, "n": "AQAB", "e": "AQAB"}]});
        Keys {
            set: serde_json::from_value(set).unwrap(),
            fetched: Instant::now(),
        }
    }

    #[tokio::test]
    async fn a_remembered_token_is_refused_once_its_key_leaves_the_key_set() {
        let config = Config::from_lookup(|k| (k == "TABLE_NAME").then(|| "t".to_owned())).unwrap();
        let verifier = TokenVerifier::new(&config);
        let far = crate::kernel::time::now().timestamp() + 3_600;
        *verifier.keys.write().await = Some(keys("k1"));
        let remembered = (identity("alice"), "k1".to_owned());
        verifier.verified.insert("a.b.c", remembered, far, 0);
        assert_eq!(verifier.verify("a.b.c").await.unwrap(), identity("alice"));
        // Rotated out: the token is verified in full again, and this one is no JWT at all.
        *verifier.keys.write().await = Some(keys("k2"));
        let refused = verifier.verify("a.b.c").await.unwrap_err();
        assert_eq!(refused.kind, crate::ErrorKind::Unauthorized);
        assert!(verifier.verified.get("a.b.c", 0).is_none(), "forgotten");
    }
}
