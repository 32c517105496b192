//! `/api/v1/jobs[/{jobId}]`.

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::collector::usecases as svc;
use shared::collector::wire::Job;
use shared::edge::http::{HttpResponse, json, json_body, no_content, path_param};
use shared::edge::keyed::once;
use shared::identity::oauth::Scope;
use shared::kernel::time::now;

const SCOPE: Scope = Scope::CollectorJobs;

/// `POST /api/v1/jobs` (with an optional `Idempotency-Key`, private to the tenant).
pub async fn create(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, SCOPE).await?;
    let body = json_body(&req)?;
    once(app, &req, tenant.as_str(), 201, |key| {
        svc::create_job(app, &tenant, body, now(), key, |j| Job::from(j))
    })
    .await
}

/// `GET /api/v1/jobs`
pub async fn list(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, SCOPE).await?;
    let jobs = svc::list_jobs(app, &tenant).await?;
    json(200, &jobs.iter().map(Job::from).collect::<Vec<_>>())
}

/// `GET /api/v1/jobs/{jobId}`
pub async fn get(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, SCOPE).await?;
    let id: String = path_param(&req, "jobId")?;
    json(200, &Job::from(&svc::get_job(app, &tenant, &id).await?))
}

/// `PUT /api/v1/jobs/{jobId}`
pub async fn update(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, SCOPE).await?;
    let id: String = path_param(&req, "jobId")?;
    let job = svc::update_job(app, &tenant, &id, json_body(&req)?, now()).await?;
    json(200, &Job::from(&job))
}

/// `DELETE /api/v1/jobs/{jobId}`: a soft delete.
pub async fn delete(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    let tenant = super::tenant(app, &req, SCOPE).await?;
    let id: String = path_param(&req, "jobId")?;
    svc::delete_job(app, &tenant, &id, now()).await?;
    no_content()
}

/// `POST /api/v1/jobs/{jobId}`: the seed's "Delete Notification Job", the same soft delete as
/// [`delete`] under the method the seed publishes.
pub async fn delete_post(app: &App, req: Request) -> Result<HttpResponse, ApiError> {
    delete(app, req).await
}
