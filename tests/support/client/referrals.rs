//! Referrals: the demand's direct referrals, revisions and cancellations (outbox), the
//! supplier's processing, cancellation and task ids (inbox).

use serde_json::Value;

use super::{Client, NO_BODY, with_query};
use crate::harness::Response;

#[derive(Clone, Copy)]
pub struct Referrals<'a>(pub(super) Client<'a>);

impl Referrals<'_> {
    /// `POST /offers/v1/outbox/referrals`: a direct referral.
    pub async fn create(self, body: Value) -> Response {
        self.0.post("/offers/v1/outbox/referrals", body).await
    }

    /// `GET /offers/v1/outbox/referrals/{id}`: the demand's view.
    pub async fn outbox(self, id: &str) -> Response {
        self.0
            .get(&format!("/offers/v1/outbox/referrals/{id}"))
            .await
    }

    /// `GET /offers/v1/outbox/referrals?{query}`.
    pub async fn outbox_list(self, query: &str) -> Response {
        self.0
            .get(&with_query("/offers/v1/outbox/referrals", query))
            .await
    }

    /// `POST /offers/v1/outbox/referrals/{id}/update`: a new revision.
    pub async fn update(self, id: &str, body: Value) -> Response {
        let path = format!("/offers/v1/outbox/referrals/{id}/update");
        self.0.post(&path, body).await
    }

    /// `POST /offers/v1/outbox/referrals/{id}/cancel`: the demand cancels.
    pub async fn outbox_cancel(self, id: &str, body: Value) -> Response {
        let path = format!("/offers/v1/outbox/referrals/{id}/cancel");
        self.0.post(&path, body).await
    }

    /// `GET /offers/v1/inbox/referrals/{id}`: the supplier's view.
    pub async fn inbox(self, id: &str) -> Response {
        self.0
            .get(&format!("/offers/v1/inbox/referrals/{id}"))
            .await
    }

    /// `GET /offers/v1/inbox/referrals?{query}`.
    pub async fn inbox_list(self, query: &str) -> Response {
        self.0
            .get(&with_query("/offers/v1/inbox/referrals", query))
            .await
    }

    /// `POST /offers/v1/inbox/referrals/{id}/mark_processed`.
    pub async fn mark_processed(self, id: &str) -> Response {
        let path = format!("/offers/v1/inbox/referrals/{id}/mark_processed");
        self.0.post(&path, NO_BODY).await
    }

    /// `POST /offers/v1/inbox/referrals/{id}/cancel`: the supplier cancels.
    pub async fn inbox_cancel(self, id: &str, body: Value) -> Response {
        let path = format!("/offers/v1/inbox/referrals/{id}/cancel");
        self.0.post(&path, body).await
    }

    /// `POST /offers/v1/inbox/referrals/{id}/tasks/update`: the supplier's ids of the tasks.
    pub async fn update_tasks(self, id: &str, body: Value) -> Response {
        let path = format!("/offers/v1/inbox/referrals/{id}/tasks/update");
        self.0.post(&path, body).await
    }
}
