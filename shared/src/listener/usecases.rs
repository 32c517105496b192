//! Listener API use cases: the access gate shared by every listener and hub operation,
//! accepting inbound events, and hub subscriptions.

use aws_sdk_kms::error::ProvideErrorMetadata;

use crate::edge::codes::listener as codes;
use crate::edge::error::ApiError;
use crate::identity::oauth::{MachineIdentity, Scope};
use crate::infra::app::App;
use crate::infra::sealed::{self, SealError};
use crate::kernel::time::now;
use crate::listener::rules::{HubQuery, HubSubscription, ListenerRecord, parse_listener};
use crate::listener::webhook::{self, CallbackError, Host};
use crate::store::db::DbError;
use crate::store::idempotency::{Once, key_item};

/// What every listener and hub request passes before its own checks, in this order:
/// a valid token (40/41/42) with the scope (50), a client that is still active (51), and the
/// client's request rate (53) and the API's capacity (6). `verified` is the token's identity.
pub async fn gate(
    app: &App,
    verified: MachineIdentity,
    scope: Scope,
) -> Result<MachineIdentity, ApiError> {
    verified.require(scope)?;
    if !crate::identity::clients::client_is_active(app, &verified).await? {
        return Err(ApiError::forbidden("The client has been deactivated")
            .with_code(codes::FORBIDDEN_REQUESTER));
    }
    let minute = now().timestamp() / 60;
    let ttl = (minute + 2) * 60;
    // The client's own rate first: a client over its limit does not use up API capacity.
    let rate = app.config.listener_client_rate_per_minute;
    if rate > 0
        && !app
            .db
            .count_hit(
                &format!("RATE#{}", verified.client_id),
                &minute.to_string(),
                rate,
                ttl,
            )
            .await
            .map_err(unavailable_db)?
    {
        return Err(ApiError::forbidden(format!(
            "More than {rate} requests this minute; retry in the next minute"
        ))
        .with_code(codes::TOO_MANY_REQUESTS));
    }
    let capacity = app.config.listener_capacity_per_minute;
    if capacity > 0
        && !app
            .db
            .count_hit("RATE#*", &minute.to_string(), capacity, ttl)
            .await
            .map_err(unavailable_db)?
    {
        return Err(
            ApiError::unavailable("listener capacity reached this minute")
                .with_code(codes::OVER_CAPACITY),
        );
    }
    Ok(verified)
}

/// DynamoDB throttling means the platform is over capacity (6); anything else is internal.
fn unavailable_db(e: DbError) -> ApiError {
    match &e {
        DbError::Aws(detail)
            if [
                "ProvisionedThroughputExceeded",
                "ThrottlingException",
                "RequestLimitExceeded",
            ]
            .iter()
            .any(|c| detail.contains(c)) =>
        {
            ApiError::unavailable(e).with_code(codes::OVER_CAPACITY)
        }
        _ => e.into(),
    }
}

/// Stores an inbound event. Returns whether it was new, and the stored `Listener` JSON: a
/// repeated `eventId` of the same tenant is not stored again and answers the first one.
pub async fn accept_event(
    app: &App,
    client: &MachineIdentity,
    body: &[u8],
) -> Result<(bool, String), ApiError> {
    let event = parse_listener(body)?;
    if let Some(existing) = app
        .db
        .get_listener_event(&client.tenant, &event.event_id)
        .await?
    {
        return Ok((false, existing.payload));
    }
    let record = ListenerRecord {
        tenant: client.tenant.clone(),
        client_id: client.client_id.clone(),
        event_id: event.event_id.clone(),
        event_type: event.event_type.to_owned(),
        message_id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
        payload: event.envelope(),
        received_at: now(),
    };
    match app.db.put_listener_event(&record).await {
        Ok(()) => Ok((true, record.payload)),
        // Posted twice at the same moment: the other request stored it.
        Err(DbError::ConditionFailed) => {
            let existing = app
                .db
                .get_listener_event(&client.tenant, &event.event_id)
                .await?
                .ok_or_else(|| ApiError::internal("listener event vanished after a conflict"))?;
            Ok((false, existing.payload))
        }
        Err(e) => Err(unavailable_db(e)),
    }
}

