//! Referrals for both sides: reads, and the changes either side makes (processed, cancelled),
//! each written with its event in one transaction.

use std::cmp::Reverse;
use std::collections::HashMap;

use crate::edge::error::ApiError;
use crate::events::EventRecord;
use crate::infra::app::App;
use crate::kernel::ids::{OrgId, ReferralId};
use crate::kernel::paging::{Page, PageRequest, SortOrder, paginate};
use crate::kernel::time::{Timestamp, now};
use crate::marketplace::common::OrganizationLean;
use crate::marketplace::organization::{Organization, PersonaStatus};
use crate::marketplace::referral::{
    NamedReferral, Referral, ReferralChange, ReferralRejection, ReferralSide,
};
use crate::marketplace::take_rate::TakeRate;
use crate::marketplace::visit::check_visit_count;
use crate::marketplace::wire::referrals::{
    ClientTasksUpdateRequest, CreateReferralRequest, InboxReferralCancelRequest,
    InboxReferralQuery, OutboxReferralCancelRequest, OutboxReferralQuery, ReferralSortBy,
    UpdateReferralRequest,
};
use crate::store::idempotency::Once;

use crate::marketplace::usecases::lean;
use crate::marketplace::usecases::lean_of;
use crate::marketplace::usecases::leans;
use crate::marketplace::usecases::organizations::active_demand;
use crate::marketplace::usecases::{indexed_page, no_token};
use crate::store::races::retry_lost_races;
use crate::store::races::won;

