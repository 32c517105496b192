//! `/offers/v1/sys_admin/*`: platform operators read across organizations.

pub mod messages;
pub mod sequences;
pub mod visits;

use lambda_http::Request;
use shared::auth::SYS_ADMIN;
use shared::http::authenticate;
use shared::{ApiError, App};

/// Refuses anyone but a sys_admin (403: the role, not the resource, is wrong).
pub async fn sys_admin(app: &App, req: &Request) -> Result<(), ApiError> {
    if authenticate(app, req).await?.in_group(SYS_ADMIN) {
        Ok(())
    } else {
        Err(ApiError::forbidden("Required role: sys_admin"))
    }
}
