//! The offer lifecycle use cases.

use std::collections::HashMap;

use crate::edge::error::ApiError;
use crate::events::{Channel, EventName, EventRecord};
use crate::infra::app::App;
use crate::kernel::ids::{MatchId, OfferId, OrgId, SequenceId};
use crate::kernel::time::{Timestamp, now};
use crate::marketplace::offer::Rejection;
use crate::marketplace::offer::{
    MatchResponse, NamedOffer, Offer, OfferMatch, OfferState, Transition,
};
use crate::marketplace::organization::{AssignmentMode, Organization, match_suppliers};
use crate::marketplace::referral::Referral;
use crate::marketplace::store::inbox::RowVersion;
use crate::marketplace::store::offers::{COUNTER_WRITES, new_offer_writes};
use crate::marketplace::take_rate::TakeRate;
use crate::marketplace::wire::offers::{
    AcceptOfferRequest, AssignOfferRequest, CloseOfferRequest, CreateOfferRequest,
    DeclineOfferRequest,
};
use crate::store::MAX_TRANSACTION_ITEMS;
use crate::store::db::{Cond, DbError, Item};
use crate::store::idempotency::{Once, key_item};

use crate::marketplace::usecases::lean;
use crate::marketplace::usecases::organizations::active_demand;
use crate::store::races::retry_lost_races;
use crate::store::races::won;

mod expiry;
mod projection;
mod reads;
mod retention;

pub use expiry::*;
pub use projection::*;
pub use reads::*;
pub use retention::*;

/// A transaction holds the offer, one item per match, one event item and the demand's
/// counters.
const MAX_MATCHES: usize = MAX_TRANSACTION_ITEMS - 2 - COUNTER_WRITES;

/// What creating offers reads once per request: the demand organization and every
/// organization that could be matched (its trusted network plus the direct suppliers named).
struct Candidates {
    demand: Organization,
    take_rate: TakeRate,
    trusted: Vec<OrgId>,
    orgs: Vec<Organization>,
}

impl Candidates {
    /// Two round trips: the trusted network and the take rates together, then every
    /// organization (the demand's own among them) in one batch.
    async fn read(app: &App, demand: OrgId, direct: &[OrgId]) -> Result<Self, ApiError> {
        let (trusted, (own, regional)) = futures::try_join!(
            app.db.trusted_suppliers(demand),
            app.db.take_rates_for(demand)
        )?;
        let mut ids = vec![demand];
        ids.extend(trusted.iter().copied());
        ids.extend(direct.iter().copied());
        let orgs = app.db.get_orgs(&ids).await?;
        let demand_org = active_demand(orgs.iter().find(|o| o.id == demand).cloned())?;
        Ok(Self {
            demand: demand_org,
            take_rate: TakeRate::effective(own, regional),
            trusted,
            orgs,
        })
    }

    /// The offer of `request`, matched, with its `OfferMatched` event; the single-offer rules
    /// apply to every offer, whichever endpoint created it.
    fn offer(
        &self,
        request: CreateOfferRequest,
        shift_id: Option<uuid::Uuid>,
        at: Timestamp,
    ) -> Result<(OfferState, Vec<EventRecord>), ApiError> {
        let demand = self.demand.id;
        let mut offer = request.into_offer(demand, at)?;
        offer.shift_id = shift_id;
        offer.take_rate = Some(self.take_rate);
        offer.demand_assignment = Some(self.demand.assignment_mode());
        let orgs: HashMap<OrgId, &Organization> = self.orgs.iter().map(|o| (o.id, o)).collect();
        if let Some(unknown) = offer
            .direct_supply_persona_ids
            .iter()
            .find(|id| !orgs.contains_key(id))
        {
            return Err(ApiError::unprocessable(format!(
                "direct_supply_persona_ids: unknown supply persona {unknown}"
            )));
        }
        let mut candidates = self.trusted.clone();
        candidates.extend(offer.direct_supply_persona_ids.iter().copied());
        let ordered = candidates.iter().filter_map(|id| orgs.get(id).copied());
        let suppliers = match_suppliers(demand, offer.care_type, ordered);
        if suppliers.len() > MAX_MATCHES {
            return Err(ApiError::unprocessable(format!(
                "an offer can be sent to at most {MAX_MATCHES} suppliers"
            )));
        }
        offer.counts.sent = suppliers.len() as u32;
        let matches: Vec<OfferMatch> = suppliers
            .iter()
            .map(|s| OfferMatch {
                id: MatchId::new(),
                offer_id: offer.id,
                demand_org_id: demand,
                supply_org_id: *s,
                response: MatchResponse::Pending,
                sequence_id: SequenceId::new(),
                reason_code: None,
                comment: None,
                created_at: at,
                updated_at: None,
            })
            .collect();
        let events = if suppliers.is_empty() {
            vec![]
        } else {
            vec![
                EventRecord::offer(
                    Channel::InboxOffers,
                    EventName::OfferMatched,
                    suppliers,
                    offer.id,
                    at,
                )
                .versioned(offer.id, offer.version),
            ]
        };
        Ok((OfferState { offer, matches }, events))
    }
}

