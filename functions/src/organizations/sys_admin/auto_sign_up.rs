//! `POST /organizations/v1/sys_admin/auto_sign_up` and the four Task functions of its state
//! machine (`AutoSignUpStateMachine`, stacks/organizations.yaml). Each step receives the
//! whole execution input and passes it on unchanged (`ResultPath: null`).

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, json_body};
use shared::identity::auto_sign_up as svc;
use shared::marketplace::wire::organizations::{
    AutoSignUpExecution, AutoSignUpRequest, AutoSignUpResponse,
};

/// Checks the request and starts the execution; answers its ARN.
pub async fn start(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    authenticate(app, &req).await?.sys_admin()?;
    let body: AutoSignUpRequest = json_body(&req)?;
    let execution_arn = svc::start(app, body).await?;
    json(200, &AutoSignUpResponse { execution_arn })
}

pub async fn sign_up(app: &App, input: AutoSignUpExecution) -> Result<(), ApiError> {
    svc::sign_up(app, &input).await
}

pub async fn configure_demand(app: &App, input: AutoSignUpExecution) -> Result<(), ApiError> {
    svc::configure_demand(app, &input).await
}

pub async fn configure_supply(app: &App, input: AutoSignUpExecution) -> Result<(), ApiError> {
    svc::configure_supply(app, &input).await
}

pub async fn subscribe(app: &App, input: AutoSignUpExecution) -> Result<(), ApiError> {
    svc::subscribe(app, &input).await
}
