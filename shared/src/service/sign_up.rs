//! Signing up an organization: its first `org_admin` user in Cognito and the organization in
//! the table, written so that neither exists without the other once a sign-up finishes.
//!
//! Order (docs/organizations.md): (1) claim the username in the table with a fresh
//! organization id — a retry finds the claim and reuses the id; (2) create the Cognito user
//! with `custom:organization_id` = that id, and put it in `org_admin` — a user already there
//! with the same id is this sign-up's own earlier attempt; (3) write the organization, the
//! claim (pending → done), its host + branch and the consumed approval in one transaction.
//! Any refusal after (1) deletes the user this sign-up created and releases the claim.
//! Passwords go to Cognito only: never stored, logged or returned.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType, UserStatusType};

use crate::api::organizations::{Email, OrgSignUpDetails};
use crate::app::App;
use crate::auth::ORG_ADMIN;
use crate::db::DbError;
use crate::db::organizations::{SignUpState, SignUpWrite};
use crate::domain::organization::{OrgProfile, Organization};
use crate::error::ApiError;
use crate::ids::OrgId;
use crate::time::now;

/// How the new user becomes able to log in.
#[derive(Clone, Copy, Debug)]
pub enum Confirmation<'a> {
    /// `sys_admin/sign_up`: Cognito `SignUp` sends a confirmation code; the user stays
    /// unconfirmed until `confirm_sign_up` (the code) or `admin_confirm_sign_up`.
    ByCode,
    /// Anonymous `sign_up` with an approval: the approval vouches for the organization, so
    /// the user is created confirmed with its password, and the approval is used up.
    Approved { approval_id: &'a str },
}

const ORG_ID_ATTRIBUTE: &str = "custom:organization_id";

fn cognito_error<E: ProvideErrorMetadata + std::fmt::Debug>(what: &str, err: E) -> ApiError {
    match err.code() {
        Some("InvalidPasswordException" | "InvalidParameterException") => ApiError::bad_request(
            err.message()
                .unwrap_or("The username, email or password is not accepted."),
        ),
        Some("UsernameExistsException" | "AliasExistsException") => {
            ApiError::conflict("An account with this username already exists.")
        }
        Some("UserNotFoundException") => ApiError::not_found("User"),
        Some("CodeMismatchException" | "ExpiredCodeException") => {
            ApiError::bad_request("Invalid or expired confirmation code.")
        }
        Some("LimitExceededException" | "TooManyRequestsException") => {
            ApiError::bad_request("Too many attempts; try again later.")
        }
        _ => ApiError::internal(format!("Cognito {what}: {err:?}")),
    }
}

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .expect("name is set")
}

/// Signs up an organization with its first `org_admin`; answers the new organization.
pub async fn sign_up(
    app: &App,
    username: &str,
    details: &OrgSignUpDetails,
    confirmation: Confirmation<'_>,
) -> Result<Organization, ApiError> {
    let approval_id = match confirmation {
        Confirmation::Approved { approval_id } => {
            super::organizations::require_approval(app, approval_id).await?;
            Some(approval_id)
        }
        Confirmation::ByCode => None,
    };
    let host = details.host.as_ref().map(|h| h.as_str().to_owned());
    let profile = OrgProfile {
        username: username.to_owned(),
        email: details.email.as_str().to_owned(),
        phone: details.phone(),
        address: details.address.clone(),
        branch_id: details.branch_id,
    };
    // Decided before anything is written: a refused request leaves no trace.
    let mut org = Organization::signed_up(
        OrgId::new(),
        details.name.as_str().to_owned(),
        host.clone(),
        details.source.as_str().to_owned(),
        profile,
        now(),
    )?;
    if let Some(h) = &host
        && app.db.host_owner(h, details.branch_id).await?.is_some()
    {
        return Err(host_taken());
    }
    let claim = app.db.claim_sign_up(username, org.id).await?;
    if claim.state == SignUpState::Done {
        return Err(ApiError::conflict(
            "An organization was already signed up with this username.",
        ));
    }
    // A retry (the claim was pending) continues with the id of the first attempt.
    org.id = claim.org_id;
    match finish(app, username, details, confirmation, &org, approval_id).await {
        Ok(()) => Ok(org),
        Err(e) => {
            abandon(app, username, org.id, confirmation).await;
            Err(e)
        }
    }
}

