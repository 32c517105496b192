//! `/offers/v1/sys_admin/*`: platform operators read across organizations and set the
//! marketplace's settings. Every handler starts with [`sys_admin`].

pub mod demand_personas;
pub mod messages;
pub mod offers;
pub mod referrals;
pub mod sequences;
pub mod take_rates;
pub mod visits;

use lambda_http::Request;
use shared::ApiError;
use shared::App;
use shared::edge::http::authenticate;

/// Refuses anyone but a sys_admin (403: the role, not the resource, is wrong).
pub async fn sys_admin(app: &App, req: &Request) -> Result<(), ApiError> {
    authenticate(app, req).await?.sys_admin()
}
