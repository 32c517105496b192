//! The Auth API: login, identity and the password flows.

use serde_json::Value;

use super::Client;
use crate::harness::Response;

#[derive(Clone, Copy)]
pub struct Auth<'a>(pub(super) Client<'a>);

impl Auth<'_> {
    /// `POST /auth/v1/login`.
    pub async fn login(self, body: Value) -> Response {
        self.0.post("/auth/v1/login", body).await
    }

    /// `GET /auth/v1/current_identity`.
    pub async fn current_identity(self) -> Response {
        self.0.get("/auth/v1/current_identity").await
    }

    /// `POST /auth/v1/change_password`.
    pub async fn change_password(self, body: Value) -> Response {
        self.0.post("/auth/v1/change_password", body).await
    }

    /// `POST /auth/v1/forgot_password`.
    pub async fn forgot_password(self, body: Value) -> Response {
        self.0.post("/auth/v1/forgot_password", body).await
    }

    /// `POST /auth/v1/confirm_forgot_password`.
    pub async fn confirm_forgot_password(self, body: Value) -> Response {
        self.0.post("/auth/v1/confirm_forgot_password", body).await
    }

    /// `GET /auth/v1/status/healthz`.
    pub async fn health(self) -> Response {
        self.0.get("/auth/v1/status/healthz").await
    }
}
