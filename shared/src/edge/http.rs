//! Adapting API Gateway HTTP API (payload v2) requests: body and parameter parsing that turns
//! bad input into a 400 with the family's error body, authentication, and response building.

use std::str::FromStr;

use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::edge::error::{ApiError, ErrorKind};
use crate::identity::auth::Identity;
use crate::identity::oauth::{MachineIdentity, Scope, TenantId};
use crate::infra::app::App;
use crate::kernel::limits;

/// The API families this platform serves; each renders errors in its own published shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Auth, Offers and Organizations APIs: `{"error": "<code>", "message": "<text>"}`.
    AlayaMarket,
    /// The token endpoint and client management (RFC 6749 §5.2):
    /// `{"error": "invalid_client", "error_description": "<text>"}`.
    OAuth,
    /// Event Collector (a Spring Boot service upstream, so Spring's default error body):
    /// `{"timestamp", "status", "error": "<reason phrase>", "message", "path"}`.
    EventCollector,
    /// Notification API: `{"code": "NOT0000NN", "description": "<text>"}`
    /// (catalogue: [`crate::edge::codes::notification`]).
    Notification,
    /// Listener and hub API (ONAP NBI `ErrorRepresentation`):
    /// `{"code": <int>, "reason", "message", "status": <int>}`
    /// (catalogue: [`crate::edge::codes::listener`]).
    Listener,
}

impl Family {
    /// The error body for a request to `path`.
    pub fn render(self, err: &ApiError, path: &str) -> serde_json::Value {
        match self {
            Family::AlayaMarket => serde_json::json!({
                "error": err.kind.code(),
                "message": err.message,
            }),
            Family::OAuth => serde_json::json!({
                "error": err.code.unwrap_or(match err.kind {
                    ErrorKind::Unauthorized => "invalid_client",
                    ErrorKind::Forbidden => "unauthorized_client",
                    ErrorKind::Internal => "server_error",
                    ErrorKind::Unavailable => "temporarily_unavailable",
                    _ => "invalid_request",
                }),
                "error_description": err.message,
            }),
            Family::EventCollector => serde_json::json!({
                "timestamp": crate::kernel::time::rfc3339(&crate::kernel::time::now()),
                "status": err.status().as_u16(),
                "error": err.status().canonical_reason().unwrap_or("Error"),
                "message": err.message,
                "path": path,
            }),
            Family::Notification => serde_json::json!({
                "code": crate::edge::codes::notification::code_of(err),
                "description": err.message,
            }),
            Family::Listener => {
                let entry = crate::edge::codes::listener::entry_of(err);
                serde_json::json!({
                    "code": entry.code,
                    "reason": entry.reason,
                    "message": err.message,
                    "status": err.status().as_u16(),
                })
            }
        }
    }
}

pub type HttpResponse = Response<Body>;

pub(crate) fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    }
}

/// Parses the JSON body. A body declared in another media type is a 415 (`curl -d` declares
/// a form); a missing body, a body over its size limits ([`crate::kernel::limits::DEFAULT`]),
/// malformed JSON, a missing field or a value outside its enum or bounds is a 400 naming
/// the problem. A body without a `Content-Type` is read as JSON.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    json_body_within(req, &limits::DEFAULT)
}

/// [`json_body`] with an operation's own size limits (form documents).
pub fn json_body_within<T: DeserializeOwned>(
    req: &Request,
    limits: &limits::Limits,
) -> Result<T, ApiError> {
    let bytes = body_bytes(req);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("Request body is required"));
    }
    json_media_type(req)?;
    limits::check(bytes, limits).map_err(|e| ApiError::bad_request(e.to_string()))?;
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("Invalid request body: {e}")))
}

/// Refuses a `Content-Type` other than `application/json` or a `+json` type (parameters such
/// as `charset` are allowed): such a body was not meant as JSON, and reading it anyway would
/// hide the client's mistake.
pub fn json_media_type(req: &Request) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(http::header::CONTENT_TYPE) else {
        return Ok(());
    };
    let media = value.to_str().unwrap_or_default();
    let essence = media.split(';').next().unwrap_or_default().trim();
    let json = essence.eq_ignore_ascii_case("application/json")
        || essence.split_once('/').is_some_and(|(kind, subtype)| {
            kind.eq_ignore_ascii_case("application")
                && subtype.to_ascii_lowercase().ends_with("+json")
        });
    if json {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorKind::UnsupportedMediaType,
            format!(
                "Content-Type must be application/json, not {:?}",
                prefix(media, 100)
            ),
        ))
    }
}

