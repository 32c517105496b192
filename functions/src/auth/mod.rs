//! `/auth/v1/*`: the Auth API, backed by the Cognito user pool.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{HttpResponse, authenticate, json, json_body, no_content};
use shared::identity::wire::{
    ChangePasswordRequest, ConfirmForgotPasswordRequest, CurrentIdentityResponse,
    ForgotPasswordRequest, HealthResponse, LoginRequest, LoginResponse,
};

/// Maps Cognito's refusals to the answers a client of the Auth API expects; anything else is
/// an internal error whose detail is only logged.
fn cognito_error<E: ProvideErrorMetadata + std::fmt::Debug>(err: E) -> ApiError {
    match err.code() {
        Some("NotAuthorizedException" | "UserNotFoundException" | "UserNotConfirmedException") => {
            ApiError::new(
                shared::ErrorKind::Unauthorized,
                "Incorrect username or password.",
            )
        }
        Some("InvalidPasswordException") => ApiError::bad_request(
            err.message()
                .unwrap_or("The password does not meet the password policy."),
        ),
        Some("CodeMismatchException" | "ExpiredCodeException") => {
            ApiError::bad_request("Invalid or expired confirmation code.")
        }
        Some("InvalidParameterException") => {
            ApiError::bad_request(err.message().unwrap_or("Invalid parameter."))
        }
        Some(
            "LimitExceededException"
            | "TooManyRequestsException"
            | "TooManyFailedAttemptsException",
        ) => ApiError::bad_request("Too many attempts; try again later."),
        _ => ApiError::internal(format!("{err:?}")),
    }
}

pub async fn healthz(_app: &App, _req: Request) -> Result<HttpResponse, ApiError> {
    json(
        200,
        &HealthResponse {
            status: "ok".into(),
        },
    )
}

/// `POST /auth/v1/login`: `USER_PASSWORD_AUTH` against the pool's app client.
pub async fn login(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let body: LoginRequest = json_body(&req)?;
    let out = app
        .aws
        .cognito()
        .await
        .initiate_auth()
        .client_id(&app.config.user_pool_client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", body.username.as_str())
        .auth_parameters("PASSWORD", body.password.as_str())
        .send()
        .await
        .map_err(|e| cognito_error(e.into_service_error()))?;
    // A pending challenge (e.g. a temporary password) yields no tokens: the login is not done.
    let result = out.authentication_result.ok_or_else(|| {
        ApiError::new(
            shared::ErrorKind::Unauthorized,
            "A password change is required before login.",
        )
    })?;
    let tokens = LoginResponse {
        access_token: result.access_token.unwrap_or_default(),
        expires_in: result.expires_in,
        id_token: result.id_token.unwrap_or_default(),
        refresh_token: result.refresh_token.unwrap_or_default(),
        token_type: result.token_type.unwrap_or_else(|| "Bearer".into()),
    };
    json(200, &tokens)
}

pub async fn current_identity(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let who = authenticate(app, &req).await?;
    json(
        200,
        &CurrentIdentityResponse {
            email: who.email,
            name: who.name,
            groups: who.groups,
            organization_id: who.organization_id,
        },
    )
}

/// `POST /auth/v1/change_password`: authorized by the access token in the body, as in Cognito.
pub async fn change_password(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let body: ChangePasswordRequest = json_body(&req)?;
    app.aws
        .cognito()
        .await
        .change_password()
        .access_token(body.access_token.as_str())
        .previous_password(body.old_password.as_str())
        .proposed_password(body.new_password.as_str())
        .send()
        .await
        .map_err(|e| cognito_error(e.into_service_error()))?;
    no_content()
}

/// `POST /auth/v1/forgot_password`: always 204, so the answer does not reveal whether the
/// user exists.
pub async fn forgot_password(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let body: ForgotPasswordRequest = json_body(&req)?;
    let sent = app
        .aws
        .cognito()
        .await
        .forgot_password()
        .client_id(&app.config.user_pool_client_id)
        .username(body.username.as_str())
        .send()
        .await;
    if let Err(e) = sent {
        let e = e.into_service_error();
        match e.code() {
            Some(
                "UserNotFoundException" | "NotAuthorizedException" | "InvalidParameterException",
            ) => {
                tracing::info!(code = e.code(), "forgot_password for an unusable user")
            }
            _ => return Err(cognito_error(e)),
        }
    }
    no_content()
}

/// An unknown user gets the same answer as a wrong code, so the endpoint does not reveal
/// which users exist.
pub async fn confirm_forgot_password(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let body: ConfirmForgotPasswordRequest = json_body(&req)?;
    app.aws
        .cognito()
        .await
        .confirm_forgot_password()
        .client_id(&app.config.user_pool_client_id)
        .username(body.username.as_str())
        .confirmation_code(body.confirmation_code.as_str())
        .password(body.new_password.as_str())
        .send()
        .await
        .map_err(|e| match e.into_service_error() {
            e if e.code() == Some("UserNotFoundException") => {
                ApiError::bad_request("Invalid or expired confirmation code.")
            }
            e => cognito_error(e),
        })?;
    no_content()
}
