//! Creating requests under an `Idempotency-Key` ([`crate::store::idempotency`]): the HTTP side
//! of keyed creates, which every creating route runs through.

use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::edge::error::ApiError;
use crate::edge::http::{HttpResponse, authenticate, body_bytes, json, json_body};
use crate::infra::app::App;
use crate::kernel::ids::OrgId;
use crate::store::idempotency::{self, IdempotencyKey, Once};

/// Runs a creating use case under the request's `Idempotency-Key`, when it has one
/// ([`crate::store::idempotency`]): a response stored under the key is answered again (with
/// `Idempotent-Replayed: true`) without running the use case; otherwise the use case runs with
/// a [`Once`] to write with its state change and is answered with `status`. When it fails
/// while a concurrent request with the same key won (a 409, or a refusal of what the winner
/// changed: the name it took, the approval it used up), that request's stored response is the
/// answer. `scope` is the caller (its organization or tenant), which keys are private to.
pub async fn once<T, F, Fut>(
    app: &App,
    req: &Request,
    scope: &str,
    status: u16,
    run: F,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize,
    F: FnOnce(Option<Once>) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let key = request_key(req, scope, |_| Ok(body_bytes(req).to_vec()))?;
    keyed(app, key, status, run).await
}

/// The request's idempotency key, if it sent one: its scope, the key as sent, and the
/// fingerprint of its method, path and the body `fingerprinted` gives (from the key as sent).
fn request_key(
    req: &Request,
    scope: &str,
    fingerprinted: impl FnOnce(&str) -> Result<Vec<u8>, ApiError>,
) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(header) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let raw = header.to_str().unwrap_or_default();
    let body = fingerprinted(raw)?;
    let (method, path) = (req.method().as_str(), req.uri().path());
    IdempotencyKey::new(scope, raw, method, path, &body).map(Some)
}

/// PBKDF2 rounds over a password in a key's fingerprint ([`once_with_password`]).
const PASSWORD_ROUNDS: u32 = 100_000;

/// [`once`] for a request whose JSON body carries a password in its top-level `field` (the
/// sign-ups). The key item's fingerprint is a fast, unsalted digest of the body, and the rest
/// of a sign-up's body is in the organization it creates: a reader of the table could test
/// password guesses against it. So the fingerprint covers the body with the password replaced
/// by PBKDF2 of it, salted with the caller and the key as sent, which is never stored (the
/// item's key holds its digest). The body must already have parsed as JSON.
pub async fn once_with_password<T, F, Fut>(
    app: &App,
    req: &Request,
    scope: &str,
    status: u16,
    field: &str,
    run: F,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize,
    F: FnOnce(Option<Once>) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let key = request_key(req, scope, |raw| {
        // A malformed key is refused before any rounds are spent on it.
        IdempotencyKey::new(scope, raw, "", "", b"")?;
        password_stretched(body_bytes(req), field, scope, raw)
    })?;
    keyed(app, key, status, run).await
}

/// `body` with the string at its top-level `field` replaced by PBKDF2-HMAC-SHA256 of it,
/// salted with `scope` and `key`.
fn password_stretched(
    body: &[u8],
    field: &str,
    scope: &str,
    key: &str,
) -> Result<Vec<u8>, ApiError> {
    use base64::Engine;
    let mut value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Invalid request body: {e}")))?;
    if let Some(password) = value.get(field).and_then(|p| p.as_str()) {
        let mut stretched = [0u8; 32];
        aws_lc_rs::pbkdf2::derive(
            aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
            std::num::NonZeroU32::new(PASSWORD_ROUNDS).expect("rounds are not zero"),
            format!("{scope}\n{key}").as_bytes(),
            password.as_bytes(),
            &mut stretched,
        );
        value[field] = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(stretched)
            .into();
    }
    serde_json::to_vec(&value).map_err(ApiError::internal)
}

