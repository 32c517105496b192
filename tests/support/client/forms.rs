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

    /// `GET /offers/v1/inbox/form_templates/by_demand_persona_id/{demand}/by_schema_id/{schema}/latest`.
    pub async fn latest_template(self, demand_persona_id: &str, schema_id: &str) -> Response {
        let path = format!(
            "/offers/v1/inbox/form_templates/by_demand_persona_id/{demand_persona_id}/by_schema_id/{schema_id}/latest"
        );
        self.0.get(&path).await
    }

    /// `GET /offers/v1/outbox/form_submissions/{id}`: the demand's view.
    pub async fn submission(self, id: &str) -> Response {
        let path = format!("/offers/v1/outbox/form_submissions/{id}");
        self.0.get(&path).await
    }

    /// `GET /offers/v1/outbox/form_submissions/fields/{field_id}/attachment/presigned`.
    pub async fn attachment_url(self, field_id: &str) -> Response {
        let path =
            format!("/offers/v1/outbox/form_submissions/fields/{field_id}/attachment/presigned");
        self.0.get(&path).await
    }
}
