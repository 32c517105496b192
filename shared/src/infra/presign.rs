//! Expiring download URLs ("pre-signed" in the published API) for message files and form
//! attachments.
//!
//! Files stay where their sender put them (the message or form field holds their URL), so a
//! pre-signed URL points at this platform: `GET /offers/v1/downloads/{token}` checks the token
//! and redirects to the file. The token is a JWT signed by a KMS key of its own
//! (`DOWNLOAD_SIGNING_KEY_ID`, never the key of machine tokens, so a function that can sign a
//! download cannot sign an access token; the private half never leaves KMS), with an audience
//! of its own, naming one file and expiring after
//! `DOWNLOAD_URL_TTL_SECONDS`. Only a party of the file's message or submission is handed one,
//! so a URL proves that a party asked for it recently; nobody can forge or extend one.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::edge::error::ApiError;
use crate::infra::aws::Aws;
use crate::infra::config::Config;
use crate::kernel::ids::OrgId;
use crate::kernel::time::Timestamp;

/// The `aud` of download tokens (access tokens have another).
pub const AUDIENCE: &str = "alayamarket:download";
/// The `typ` claim of download tokens.
pub const TYP: &str = "Download";

/// What a download token opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DownloadKind {
    /// The file of a message, by file id.
    MessageFile,
    /// The attachment of a form submission field, by field id.
    FormAttachment,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadClaims {
    pub iss: String,
    pub aud: String,
    /// The file id or form submission field id.
    pub sub: String,
    pub kind: DownloadKind,
    /// The organization the URL was issued to (for the logs of whoever downloads).
    pub org: OrgId,
    pub iat: i64,
    pub exp: i64,
    pub typ: String,
}

impl DownloadClaims {
    pub fn new(
        issuer: &str,
        kind: DownloadKind,
        object: Uuid,
        org: OrgId,
        now: Timestamp,
        ttl_seconds: i64,
    ) -> Self {
        Self {
            iss: issuer.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: object.to_string(),
            kind,
            org,
            iat: now.timestamp(),
            exp: now.timestamp() + ttl_seconds,
            typ: TYP.to_owned(),
        }
    }

    /// The object the token opens, if it is of `kind`.
    pub fn object(&self, kind: DownloadKind) -> Option<Uuid> {
        (self.kind == kind && self.typ == TYP)
            .then(|| self.sub.parse().ok())
            .flatten()
    }
}

/// The base URL of the API that served `req` (`https://<api host>`, or the local stack's
/// `http://127.0.0.1:<port>`, which API Gateway's `x-forwarded-proto` tells apart).
pub fn base_url(req: &lambda_http::Request) -> Result<String, ApiError> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let host = header("host").ok_or_else(|| ApiError::bad_request("Missing Host header"))?;
    let scheme = header("x-forwarded-proto").unwrap_or_else(|| "http".into());
    Ok(format!("{scheme}://{host}"))
}

/// A download URL for `object`, valid for the configured time.
pub async fn presign(
    aws: &Aws,
    config: &Config,
    base_url: &str,
    kind: DownloadKind,
    object: Uuid,
    org: OrgId,
) -> Result<String, ApiError> {
    let claims = DownloadClaims::new(
        &config.token_issuer,
        kind,
        object,
        org,
        crate::kernel::time::now(),
        config.download_url_ttl_seconds,
    );
    let token = crate::identity::oauth::sign(aws, &config.download_signing_key_id, &claims).await?;
    Ok(format!(
        "{}/offers/v1/downloads/{token}",
        base_url.trim_end_matches('/')
    ))
}

/// Checks download tokens against the public half of the signing key, fetched on first use.
pub struct DownloadVerifier {
    key_id: String,
    validation: Validation,
    key: OnceCell<DecodingKey>,
}

impl DownloadVerifier {
    pub fn new(config: &Config) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[&config.token_issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // An expired URL is expired: no clock leeway beyond a second.
        validation.leeway = 1;
        Self {
            key_id: config.download_signing_key_id.clone(),
            validation,
            key: OnceCell::new(),
        }
    }

    /// The claims of a valid, unexpired token; anything else is a 403, as a refused S3
    /// pre-signed URL is.
    pub async fn verify(&self, aws: &Aws, token: &str) -> Result<DownloadClaims, ApiError> {
        let key = self
            .key
            .get_or_try_init(|| crate::identity::oauth::public_key(aws, &self.key_id))
            .await?;
        jsonwebtoken::decode::<DownloadClaims>(token, key, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    ApiError::forbidden("The download URL has expired")
                }
                _ => ApiError::forbidden("The download URL is not valid"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_expire_after_the_ttl_and_name_one_object() {
        let now = crate::kernel::time::now();
        let object = Uuid::new_v4();
        let c = DownloadClaims::new(
            "urn:x",
            DownloadKind::MessageFile,
            object,
            OrgId::new(),
            now,
            300,
        );
        assert_eq!(c.exp - c.iat, 300);
        assert_eq!(c.aud, AUDIENCE);
        assert_eq!(c.object(DownloadKind::MessageFile), Some(object));
        // A message-file token does not open a form attachment with the same id.
        assert_eq!(c.object(DownloadKind::FormAttachment), None);
    }

    #[test]
    fn claims_round_trip_through_json() {
        let c = DownloadClaims::new(
            "urn:x",
            DownloadKind::FormAttachment,
            Uuid::new_v4(),
            OrgId::new(),
            crate::kernel::time::now(),
            60,
        );
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["kind"], "form_attachment");
        let back: DownloadClaims = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);
    }
}
