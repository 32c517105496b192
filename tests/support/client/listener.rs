//! The Listener API (inbound events) and its hub (callback subscriptions).

use serde_json::Value;

use super::{Client, NO_BODY, with_query};
use crate::harness::Response;

const LISTENER: &str = "/externalapi/listener/v1/listener";
const HUB: &str = "/externalapi/hub/v1/hub";

#[derive(Clone, Copy)]
pub struct Listener<'a>(pub(super) Client<'a>);

impl Listener<'_> {
    /// `POST /externalapi/listener/v1/listener`.
    pub async fn post_event(self, body: Value) -> Response {
        self.0.post(LISTENER, body).await
    }

    /// `POST /externalapi/hub/v1/hub`.
    pub async fn subscribe(self, body: Value) -> Response {
        self.0.post(HUB, body).await
    }

    /// `GET /externalapi/hub/v1/hub?{query}`.
    pub async fn subscriptions(self, query: &str) -> Response {
        self.0.get(&with_query(HUB, query)).await
    }

    /// `GET /externalapi/hub/v1/hub/{id}`.
    pub async fn subscription(self, id: &str) -> Response {
        self.0.get(&format!("{HUB}/{id}")).await
    }

    /// `DELETE /externalapi/hub/v1/hub/{id}`.
    pub async fn unsubscribe(self, id: &str) -> Response {
        self.0.send("DELETE", &format!("{HUB}/{id}"), NO_BODY).await
    }
}