async fn keyed<T, F, Fut>(
    app: &App,
    key: Option<IdempotencyKey>,
    status: u16,
    run: F,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize,
    F: FnOnce(Option<Once>) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    keyed_with(
        app,
        key,
        status,
        run,
        |created| json(status, &created),
        |stored| async move { replay(stored) },
    )
    .await
}

/// [`once`] for a response that is not stored as sent: `render` answers what the use case
/// created, and `restore` a stored response (a response holding a secret stores it without,
/// and `restore` adds it back). `restore` must mark its answer with [`mark_replayed`].
pub async fn once_with<T, F, Fut, R, RFut>(
    app: &App,
    req: &Request,
    scope: &str,
    status: u16,
    run: F,
    render: impl FnOnce(T) -> Result<HttpResponse, ApiError>,
    restore: R,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(Option<Once>) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
    R: FnOnce(idempotency::StoredResponse) -> RFut,
    RFut: std::future::Future<Output = Result<HttpResponse, ApiError>>,
{
    let key = request_key(req, scope, |_| Ok(body_bytes(req).to_vec()))?;
    keyed_with(app, key, status, run, render, restore).await
}

async fn keyed_with<T, F, Fut, R, RFut>(
    app: &App,
    key: Option<IdempotencyKey>,
    status: u16,
    run: F,
    render: impl FnOnce(T) -> Result<HttpResponse, ApiError>,
    restore: R,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(Option<Once>) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
    R: FnOnce(idempotency::StoredResponse) -> RFut,
    RFut: std::future::Future<Output = Result<HttpResponse, ApiError>>,
{
    let Some(key) = key else {
        return render(run(None).await?);
    };
    if let Some(stored) = idempotency::stored(&app.db, &key, crate::kernel::time::now()).await? {
        return restore(stored).await;
    }
    match run(Some(Once::new(key.clone(), status))).await {
        Ok(created) => render(created),
        Err(e) => match idempotency::stored(&app.db, &key, crate::kernel::time::now()).await? {
            Some(stored) => restore(stored).await,
            None => Err(e),
        },
    }
}

/// A POST by an organization's admin that creates something: the caller's organization and the
/// JSON body go to `run`, once per `Idempotency-Key` ([`once`]), answered with 201.
pub async fn org_admin_creates<B, T, F, Fut>(
    app: &App,
    req: &Request,
    run: F,
) -> Result<HttpResponse, ApiError>
where
    B: DeserializeOwned,
    T: Serialize,
    F: FnOnce(OrgId, B, Option<Once>) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let org = authenticate(app, req).await?.org_admin()?;
    let body = json_body(req)?;
    once(app, req, &org.to_string(), 201, |key| run(org, body, key)).await
}

fn replay(stored: idempotency::StoredResponse) -> Result<HttpResponse, ApiError> {
    let mut response = Response::builder()
        .status(stored.status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::Text(stored.body))
        .map_err(ApiError::internal)?;
    mark_replayed(&mut response);
    Ok(response)
}

/// Marks an answer as the stored response of an earlier request with the same key.
pub fn mark_replayed(response: &mut HttpResponse) {
    response.headers_mut().insert(
        "idempotent-replayed",
        http::HeaderValue::from_static("true"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprinted_password_is_stretched_with_the_key_and_its_caller() {
        let body = br#"{"username":"ada","password":"Passw0rd!"}"#;
        let stretched = |scope: &str, key: &str| {
            String::from_utf8(password_stretched(body, "password", scope, key).unwrap()).unwrap()
        };
        let once = stretched("org", "k1");
        assert_eq!(once, stretched("org", "k1"), "a retry fingerprints alike");
        assert!(!once.contains("Passw0rd!"), "{once}");
        assert!(once.contains(r#""username":"ada""#), "{once}");
        assert_ne!(once, stretched("org", "k2"), "salted with the key");
        assert_ne!(once, stretched("other", "k1"), "salted with the caller");
        let other = br#"{"username":"ada","password":"Passw0rd?"}"#;
        let changed = password_stretched(other, "password", "org", "k1").unwrap();
        assert_ne!(
            once.as_bytes(),
            changed,
            "another password is another request"
        );
    }
}
