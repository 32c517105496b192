//! Offers (single, shift and bundle) on both sides, and the demand's assignment setting.

use serde_json::Value;

use super::{Client, with_query};
use crate::harness::Response;

#[derive(Clone, Copy)]
pub struct Offers<'a>(pub(super) Client<'a>);

impl Offers<'_> {
    /// `POST /offers/v1/outbox/offers`.
    pub async fn create(self, body: Value) -> Response {
        self.0.post("/offers/v1/outbox/offers", body).await
    }

    /// `POST /offers/v1/outbox/shift/offers`.
    pub async fn create_shift(self, body: Value) -> Response {
        self.0.post("/offers/v1/outbox/shift/offers", body).await
    }

    /// `POST /offers/v1/outbox/bundle/offers`.
    pub async fn create_bundle(self, body: Value) -> Response {
        self.0.post("/offers/v1/outbox/bundle/offers", body).await
    }

    /// `GET /offers/v1/outbox/offers/{id}`: the demand's view.
    pub async fn outbox(self, id: &str) -> Response {
        self.0.get(&format!("/offers/v1/outbox/offers/{id}")).await
    }

    /// `GET /offers/v1/outbox/offers?{query}`.
    pub async fn outbox_list(self, query: &str) -> Response {
        self.0
            .get(&with_query("/offers/v1/outbox/offers", query))
            .await
    }

    /// `GET /offers/v1/outbox/offers/{id}/matches?{query}`.
    pub async fn matches(self, id: &str, query: &str) -> Response {
        let path = format!("/offers/v1/outbox/offers/{id}/matches");
        self.0.get(&with_query(&path, query)).await
    }

    /// `POST /offers/v1/outbox/offers/{id}/assign`.
    pub async fn assign(self, id: &str, body: Value) -> Response {
        let path = format!("/offers/v1/outbox/offers/{id}/assign");
        self.0.post(&path, body).await
    }

    /// `POST /offers/v1/outbox/offers/{id}/close`.
    pub async fn close(self, id: &str, body: Value) -> Response {
        let path = format!("/offers/v1/outbox/offers/{id}/close");
        self.0.post(&path, body).await
    }

    /// `GET /offers/v1/inbox/offers/{id}`: a matched supplier's view.
    pub async fn inbox(self, id: &str) -> Response {
        self.0.get(&format!("/offers/v1/inbox/offers/{id}")).await
    }

    /// `GET /offers/v1/inbox/offers?{query}`.
    pub async fn inbox_list(self, query: &str) -> Response {
        self.0
            .get(&with_query("/offers/v1/inbox/offers", query))
            .await
    }

    /// `POST /offers/v1/inbox/offers/{id}/accept`.
    pub async fn accept(self, id: &str, body: Value) -> Response {
        let path = format!("/offers/v1/inbox/offers/{id}/accept");
        self.0.post(&path, body).await
    }

    /// `POST /offers/v1/inbox/offers/{id}/decline`.
    pub async fn decline(self, id: &str, body: Value) -> Response {
        let path = format!("/offers/v1/inbox/offers/{id}/decline");
        self.0.post(&path, body).await
    }

    /// `GET /offers/v1/demand_personas/settings/assignment`.
    pub async fn assignment(self) -> Response {
        self.0
            .get("/offers/v1/demand_personas/settings/assignment")
            .await
    }

    /// `POST /offers/v1/demand_personas/settings/assignment`.
    pub async fn set_assignment(self, body: Value) -> Response {
        self.0
            .post("/offers/v1/demand_personas/settings/assignment", body)
            .await
    }
}