/// At most `max` bytes of `s`, cut on a character boundary (echoing a header back stays small).
fn prefix(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Like [`json_body`] for operations whose body has only optional fields: no body means `{}`.
pub fn json_body_or_default<T: DeserializeOwned + Default>(req: &Request) -> Result<T, ApiError> {
    if body_bytes(req).iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    json_body(req)
}

/// Parses the query string; repeated keys fill `Vec` fields.
/// A parameter given with no value (`?shift_id=`) is refused rather than read as absent.
pub fn query<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let raw = req.uri().query().unwrap_or("");
    if let Some((name, _)) = form_urlencoded::parse(raw.as_bytes()).find(|(_, v)| v.is_empty()) {
        return Err(ApiError::bad_request(format!(
            "Query parameter {name} has no value"
        )));
    }
    serde_html_form::from_str(raw)
        .map_err(|e| ApiError::bad_request(format!("Invalid query string: {e}")))
}

/// A path parameter, parsed into its id type.
pub fn path_param<T: FromStr>(req: &Request, name: &str) -> Result<T, ApiError> {
    let params = req.path_parameters_ref();
    let raw = params
        .and_then(|p| p.first(name))
        .ok_or_else(|| ApiError::bad_request(format!("Missing path parameter {name}")))?;
    raw.parse()
        .map_err(|_| ApiError::bad_request(format!("Invalid {name}: {raw}")))
}

/// Verifies the raw IdToken in `Authorization` (a `Bearer ` prefix is tolerated).
pub async fn authenticate(app: &App, req: &Request) -> Result<Identity, ApiError> {
    let header = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(ApiError::unauthorized)?;
    let token = header.strip_prefix("Bearer ").unwrap_or(header).trim();
    let identity = app.verifier.verify(token).await?;
    // The invocation's metrics and log lines name whose request it was (a property, never a
    // dimension; the request's span, never the token).
    if let Some(org) = identity.organization_id {
        crate::infra::metrics::property("organization_id", org.to_string());
        tracing::Span::current().record("organization_id", tracing::field::display(org));
    }
    Ok(identity)
}

/// Parses an `application/x-www-form-urlencoded` body (the OAuth token request).
pub fn form_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let bytes = body_bytes(req);
    if bytes.len() > limits::DEFAULT.body_bytes {
        return Err(ApiError::bad_request(format!(
            "the request body is {} bytes; at most {} are accepted",
            bytes.len(),
            limits::DEFAULT.body_bytes
        )));
    }
    serde_html_form::from_bytes(bytes)
        .map_err(|e| ApiError::bad_request(format!("Invalid form body: {e}")))
}

/// `Authorization: Basic` client credentials (RFC 6749 §2.3.1: each part form-urlencoded).
/// `Ok(None)` when the header is absent or uses another scheme.
pub fn basic_credentials(req: &Request) -> Result<Option<(String, String)>, ApiError> {
    use base64::Engine;
    let Some(value) = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return Ok(None);
    };
    let invalid = || ApiError::unauthorized().with_code("invalid_client");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| invalid())?;
    let decoded = String::from_utf8(decoded).map_err(|_| invalid())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(invalid)?;
    let unescape = |s: &str| -> String {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

/// Verifies a machine access token (`Authorization: Bearer …`), that it carries `scope` and
/// that its client is still active: 401 without a valid token or for a deactivated client,
/// 403 without the scope.
pub async fn authenticate_machine(
    app: &App,
    req: &Request,
    scope: Scope,
) -> Result<MachineIdentity, ApiError> {
    let identity = machine_identity(app, req).await?;
    identity.require(scope)?;
    if !crate::identity::clients::client_is_active(app, &identity).await? {
        return Err(ApiError::unauthorized());
    }
    Ok(identity)
}

/// Verifies a machine access token (`Authorization: Bearer …`) without checking a scope:
/// 401 without a valid token.
pub async fn machine_identity(app: &App, req: &Request) -> Result<MachineIdentity, ApiError> {
    let header = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default().trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized().with_code(crate::edge::error::reason::MISSING_CREDENTIALS)
        })?;
    // Present but not a bearer token: invalid rather than missing credentials.
    let token = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(ApiError::unauthorized)?;
    let identity = app.machine.verify(&app.aws, token).await?;
    crate::infra::metrics::property("tenant", identity.tenant.as_str().to_owned());
    tracing::Span::current().record("tenant", identity.tenant.as_str());
    Ok(identity)
}

