//! The `sys_admin` operations of the Offers API: reads across every organization, another
//! organization's assignment setting, and the take rates. Callers check the role first
//! ([`Identity::sys_admin`](crate::identity::auth::Identity::sys_admin)).

use crate::edge::error::ApiError;
use crate::infra::app::App;
use crate::kernel::ids::{OfferId, OrgId, ReferralId};
use crate::kernel::paging::{Page, PageRequest, paginate};
use crate::marketplace::offer::{NamedOffer, Offer, SupplierMatch};
use crate::marketplace::organization::{AssignmentMode, Organization};
use crate::marketplace::referral::{NamedReferral, Referral, ReferralSide};
use crate::marketplace::take_rate::TakeRate;
use crate::marketplace::wire::offers::{MatchQuery, OutboxOfferQuery};
use crate::marketplace::wire::referrals::OutboxReferralQuery;
use crate::marketplace::wire::sys_admin::{
    DemandTakeRateQuery, SysAdminOfferScope, SysAdminReferralScope,
};

use crate::marketplace::usecases::offers::{self, Side};
use crate::marketplace::usecases::referrals;

/// `GET /offers/v1/sys_admin/offers`: an id reads one offer, a demand organization its own
/// index partition, and otherwise every offer comes from the sharded sys_admin index.
pub async fn list_offers(
    app: &App,
    scope: SysAdminOfferScope,
    q: OutboxOfferQuery,
) -> Result<Page<Offer>, ApiError> {
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
    let offers: Vec<Offer> = match (scope.id, scope.demand_persona_id) {
        (Some(id), demand) => app
            .db
            .load_offer(id)
            .await?
            .map(|s| s.offer)
            .filter(|o| demand.is_none_or(|d| d == o.demand_org_id))
            .into_iter()
            .collect(),
        (None, Some(demand)) => app.db.offers_of_demand(demand).await?,
        (None, None) => app.db.all_offers().await?,
    };
    let mut offers: Vec<Offer> = offers.into_iter().filter(|o| q.matches(o)).collect();
    offers::sort_offers(&mut offers, paging.sort_order);
    Ok(paginate(offers, paging))
}

pub async fn get_offer(app: &App, id: OfferId) -> Result<NamedOffer, ApiError> {
    let state = offers::load_visible(app, Side::Any, id).await?;
    offers::named(app, state).await
}

pub async fn offer_matches(
    app: &App,
    id: OfferId,
    q: MatchQuery,
) -> Result<Page<SupplierMatch>, ApiError> {
    let state = offers::load_visible(app, Side::Any, id).await?;
    offers::matches_page(app, &state, q).await
}

/// `GET /offers/v1/sys_admin/referrals`: by one side's index when a side is named, else from
/// the sharded sys_admin index.
pub async fn list_referrals(
    app: &App,
    scope: SysAdminReferralScope,
    q: OutboxReferralQuery,
) -> Result<Page<NamedReferral>, ApiError> {
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
    let all: Vec<Referral> = match (scope.demand_persona_id, q.supply_persona_id) {
        (Some(demand), _) => app.db.referrals_of(ReferralSide::Demand, demand).await?,
        (None, Some(supplier)) => app.db.referrals_of(ReferralSide::Supply, supplier).await?,
        (None, None) => app.db.all_referrals().await?,
    };
    let mut found: Vec<Referral> = all
        .into_iter()
        .filter(|r| scope.demand_persona_id.is_none_or(|d| d == r.demand_org_id) && q.matches(r))
        .collect();
    referrals::sort(&mut found, q.sort_by.unwrap_or_default(), paging.sort_order);
    referrals::named(app, paginate(found, paging)).await
}

pub async fn get_referral(app: &App, id: ReferralId) -> Result<NamedReferral, ApiError> {
    let r = app
        .db
        .get_referral(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Referral"))?;
    referrals::named_one(app, r).await
}

/// An organization named in a sys_admin path: 404 unless it exists with a demand persona
/// (active or not: a sys_admin may set up a persona before it is activated).
async fn demand_in_path(app: &App, id: OrgId) -> Result<Organization, ApiError> {
    match app.db.get_org(id).await? {
        Some(org) if org.demand.is_some() => Ok(org),
        _ => Err(ApiError::not_found("Demand persona")),
    }
}

pub async fn assignment_mode(app: &App, demand: OrgId) -> Result<AssignmentMode, ApiError> {
    Ok(demand_in_path(app, demand).await?.assignment_mode())
}

/// The participant's own setting write (version-conditioned), on the organization of the
/// path; a lost race is a 409, as for the participant.
pub async fn set_assignment_mode(
    app: &App,
    demand: OrgId,
    mode: AssignmentMode,
) -> Result<(), ApiError> {
    let org = demand_in_path(app, demand).await?;
    app.db.set_assignment_mode(&org, mode).await?;
    Ok(())
}

/// Each demand organization's own rate, the one the query names or all.
pub async fn demand_take_rates(
    app: &App,
    q: DemandTakeRateQuery,
) -> Result<Vec<(OrgId, TakeRate)>, ApiError> {
    Ok(app
        .db
        .demand_take_rates()
        .await?
        .into_iter()
        .filter_map(|t| Some((t.demand_persona_id?, t.rate)))
        .filter(|(demand, _)| q.demand_persona_id.is_none_or(|d| d == *demand))
        .collect())
}

pub async fn set_demand_take_rate(
    app: &App,
    demand: OrgId,
    rate: Option<TakeRate>,
) -> Result<(), ApiError> {
    demand_in_path(app, demand).await?;
    app.db.set_demand_take_rate(demand, rate).await?;
    Ok(())
}

/// The regional rate; unset, the platform takes nothing (0).
pub async fn regional_take_rate(app: &App) -> Result<TakeRate, ApiError> {
    Ok(app.db.regional_take_rate().await?.unwrap_or(TakeRate::ZERO))
}

pub async fn set_regional_take_rate(app: &App, rate: TakeRate) -> Result<TakeRate, ApiError> {
    app.db.set_regional_take_rate(rate).await?;
    Ok(rate)
}