async fn finish(
    app: &App,
    username: &str,
    details: &OrgSignUpDetails,
    confirmation: Confirmation<'_>,
    org: &Organization,
    approval_id: Option<&str>,
) -> Result<(), ApiError> {
    create_user(app, username, details, confirmation, org).await?;
    app.aws
        .cognito()
        .await
        .admin_add_user_to_group()
        .user_pool_id(&app.config.user_pool_id)
        .username(username)
        .group_name(ORG_ADMIN)
        .send()
        .await
        .map_err(|e| cognito_error("AdminAddUserToGroup", e.into_service_error()))?;
    let write = SignUpWrite {
        org,
        username,
        approval_id,
    };
    match app.db.complete_sign_up(&write).await {
        Ok(()) => Ok(()),
        Err(DbError::ConditionFailed) => {
            // A concurrent retry of this sign-up finished it: same organization, done.
            if app.db.get_org(org.id).await?.is_some() {
                return Ok(());
            }
            if let Some(h) = &org.host
                && app.db.host_owner(h, details.branch_id).await?.is_some()
            {
                return Err(host_taken());
            }
            if let Some(approval) = approval_id
                && !app.db.approval_exists(approval).await?
            {
                return Err(ApiError::forbidden("The approval is not valid"));
            }
            // The claim was released or finished by a concurrent attempt of this sign-up.
            Err(ApiError::conflict(
                "The sign-up was changed by a concurrent request; retry.",
            ))
        }
        Err(e) => Err(e.into()),
    }
}

fn host_taken() -> ApiError {
    ApiError::conflict("An organization with this host and branch_id already exists.")
}

/// The Cognito `email` attribute: the username when it is an email (the admin logs in with
/// it), otherwise the organization's contact email.
fn user_email<'a>(username: &'a str, details: &'a OrgSignUpDetails) -> &'a str {
    if Email::try_from(username.to_owned()).is_ok() {
        username
    } else {
        details.email.as_str()
    }
}

async fn create_user(
    app: &App,
    username: &str,
    details: &OrgSignUpDetails,
    confirmation: Confirmation<'_>,
    org: &Organization,
) -> Result<(), ApiError> {
    let cognito = app.aws.cognito().await;
    let pool = &app.config.user_pool_id;
    let org_id = org.id.to_string();
    let email = user_email(username, details);
    let created = match confirmation {
        Confirmation::ByCode => cognito
            .sign_up()
            .client_id(&app.config.user_pool_client_id)
            .username(username)
            .password(details.password.expose())
            .user_attributes(attr("email", email))
            .user_attributes(attr("name", &org.name))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("SignUp", e.into_service_error())),
        Confirmation::Approved { .. } => cognito
            .admin_create_user()
            .user_pool_id(pool)
            .username(username)
            .user_attributes(attr("email", email))
            .user_attributes(attr("email_verified", "true"))
            .user_attributes(attr("name", &org.name))
            .user_attributes(attr(ORG_ID_ATTRIBUTE, &org_id))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("AdminCreateUser", e.into_service_error())),
    };
    match created {
        Ok(()) => {}
        Err((Some(code), err)) if code == "UsernameExistsException" => {
            // Ours only if it carries this sign-up's organization id (an earlier attempt),
            // or, for `SignUp`, is still unconfirmed without one: an earlier attempt that
            // stopped before setting it (only sign-up creates users for a claimed username).
            if !is_ours(app, username, org.id, confirmation).await? {
                return Err(err);
            }
        }
        Err((_, err)) => return Err(err),
    }
    match confirmation {
        // The attribute is set with admin rights: the app client cannot write it.
        Confirmation::ByCode => cognito
            .admin_update_user_attributes()
            .user_pool_id(pool)
            .username(username)
            .user_attributes(attr(ORG_ID_ATTRIBUTE, &org_id))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| cognito_error("AdminUpdateUserAttributes", e.into_service_error())),
        Confirmation::Approved { .. } => cognito
            .admin_set_user_password()
            .user_pool_id(pool)
            .username(username)
            .password(details.password.expose())
            .permanent(true)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| cognito_error("AdminSetUserPassword", e.into_service_error())),
    }
}

/// A Cognito refusal: its code (to recognise a retry) and the answer it gives.
fn failure<E: ProvideErrorMetadata + std::fmt::Debug>(
    what: &str,
    e: E,
) -> (Option<String>, ApiError) {
    (e.code().map(str::to_owned), cognito_error(what, e))
}

