//! Machine clients: registration by a sys_admin, and the client-credentials token grant.

use serde::Deserialize;

use crate::edge::error::ApiError;
use crate::identity::auth::Identity;
use crate::identity::oauth::{
    self, AUDIENCE, AccessClaims, ClientId, ClientRecord, IssuedToken, MachineIdentity, Scope,
    TenantId, TokenRequest,
};
use crate::infra::app::App;
use crate::kernel::time::now;
use crate::store::db::DbError;

/// `POST /oauth/v1/clients`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    /// Chosen by the caller (a Notification subscription names it), or generated.
    pub client_id: Option<ClientId>,
    pub tenant: TenantId,
    pub scopes: Vec<Scope>,
    pub name: Option<String>,
}

/// A new client's answer: the record, and the secret shown this once.
pub async fn create_client(
    app: &App,
    identity: &Identity,
    new: NewClient,
) -> Result<(ClientRecord, String), ApiError> {
    identity.sys_admin()?;
    if new.scopes.is_empty() {
        return Err(ApiError::bad_request("scopes must not be empty"));
    }
    let client_id = match new.client_id {
        Some(id) => id,
        None => format!("client-{}", uuid::Uuid::new_v4().simple())
            .parse()
            .expect("generated ids are valid"),
    };
    let secret = oauth::generate_secret()?;
    let mut scopes = Vec::new();
    for s in new.scopes {
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    let record = ClientRecord {
        client_id,
        tenant: new.tenant,
        scopes,
        name: new.name,
        secret_hash: oauth::hash_secret(&secret),
        active: true,
        created_at: now(),
    };
    match app.db.create_client(&record).await {
        Ok(()) => Ok((record, secret)),
        Err(DbError::ConditionFailed) => Err(ApiError::conflict("The client_id is taken")),
        Err(e) => Err(e.into()),
    }
}

pub async fn get_client(
    app: &App,
    identity: &Identity,
    id: &ClientId,
) -> Result<ClientRecord, ApiError> {
    identity.sys_admin()?;
    app.db
        .get_client(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Client"))
}

/// Whether the client of a verified machine token may still call: active, and of the
/// token's tenant. Every machine API asks this on every request (cached for
/// `MACHINE_CLIENT_CACHE_SECONDS`).
pub async fn client_is_active(app: &App, identity: &MachineIdentity) -> Result<bool, ApiError> {
    app.clients
        .is_active(identity, async {
            Ok(app.db.get_client(&identity.client_id).await?)
        })
        .await
}

/// Deactivates a client: it gets no new tokens, and tokens already issued are refused by
/// every machine API within `MACHINE_CLIENT_CACHE_SECONDS` ([`client_is_active`]).
pub async fn deactivate_client(
    app: &App,
    identity: &Identity,
    id: &ClientId,
) -> Result<(), ApiError> {
    identity.sys_admin()?;
    let mut record = app
        .db
        .get_client(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Client"))?;
    record.active = false;
    app.db.update_client(&record).await?;
    Ok(())
}

/// The client-credentials grant at `/auth/realms/{realm}/protocol/openid-connect/token`.
/// `basic` holds credentials from `Authorization: Basic`, which may not be combined with
/// credentials in the body.
pub async fn issue_token(
    app: &App,
    realm: &str,
    request: TokenRequest,
    basic: Option<(String, String)>,
) -> Result<IssuedToken, ApiError> {
    let invalid_request = |m: &str| ApiError::bad_request(m).with_code("invalid_request");
    match request.grant_type.as_deref() {
        None => return Err(invalid_request("grant_type is required")),
        Some("client_credentials") => {}
        Some(_) => {
            return Err(
                ApiError::bad_request("Only client_credentials is supported")
                    .with_code("unsupported_grant_type"),
            );
        }
    }
    let (id, secret) = match (basic, request.client_id, request.client_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(invalid_request(
                "Client credentials given both in the header and in the body",
            ));
        }
        (Some(pair), None, None) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => {
            return Err(ApiError::new(
                crate::ErrorKind::Unauthorized,
                "client_id and client_secret are required",
            )
            .with_code("invalid_client"));
        }
    };
    let client = match id.parse::<ClientId>() {
        Ok(id) => app.db.get_client(&id).await?,
        Err(_) => None,
    };
    let scopes = oauth::grant(client.as_ref(), realm, &secret, request.scope.as_deref())?;
    let client = client.expect("grant refuses a missing client");
    let issued = now().timestamp();
    let ttl = app.config.access_token_ttl_seconds;
    let scope = oauth::join_scopes(&scopes);
    let claims = AccessClaims {
        iss: app.config.token_issuer.clone(),
        sub: client.client_id.to_string(),
        aud: AUDIENCE.into(),
        iat: issued,
        exp: issued + ttl,
        jti: uuid::Uuid::new_v4().to_string(),
        client_id: client.client_id,
        tenant: client.tenant,
        scope: scope.clone(),
        typ: "Bearer".into(),
    };
    let access_token = oauth::sign(&app.aws, &app.config.token_signing_key_id, &claims).await?;
    Ok(IssuedToken {
        access_token,
        expires_in: ttl,
        scope,
    })
}