/// Creates the offer, matches it to suppliers, and announces `OfferMatched` to each of them.
/// The answer is what `respond` makes of the new offer; with `once`, it is written under the
/// request's idempotency key with them.
pub async fn create<R: serde::Serialize>(
    app: &App,
    demand: OrgId,
    request: CreateOfferRequest,
    once: Option<Once>,
    respond: impl FnOnce(&NamedOffer) -> R,
) -> Result<R, ApiError> {
    let candidates = Candidates::read(app, demand, &request.direct_supply_persona_ids).await?;
    let (mut state, events) = candidates.offer(request, None, now())?;
    // The offer is lent to the answer and taken back, not copied.
    let named = NamedOffer {
        offer: state.offer,
        demand: lean(&candidates.demand),
        supply: None,
    };
    let response = respond(&named);
    state.offer = named.offer;
    let created = (state, events);
    write_new_offers(
        app,
        std::slice::from_ref(&created),
        key_item(once, &response, now())?,
    )
    .await?;
    Ok(response)
}

/// Creates the offers of a shift or bundle, which share one id (`shift_id`), all in one
/// transaction: one invalid item, one visit already held or one lost race, and nothing is
/// written. The price is a limit on size: every offer, match, visit hold and event must fit in
/// DynamoDB's 100 writes of one transaction, otherwise the request is refused with a 422.
/// The answer is what `respond` makes of the group's id and its offers (stored under `once`'s
/// key too).
pub async fn create_group<R: serde::Serialize>(
    app: &App,
    demand: OrgId,
    requests: Vec<CreateOfferRequest>,
    once: Option<Once>,
    respond: impl FnOnce(uuid::Uuid, &[&Offer]) -> R,
) -> Result<R, ApiError> {
    let mut direct: Vec<OrgId> = Vec::new();
    for r in &requests {
        direct.extend(r.direct_supply_persona_ids.iter().copied());
    }
    let candidates = Candidates::read(app, demand, &direct).await?;
    let group = uuid::Uuid::new_v4();
    let at = now();
    let mut created = Vec::with_capacity(requests.len());
    for (i, request) in requests.into_iter().enumerate() {
        let offer = candidates
            .offer(request, Some(group), at)
            .map_err(|mut e| {
                // Say which item broke a rule; internal messages stay generic.
                if e.internal.is_none() {
                    e.message = format!("items[{i}]: {}", e.message);
                }
                e
            })?;
        created.push(offer);
    }
    let mut visits: Vec<&str> = created
        .iter()
        .filter_map(|(s, _)| s.offer.held_visit())
        .collect();
    visits.sort_unstable();
    if let Some(w) = visits.windows(2).find(|w| w[0] == w[1]) {
        return Err(ApiError::unprocessable(format!(
            "visit {} is offered twice in one request",
            w[0]
        )));
    }
    let offers: Vec<&Offer> = created.iter().map(|(s, _)| &s.offer).collect();
    let response = respond(group, &offers);
    write_new_offers(app, &created, key_item(once, &response, at)?).await?;
    Ok(response)
}

