//! The ONAP-style external APIs: the Listener (`/externalapi/listener/v1`) and its hub
//! (`/externalapi/hub/v1`). Every failure answers an `ErrorRepresentation` with the numeric
//! catalogue (`shared::edge::codes::listener`).

pub mod hub;
pub mod listener;

use lambda_http::{Body, Request};
use shared::ApiError;
use shared::App;
use shared::edge::codes::listener as codes;
use shared::edge::http::machine_identity;
use shared::identity::oauth::{MachineIdentity, Scope};

/// Token (40–42), scope (50), active client (51) and rates (53, 6).
pub(crate) async fn gate(
    app: &App,
    req: &Request,
    scope: Scope,
) -> Result<MachineIdentity, ApiError> {
    let identity = machine_identity(app, req).await?;
    shared::listener::usecases::gate(app, identity, scope).await
}

/// The request body; when there is one it must be declared JSON (25 without a
/// `Content-Type`, 26 with another one), as the swagger consumes `application/json`.
pub(crate) fn json_bytes(req: &Request) -> Result<&[u8], ApiError> {
    let bytes: &[u8] = match req.body() {
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(bytes);
    }
    let Some(value) = req.headers().get(http::header::CONTENT_TYPE) else {
        return Err(
            ApiError::bad_request("Missing header Content-Type").with_code(codes::MISSING_HEADER)
        );
    };
    let media = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::bad_request(format!(
            "Content-Type must be application/json, not {media:?}"
        ))
        .with_code(codes::INVALID_HEADER));
    }
    shared::kernel::limits::check(bytes, &shared::kernel::limits::EVENTS)
        .map_err(|e| ApiError::bad_request(e.to_string()).with_code(codes::INVALID_BODY))?;
    Ok(bytes)
}
