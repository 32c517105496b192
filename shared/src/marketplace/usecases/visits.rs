//! Visits, visit tasks and work sessions: the demand reads, the supplier schedules and changes,
//! sys_admin reads everything. Every change is written with its event in one transaction over
//! the visit's version; a lost race is decided again.

use std::cmp::Reverse;

use crate::edge::error::ApiError;
use crate::infra::app::App;
use crate::kernel::ids::{OrgId, ReferralId, ServiceId, VisitId};
use crate::kernel::paging::{Page, PageRequest, SortOrder, paginate};
use crate::marketplace::referral::{Referral, ReferralSide};
use crate::marketplace::visit::Visit;
use crate::marketplace::wire::visits::{
    InboxVisitQuery, OutboxVisitQuery, SysAdminVisitQuery, VisitSortBy,
};

const VISIT_BUSY: &str = "The visit is being changed by other requests; retry.";

mod changes;
mod sessions;

pub use changes::*;
pub use sessions::*;

/// Which side reads: each sees only the visits of its own referrals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Demand(OrgId),
    Supply(OrgId),
}

impl Side {
    fn sees(self, v: &Visit) -> bool {
        match self {
            Side::Demand(org) => v.demand_org_id == org,
            Side::Supply(org) => v.supply_org_id == org,
        }
    }

    fn sees_referral(self, r: &Referral) -> bool {
        match self {
            Side::Demand(org) => r.demand_org_id == org,
            Side::Supply(org) => r.supply_org_id == org,
        }
    }
}

fn sort(visits: &mut [Visit], by: VisitSortBy, order: SortOrder) {
    let modified = |v: &Visit| v.updated_at.unwrap_or(v.created_at);
    match (by, order) {
        (VisitSortBy::StartAt, SortOrder::Asc) => visits.sort_by_key(|v| (v.start_at, v.id)),
        (VisitSortBy::StartAt, SortOrder::Desc) => {
            visits.sort_by_key(|v| Reverse((v.start_at, v.id)))
        }
        (VisitSortBy::LastModified, SortOrder::Asc) => visits.sort_by_key(|v| (modified(v), v.id)),
        (VisitSortBy::LastModified, SortOrder::Desc) => {
            visits.sort_by_key(|v| Reverse((modified(v), v.id)))
        }
    }
}

/// The visits of the referral or service a list names, as `side` sees them. A referral that is
/// not the caller's answers 404; a service id simply yields the caller's visits of it.
async fn listed(
    app: &App,
    side: Side,
    referral_id: Option<ReferralId>,
    service_id: Option<ServiceId>,
) -> Result<Vec<Visit>, ApiError> {
    let visits = match (referral_id, service_id) {
        (Some(rid), _) => {
            let r = app
                .db
                .get_referral(rid)
                .await?
                .filter(|r| side.sees_referral(r))
                .ok_or_else(|| ApiError::not_found("Referral"))?;
            app.db.visits_of_service(r.service.id).await?
        }
        (None, Some(sid)) => app.db.visits_of_service(sid).await?,
        (None, None) => Vec::new(),
    };
    Ok(visits
        .into_iter()
        .filter(|v| side.sees(v))
        .filter(|v| referral_id.is_none_or(|r| r == v.referral_id))
        .filter(|v| service_id.is_none_or(|s| s == v.service_id))
        .collect())
}

fn page(
    mut visits: Vec<Visit>,
    page: Option<i64>,
    items_per_page: Option<i64>,
    sort_by: Option<VisitSortBy>,
    sort_order: Option<SortOrder>,
) -> Result<Page<Visit>, ApiError> {
    let paging = PageRequest::parse(page, items_per_page, sort_order)?;
    sort(&mut visits, sort_by.unwrap_or_default(), paging.sort_order);
    Ok(paginate(visits, paging))
}

/// `GET /offers/v1/outbox/visits`
pub async fn outbox_list(
    app: &App,
    demand: OrgId,
    q: OutboxVisitQuery,
) -> Result<Page<Visit>, ApiError> {
    let side = Side::Demand(demand);
    let visits = match (&q.referral_id, &q.service_id, &q.service_outbox_id) {
        (None, None, None) => {
            return Err(ApiError::bad_request(
                "one of referral_id, service_id or service_outbox_id must be given",
            ));
        }
        (None, None, Some(outbox)) => {
            // The demand's own id of a service: its lookup items name the service ids.
            let services = app.db.demand_services_by_outbox_id(demand, outbox).await?;
            let mut visits = Vec::new();
            for s in services {
                visits.extend(listed(app, side, None, Some(s)).await?);
            }
            visits
        }
        _ => listed(app, side, q.referral_id, q.service_id).await?,
    };
    let visits = visits
        .into_iter()
        .filter(|v| {
            q.service_outbox_id
                .as_deref()
                .is_none_or(|s| s == v.service_outbox_id)
        })
        .collect();
    page(visits, q.page, q.items_per_page, q.sort_by, q.sort_order)
}

