//! Referrals for both sides: reads, and the changes either side makes (processed, cancelled),
//! each written with its event in one transaction.

use std::cmp::Reverse;

use crate::api::referrals::{
    InboxReferralCancelRequest, InboxReferralDetail, InboxReferralQuery, InboxReferralSummary,
    OutboxReferralCancelRequest, OutboxReferralDetail, OutboxReferralQuery, OutboxReferralSummary,
    ReferralSortBy,
};
use crate::app::App;
use crate::db::DbError;
use crate::domain::referral::{Referral, ReferralChange, ReferralRejection, ReferralSide};
use crate::error::ApiError;
use crate::events::EventRecord;
use crate::ids::{OrgId, ReferralId};
use crate::paging::{Page, PageRequest, SortOrder, paginate};
use crate::time::{Timestamp, now};

use super::{MAX_ATTEMPTS, lean_of, leans};

fn sort(referrals: &mut [Referral], by: ReferralSortBy, order: SortOrder) {
    let modified = |r: &Referral| r.updated_at.unwrap_or(r.created_at);
    match (by, order) {
        (ReferralSortBy::LastModified, SortOrder::Asc) => referrals.sort_by_key(modified),
        (ReferralSortBy::LastModified, SortOrder::Desc) => {
            referrals.sort_by_key(|r| Reverse(modified(r)))
        }
        (ReferralSortBy::RevisionNumber, SortOrder::Asc) => {
            referrals.sort_by_key(|r| r.revision.revision_number)
        }
        (ReferralSortBy::RevisionNumber, SortOrder::Desc) => {
            referrals.sort_by_key(|r| Reverse(r.revision.revision_number))
        }
    }
}

pub async fn outbox_list(
    app: &App,
    demand: OrgId,
    q: OutboxReferralQuery,
) -> Result<Page<OutboxReferralSummary>, ApiError> {
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
    let mut referrals: Vec<Referral> = app
        .db
        .referrals_of_demand(demand)
        .await?
        .into_iter()
        .filter(|r| q.matches(r))
        .collect();
    sort(
        &mut referrals,
        q.sort_by.unwrap_or_default(),
        paging.sort_order,
    );
    let page = paginate(referrals, paging);
    let names = leans(app, page.items.iter().map(|r| r.supply_org_id)).await?;
    page.try_map(|r| {
        let supply = lean_of(&names, r.supply_org_id)?;
        Ok(OutboxReferralSummary::new(&r, supply))
    })
}

pub async fn outbox_get(
    app: &App,
    demand: OrgId,
    id: ReferralId,
) -> Result<OutboxReferralDetail, ApiError> {
    let r = app
        .db
        .get_referral(id)
        .await?
        .filter(|r| r.demand_org_id == demand)
        .ok_or_else(|| ApiError::not_found("Referral"))?;
    let names = leans(app, [r.supply_org_id]).await?;
    Ok(OutboxReferralDetail::new(
        &r,
        lean_of(&names, r.supply_org_id)?,
    ))
}

pub async fn inbox_list(
    app: &App,
    supplier: OrgId,
    q: InboxReferralQuery,
) -> Result<Page<InboxReferralSummary>, ApiError> {
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
    let mut referrals: Vec<Referral> = app
        .db
        .referrals_of_supplier(supplier)
        .await?
        .into_iter()
        .filter(|r| q.matches(r))
        .collect();
    sort(
        &mut referrals,
        ReferralSortBy::LastModified,
        paging.sort_order,
    );
    Ok(paginate(referrals, paging).map(|r| InboxReferralSummary::from(&r)))
}

pub async fn inbox_get(
    app: &App,
    supplier: OrgId,
    id: ReferralId,
) -> Result<InboxReferralDetail, ApiError> {
    let r = app
        .db
        .get_referral(id)
        .await?
        .filter(|r| r.supply_org_id == supplier)
        .ok_or_else(|| ApiError::not_found("Referral"))?;
    let names = leans(app, [r.demand_org_id]).await?;
    Ok(InboxReferralDetail::new(
        &r,
        lean_of(&names, r.demand_org_id)?,
    ))
}

/// Runs a referral change to completion: read (only the caller's side's referral is visible),
/// decide, write with the event over the version read; a lost race is decided again.
async fn change(
    app: &App,
    side: ReferralSide,
    org: OrgId,
    id: ReferralId,
    decide: impl Fn(&Referral, Timestamp) -> Result<ReferralChange, ReferralRejection>,
) -> Result<(), ApiError> {
    for attempt in 0..MAX_ATTEMPTS {
        let r = app
            .db
            .get_referral(id)
            .await?
            .filter(|r| match side {
                ReferralSide::Demand => r.demand_org_id == org,
                ReferralSide::Supply => r.supply_org_id == org,
            })
            .ok_or_else(|| ApiError::not_found("Referral"))?;
        let at = now();
        let c = decide(&r, at)?;
        let orgs = app.db.get_orgs(&[r.demand_org_id, r.supply_org_id]).await?;
        let find = |id: OrgId| {
            orgs.iter()
                .find(|o| o.id == id)
                .ok_or_else(|| ApiError::internal(format!("organization {id} missing")))
        };
        let facts = r.facts(find(r.demand_org_id)?, find(r.supply_org_id)?);
        let event = EventRecord::referral(c.channel, c.name, vec![c.recipient], &facts, at);
        match app
            .db
            .apply_referral_change(r.version, &c.referral, &event)
            .await
        {
            Ok(()) => return Ok(()),
            Err(DbError::ConditionFailed) => {
                tracing::debug!(%id, attempt, "referral changed concurrently; deciding again");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::conflict(
        "The referral is being changed by other requests; retry.",
    ))
}

/// `POST /offers/v1/inbox/referrals/{id}/mark_processed`
pub async fn mark_processed(app: &App, supplier: OrgId, id: ReferralId) -> Result<(), ApiError> {
    change(app, ReferralSide::Supply, supplier, id, |r, at| {
        r.mark_processed(at)
    })
    .await
}

/// `POST /offers/v1/inbox/referrals/{id}/cancel`
pub async fn inbox_cancel(
    app: &App,
    supplier: OrgId,
    id: ReferralId,
    req: InboxReferralCancelRequest,
) -> Result<(), ApiError> {
    change(app, ReferralSide::Supply, supplier, id, |r, at| {
        r.cancel(ReferralSide::Supply, req.reason_code, None, at)
    })
    .await
}

/// `POST /offers/v1/outbox/referrals/{id}/cancel`
pub async fn outbox_cancel(
    app: &App,
    demand: OrgId,
    id: ReferralId,
    req: OutboxReferralCancelRequest,
) -> Result<(), ApiError> {
    let comment = req.comment()?;
    change(app, ReferralSide::Demand, demand, id, |r, at| {
        r.cancel(ReferralSide::Demand, req.reason_code, comment.clone(), at)
    })
    .await
}