fn invalid_field(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(message).with_code(codes::INVALID_BODY_FIELD)
}

fn callback_refused(e: CallbackError) -> ApiError {
    invalid_field(format!("callback: {e}"))
}

/// Checks a callback URL and every address its host resolves to (the delivery checks again,
/// at connect time, against DNS rebinding).
pub async fn check_callback(raw: &str, allow_loopback: bool) -> Result<(), CallbackError> {
    let callback = webhook::parse_callback(raw, allow_loopback)?;
    if let Host::Name(name) = &callback.host {
        let addrs: Vec<std::net::IpAddr> = tokio::net::lookup_host((name.as_str(), callback.port))
            .await
            .map_err(|_| CallbackError::Unresolvable)?
            .map(|a| a.ip())
            .collect();
        webhook::check_resolved(&addrs, allow_loopback)?;
    }
    Ok(())
}

/// Parses the `{callback, query}` body of `POST /hub` (21–24).
fn parse_hub_body(body: &[u8]) -> Result<(String, String), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(
            ApiError::bad_request("Request body is required").with_code(codes::MISSING_BODY)
        );
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!("Body is not JSON: {e}")).with_code(codes::INVALID_BODY)
    })?;
    let serde_json::Value::Object(fields) = value else {
        return Err(
            ApiError::bad_request("Body must be a JSON object").with_code(codes::INVALID_BODY)
        );
    };
    let callback = match fields.get("callback") {
        None | Some(serde_json::Value::Null) => {
            return Err(ApiError::bad_request("Missing body field callback")
                .with_code(codes::MISSING_BODY_FIELD));
        }
        Some(serde_json::Value::String(s)) if s.len() <= 2048 => s.trim().to_owned(),
        Some(_) => return Err(invalid_field("callback must be a URL string")),
    };
    let query = match fields.get("query") {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) if s.len() <= 2048 => s.trim().to_owned(),
        Some(_) => return Err(invalid_field("query must be a string")),
    };
    Ok((callback, query))
}

/// KMS failures leave the hub unable to protect secrets until the key is usable again (5);
/// KMS throttling is over capacity (6).
fn kms_error<E: ProvideErrorMetadata + std::fmt::Debug>(op: &str, e: E) -> ApiError {
    let throttled = matches!(
        e.code(),
        Some("ThrottlingException" | "LimitExceededException")
    );
    let err = ApiError::unavailable(format!("KMS {op}: {e:?}"));
    if throttled {
        err.with_code(codes::OVER_CAPACITY)
    } else {
        err
    }
}

/// KMS refusals are "unavailable" (throttling: over capacity); anything else is internal.
fn seal_error(e: SealError) -> ApiError {
    match e {
        SealError::Kms { operation, error } => kms_error(operation, error),
        other => ApiError::internal(other),
    }
}

/// The encryption context binding a ciphertext to its subscription.
const CONTEXT_KEY: &str = "hub_subscription";

