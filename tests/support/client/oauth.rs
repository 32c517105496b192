//! The sys_admin's registry of machine clients (`/oauth/v1/clients`).

use serde_json::Value;

use super::{Client, NO_BODY};
use crate::harness::Response;

#[derive(Clone, Copy)]
pub struct OauthClients<'a>(pub(super) Client<'a>);

impl OauthClients<'_> {
    /// `POST /oauth/v1/clients`: the new client with its secret, shown once.
    pub async fn register(self, body: Value) -> Response {
        self.0.post("/oauth/v1/clients", body).await
    }

    /// `GET /oauth/v1/clients/{client_id}`.
    pub async fn get(self, client_id: &str) -> Response {
        self.0.get(&format!("/oauth/v1/clients/{client_id}")).await
    }

    /// `DELETE /oauth/v1/clients/{client_id}`: the client is deactivated.
    pub async fn deactivate(self, client_id: &str) -> Response {
        let path = format!("/oauth/v1/clients/{client_id}");
        self.0.send("DELETE", &path, NO_BODY).await
    }
}
