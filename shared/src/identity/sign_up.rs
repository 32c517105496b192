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
use serde::Serialize;

use crate::edge::error::ApiError;
use crate::identity::auth::ORG_ADMIN;
use crate::infra::app::App;
use crate::kernel::ids::OrgId;
use crate::kernel::time::now;
use crate::marketplace::organization::{OrgProfile, Organization};
use crate::marketplace::store::organizations::{SignUpState, SignUpWrite};
use crate::marketplace::wire::organizations::{Email, OrgSignUpDetails, Password};
use crate::store::db::{Cond, DbError, Item};
use crate::store::idempotency::{Once, check_not_answered, key_item};

/// How the new user becomes able to log in.
#[derive(Clone, Copy, Debug)]
pub enum Confirmation<'a> {
    /// `sys_admin/sign_up`: Cognito `SignUp` sends a confirmation code; the user stays
    /// unconfirmed until `confirm_sign_up` (the code) or `admin_confirm_sign_up`.
    ByCode,
    /// Anonymous `sign_up` with an approval: the approval vouches for the organization, so
    /// the user is created confirmed with its password, and the approval is used up.
    Approved { approval_id: &'a str },
    /// `sys_admin/auto_sign_up`: the sys_admin vouches; the user is created confirmed.
    BySysAdmin,
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

/// Signs up an organization with its first `org_admin`; answers `answer` of the new
/// organization. With `once` (the request's idempotency key), the key item holding that answer
/// is written in the transaction that completes the sign-up (step 3).
pub async fn sign_up<T: Serialize>(
    app: &App,
    username: &str,
    password: &Password,
    details: &OrgSignUpDetails,
    confirmation: Confirmation<'_>,
    once: Option<Once>,
    answer: impl Fn(&Organization) -> T,
) -> Result<T, ApiError> {
    let request = Request {
        username,
        password,
        details,
        confirmation,
    };
    run(app, None, request, once, answer).await
}

/// [`sign_up`] with the organization id chosen by the caller. A sign-up of the username that
/// already finished with this id is answered with that organization, so a repeated step of
/// an auto sign-up (`identity::auto_sign_up`) finds its own work done.
pub async fn sign_up_as(
    app: &App,
    id: OrgId,
    username: &str,
    password: &Password,
    details: &OrgSignUpDetails,
) -> Result<Organization, ApiError> {
    let request = Request {
        username,
        password,
        details,
        confirmation: Confirmation::BySysAdmin,
    };
    run(app, Some(id), request, None, Organization::clone).await
}

/// The organization a sign-up would create, or why the request is refused: decided before
/// anything is written, so a refused request leaves no trace.
pub fn new_organization(
    id: OrgId,
    username: &str,
    details: &OrgSignUpDetails,
) -> Result<Organization, ApiError> {
    let profile = OrgProfile {
        username: username.to_owned(),
        email: details.email.as_str().to_owned(),
        phone: details.phone(),
        address: details.address.clone(),
        branch_id: details.branch_id,
    };
    Ok(Organization::signed_up(
        id,
        details.name.as_str().to_owned(),
        details.host.as_ref().map(|h| h.as_str().to_owned()),
        details.source.as_str().to_owned(),
        profile,
        now(),
    )?)
}

/// Refuses a sign-up whose username or host and branch are already taken (a 409), before
/// anything is written. The sign-up itself checks both again when it writes.
pub async fn check_available(
    app: &App,
    username: &str,
    details: &OrgSignUpDetails,
) -> Result<(), ApiError> {
    if let Some(h) = &details.host
        && app
            .db
            .host_owner(h.as_str(), details.branch_id)
            .await?
            .is_some()
    {
        return Err(host_taken());
    }
    match app.db.get_sign_up(username).await? {
        Some(c) if c.state == SignUpState::Done => Err(username_taken()),
        _ => Ok(()),
    }
}

/// What a sign-up asks for.
#[derive(Clone, Copy)]
struct Request<'a> {
    username: &'a str,
    password: &'a Password,
    details: &'a OrgSignUpDetails,
    confirmation: Confirmation<'a>,
}

async fn run<T: Serialize>(
    app: &App,
    fixed_id: Option<OrgId>,
    r: Request<'_>,
    once: Option<Once>,
    answer: impl Fn(&Organization) -> T,
) -> Result<T, ApiError> {
    let (username, details) = (r.username, r.details);
    let approval_id = match r.confirmation {
        Confirmation::Approved { approval_id } => {
            crate::marketplace::usecases::organizations::require_approval(app, approval_id).await?;
            Some(approval_id)
        }
        Confirmation::ByCode | Confirmation::BySysAdmin => None,
    };
    // Without a fixed id, a fresh one (`OrgId::default` is a new random id).
    let mut org = new_organization(fixed_id.unwrap_or_default(), username, details)?;
    let ours = |owner: OrgId| fixed_id == Some(owner);
    if let Some(h) = &org.host {
        match app.db.host_owner(h, details.branch_id).await? {
            Some(owner) if ours(owner) => return Ok(answer(&own_finished(app, owner).await?)),
            Some(_) => return Err(host_taken()),
            None => {}
        }
    }
    let claim = app.db.claim_sign_up(username, org.id).await?;
    match claim.state {
        SignUpState::Done if ours(claim.org_id) => {
            return Ok(answer(&own_finished(app, claim.org_id).await?));
        }
        SignUpState::Done => return Err(username_taken()),
        // Another sign-up of this username, with its own id, is under way.
        _ if fixed_id.is_some() && claim.org_id != org.id => {
            return Err(ApiError::conflict(
                "Another sign-up of this username is in progress.",
            ));
        }
        _ => {}
    }
    // A retry (the claim was pending) continues with the id of the first attempt.
    org.id = claim.org_id;
    let answered = answer(&org);
    let key = Key {
        item: key_item(once.clone(), &answered, now())?,
        once: once.as_ref(),
    };
    match finish(app, r, &org, approval_id, key).await {
        Ok(()) => Ok(answered),
        Err(e) => {
            abandon(app, username, org.id).await;
            Err(e)
        }
    }
}

