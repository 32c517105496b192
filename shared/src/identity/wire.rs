//! Auth API bodies (`openapi.auth.yaml`).

use serde::{Deserialize, Serialize};

use crate::kernel::ids::OrgId;
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