/// Whether the Cognito user `username` was created by this sign-up (organization `org`).
async fn is_ours(
    app: &App,
    username: &str,
    org: OrgId,
    confirmation: Confirmation<'_>,
) -> Result<bool, ApiError> {
    Ok(match user_org(app, username).await? {
        Some(Some(id)) => id == org.to_string(),
        Some(None) => {
            matches!(confirmation, Confirmation::ByCode) && !is_confirmed(app, username).await?
        }
        None => false,
    })
}

/// The `custom:organization_id` of a Cognito user: `None` if the user does not exist,
/// `Some(None)` if it has none.
async fn user_org(app: &App, username: &str) -> Result<Option<Option<String>>, ApiError> {
    let got = app
        .aws
        .cognito()
        .await
        .admin_get_user()
        .user_pool_id(&app.config.user_pool_id)
        .username(username)
        .send()
        .await;
    match got {
        Ok(user) => Ok(Some(
            user.user_attributes()
                .iter()
                .find(|a| a.name() == ORG_ID_ATTRIBUTE)
                .and_then(|a| a.value().map(str::to_owned)),
        )),
        Err(e) => {
            let e = e.into_service_error();
            if e.code() == Some("UserNotFoundException") {
                Ok(None)
            } else {
                Err(cognito_error("AdminGetUser", e))
            }
        }
    }
}

/// Undoes a failed sign-up: deletes the user if this sign-up created it (it carries the
/// organization id) and releases the pending claim. Best effort: what it cannot undo is
/// logged, and a retry of the sign-up picks the claim up again.
async fn abandon(app: &App, username: &str, org: OrgId, confirmation: Confirmation<'_>) {
    if app.db.get_org(org).await.ok().flatten().is_some() {
        return;
    }
    let ours = match is_ours(app, username, org, confirmation).await {
        Ok(ours) => ours,
        Err(e) => {
            tracing::error!(error = %e.message, "sign-up clean-up: reading the user");
            return;
        }
    };
    if ours {
        let deleted = app
            .aws
            .cognito()
            .await
            .admin_delete_user()
            .user_pool_id(&app.config.user_pool_id)
            .username(username)
            .send()
            .await;
        if let Err(e) = deleted {
            tracing::error!(error = ?e.into_service_error(), "sign-up clean-up: deleting the user");
            return;
        }
    }
    if let Err(e) = app.db.release_sign_up(username).await {
        tracing::error!(error = %e, "sign-up clean-up: releasing the claim");
    }
}

/// `sys_admin/confirm_sign_up` (with the emailed `code`) and `admin_confirm_sign_up`
/// (`None`): only a user whose sign-up finished, so a confirmed user always has its
/// organization. Confirming a confirmed user changes nothing.
pub async fn confirm(app: &App, username: &str, code: Option<&str>) -> Result<(), ApiError> {
    match app.db.get_sign_up(username).await? {
        Some(c) if c.state == SignUpState::Done => {}
        _ => return Err(ApiError::not_found("Sign-up")),
    }
    let cognito = app.aws.cognito().await;
    let done = match code {
        Some(code) => cognito
            .confirm_sign_up()
            .client_id(&app.config.user_pool_client_id)
            .username(username)
            .confirmation_code(code)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("ConfirmSignUp", e.into_service_error())),
        None => cognito
            .admin_confirm_sign_up()
            .user_pool_id(&app.config.user_pool_id)
            .username(username)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failure("AdminConfirmSignUp", e.into_service_error())),
    };
    match done {
        Ok(()) => Ok(()),
        Err((Some(code), err)) if code == "NotAuthorizedException" => {
            if is_confirmed(app, username).await? {
                Ok(())
            } else {
                Err(err)
            }
        }
        Err((_, err)) => Err(err),
    }
}

async fn is_confirmed(app: &App, username: &str) -> Result<bool, ApiError> {
    let user = app
        .aws
        .cognito()
        .await
        .admin_get_user()
        .user_pool_id(&app.config.user_pool_id)
        .username(username)
        .send()
        .await
        .map_err(|e| cognito_error("AdminGetUser", e.into_service_error()))?;
    Ok(user.user_status() == Some(&UserStatusType::Confirmed))
}
