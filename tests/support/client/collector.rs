//! The Event Collector API (`/api/v1/...`), as a TWC client sends it: a machine token in
//! `authorization` and the tenant in `x-twc-tenant` on every request.

use serde_json::Value;

use crate::harness::{Response, TestStack};

#[derive(Clone, Copy)]
pub struct Collector<'a> {
    pub(super) t: &'a TestStack,
    pub(super) bearer: &'a str,
    pub(super) tenant: &'a str,
    pub(super) idempotency_key: Option<&'a str>,
}

impl<'a> Collector<'a> {
    /// The same client, sending `Idempotency-Key: key` with every request.
    pub fn with_idempotency_key(self, key: &'a str) -> Self {
        Self {
            idempotency_key: Some(key),
            ..self
        }
    }

    /// `method path` with the token and the tenant header; `body` as JSON unless it is null.
    pub async fn send(self, method: &str, path: &str, body: Value) -> Response {
        let raw = (!body.is_null()).then(|| body.to_string());
        let mut headers = vec![
            ("authorization", self.bearer),
            ("x-twc-tenant", self.tenant),
        ];
        headers.extend(self.idempotency_key.map(|k| ("idempotency-key", k)));
        self.t.request(method, path, &headers, raw.as_deref()).await
    }

    /// `POST /api/v1/events`.
    pub async fn post_event(self, body: Value) -> Response {
        self.send("POST", "/api/v1/events", body).await
    }

    /// `GET /api/v1/events/{id}`.
    pub async fn event(self, id: &str) -> Response {
        let path = format!("/api/v1/events/{id}");
        self.send("GET", &path, Value::Null).await
    }

    /// `POST /api/v1/event-subscription`.
    pub async fn subscribe(self, body: Value) -> Response {
        self.send("POST", "/api/v1/event-subscription", body).await
    }

    /// `GET /api/v1/event-subscription`: the tenant's active subscriptions.
    pub async fn subscriptions(self) -> Response {
        self.send("GET", "/api/v1/event-subscription", Value::Null)
            .await
    }

    /// `GET /api/v1/event-subscription/{id}`.
    pub async fn subscription(self, id: &str) -> Response {
        let path = format!("/api/v1/event-subscription/{id}");
        self.send("GET", &path, Value::Null).await
    }

    /// `PUT /api/v1/event-subscription/{id}/deactivate`.
    pub async fn deactivate(self, id: &str) -> Response {
        let path = format!("/api/v1/event-subscription/{id}/deactivate");
        self.send("PUT", &path, Value::Null).await
    }

    /// `POST /api/v1/jobs`.
    pub async fn create_job(self, body: Value) -> Response {
        self.send("POST", "/api/v1/jobs", body).await
    }

    /// `GET /api/v1/jobs`.
    pub async fn jobs(self) -> Response {
        self.send("GET", "/api/v1/jobs", Value::Null).await
    }

    /// `GET /api/v1/jobs/{id}`.
    pub async fn job(self, id: &str) -> Response {
        self.send("GET", &format!("/api/v1/jobs/{id}"), Value::Null)
            .await
    }

    /// `PUT /api/v1/jobs/{id}`.
    pub async fn update_job(self, id: &str, body: Value) -> Response {
        self.send("PUT", &format!("/api/v1/jobs/{id}"), body).await
    }

    /// `POST /api/v1/jobs/{id}`: the seed's delete, which stops the job.
    pub async fn stop_job(self, id: &str) -> Response {
        self.send("POST", &format!("/api/v1/jobs/{id}"), Value::Null)
            .await
    }

    /// `DELETE /api/v1/jobs/{id}`.
    pub async fn delete_job(self, id: &str) -> Response {
        self.send("DELETE", &format!("/api/v1/jobs/{id}"), Value::Null)
            .await
    }
}
