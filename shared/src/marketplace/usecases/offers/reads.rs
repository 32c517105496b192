//! What each side reads of offers: the lists and the details, in the lists' order.

use std::cmp::Reverse;

use crate::edge::error::ApiError;
use crate::infra::app::App;
use crate::kernel::ids::{OfferId, OrgId};
use crate::kernel::paging::{Page, PageRequest, SortOrder, paginate};
use crate::kernel::time::Timestamp;
use crate::marketplace::offer::{
    InboxOffer, MatchStatus, MatchedOffer, NamedOffer, Offer, OfferMatch, OfferState, OfferStatus,
    SupplierMatch, match_status,
};
use crate::marketplace::store::inbox::InboxRow;
use crate::marketplace::wire::offers::{InboxOfferQuery, MatchQuery, OutboxOfferQuery};

use crate::marketplace::usecases::lean_of;
use crate::marketplace::usecases::leans;
use crate::marketplace::usecases::offers::Side;
use crate::marketplace::usecases::offers::load_visible;
use crate::marketplace::usecases::{indexed_page, no_token};

fn last_modified(o: &Offer) -> Timestamp {
    o.updated_at.unwrap_or(o.created_at)
}

fn sort_by_last_modified<T>(items: &mut [T], order: SortOrder, key: impl Fn(&T) -> Timestamp) {
    match order {
        SortOrder::Asc => items.sort_by_key(|i| key(i)),
        SortOrder::Desc => items.sort_by_key(|i| Reverse(key(i))),
    }
}

pub async fn outbox_list(
    app: &App,
    demand: OrgId,
    q: OutboxOfferQuery,
) -> Result<Page<Offer>, ApiError> {
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
    if let Some(status) = q.indexed() {
        return outbox_page(app, demand, status, q.page_token.as_deref(), paging).await;
    }
    no_token(q.page_token.as_deref())?;
    let mut offers: Vec<Offer> = app
        .db
        .offers_of_demand(demand)
        .await?
        .into_iter()
        .filter(|o| q.matches(o))
        .collect();
    sort_offers(&mut offers, paging.sort_order);
    Ok(paginate(offers, paging))
}

/// The outbox list, unfiltered or of one status, read one page at a time ([`indexed_page`]):
/// the demand's counts and its offers in last-modified order. A token names the list it was
/// issued for, so one status's token pages no other.
async fn outbox_page(
    app: &App,
    demand: OrgId,
    status: Option<OfferStatus>,
    page_token: Option<&str>,
    paging: PageRequest,
) -> Result<Page<Offer>, ApiError> {
    let ascending = paging.sort_order == SortOrder::Asc;
    let list = match status {
        None => "outbox-offers",
        Some(OfferStatus::Open) => "outbox-offers-open",
        Some(OfferStatus::Assigned) => "outbox-offers-assigned",
        Some(OfferStatus::Closed) => "outbox-offers-closed",
        Some(OfferStatus::DeclinedByAll) => "outbox-offers-declined_by_all",
        Some(OfferStatus::Expired) => "outbox-offers-expired",
    };
    indexed_page(
        &demand.to_string(),
        list,
        paging,
        page_token,
        || async {
            let counts = app.db.offer_counts(demand).await?;
            Ok(status.map_or(counts.total, |s| counts.of(s)))
        },
        |after, skip, limit| {
            app.db
                .offers_page_of_demand(demand, status, ascending, after, skip, limit)
        },
    )
    .await
}

/// Offers in the lists' order: by last modification.
pub(crate) fn sort_offers(offers: &mut [Offer], order: SortOrder) {
    sort_by_last_modified(offers, order, last_modified);
}

pub async fn outbox_get(app: &App, demand: OrgId, id: OfferId) -> Result<NamedOffer, ApiError> {
    let state = load_visible(app, Side::Demand(demand), id).await?;
    named(app, state).await
}

/// An offer with its demand's name and its assigned supplier's, if any.
pub(crate) async fn named(app: &App, state: OfferState) -> Result<NamedOffer, ApiError> {
    let demand = state.offer.demand_org_id;
    let assigned = state
        .offer
        .assigned_match_id
        .and_then(|m| state.matches.iter().find(|x| x.id == m));
    let names = leans(
        app,
        std::iter::once(demand).chain(assigned.map(|m| m.supply_org_id)),
    )
    .await?;
    let supply = assigned
        .map(|m| lean_of(&names, m.supply_org_id))
        .transpose()?;
    Ok(NamedOffer {
        demand: lean_of(&names, demand)?,
        supply,
        offer: state.offer,
    })
}

