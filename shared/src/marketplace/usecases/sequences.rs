//! Sequence lists: each side lists the threads it is a party to, from its own index
//! partition (or, with `sequence_id`, by key); a sys_admin lists anyone's.

use crate::edge::error::ApiError;
use crate::infra::app::App;
use crate::kernel::ids::OrgId;
use crate::kernel::paging::{Page, PageRequest, SortOrder, paginate};
use crate::marketplace::message::SenderType;
use crate::marketplace::sequence::{NamedSequence, Sequence};
use crate::marketplace::wire::sequences::SequenceQuery;

use crate::marketplace::usecases::lean_of;

use crate::marketplace::usecases::leans;

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
/// side, `None` for a sys_admin.
pub async fn list(
    app: &App,
    caller: Option<(SenderType, OrgId)>,
    q: SequenceQuery,
) -> Result<Page<NamedSequence>, ApiError> {
    let q = q.checked()?;
    let paging = PageRequest::parse(q.page, q.items_per_page, q.sort_order)?;
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
    let page = paginate(found, paging);
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