/// A new hub subscription. The answer is what `respond` makes of it with its signing secret;
/// the idempotency key stores what it makes of it without (the secret stays sealed in the
/// subscription alone, and a keyed retry unseals it again: [`replayed_hub`]).
pub async fn create_hub<R: serde::Serialize>(
    app: &App,
    client: &MachineIdentity,
    body: &[u8],
    once: Option<Once>,
    respond: impl Fn(&HubSubscription, Option<&str>) -> R,
) -> Result<R, ApiError> {
    let (callback, query) = parse_hub_body(body)?;
    HubQuery::parse(&query).map_err(|e| invalid_field(format!("query: {e}")))?;
    let existing = app.db.hubs_of(&client.tenant).await?.len();
    // The catalogue has no 409: past its quota a tenant is refused as over a limit (53).
    crate::kernel::quota::Quota {
        what: "hub subscriptions",
        per: "tenant",
        max: app.config.max_hub_subscriptions_per_tenant,
    }
    .admits_one_more(existing)
    .map_err(|q| ApiError::forbidden(q.to_string()).with_code(codes::TOO_MANY_REQUESTS))?;
    check_callback(&callback, app.config.allow_loopback_callbacks)
        .await
        .map_err(callback_refused)?;
    let id = uuid::Uuid::new_v4().to_string();
    let secret =
        webhook::generate_secret().map_err(|_| ApiError::internal("system randomness failed"))?;
    let secret_ciphertext = sealed::seal(
        &app.aws,
        &app.config.credentials_key_id,
        &[(CONTEXT_KEY, &id)],
        secret.as_bytes().to_vec(),
    )
    .await
    .map_err(seal_error)?;
    let hub = HubSubscription {
        id,
        tenant: client.tenant.clone(),
        client_id: client.client_id.clone(),
        callback,
        query,
        secret_ciphertext,
        created_at: now(),
    };
    let also = key_item(once, &respond(&hub, None), hub.created_at)?;
    app.db
        .create_hub(&hub, also)
        .await
        .map_err(unavailable_db)?;
    Ok(respond(&hub, Some(&secret)))
}

/// For a retry of a hub subscription's creation under the same `Idempotency-Key`: the
/// subscription `id` it created, with its secret unsealed again; `None` once deleted (the
/// retry is then answered as stored, without a secret).
pub async fn replayed_hub(
    app: &App,
    client: &MachineIdentity,
    id: &str,
) -> Result<Option<(HubSubscription, String)>, ApiError> {
    match app.db.get_hub(id).await? {
        // The key is the tenant's, so is what it created; checked all the same.
        Some(hub) if hub.tenant == client.tenant => {
            let secret = hub_secret(app, &hub).await?;
            Ok(Some((hub, secret)))
        }
        _ => Ok(None),
    }
}

/// Decrypts a subscription's signing secret.
pub async fn hub_secret(app: &App, hub: &HubSubscription) -> Result<String, ApiError> {
    let plain = sealed::unseal(&app.aws, &hub.secret_ciphertext, &[(CONTEXT_KEY, &hub.id)])
        .await
        .map_err(seal_error)?;
    String::from_utf8(plain).map_err(ApiError::internal)
}

fn hub_not_found() -> ApiError {
    ApiError::not_found("Hub subscription")
}

async fn tenant_hub(
    app: &App,
    client: &MachineIdentity,
    id: &str,
) -> Result<HubSubscription, ApiError> {
    match app.db.get_hub(id).await? {
        Some(h) if h.tenant == client.tenant => Ok(h),
        _ => Err(hub_not_found()),
    }
}

pub async fn get_hub(
    app: &App,
    client: &MachineIdentity,
    id: &str,
) -> Result<HubSubscription, ApiError> {
    tenant_hub(app, client, id).await
}

/// The tenant's subscriptions, oldest first: `offset` skipped, at most `limit`, and the total.
pub async fn list_hubs(
    app: &App,
    client: &MachineIdentity,
    offset: usize,
    limit: usize,
) -> Result<(Vec<HubSubscription>, usize), ApiError> {
    let all = app.db.hubs_of(&client.tenant).await?;
    let total = all.len();
    Ok((all.into_iter().skip(offset).take(limit).collect(), total))
}

/// Unsubscribes. Every client of the tenant may read the tenant's subscriptions, but only the
/// client that created one may delete it (52).
pub async fn delete_hub(app: &App, client: &MachineIdentity, id: &str) -> Result<(), ApiError> {
    let hub = tenant_hub(app, client, id).await?;
    if hub.client_id != client.client_id {
        return Err(ApiError::forbidden(
            "Only the client that created the subscription may delete it",
        )
        .with_code(codes::FORBIDDEN_USER));
    }
    if !app.db.delete_hub(id).await? {
        return Err(hub_not_found());
    }
    Ok(())
}
