//! Forms: the demand's templates and the suppliers' submissions.

use serde_json::Value;

use super::Client;
use crate::harness::Response;

#[derive(Clone, Copy)]
pub struct Forms<'a>(pub(super) Client<'a>);

impl Forms<'_> {
    /// `POST /offers/v1/outbox/form_templates`.
    pub async fn publish_template(self, body: Value) -> Response {
        self.0.post("/offers/v1/outbox/form_templates", body).await
    }

    /// `POST /offers/v1/inbox/form_submissions`.
    pub async fn submit(self, body: Value) -> Response {
        self.0.post("/offers/v1/inbox/form_submissions", body).await
    }
}
