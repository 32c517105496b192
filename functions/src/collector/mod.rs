//! The Event Collector API (`/api/v1/*`, seed 002). Every call needs a machine access token
//! (`Authorization: Bearer …`) with the operation's scope and an `X-TWC-Tenant` header naming
//! the token's tenant.

pub mod deliver;
pub mod dispatch;
pub mod event_subscription;
pub mod events;
pub mod jobs;
pub mod run_jobs;

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::{authenticate_machine, twc_tenant};
use shared::identity::oauth::{Scope, TenantId};

/// The caller's tenant, after checking its token, the scope and the tenant header.
async fn tenant(app: &App, req: &Request, scope: Scope) -> Result<TenantId, ApiError> {
    let identity = authenticate_machine(app, req, scope).await?;
    twc_tenant(req, &identity)
}
