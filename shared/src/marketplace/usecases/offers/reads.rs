//! What each side reads of offers: the lists and the details, in the lists' order.

use std::cmp::Reverse;

use crate::edge::error::ApiError;
use crate::infra::app::App;
use crate::kernel::ids::{OfferId, OrgId};
use crate::kernel::paging::{Cursor, Page, PageRequest, SortOrder, paginate};
use crate::kernel::time::Timestamp;
use crate::marketplace::offer::{Offer, OfferHead, OfferMatch, OfferState};
use crate::marketplace::wire::offers::{
    InboxOfferDetail, InboxOfferQuery, InboxOfferSummary, MatchQuery, MatchView,
    OutboxMatchSummary, OutboxOfferDetail, OutboxOfferQuery, OutboxOfferSummary,
};

use crate::marketplace::usecases::lean_of;
use crate::marketplace::usecases::leans;
use crate::marketplace::usecases::offers::Side;
use crate::marketplace::usecases::offers::load_visible;

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
) -> Result<Page<OutboxOfferSummary>, ApiError> {
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
    if q.is_unfiltered() {
        return outbox_page(app, demand, &q, paging).await;
    }
    if q.page_token.is_some() {
        return Err(ApiError::bad_request(
            "page_token pages an unfiltered list; a filtered one pages by page",
        ));
    }
    let mut offers: Vec<Offer> = app
        .db
        .offers_of_demand(demand)
        .await?
        .into_iter()
        .filter(|o| q.matches(o))
        .collect();
    sort_offers(&mut offers, paging.sort_order);
    Ok(paginate(offers, paging).map(|o| OutboxOfferSummary::from(&o)))
}

/// The unfiltered outbox list, read one page at a time: `total_items` from the demand's
/// counts (one `GetItem`), the page from the index in last-modified order, starting after the
/// `page_token`'s position; a `page` without a token reads the sort keys of the pages before
/// it too (docs/scaling.md §4).
async fn outbox_page(
    app: &App,
    demand: OrgId,
    q: &OutboxOfferQuery,
    paging: PageRequest,
) -> Result<Page<OutboxOfferSummary>, ApiError> {
    const LIST: &str = "outbox-offers";
    let owner = demand.to_string();
    let at = crate::kernel::time::now();
    let (paging, after) = match &q.page_token {
        Some(token) => {
            let cursor = Cursor::decode(token, &owner, LIST, paging, at)?;
            let paging = PageRequest {
                page: cursor.page,
                ..paging
            };
            (paging, Some(cursor.after))
        }
        None => (paging, None),
    };
    let per = paging.items_per_page;
    let skip = (paging.page - 1).saturating_mul(per);
    let limit = usize::try_from(per).unwrap_or(usize::MAX);
    let ascending = paging.sort_order == SortOrder::Asc;
    let (total_items, offers, last) = if after.is_none() && skip > 0 {
        // A jump to a later page: the count first, so a page past the end reads nothing.
        let total = app.db.offer_counts(demand).await?.total;
        if skip >= total {
            (total, Vec::new(), None)
        } else {
            let skip = usize::try_from(skip).unwrap_or(usize::MAX);
            let (offers, last) = app
                .db
                .offers_page_of_demand(demand, ascending, None, skip, limit)
                .await?;
            (total, offers, last)
        }
    } else {
        let (counts, (offers, last)) = futures::try_join!(
            app.db.offer_counts(demand),
            app.db
                .offers_page_of_demand(demand, ascending, after, 0, limit)
        )?;
        (counts.total, offers, last)
    };
    let next_page_token = last
        .filter(|_| offers.len() == limit && paging.page.saturating_mul(per) < total_items)
        .map(|after| Cursor::next(&owner, LIST, paging, after, at).encode());
    Ok(Page {
        page: paging.page,
        items_per_page: per,
        total_items,
        total_pages: total_items.div_ceil(per),
        items: offers.iter().map(OutboxOfferSummary::from).collect(),
        next_page_token,
    })
}

/// Offers in the lists' order: by last modification.
pub(crate) fn sort_offers(offers: &mut [Offer], order: SortOrder) {
    sort_by_last_modified(offers, order, last_modified);
}

pub async fn outbox_get(
    app: &App,
    demand: OrgId,
    id: OfferId,
) -> Result<OutboxOfferDetail, ApiError> {
    let state = load_visible(app, Side::Demand(demand), id).await?;
    detail_of(app, &state).await
}

/// The demand's view of an offer, with the assigned supplier if any.
pub(crate) async fn detail_of(
    app: &App,
    state: &OfferState,
) -> Result<OutboxOfferDetail, ApiError> {
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
    Ok(OutboxOfferDetail::new(
        &state.offer,
        lean_of(&names, demand)?,
        supply,
    ))
}

pub async fn outbox_matches(
    app: &App,
    demand: OrgId,
    id: OfferId,
    q: MatchQuery,
) -> Result<Page<OutboxMatchSummary>, ApiError> {
    let state = load_visible(app, Side::Demand(demand), id).await?;
    matches_page(app, &state, q).await
}

/// One page of an offer's matches, filtered as `q` asks.
pub(crate) async fn matches_page(
    app: &App,
    state: &OfferState,
    q: MatchQuery,
) -> Result<Page<OutboxMatchSummary>, ApiError> {
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
        Ok(OutboxMatchSummary {
            match_: MatchView::new(&state.offer, m),
            supply: lean_of(&names, m.supply_org_id)?,
        })
    })
}

pub async fn inbox_list(
    app: &App,
    supplier: OrgId,
    q: InboxOfferQuery,
) -> Result<Page<InboxOfferSummary>, ApiError> {
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
    let mut pairs: Vec<(OfferHead, OfferMatch)> = app
        .db
        .offers_of_supplier(supplier)
        .await?
        .into_iter()
        .filter(|(o, m)| q.status.is_none_or(|s| s == o.match_status(m)))
        .filter(|(o, _)| q.shift_id.is_none_or(|s| o.shift_id == Some(s)))
        .collect();
    sort_by_last_modified(&mut pairs, paging.sort_order, |(o, m)| {
        o.updated_at
            .unwrap_or(o.created_at)
            .max(m.updated_at.unwrap_or(m.created_at))
    });
    Ok(paginate(pairs, paging).map(|(o, m)| InboxOfferSummary {
        offer: (&o).into(),
        match_: MatchView::with_status(&m, o.match_status(&m)),
    }))
}

pub async fn inbox_get(
    app: &App,
    supplier: OrgId,
    id: OfferId,
) -> Result<InboxOfferDetail, ApiError> {
    let state = load_visible(app, Side::Supply(supplier), id).await?;
    let m = state
        .match_of(supplier)
        .ok_or_else(|| ApiError::not_found("Offer"))?;
    let names = leans(app, [state.offer.demand_org_id]).await?;
    Ok(InboxOfferDetail::new(
        &state.offer,
        m,
        lean_of(&names, state.offer.demand_org_id)?,
    ))
}