pub(crate) fn sort(referrals: &mut [Referral], by: ReferralSortBy, order: SortOrder) {
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

/// The referral `id` if `org` is its party on `side`; any other is not found, so that another
/// organization's referral ids reveal nothing.
async fn visible(
    app: &App,
    side: ReferralSide,
    org: OrgId,
    id: ReferralId,
) -> Result<Referral, ApiError> {
    app.db
        .get_referral(id)
        .await?
        .filter(|r| side.party(r) == org)
        .ok_or_else(|| ApiError::not_found("Referral"))
}

/// `org`'s referrals on `side` that `keep` selects, in the order asked.
async fn listed(
    app: &App,
    side: ReferralSide,
    org: OrgId,
    keep: impl Fn(&Referral) -> bool,
    by: ReferralSortBy,
    paging: PageRequest,
) -> Result<Page<Referral>, ApiError> {
    let mut referrals: Vec<Referral> = app
        .db
        .referrals_of(side, org)
        .await?
        .into_iter()
        .filter(keep)
        .collect();
    sort(&mut referrals, by, paging.sort_order);
    Ok(paginate(referrals, paging))
}

/// One page of `org`'s latest referrals on `side` in last-modified order ([`indexed_page`]):
/// the page and the count, whatever the organization's history.
async fn latest_page(
    app: &App,
    side: ReferralSide,
    org: OrgId,
    paging: PageRequest,
    page_token: Option<&str>,
) -> Result<Page<Referral>, ApiError> {
    let ascending = paging.sort_order == SortOrder::Asc;
    let list = match side {
        ReferralSide::Demand => "outbox-referrals",
        ReferralSide::Supply => "inbox-referrals",
    };
    indexed_page(
        &org.to_string(),
        list,
        paging,
        page_token,
        || app.db.referral_count(side, org),
        |after, skip, limit| {
            app.db
                .latest_referrals_page(side, org, ascending, after, skip, limit)
        },
    )
    .await
}

pub async fn outbox_list(
    app: &App,
    demand: OrgId,
    q: OutboxReferralQuery,
) -> Result<Page<NamedReferral>, ApiError> {
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
    let side = ReferralSide::Demand;
    let page = if q.is_unfiltered() {
        latest_page(app, side, demand, paging, q.page_token.as_deref()).await?
    } else {
        no_token(q.page_token.as_deref())?;
        let by = q.sort_by.unwrap_or_default();
        listed(app, side, demand, |r| q.matches(r), by, paging).await?
    };
    named(app, page).await
}

/// Each referral of a page with both its organizations' names, read in one batch.
pub(crate) async fn named(
    app: &App,
    page: Page<Referral>,
) -> Result<Page<NamedReferral>, ApiError> {
    let parties = page
        .items
        .iter()
        .flat_map(|r| [r.demand_org_id, r.supply_org_id]);
    let names = leans(app, parties).await?;
    page.try_map(|referral| name(&names, referral))
}

/// One referral with both its organizations' names.
pub(crate) async fn named_one(app: &App, referral: Referral) -> Result<NamedReferral, ApiError> {
    let names = leans(app, [referral.demand_org_id, referral.supply_org_id]).await?;
    name(&names, referral)
}

fn name(
    names: &HashMap<OrgId, OrganizationLean>,
    referral: Referral,
) -> Result<NamedReferral, ApiError> {
    Ok(NamedReferral {
        demand: lean_of(names, referral.demand_org_id)?,
        supply: lean_of(names, referral.supply_org_id)?,
        referral,
    })
}

pub async fn outbox_get(
    app: &App,
    demand: OrgId,
    id: ReferralId,
) -> Result<NamedReferral, ApiError> {
    let r = visible(app, ReferralSide::Demand, demand, id).await?;
    named_one(app, r).await
}

pub async fn inbox_list(
    app: &App,
    supplier: OrgId,
    q: InboxReferralQuery,
) -> Result<Page<Referral>, ApiError> {
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
    let side = ReferralSide::Supply;
    let page = if q.is_unfiltered() {
        latest_page(app, side, supplier, paging, q.page_token.as_deref()).await?
    } else {
        no_token(q.page_token.as_deref())?;
        let by = ReferralSortBy::LastModified;
        listed(app, side, supplier, |r| q.matches(r), by, paging).await?
    };
    Ok(page)
}

pub async fn inbox_get(
    app: &App,
    supplier: OrgId,
    id: ReferralId,
) -> Result<NamedReferral, ApiError> {
    let r = visible(app, ReferralSide::Supply, supplier, id).await?;
    named_one(app, r).await
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
    let decide = &decide;
    retry_lost_races(REFERRAL_BUSY, || async move {
        let r = visible(app, side, org, id).await?;
        let at = now();
        let c = decide(&r, at)?;
        let (demand_org, supply_org) = parties(app, r.demand_org_id, r.supply_org_id).await?;
        let facts = r.facts(&demand_org, &supply_org);
        let event = EventRecord::referral(c.channel, c.name, vec![c.recipient], &facts, at)
            .versioned(c.referral.id, c.referral.version);
        won(app
            .db
            .apply_referral_change(r.version, &c.referral, &event)
            .await)
    })
    .await
}

const REFERRAL_BUSY: &str = "The referral is being changed by other requests; retry.";

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

/// Reads both organizations of a referral (the events name them).
async fn parties(
    app: &App,
    demand: OrgId,
    supply: OrgId,
) -> Result<(Organization, Organization), ApiError> {
    let orgs = app.db.get_orgs(&[demand, supply]).await?;
    let find = |id: OrgId| {
        orgs.iter()
            .find(|o| o.id == id)
            .cloned()
            .ok_or_else(|| ApiError::internal(format!("organization {id} missing")))
    };
    Ok((find(demand)?, find(supply)?))
}

/// `POST /offers/v1/outbox/referrals`: a referral straight to one supplier, without an offer.
/// Both sides hear `ReferralCreated`. The supplier must have an active supply persona (any
/// other id, including an unknown one, is a 422: it is a field of the body, not the path).
/// The answer is what `respond` makes of the referral (stored under `once`'s key too).
pub async fn create_direct<R: serde::Serialize>(
    app: &App,
    demand: OrgId,
    request: CreateReferralRequest,
    once: Option<Once>,
    respond: impl FnOnce(&NamedReferral) -> R,
) -> Result<R, ApiError> {
    // One round trip reads both organizations and the take rates, then one writes.
    let parties = [demand, request.supply_persona_id];
    let (orgs, (own, regional)) =
        futures::try_join!(app.db.get_orgs(&parties), app.db.take_rates_for(demand))?;
    let org = |id: OrgId| orgs.iter().find(|o| o.id == id).cloned();
    let demand_org = active_demand(org(demand))?;
    let at = now();
    let (supplier, draft) = request.into_draft(at)?;
    let supply_org = org(supplier)
        .filter(|o| o.supply_status() == PersonaStatus::Active && supplier != demand)
        .ok_or_else(|| {
            ApiError::unprocessable(format!(
                "supply_persona_id: {supplier} is not an active supply persona"
            ))
        })?;
    let take_rate = TakeRate::effective(own, regional);
    let referral = Referral::direct(draft, demand, supplier, take_rate, at);
    // A visit referral writes one visit item per visit in its creating transaction.
    check_visit_count(referral.visits.len())?;
    let events = referral.created_events(&demand_org, &supply_org, at);
    let named = NamedReferral {
        referral,
        demand: lean(&demand_org),
        supply: lean(&supply_org),
    };
    let response = respond(&named);
    let key = crate::store::idempotency::key_item(once, &response, at)?;
    app.db
        .create_referral(&named.referral, &events, key)
        .await?;
    Ok(response)
}

/// `POST /offers/v1/outbox/referrals/{id}/update`: a new revision. The archived revision is
/// written over the version read, so of two concurrent updates one wins and the other is
/// decided again on the archived revision (409). The new revision is announced as
/// `ReferralCreated` on both sides: the published channels have no update event, the new
/// revision is a new referral id, and the supplier has to fetch it to act on it.
pub async fn update(
    app: &App,
    demand: OrgId,
    id: ReferralId,
    request: UpdateReferralRequest,
) -> Result<NamedReferral, ApiError> {
    let (supplier, revision) = &request.into_update(now())?;
    retry_lost_races(REFERRAL_BUSY, || async move {
        let r = visible(app, ReferralSide::Demand, demand, id).await?;
        let at = now();
        let revised = r.revise(*supplier, revision.clone(), at)?;
        let (demand_org, supply_org) = parties(app, r.demand_org_id, r.supply_org_id).await?;
        let events = revised.latest.created_events(&demand_org, &supply_org, at);
        let written = app
            .db
            .apply_revision(r.version, &revised.archived, &revised.latest, &events)
            .await;
        Ok(won(written)?.map(|()| NamedReferral {
            referral: revised.latest,
            demand: lean(&demand_org),
            supply: lean(&supply_org),
        }))
    })
    .await
}

/// `POST /offers/v1/inbox/referrals/{id}/tasks/update`: the supplier's ids for the referral's
/// visit tasks. No published event announces it, so the referral is written alone.
pub async fn update_tasks(
    app: &App,
    supplier: OrgId,
    id: ReferralId,
    request: ClientTasksUpdateRequest,
) -> Result<(), ApiError> {
    let tasks = &request.pairs();
    retry_lost_races(REFERRAL_BUSY, || async move {
        let r = visible(app, ReferralSide::Supply, supplier, id).await?;
        let mapped = r.map_tasks(tasks, now())?;
        won(app.db.put_referral_over(r.version, &mapped).await)
    })
    .await
}
