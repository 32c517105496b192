//! Visits, their tasks and work sessions: the supplier works them (inbox), the demand reads
//! them (outbox).

use serde_json::Value;

use super::{Client, NO_BODY, with_query};
use crate::harness::Response;

#[derive(Clone, Copy)]
pub struct Visits<'a>(pub(super) Client<'a>);

impl Visits<'_> {
    /// `GET /offers/v1/outbox/visits/{id}`: the demand's view.
    pub async fn outbox(self, id: &str) -> Response {
        self.0.get(&format!("/offers/v1/outbox/visits/{id}")).await
    }

    /// `GET /offers/v1/outbox/visits?{query}`.
    pub async fn outbox_list(self, query: &str) -> Response {
        self.0
            .get(&with_query("/offers/v1/outbox/visits", query))
            .await
    }

    /// `GET /offers/v1/inbox/visits/{id}`: the supplier's view.
    pub async fn inbox(self, id: &str) -> Response {
        self.0.get(&format!("/offers/v1/inbox/visits/{id}")).await
    }

    /// `GET /offers/v1/inbox/visits?{query}`.
    pub async fn inbox_list(self, query: &str) -> Response {
        self.0
            .get(&with_query("/offers/v1/inbox/visits", query))
            .await
    }

    /// `GET /offers/v1/inbox/visits/by_inbox_id/{inbox_id}`.
    pub async fn by_inbox_id(self, inbox_id: &str) -> Response {
        let path = format!("/offers/v1/inbox/visits/by_inbox_id/{inbox_id}");
        self.0.get(&path).await
    }

    /// `POST /offers/v1/inbox/visits/schedule`.
    pub async fn schedule(self, body: Value) -> Response {
        self.0.post("/offers/v1/inbox/visits/schedule", body).await
    }

    /// `POST /offers/v1/inbox/visits/{id}/{action}`: what the methods below send.
    async fn act(self, id: &str, action: &str, body: Value) -> Response {
        let path = format!("/offers/v1/inbox/visits/{id}/{action}");
        self.0.post(&path, body).await
    }

    /// `POST /offers/v1/inbox/visits/{id}/assign`: a caregiver.
    pub async fn assign(self, id: &str, body: Value) -> Response {
        self.act(id, "assign", body).await
    }

    /// `POST /offers/v1/inbox/visits/{id}/hold`.
    pub async fn hold(self, id: &str) -> Response {
        self.act(id, "hold", NO_BODY).await
    }

    /// `POST /offers/v1/inbox/visits/{id}/reactivate`.
    pub async fn reactivate(self, id: &str) -> Response {
        self.act(id, "reactivate", NO_BODY).await
    }

    /// `POST /offers/v1/inbox/visits/{id}/reschedule`.
    pub async fn reschedule(self, id: &str, body: Value) -> Response {
        self.act(id, "reschedule", body).await
    }

    /// `POST /offers/v1/inbox/visits/{id}/adjust_timekeeping`.
    pub async fn adjust_timekeeping(self, id: &str, body: Value) -> Response {
        self.act(id, "adjust_timekeeping", body).await
    }

    /// `POST /offers/v1/inbox/visits/{id}/delete`.
    pub async fn delete(self, id: &str) -> Response {
        self.act(id, "delete", NO_BODY).await
    }

    /// `POST /offers/v1/inbox/visits/{id}/tasks`: tasks from the referral's, by inbox id.
    pub async fn map_tasks(self, id: &str, body: Value) -> Response {
        self.act(id, "tasks", body).await
    }

    /// `POST /offers/v1/inbox/visits/{id}/tasks/complete`.
    pub async fn complete_tasks(self, id: &str, body: Value) -> Response {
        self.act(id, "tasks/complete", body).await
    }

    /// `POST /offers/v1/inbox/work_sessions/start`.
    pub async fn start_work(self, body: Value) -> Response {
        self.0
            .post("/offers/v1/inbox/work_sessions/start", body)
            .await
    }

    /// `POST /offers/v1/inbox/work_sessions/end`.
    pub async fn end_work(self, body: Value) -> Response {
        self.0
            .post("/offers/v1/inbox/work_sessions/end", body)
            .await
    }

    /// `GET /offers/v1/outbox/work_sessions?{query}`: the demand's view.
    pub async fn work_sessions(self, query: &str) -> Response {
        self.0
            .get(&with_query("/offers/v1/outbox/work_sessions", query))
            .await
    }
}
