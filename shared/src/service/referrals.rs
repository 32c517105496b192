//! Referral reads for both sides.

use std::cmp::Reverse;

use crate::api::referrals::{
    InboxReferralDetail, InboxReferralQuery, InboxReferralSummary, OutboxReferralDetail,
    OutboxReferralQuery, OutboxReferralSummary, ReferralSortBy,
};
use crate::app::App;
use crate::domain::referral::Referral;
use crate::error::ApiError;
use crate::ids::{OrgId, ReferralId};
use crate::paging::{Page, PageRequest, SortOrder, paginate};

use super::{lean_of, leans};

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