/// `GET /offers/v1/inbox/visits`
pub async fn inbox_list(
    app: &App,
    supplier: OrgId,
    q: InboxVisitQuery,
) -> Result<Page<Visit>, ApiError> {
    if q.referral_id.is_none() && q.service_id.is_none() {
        return Err(ApiError::bad_request(
            "one of referral_id or service_id must be given",
        ));
    }
    let visits = listed(app, Side::Supply(supplier), q.referral_id, q.service_id).await?;
    page(visits, q.page, q.items_per_page, q.sort_by, q.sort_order)
}

async fn visible(app: &App, side: Side, id: VisitId) -> Result<Visit, ApiError> {
    app.db
        .get_visit(id)
        .await?
        .filter(|v| side.sees(v))
        .ok_or_else(|| ApiError::not_found("Visit"))
}

/// `GET /offers/v1/outbox/visits/{visit_id}`
pub async fn outbox_get(app: &App, demand: OrgId, id: VisitId) -> Result<Visit, ApiError> {
    visible(app, Side::Demand(demand), id).await
}

/// `GET /offers/v1/inbox/visits/{visit_id}`
pub async fn inbox_get(app: &App, supplier: OrgId, id: VisitId) -> Result<Visit, ApiError> {
    visible(app, Side::Supply(supplier), id).await
}

/// The id of the visit a supplier scheduled under `inbox_id`.
async fn by_inbox_id(app: &App, supplier: OrgId, inbox_id: &str) -> Result<VisitId, ApiError> {
    app.db
        .visit_id_by_inbox_id(supplier, inbox_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Visit"))
}

/// `GET /offers/v1/inbox/visits/by_inbox_id/{visit_inbox_id}`
pub async fn inbox_get_by_inbox_id(
    app: &App,
    supplier: OrgId,
    inbox_id: &str,
) -> Result<Visit, ApiError> {
    let id = by_inbox_id(app, supplier, inbox_id).await?;
    inbox_get(app, supplier, id).await
}

/// `GET /offers/v1/sys_admin/visits`: one of `id`, `referral_id`, `service_id`, `inbox_id`
/// with `supply_persona_id`, `outbox_id` with `demand_persona_id`, or a persona id must narrow
/// the search (the table is never scanned); every other filter applies on top.
pub async fn sys_admin_list(app: &App, q: SysAdminVisitQuery) -> Result<Page<Visit>, ApiError> {
    let found: Vec<Visit> = if let Some(id) = q.id {
        app.db.get_visit(id).await?.into_iter().collect()
    } else if let Some(rid) = q.referral_id {
        match app.db.get_referral(rid).await? {
            Some(r) => app.db.visits_of_service(r.service.id).await?,
            None => Vec::new(),
        }
    } else if let Some(sid) = q.service_id {
        app.db.visits_of_service(sid).await?
    } else if let (Some(inbox), Some(supplier)) = (&q.inbox_id, q.supply_persona_id) {
        match app.db.visit_id_by_inbox_id(supplier, inbox).await? {
            Some(id) => app.db.get_visit(id).await?.into_iter().collect(),
            None => Vec::new(),
        }
    } else if let (Some(outbox), Some(demand)) = (&q.outbox_id, q.demand_persona_id) {
        app.db.visits_by_outbox_id(demand, outbox).await?
    } else if let Some(org) = q.demand_persona_id.or(q.supply_persona_id) {
        let side = if q.demand_persona_id.is_some() {
            ReferralSide::Demand
        } else {
            ReferralSide::Supply
        };
        let referrals = app.db.referrals_of(side, org).await?;
        let mut services: Vec<ServiceId> = referrals.iter().map(|r| r.service.id).collect();
        services.sort();
        services.dedup();
        let mut visits = Vec::new();
        for s in services {
            visits.extend(app.db.visits_of_service(s).await?);
        }
        visits
    } else {
        return Err(ApiError::bad_request(
            "one of id, referral_id, service_id, demand_persona_id or supply_persona_id must be given",
        ));
    };
    let visits = found.into_iter().filter(|v| q.matches(v)).collect();
    page(visits, q.page, q.items_per_page, q.sort_by, q.sort_order)
}

/// `GET /offers/v1/sys_admin/visits/{visit_id}`
pub async fn sys_admin_get(app: &App, id: VisitId) -> Result<Visit, ApiError> {
    app.db
        .get_visit(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Visit"))
}

async fn referral_of(app: &App, v: &Visit) -> Result<Referral, ApiError> {
    app.db.get_referral(v.referral_id).await?.ok_or_else(|| {
        ApiError::internal(format!(
            "referral {} of visit {} missing",
            v.referral_id, v.id
        ))
    })
}
