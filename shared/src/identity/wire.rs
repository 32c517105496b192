//! Auth API bodies (`openapi.auth.yaml`).

use serde::{Deserialize, Serialize};

use crate::identity::oauth::{ClientId, ClientRecord, IssuedToken, Scope, TenantId};
use crate::kernel::ids::OrgId;
use crate::kernel::time::{Timestamp, serde_ts};
use crate::marketplace::common::NonEmpty;

#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    pub username: NonEmpty,
    pub password: NonEmpty,
}

/// Cognito's `AuthenticationResult`, with its PascalCase field names.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoginResponse {
    pub access_token: String,
    pub expires_in: i32,
    pub id_token: String,
    pub refresh_token: String,
    pub token_type: String,
}

#[derive(Debug, Deserialize)]
pub struct ForgotPasswordRequest {
    pub username: NonEmpty,
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForgotPasswordRequest {
    pub username: NonEmpty,
    pub confirmation_code: NonEmpty,
    pub new_password: NonEmpty,
}

#[derive(Debug, Deserialize)]
pub struct ChangePasswordRequest {
    pub access_token: NonEmpty,
    pub old_password: NonEmpty,
    pub new_password: NonEmpty,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize, Deserialize)]
pub struct CurrentIdentityResponse {
    pub email: String,
    pub name: Option<String>,
    pub groups: Vec<String>,
    pub organization_id: Option<OrgId>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct HealthResponse {
    pub status: String,
}

/// A client as shown to a sys_admin; `client_secret` only in the response that created it.
#[serde_with::skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct ClientView {
    pub client_id: ClientId,
    pub client_secret: Option<String>,
    pub tenant: TenantId,
    pub scopes: Vec<Scope>,
    pub name: Option<String>,
    pub active: bool,
    #[serde(with = "serde_ts")]
    pub created_at: Timestamp,
}

impl ClientView {
    pub fn of(c: &ClientRecord, secret: Option<String>) -> Self {
        Self {
            client_id: c.client_id.clone(),
            client_secret: secret,
            tenant: c.tenant.clone(),
            scopes: c.scopes.clone(),
            name: c.name.clone(),
            active: c.active,
            created_at: c.created_at,
        }
    }
}

/// The Keycloak-shaped token response the Event Collector's clients expect.
#[derive(Debug, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_expires_in: i64,
    pub token_type: String,
    #[serde(rename = "not-before-policy")]
    pub not_before_policy: i64,
    pub scope: String,
}

impl From<IssuedToken> for TokenResponse {
    fn from(t: IssuedToken) -> Self {
        Self {
            access_token: t.access_token,
            expires_in: t.expires_in,
            refresh_expires_in: 0,
            token_type: "Bearer".into(),
            not_before_policy: 0,
            scope: t.scope,
        }
    }
}
