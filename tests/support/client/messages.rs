//! Messages, their sequences (threads) and files, on either side.

use serde_json::Value;

use super::{Client, with_query};
use crate::harness::Response;

/// The side of the Offers API a call is made on: the demand's outbox or a supplier's inbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Outbox,
    Inbox,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Outbox => "outbox",
            Side::Inbox => "inbox",
        }
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy)]
pub struct Messages<'a>(pub(super) Client<'a>);

impl Messages<'_> {
    /// `POST /offers/v1/{side}/messages`.
    pub async fn send(self, side: Side, body: Value) -> Response {
        self.0
            .post(&format!("/offers/v1/{side}/messages"), body)
            .await
    }

    /// `GET /offers/v1/{side}/messages?{query}`.
    pub async fn list(self, side: Side, query: &str) -> Response {
        let path = format!("/offers/v1/{side}/messages");
        self.0.get(&with_query(&path, query)).await
    }

    /// `GET /offers/v1/{side}/messages/{id}`.
    pub async fn get(self, side: Side, id: &str) -> Response {
        self.0
            .get(&format!("/offers/v1/{side}/messages/{id}"))
            .await
    }

    /// `GET /offers/v1/{side}/messages/files/{id}`: a redirect to the file's signed download
    /// URL (a refusal is answered as it is).
    pub async fn file(self, side: Side, id: &str) -> Response {
        let path = format!("/offers/v1/{side}/messages/files/{id}");
        self.0.get(&path).await
    }

    /// `GET /offers/v1/{side}/messages/files/{id}/presigned`: a file's download URL.
    pub async fn presigned(self, side: Side, id: &str) -> Response {
        let path = format!("/offers/v1/{side}/messages/files/{id}/presigned");
        self.0.get(&path).await
    }

    /// `GET /offers/v1/{side}/sequences?{query}`.
    pub async fn sequences(self, side: Side, query: &str) -> Response {
        let path = format!("/offers/v1/{side}/sequences");
        self.0.get(&with_query(&path, query)).await
    }
}