pub async fn outbox_matches(
    app: &App,
    demand: OrgId,
    id: OfferId,
    q: MatchQuery,
) -> Result<Page<SupplierMatch>, ApiError> {
    let state = load_visible(app, Side::Demand(demand), id).await?;
    matches_page(app, &state, q).await
}

/// One page of an offer's matches, filtered as `q` asks.
pub(crate) async fn matches_page(
    app: &App,
    state: &OfferState,
    q: MatchQuery,
) -> Result<Page<SupplierMatch>, ApiError> {
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
    let mut matches: Vec<&OfferMatch> = state
        .matches
        .iter()
        .filter(|m| q.response.is_empty() || q.response.contains(&m.response))
        .filter(|m| q.sequence_id.is_empty() || q.sequence_id.contains(&m.sequence_id))
        .collect();
    sort_by_last_modified(&mut matches, paging.sort_order, |m| {
        m.updated_at.unwrap_or(m.created_at)
    });
    let page = paginate(matches, paging);
    let names = leans(app, page.items.iter().map(|m| m.supply_org_id)).await?;
    page.try_map(|m| {
        Ok(SupplierMatch {
            status: match_status(&state.offer, m),
            supply: lean_of(&names, m.supply_org_id)?,
            match_: m.clone(),
        })
    })
}

pub async fn inbox_list(
    app: &App,
    supplier: OrgId,
    q: InboxOfferQuery,
) -> Result<Page<MatchedOffer>, ApiError> {
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
    let rows = match q.shift_id {
        None => return inbox_page(app, supplier, q.status, q.page_token.as_deref(), paging).await,
        Some(shift) => {
            no_token(q.page_token.as_deref())?;
            // The supplier's whole projection, oldest change first when asked (it is read
            // latest first).
            let mut rows: Vec<InboxRow> = app
                .db
                .inbox_of_supplier(supplier)
                .await?
                .into_iter()
                .filter(|r| r.offer.shift_id == Some(shift))
                .filter(|r| q.status.is_none_or(|s| s == r.status))
                .collect();
            if paging.sort_order == SortOrder::Asc {
                rows.reverse();
            }
            rows
        }
    };
    Ok(paginate(rows, paging).map(matched))
}

fn matched(row: InboxRow) -> MatchedOffer {
    MatchedOffer {
        offer: row.offer,
        match_: row.match_,
    }
}

/// The inbox list, unfiltered or of one status, read one page at a time ([`indexed_page`])
/// from the supplier's projection ([`crate::marketplace::store::inbox`]) and its counts.
async fn inbox_page(
    app: &App,
    supplier: OrgId,
    status: Option<MatchStatus>,
    page_token: Option<&str>,
    paging: PageRequest,
) -> Result<Page<MatchedOffer>, ApiError> {
    let ascending = paging.sort_order == SortOrder::Asc;
    let list = match status {
        None => "inbox-offers",
        Some(MatchStatus::Open) => "inbox-offers-open",
        Some(MatchStatus::Expired) => "inbox-offers-expired",
        Some(MatchStatus::Closed) => "inbox-offers-closed",
        Some(MatchStatus::Assigned) => "inbox-offers-assigned",
        Some(MatchStatus::Fulfilled) => "inbox-offers-fulfilled",
    };
    let page = indexed_page(
        &supplier.to_string(),
        list,
        paging,
        page_token,
        || async {
            let counts = app.db.inbox_counts(supplier).await?;
            Ok(status.map_or(counts.total, |s| counts.of(s)))
        },
        |after, skip, limit| {
            app.db
                .inbox_page_of_supplier(supplier, status, ascending, after, skip, limit)
        },
    )
    .await?;
    Ok(page.map(matched))
}

pub async fn inbox_get(app: &App, supplier: OrgId, id: OfferId) -> Result<InboxOffer, ApiError> {
    let state = load_visible(app, Side::Supply(supplier), id).await?;
    let match_ = state
        .match_of(supplier)
        .ok_or_else(|| ApiError::not_found("Offer"))?
        .clone();
    let names = leans(app, [state.offer.demand_org_id]).await?;
    Ok(InboxOffer {
        demand: lean_of(&names, state.offer.demand_org_id)?,
        match_,
        offer: state.offer,
    })
}