async fn write_new_offers(
    app: &App,
    offers: &[(OfferState, Vec<EventRecord>)],
    key: Option<(Item, Cond)>,
) -> Result<(), ApiError> {
    let writes: usize = offers
        .iter()
        .map(|(s, e)| new_offer_writes(s, e))
        .sum::<usize>()
        + COUNTER_WRITES
        + usize::from(key.is_some());
    if writes > MAX_TRANSACTION_ITEMS {
        return Err(ApiError::unprocessable(format!(
            "these offers and their matches need {writes} writes; one request can make at most \
             {MAX_TRANSACTION_ITEMS}: send fewer items or fewer suppliers"
        )));
    }
    match app.db.create_offers(offers, key).await {
        Ok(()) => Ok(()),
        // Every other write of a new offer is to a fresh key: only a visit hold can exist, or
        // the idempotency key a concurrent request with the same key wrote first (which
        // `keyed::once` answers with that request's response).
        Err(DbError::ConditionFailed) => Err(ApiError::conflict(
            "A visit of this request already has an open or assigned visit offer.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Who is asking about an offer; an offer the caller has no part in is "not found".
#[derive(Clone, Copy, Debug)]
pub enum Side {
    Demand(OrgId),
    Supply(OrgId),
    /// A sys_admin: every offer.
    Any,
}

impl Side {
    fn sees(self, state: &OfferState) -> bool {
        match self {
            Side::Demand(org) => state.offer.demand_org_id == org,
            Side::Supply(org) => state.match_of(org).is_some(),
            Side::Any => true,
        }
    }
}

pub async fn load_visible(app: &App, side: Side, id: OfferId) -> Result<OfferState, ApiError> {
    match app.db.load_offer(id).await? {
        Some(state) if side.sees(&state) => Ok(state),
        _ => Err(ApiError::not_found("Offer")),
    }
}

/// What a decision reads besides the offer and its matches.
///
/// Decline and close decide on the offer alone, so they do not read the organizations: such a
/// request makes two DynamoDB calls (query the offer, write the transaction). Accept needs the
/// demand's assignment mode (auto mode assigns at once), and every assignment creates a
/// referral whose events name both organizations, so assign, and accept in auto mode, read the
/// demand and the supplier an assignment would name in one batch after the offer: three round
/// trips. An acceptance in manual mode assigns nothing, so it takes the mode from the offer's
/// copy and its write checks the organization still has that mode: two round trips. They are
/// read on every attempt (after a lost race, from the organization itself), so a change of
/// assignment mode applies at once.
trait Reads: Sized + Send + Sync {
    /// `supplier`: the organization an assignment would name, when the request says which.
    /// `copy`: the decision may take the demand's mode from the offer's copy of it.
    fn load(
        app: &App,
        offer: &Offer,
        supplier: Option<OrgId>,
        copy: bool,
    ) -> impl std::future::Future<Output = Result<Self, ApiError>> + Send;
    fn demand(&self) -> Option<&Organization>;
    fn supplier(&self, id: OrgId) -> Option<&Organization>;
    /// The assignment mode the write must find on the demand organization, when the decision
    /// took it from the offer's copy.
    fn mode_to_check(&self) -> Option<AssignmentMode>;
}

/// Decline and close: nothing beyond the offer.
impl Reads for () {
    async fn load(_: &App, _: &Offer, _: Option<OrgId>, _: bool) -> Result<Self, ApiError> {
        Ok(())
    }
    fn demand(&self) -> Option<&Organization> {
        None
    }
    fn supplier(&self, _: OrgId) -> Option<&Organization> {
        None
    }
    fn mode_to_check(&self) -> Option<AssignmentMode> {
        None
    }
}

/// Accept and assign: the demand's assignment mode, and the organizations an assignment names.
struct Parties {
    mode: AssignmentMode,
    demand: Option<Organization>,
    supplier: Option<Organization>,
    /// The mode is the offer's copy, not read from the organization.
    copied: bool,
}

impl Reads for Parties {
    async fn load(
        app: &App,
        offer: &Offer,
        supplier: Option<OrgId>,
        copy: bool,
    ) -> Result<Self, ApiError> {
        if copy && offer.demand_assignment == Some(AssignmentMode::Manual) {
            return Ok(Self {
                mode: AssignmentMode::Manual,
                demand: None,
                supplier: None,
                copied: true,
            });
        }
        let ids: Vec<OrgId> = std::iter::once(offer.demand_org_id)
            .chain(supplier)
            .collect();
        let mut orgs = app.db.get_orgs(&ids).await?;
        let mut take = |id: OrgId| {
            orgs.iter()
                .position(|o| o.id == id)
                .map(|i| orgs.swap_remove(i))
        };
        let demand = take(offer.demand_org_id).ok_or_else(|| {
            ApiError::internal(format!("demand organization of offer {} missing", offer.id))
        })?;
        Ok(Self {
            mode: demand.assignment_mode(),
            demand: Some(demand),
            supplier: supplier.and_then(take),
            copied: false,
        })
    }
    fn demand(&self) -> Option<&Organization> {
        self.demand.as_ref()
    }
    fn supplier(&self, id: OrgId) -> Option<&Organization> {
        self.supplier.as_ref().filter(|o| o.id == id)
    }
    fn mode_to_check(&self) -> Option<AssignmentMode> {
        self.copied.then_some(self.mode)
    }
}

/// Runs a transition to completion: read, decide, write conditionally; on a lost race read
/// again and decide again, so the outcome is always the one the latest state allows. What the
/// decision needs besides the state (`R`, see [`Reads`]) is read with it on every attempt;
/// `supplier` names the organization an assignment would name, from the state read; `copy`
/// lets the first attempt take the demand's mode from the offer's copy.
async fn transition<R: Reads>(
    app: &App,
    side: Side,
    id: OfferId,
    copy: bool,
    supplier: impl Fn(&OfferState) -> Option<OrgId>,
    decide: impl Fn(&OfferState, &R, Timestamp) -> Result<Transition, Rejection>,
) -> Result<Transition, ApiError> {
    let (decide, supplier) = (&decide, &supplier);
    let attempts = &std::sync::atomic::AtomicUsize::new(0);
    retry_lost_races(OFFER_BUSY, || async move {
        let first = attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 0;
        // A supplier's own inbox row moves in its write. The first attempt takes the row to
        // show the offer as read, as the stream leaves it within a second of each change, and
        // reads nothing more; after a lost race (the row was behind, or moved) it is read with
        // the offer.
        let (state, row) = match side {
            Side::Supply(supplier) if first => {
                let state = load_visible(app, side, id).await?;
                let row = state
                    .match_of(supplier)
                    .map(|m| RowVersion::of(&state.offer, m));
                (state, Some((supplier, row)))
            }
            Side::Supply(supplier) => {
                let (state, rows) = futures::try_join!(load_visible(app, side, id), async {
                    Ok(app.db.inbox_row_versions(id, [supplier]).await?)
                })?;
                (state, Some((supplier, rows.get(&supplier).copied())))
            }
            _ => (load_visible(app, side, id).await?, None),
        };
        let reads = R::load(app, &state.offer, supplier(&state), copy && first).await?;
        let at = now();
        let mut t = decide(&state, &reads, at)?;
        if let Some(demand) = reads.demand() {
            // The offer's copy follows the organization it was read from.
            t.offer.demand_assignment = Some(demand.assignment_mode());
        }
        let mut events: Vec<EventRecord> = t
            .notices
            .iter()
            .map(|n| {
                EventRecord::offer(n.channel, n.name, n.recipients.clone(), id, at)
                    .versioned(id, t.offer.version)
            })
            .collect();
        let referral = match &t.assigned {
            Some(chosen) => {
                let demand = reads.demand().ok_or_else(|| {
                    ApiError::internal(format!(
                        "offer {id}: a transition assigned without reading the demand"
                    ))
                })?;
                let referral = Referral::from_assignment(&t.offer, chosen, at);
                t.offer.referral_id = Some(referral.id);
                // Read with the demand when the request named the supplier; otherwise now.
                let supply = match reads.supplier(referral.supply_org_id) {
                    Some(org) => org.clone(),
                    None => app
                        .db
                        .get_org(referral.supply_org_id)
                        .await?
                        .ok_or_else(|| {
                            ApiError::internal(format!(
                                "supply organization {} missing",
                                referral.supply_org_id
                            ))
                        })?,
                };
                events.extend(referral.created_events(demand, &supply, at));
                Some(referral)
            }
            None => None,
        };
        let written = app
            .db
            .apply_offer_transition(
                &state,
                &t,
                referral.as_ref(),
                &events,
                reads.mode_to_check(),
                row.as_ref().map(|(s, current)| (*s, current.as_ref())),
            )
            .await;
        Ok(won(written)?.map(|()| t))
    })
    .await
}

const OFFER_BUSY: &str = "The offer is being changed by other requests; retry.";

pub async fn accept(
    app: &App,
    supplier: OrgId,
    id: OfferId,
    request: AcceptOfferRequest,
) -> Result<(), ApiError> {
    transition(
        app,
        Side::Supply(supplier),
        id,
        true,
        |_| Some(supplier),
        |state, parties: &Parties, at| {
            state.accept(supplier, request.comment.clone(), parties.mode, at)
        },
    )
    .await
    .map(drop)
}

pub async fn decline(
    app: &App,
    supplier: OrgId,
    id: OfferId,
    request: DeclineOfferRequest,
) -> Result<(), ApiError> {
    transition(
        app,
        Side::Supply(supplier),
        id,
        false,
        |_| None,
        |state, _: &(), at| {
            state.decline(
                supplier,
                request.reason_code.clone(),
                request.comment.clone(),
                at,
            )
        },
    )
    .await
    .map(drop)
}

pub async fn close(
    app: &App,
    demand: OrgId,
    id: OfferId,
    request: CloseOfferRequest,
) -> Result<(), ApiError> {
    transition(
        app,
        Side::Demand(demand),
        id,
        false,
        |_| None,
        |state, _: &(), at| state.close(request.reason_code, request.reason_comment.clone(), at),
    )
    .await
    .map(drop)
}

pub async fn assign(
    app: &App,
    demand: OrgId,
    id: OfferId,
    request: AssignOfferRequest,
) -> Result<(), ApiError> {
    transition(
        app,
        Side::Demand(demand),
        id,
        false,
        |state| {
            let chosen = state
                .matches
                .iter()
                .find(|m| m.id == request.offer_match_id);
            chosen.map(|m| m.supply_org_id)
        },
        |state, parties: &Parties, at| state.assign(request.offer_match_id, parties.mode, at),
    )
    .await
    .map(drop)
}