/// The request's idempotency key, and its key item to write with the sign-up's last write.
struct Key<'a> {
    item: Option<(Item, Cond)>,
    once: Option<&'a Once>,
}

/// This sign-up's own organization, written by an earlier attempt with the same id.
async fn own_finished(app: &App, id: OrgId) -> Result<Organization, ApiError> {
    app.db
        .get_org(id)
        .await?
        .ok_or_else(|| ApiError::conflict("The sign-up is being finished by another attempt."))
}

fn username_taken() -> ApiError {
    ApiError::conflict("An organization was already signed up with this username.")
}

async fn finish(
    app: &App,
    r: Request<'_>,
    org: &Organization,
    approval_id: Option<&str>,
    key: Key<'_>,
) -> Result<(), ApiError> {
    let (username, details) = (r.username, r.details);
    create_user(app, r, org).await?;
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
    match app.db.complete_sign_up(&write, key.item).await {
        Ok(()) => Ok(()),
        Err(DbError::ConditionFailed) => {
            // A concurrent request with this key finished the sign-up: its answer is this
            // one's (`keyed::once`), not this attempt's copy of the organization.
            check_not_answered(&app.db, key.once, now()).await?;
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

async fn create_user(app: &App, r: Request<'_>, org: &Organization) -> Result<(), ApiError> {
    let Request {
        username,
        password,
        details,
        confirmation,
    } = r;
    let cognito = app.aws.cognito().await;
    let pool = &app.config.user_pool_id;
    let org_id = org.id.to_string();
    let email = user_email(username, details);
    let created = match confirmation {
        // The organization id is immutable (template.yaml): it is written here, at creation,
        // through the platform's own client, the only one whose WriteAttributes hold it.
        Confirmation::ByCode => {
            let client = &app.config.sign_up_client_id;
            let secret_hash = secret_hash(&sign_up_client_secret(app).await?, client, username);
            cognito
                .sign_up()
                .client_id(client)
                .secret_hash(secret_hash)
                .username(username)
                .password(password.expose())
                .user_attributes(attr("email", email))
                .user_attributes(attr("name", &org.name))
                .user_attributes(attr(ORG_ID_ATTRIBUTE, &org_id))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| failure("SignUp", e.into_service_error()))
        }
        Confirmation::Approved { .. } | Confirmation::BySysAdmin => cognito
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
            // Ours only if it carries this sign-up's organization id (an earlier attempt).
            // A user without one was made by someone else (self sign-up on the public
            // client): never adopt it, since its password is not this request's.
            if !is_ours(app, username, org.id).await? {
                return Err(err);
            }
        }
        Err((_, err)) => return Err(err),
    }
    match confirmation {
        Confirmation::ByCode => Ok(()),
        Confirmation::Approved { .. } | Confirmation::BySysAdmin => cognito
            .admin_set_user_password()
            .user_pool_id(pool)
            .username(username)
            .password(password.expose())
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

/// Whether the Cognito user `username` was created by this sign-up (organization `org`):
/// the organization id is written only at creation, so carrying it proves it.
async fn is_ours(app: &App, username: &str, org: OrgId) -> Result<bool, ApiError> {
    Ok(matches!(user_org(app, username).await?, Some(Some(id)) if id == org.to_string()))
}

/// The sign-up client's secret, read from Cognito when needed (sign-ups are rare), so it is
/// never in the function's environment or logs.
async fn sign_up_client_secret(app: &App) -> Result<String, ApiError> {
    let described = app
        .aws
        .cognito()
        .await
        .describe_user_pool_client()
        .user_pool_id(&app.config.user_pool_id)
        .client_id(&app.config.sign_up_client_id)
        .send()
        .await
        .map_err(|e| cognito_error("DescribeUserPoolClient", e.into_service_error()))?;
    described
        .user_pool_client
        .and_then(|c| c.client_secret)
        .ok_or_else(|| ApiError::internal("the sign-up client has no secret"))
}

/// Cognito's `SECRET_HASH`: base64(HMAC-SHA256(secret, username + client id)).
fn secret_hash(secret: &str, client_id: &str, username: &str) -> String {
    use aws_lc_rs::hmac;
    use base64::Engine as _;
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, format!("{username}{client_id}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
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
async fn abandon(app: &App, username: &str, org: OrgId) {
    if app.db.get_org(org).await.ok().flatten().is_some() {
        return;
    }
    let ours = match is_ours(app, username, org).await {
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

#[cfg(test)]
mod tests {
    #[test]
    fn secret_hash_is_cognitos_hmac_of_username_and_client() {
        // Computed independently: base64(HMAC-SHA256("client-secret", username + client id)).
        assert_eq!(
            super::secret_hash("client-secret", "abc123client", "ada@example.com"),
            "KYj9eSVpeeE9NwYi7yTxc9M1jcZNY52bmbXQjJoD1tA="
        );
    }
}
