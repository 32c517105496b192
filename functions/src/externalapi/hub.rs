//! `/externalapi/hub/v1/hub[/{id}]`: callback subscriptions (`listener:hub` scope), owned by
//! the caller's tenant.

use lambda_http::{Body, Request, RequestExt, Response};
use shared::ApiError;
use shared::App;
use shared::edge::codes::listener as codes;
use shared::edge::error::ErrorKind;
use shared::edge::http::{HttpResponse, json, no_content};
use shared::edge::keyed::{mark_replayed, once_with};
use shared::identity::oauth::Scope;
use shared::listener::usecases as svc;
use shared::listener::wire::HubView;

use super::{gate, json_bytes};

/// The `{id}` path parameter (20 when it cannot be a subscription id).
fn hub_id(req: &Request) -> Result<String, ApiError> {
    let raw = req
        .path_parameters_ref()
        .and_then(|p| p.first("id"))
        .unwrap_or_default();
    let valid = !raw.is_empty()
        && raw.len() <= 64
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if valid {
        Ok(raw.to_owned())
    } else {
        Err(
            ApiError::bad_request(format!("Invalid hub subscription id {raw:?}"))
                .with_code(codes::INVALID_URL_PARAMETER),
        )
    }
}

/// Largest `limit` of a list.
const MAX_LIMIT: usize = 1000;

/// `offset` and `limit` of the list: 27 for a parameter given without a value, 28 for a value
/// that is not a number in range. Other parameters are ignored.
fn paging(req: &Request) -> Result<(usize, usize), ApiError> {
    let mut offset = 0;
    let mut limit = MAX_LIMIT;
    let raw = req.uri().query().unwrap_or("");
    for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
        let target = match name.as_ref() {
            "offset" => &mut offset,
            "limit" => &mut limit,
            _ => continue,
        };
        if value.is_empty() {
            return Err(
                ApiError::bad_request(format!("Query parameter {name} has no value"))
                    .with_code(codes::MISSING_QUERY_PARAMETER),
            );
        }
        *target = value
            .parse::<usize>()
            .ok()
            .filter(|n| name != "limit" || (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(format!("Invalid {name}: {value}"))
                    .with_code(codes::INVALID_QUERY_PARAMETER)
            })?;
    }
    Ok((offset, limit))
}

/// `POST /externalapi/hub/v1/hub`: 201 with the subscription and its signing secret (shown
/// only here).
/// Once per `Idempotency-Key` of the tenant: a retry is answered with the subscription it
/// created, secret included (unsealed again: the key item never holds it). The Listener's
/// catalogue has no 422, so a key used for another request is its 400 "Invalid header value".
pub async fn create(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let client = &gate(app, &req, Scope::ListenerHub).await?;
    let body = json_bytes(&req)?;
    once_with(
        app,
        &req,
        client.tenant.as_str(),
        201,
        |key| svc::create_hub(app, client, body, key, HubView::of),
        |view| created(&view),
        |stored| async move {
            let view: HubView = serde_json::from_str(&stored.body).map_err(ApiError::internal)?;
            let view = match svc::replayed_hub(app, client, &view.id).await? {
                Some((hub, secret)) => HubView::of(&hub, Some(&secret)),
                None => view,
            };
            let mut response = created(&view)?;
            mark_replayed(&mut response);
            Ok(response)
        },
    )
    .await
    .map_err(|e| match e.kind {
        ErrorKind::Unprocessable => {
            ApiError::bad_request(e.message).with_code(codes::INVALID_HEADER)
        }
        _ => e,
    })
}

/// The 201 of a new subscription, with its URL.
fn created(view: &HubView) -> Result<HttpResponse, ApiError> {
    let text = serde_json::to_string(view).map_err(ApiError::internal)?;
    Response::builder()
        .status(201)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(
            http::header::LOCATION,
            format!("/externalapi/hub/v1/hub/{}", view.id),
        )
        .body(Body::Text(text))
        .map_err(ApiError::internal)
}

/// `GET /externalapi/hub/v1/hub`: the tenant's subscriptions, with `X-Total-Count`.
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let client = gate(app, &req, Scope::ListenerHub).await?;
    let (offset, limit) = paging(&req)?;
    let (hubs, total) = svc::list_hubs(app, &client, offset, limit).await?;
    let items: Vec<HubView> = hubs.iter().map(|h| HubView::of(h, None)).collect();
    let mut response = json(200, &items)?;
    response
        .headers_mut()
        .insert("x-total-count", http::HeaderValue::from(total as u64));
    Ok(response)
}

/// `GET /externalapi/hub/v1/hub/{id}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let client = gate(app, &req, Scope::ListenerHub).await?;
    let id = hub_id(&req)?;
    json(
        200,
        &HubView::of(&svc::get_hub(app, &client, &id).await?, None),
    )
}

/// `DELETE /externalapi/hub/v1/hub/{id}`
pub async fn delete(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let client = gate(app, &req, Scope::ListenerHub).await?;
    let id = hub_id(&req)?;
    svc::delete_hub(app, &client, &id).await?;
    no_content()
}