/// The Event Collector's `X-TWC-Tenant`: required (400), and it must be the tenant the token
/// was issued to (403).
pub fn twc_tenant(req: &Request, identity: &MachineIdentity) -> Result<TenantId, ApiError> {
    let raw = req
        .headers()
        .get("x-twc-tenant")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::bad_request("Missing header X-TWC-Tenant"))?;
    if raw != identity.tenant.as_str() {
        return Err(ApiError::forbidden(
            "X-TWC-Tenant does not match the tenant of the access token",
        ));
    }
    Ok(identity.tenant.clone())
}

pub fn json<T: Serialize>(status: u16, body: &T) -> Result<HttpResponse, ApiError> {
    let text = serde_json::to_string(body).map_err(ApiError::internal)?;
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::Text(text))
        .map_err(ApiError::internal)
}

/// A `302` to `location`, never cached: the locations are expiring download URLs.
pub fn redirect(location: &str) -> Result<HttpResponse, ApiError> {
    Response::builder()
        .status(302)
        .header(http::header::LOCATION, location)
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(Body::Empty)
        .map_err(ApiError::internal)
}

pub fn no_content() -> Result<HttpResponse, ApiError> {
    Response::builder()
        .status(204)
        .body(Body::Empty)
        .map_err(ApiError::internal)
}

/// The edge: renders an error in the family's shape. Client errors are logged at info,
/// internal ones with their hidden detail at error.
pub fn error_response(family: Family, path: &str, err: &ApiError) -> HttpResponse {
    if err.kind == ErrorKind::Internal {
        tracing::error!(error = %err, "request failed");
    } else {
        tracing::info!(status = err.status().as_u16(), message = %err.message, "request refused");
    }
    let body = family.render(err, path).to_string();
    Response::builder()
        .status(err.status())
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::Text(body))
        .unwrap_or_default()
}

/// Turns a handler's result for a request to `path` into the response Lambda returns.
pub fn respond(family: Family, path: &str, result: Result<HttpResponse, ApiError>) -> HttpResponse {
    result.unwrap_or_else(|err| error_response(family, path, &err))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(content_type: Option<&str>, body: &str) -> Request {
        let mut builder = http::Request::builder().method("POST").uri("/x");
        if let Some(t) = content_type {
            builder = builder.header(http::header::CONTENT_TYPE, t);
        }
        builder.body(Body::Text(body.into())).unwrap()
    }

    #[test]
    fn a_body_declared_in_another_media_type_is_415() {
        for t in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
            "",
        ] {
            let err = json_body::<serde_json::Value>(&post(Some(t), "{}")).unwrap_err();
            assert_eq!(err.kind, ErrorKind::UnsupportedMediaType, "{t}");
            assert_eq!(err.status().as_u16(), 415);
        }
        let long = format!("text/{}", "é".repeat(200));
        let err = json_media_type(&post(Some(&long), "{}")).unwrap_err();
        assert!(err.message.len() < 150, "{}", err.message);
    }

    #[test]
    fn json_media_types_and_an_absent_header_read_the_body() {
        for t in [
            Some("application/json"),
            Some("Application/JSON; charset=utf-8"),
            Some("application/merge-patch+json"),
            None,
        ] {
            let v: serde_json::Value = json_body(&post(t, r#"{"a":1}"#)).unwrap();
            assert_eq!(v["a"], 1, "{t:?}");
        }
        // No body: the media type does not matter.
        let v: serde_json::Value = json_body_or_default(&post(Some("text/plain"), "")).unwrap();
        assert!(v.is_null());
    }
}
