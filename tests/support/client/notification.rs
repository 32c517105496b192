//! The Notification API: a tenant administrator's subscriptions for one of its clients and
//! the consumer's pull.

use serde_json::Value;

use super::{Client, NO_BODY};
use crate::harness::Response;

const SUBSCRIPTIONS: &str = "/notification/v1/subscriptions";

#[derive(Clone, Copy)]
pub struct Notification<'a>(pub(super) Client<'a>);

impl Notification<'_> {
    /// `POST /notification/v1/subscriptions`.
    pub async fn subscribe(self, body: Value) -> Response {
        self.0.post(SUBSCRIPTIONS, body).await
    }

    /// `GET /notification/v1/subscriptions/{id}`: the subscription and its status.
    pub async fn subscription(self, id: &str) -> Response {
        self.0.get(&format!("{SUBSCRIPTIONS}/{id}")).await
    }

    /// `GET /notification/v1/subscriptions/{id}/notifications`: a page, consumed.
    pub async fn pull(self, id: &str) -> Response {
        let path = format!("{SUBSCRIPTIONS}/{id}/notifications");
        self.0.get(&path).await
    }

    /// `DELETE /notification/v1/subscriptions/{id}`.
    pub async fn unsubscribe(self, id: &str) -> Response {
        let path = format!("{SUBSCRIPTIONS}/{id}");
        self.0.send("DELETE", &path, NO_BODY).await
    }
}
