//! Sequence lists: each side lists the threads it is a party to, from its own index
//! partition (or, with `sequence_id`, by key); a sys_admin lists anyone's.

use crate::edge::error::ApiError;
use crate::infra::app::App;
use crate::kernel::ids::OrgId;
use crate::kernel::paging::{Page, PageRequest, SortOrder, paginate};
use crate::marketplace::message::SenderType;
use crate::marketplace::sequence::{NamedSequence, Sequence};
use crate::marketplace::wire::sequences::SequenceQuery;

use crate::marketplace::usecases::{indexed_page, lean_of, leans, no_token};

/// The candidates a query can match, read from an index partition or by key — never a scan.
async fn candidates(
    app: &App,
    caller: Option<(SenderType, OrgId)>,
    q: &SequenceQuery,
) -> Result<Vec<Sequence>, ApiError> {
    if !q.sequence_id.is_empty() {
        return Ok(app.db.get_sequences(&q.sequence_id).await?);
    }
    let demand = match caller {
        Some((SenderType::Demand, org)) => Some(org),
        Some((SenderType::Supply, _)) => None,
        None => q.demand_persona_id,
    };
    let supply = match caller {
        Some((SenderType::Supply, org)) => Some(org),
        Some((SenderType::Demand, _)) => None,
        None => q.supply_persona_id,
    };
    Ok(match (demand, supply) {
        (Some(d), _) => app.db.sequences_of_demand(d).await?,
        (None, Some(s)) => app.db.sequences_of_supplier(s).await?,
        // A sys_admin without an organization filter: every organization's demand partition
        // (one query per organization of the directory, no table scan).
        (None, None) => {
            let orgs = app.db.list_orgs().await?;
            let lists = futures::future::try_join_all(
                orgs.iter().map(|o| app.db.sequences_of_demand(o.id)),
            )
            .await?;
            lists.into_iter().flatten().collect()
        }
    })
}

/// `GET /offers/v1/{outbox,inbox,sys_admin}/sequences`; `caller` is the organization and its
/// side, `None` for a sys_admin. A side's own list without a filter reads one page of its
/// index partition ([`indexed_page`]); any other reads its candidates whole and pages them in
/// memory.
pub async fn list(
    app: &App,
    caller: Option<(SenderType, OrgId)>,
    q: SequenceQuery,
) -> Result<Page<NamedSequence>, ApiError> {
    let q = q.checked()?;
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
    let page = match caller {
        Some((side, org)) if q.unfiltered() => {
            side_page(app, side, org, q.page_token.as_deref(), paging).await?
        }
        _ => {
            no_token(q.page_token.as_deref())?;
            let mut found: Vec<Sequence> = candidates(app, caller, &q)
                .await?
                .into_iter()
                .filter(|s| caller.is_none_or(|(side, org)| s.visible_to(side, org)))
                .filter(|s| q.matches(s))
                .collect();
            found.sort_by_key(|s| (s.latest_message_created_at, s.id));
            if paging.sort_order == SortOrder::Desc {
                found.reverse();
            }
            paginate(found, paging)
        }
    };
    let orgs = leans(
        app,
        page.items
            .iter()
            .flat_map(|s| [s.demand_org_id, s.supply_org_id]),
    )
    .await?;
    page.try_map(|sequence| {
        Ok(NamedSequence {
            demand: lean_of(&orgs, sequence.demand_org_id)?,
            supply: lean_of(&orgs, sequence.supply_org_id)?,
            sequence,
        })
    })
}

/// One page of `org`'s sequences on `side`, by latest message, with its count.
async fn side_page(
    app: &App,
    side: SenderType,
    org: OrgId,
    page_token: Option<&str>,
    paging: PageRequest,
) -> Result<Page<Sequence>, ApiError> {
    let ascending = paging.sort_order == SortOrder::Asc;
    let list = match side {
        SenderType::Demand => "outbox-sequences",
        SenderType::Supply => "inbox-sequences",
    };
    indexed_page(
        &org.to_string(),
        list,
        paging,
        page_token,
        || async { Ok(app.db.sequence_counts(org).await?.on(side)) },
        |after, skip, limit| {
            app.db
                .sequences_page(side, org, ascending, after, skip, limit)
        },
    )
    .await
}
