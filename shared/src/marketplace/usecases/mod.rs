//! Use cases: read state, ask the pure rules for a decision, write state and events in one
//! transaction, retrying when a concurrent request won the race
//! ([`retry_lost_races`](crate::store::races::retry_lost_races)). Handlers call these after
//! authenticating and parsing; nothing here knows about HTTP.
//!
//! They take the API's parsed requests and queries as their commands and answer in the
//! domain's terms (an offer, a page of referrals with their organizations' names); the handler
//! renders the answer with the wire module's view. A creating use case whose response is
//! stored under an idempotency key, in the same transaction as what it creates, takes that
//! rendering as a `respond` closure. `tests/structure/modules.rs` holds them to it.

pub mod downloads;
pub mod forms;
pub mod messages;
pub mod offers;
pub mod organizations;
pub mod referrals;
pub mod sequences;
pub mod subscriptions;
pub mod sys_admin;
pub mod visits;

use std::collections::HashMap;
use std::future::Future;

use crate::edge::error::ApiError;
use crate::infra::app::App;
use crate::kernel::ids::OrgId;
use crate::kernel::paging::{Cursor, Page, PageRequest};
use crate::marketplace::common::OrganizationLean;
use crate::marketplace::organization::Organization;
use crate::store::DbError;

pub fn lean(org: &Organization) -> OrganizationLean {
    OrganizationLean {
        id: org.id,
        name: org.name.clone(),
    }
}

/// The lean form of each organization, by id (unknown ids are left out).
pub async fn leans(
    app: &App,
    ids: impl IntoIterator<Item = OrgId>,
) -> Result<HashMap<OrgId, OrganizationLean>, ApiError> {
    Ok(app
        .db
        .get_orgs(&crate::kernel::ids::unique(ids))
        .await?
        .iter()
        .map(|o| (o.id, lean(o)))
        .collect())
}

/// A lean organization that must exist (a dangling reference is an internal error).
pub fn lean_of(
    map: &HashMap<OrgId, OrganizationLean>,
    id: OrgId,
) -> Result<OrganizationLean, ApiError> {
    map.get(&id)
        .cloned()
        .ok_or_else(|| ApiError::internal(format!("organization {id} is referenced but missing")))
}

/// A list read one page at a time (docs/scaling.md §4): `total_items` from a counter kept in
/// the writes' transactions (`count`), the page from an index in the list's order (`read`:
/// after a sort key, or after skipping some items, at most a limit, and the last sort key
/// read), starting after the `page_token`'s position. A `page` without a token reads the sort
/// keys of the pages before it too; the `next_page_token` avoids that for the next page.
/// `owner` (the organization) and `list` bind the token to the list that issued it.
pub(crate) async fn indexed_page<T, C, R>(
    owner: &str,
    list: &'static str,
    paging: PageRequest,
    page_token: Option<&str>,
    count: impl Fn() -> C,
    read: impl Fn(Option<String>, usize, usize) -> R,
) -> Result<Page<T>, ApiError>
where
    C: Future<Output = Result<u64, DbError>>,
    R: Future<Output = Result<(Vec<T>, Option<String>), DbError>>,
{
    let at = crate::kernel::time::now();
    let (paging, after) = match page_token {
        Some(token) => {
            let cursor = Cursor::decode(token, owner, list, paging, at)?;
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
    let (total_items, items, last) = if after.is_none() && skip > 0 {
        // A jump to a later page: the count first, so a page past the end reads nothing.
        let total = count().await?;
        if skip >= total {
            (total, Vec::new(), None)
        } else {
            let skip = usize::try_from(skip).unwrap_or(usize::MAX);
            let (items, last) = read(None, skip, limit).await?;
            (total, items, last)
        }
    } else {
        let (total, (items, last)) = futures::try_join!(count(), read(after, 0, limit))?;
        (total, items, last)
    };
    let next_page_token = last
        .filter(|_| items.len() == limit && paging.page.saturating_mul(per) < total_items)
        .map(|after| Cursor::next(owner, list, paging, after, at).encode());
    Ok(Page {
        page: paging.page,
        items_per_page: per,
        total_items,
        total_pages: total_items.div_ceil(per),
        items,
        next_page_token,
    })
}

/// A filtered list pages by `page` only: a token holds a position in the unfiltered order.
pub(crate) fn no_token(page_token: Option<&str>) -> Result<(), ApiError> {
    match page_token {
        Some(_) => Err(ApiError::bad_request(
            "page_token pages an unfiltered list; a filtered one pages by page",
        )),
        None => Ok(()),
    }
}
