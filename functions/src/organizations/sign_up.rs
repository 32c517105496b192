//! `POST /organizations/v1/sign_up` (anonymous): an organization with an approval signs
//! itself up; its `org_admin` can log in at once.

use lambda_http::Request;
use shared::api::organizations::{OrgSignUpRequest, OrgSignUpResponse};
use shared::http::{HttpResponse, json, json_body};
use shared::service::sign_up::{self as svc, Confirmation};
use shared::{ApiError, App};

pub async fn sign_up(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let body: OrgSignUpRequest = json_body(&req)?;
    let org = svc::sign_up(
        app,
        body.username.as_str(),
        &body.password,
        &body.details,
        Confirmation::Approved {
            approval_id: body.approval_id.as_str(),
        },
    )
    .await?;
    json(200, &OrgSignUpResponse { id: org.id })
}
