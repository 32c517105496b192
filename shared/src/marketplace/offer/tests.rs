use chrono::Duration;

use crate::marketplace::common::{Address, Demographics};
use crate::marketplace::offer::*;

fn ne(s: &str) -> NonEmpty {
    NonEmpty::try_from(s.to_owned()).unwrap()
}

/// An open offer matched to `suppliers` suppliers (also used by the referral tests).
pub(crate) fn state(suppliers: usize) -> OfferState {
    let now = crate::kernel::time::now();
    let demand = OrgId::new();
    let id = OfferId::new();
    let client = Client {
        address: Address {
            name: None,
            address: ne("1 Main St"),
            address_suite: None,
            city: ne("Toronto"),
            state: ne("ON"),
            zip: ne("M1M 1M1"),
            country: ne("CA"),
            latitude: None,
            longitude: None,
        },
        contacts: vec![],
        demographics: Demographics {
            first_name: ne("Ada"),
            last_name: ne("Lovelace"),
            email: None,
            phone_number: None,
            phone_other: None,
            phone_personal: None,
            date_of_birth: None,
            gender: None,
            language: None,
        },
        allergies: vec![],
        risks: vec![],
        diagnoses: vec![],
        surgeries: vec![],
        custom_fields: vec![],
        outbox_id: ne("client-1"),
        referral_only_custom_fields: vec![],
    };
    let offer = Offer {
        id,
        demand_org_id: demand,
        status: OfferStatus::Open,
        version: 1,
        care_type: CareType::Psw,
        offer_type: OfferType::Service,
        expires_at: now + Duration::days(1),
        comment: None,
        demand_labels: vec![],
        reason_code: None,
        reason_comment: None,
        shift_id: None,
        start_at: now + Duration::days(2),
        end_at: None,
        created_at: now,
        updated_at: None,
        counts: ResponseCounts {
            modified_at: now,
            sent: suppliers as u32,
            accepted: 0,
            declined: 0,
        },
        assigned_match_id: None,
        referral_id: None,
        client_id: ClientId::new(),
        client,
        service: Service {
            id: ServiceId::new(),
            name: ne("Home care"),
            outbox_id: ne("svc-1"),
            start_at: None,
            expected_start_at: None,
            end_at: None,
            instructions: None,
            notes: None,
            skills: vec![],
            custom_fields: vec![],
            use_client_address: None,
            address: None,
            referral_only_custom_fields: vec![],
        },
        visits: vec![],
        price: None,
        case_manager: None,
        alayacare: None,
        direct_supply_persona_ids: vec![],
        take_rate: None,
        demand_assignment: None,
    };
    let matches = (0..suppliers)
        .map(|_| OfferMatch {
            id: MatchId::new(),
            offer_id: id,
            demand_org_id: demand,
            supply_org_id: OrgId::new(),
            response: MatchResponse::Pending,
            sequence_id: SequenceId::new(),
            reason_code: None,
            comment: None,
            created_at: now,
            updated_at: None,
        })
        .collect();
    OfferState { offer, matches }
}

/// Applies a transition to the state, as the database write would.
fn apply(s: &OfferState, t: &Transition) -> OfferState {
    let mut next = s.clone();
    next.offer = t.offer.clone();
    for m in &t.changed_matches {
        *next.matches.iter_mut().find(|x| x.id == m.id).unwrap() = m.clone();
    }
    next
}

fn names(t: &Transition) -> Vec<(Channel, EventName)> {
    t.notices.iter().map(|n| (n.channel, n.name)).collect()
}

fn now() -> Timestamp {
    crate::kernel::time::now()
}

#[test]
fn manual_accept_records_the_response_and_tells_the_demand() {
    let s = state(2);
    let supplier = s.matches[0].supply_org_id;
    let t = s
        .accept(supplier, Some("yes".into()), AssignmentMode::Manual, now())
        .unwrap();
    assert_eq!(t.offer.status, OfferStatus::Open);
    assert_eq!(t.offer.version, 2);
    assert_eq!(t.offer.counts.accepted, 1);
    assert_eq!(t.changed_matches[0].response, MatchResponse::Accepted);
    assert_eq!(t.changed_matches[0].comment.as_deref(), Some("yes"));
    assert!(t.assigned.is_none());
    assert_eq!(
        names(&t),
        vec![(Channel::OutboxOffers, EventName::OfferAccepted)]
    );
    assert_eq!(t.notices[0].recipients, vec![s.offer.demand_org_id]);
}

#[test]
fn auto_accept_assigns_and_fulfils_the_others() {
    let s = state(3);
    let winner = s.matches[1].clone();
    let t = s
        .accept(winner.supply_org_id, None, AssignmentMode::Auto, now())
        .unwrap();
    assert_eq!(t.offer.status, OfferStatus::Assigned);
    assert_eq!(t.offer.assigned_match_id, Some(winner.id));
    assert_eq!(t.assigned.as_ref().map(|m| m.id), Some(winner.id));
    assert_eq!(
        names(&t),
        vec![
            (Channel::OutboxOffers, EventName::OfferAccepted),
            (Channel::InboxOffers, EventName::OfferFulfilled)
        ]
    );
    let others: Vec<OrgId> = s
        .matches
        .iter()
        .map(|m| m.supply_org_id)
        .filter(|o| *o != winner.supply_org_id)
        .collect();
    assert_eq!(t.notices[1].recipients, others);
}

#[test]
fn a_supplier_responds_once() {
    let s = state(2);
    let supplier = s.matches[0].supply_org_id;
    let s2 = apply(
        &s,
        &s.accept(supplier, None, AssignmentMode::Manual, now())
            .unwrap(),
    );
    assert_eq!(
        s2.accept(supplier, None, AssignmentMode::Manual, now()),
        Err(Rejection::AlreadyResponded(MatchResponse::Accepted))
    );
    assert_eq!(
        s2.decline(supplier, None, None, now()),
        Err(Rejection::AlreadyResponded(MatchResponse::Accepted))
    );
}

#[test]
fn unmatched_suppliers_cannot_respond() {
    let s = state(1);
    assert_eq!(
        s.accept(OrgId::new(), None, AssignmentMode::Manual, now()),
        Err(Rejection::UnknownMatch)
    );
    assert_eq!(
        s.decline(OrgId::new(), None, None, now()),
        Err(Rejection::UnknownMatch)
    );
}

#[test]
fn the_last_decline_declines_the_offer_for_all() {
    let s = state(2);
    let t1 = s
        .decline(
            s.matches[0].supply_org_id,
            Some("no_capacity".into()),
            None,
            now(),
        )
        .unwrap();
    assert_eq!(t1.offer.status, OfferStatus::Open);
    assert_eq!(
        names(&t1),
        vec![(Channel::OutboxOffers, EventName::OfferDeclined)]
    );
    let s1 = apply(&s, &t1);
    let t2 = s1
        .decline(s.matches[1].supply_org_id, None, None, now())
        .unwrap();
    assert_eq!(t2.offer.status, OfferStatus::DeclinedByAll);
    assert_eq!(t2.offer.counts.declined, 2);
    assert_eq!(
        names(&t2),
        vec![
            (Channel::OutboxOffers, EventName::OfferDeclined),
            (Channel::OutboxOffers, EventName::OfferDeclinedByAll)
        ]
    );
}

#[test]
fn a_decline_after_an_acceptance_keeps_the_offer_open() {
    let s = state(2);
    let s1 = apply(
        &s,
        &s.accept(
            s.matches[0].supply_org_id,
            None,
            AssignmentMode::Manual,
            now(),
        )
        .unwrap(),
    );
    let t = s1
        .decline(s.matches[1].supply_org_id, None, None, now())
        .unwrap();
    assert_eq!(t.offer.status, OfferStatus::Open);
}

#[test]
fn close_tells_every_matched_supplier_and_ends_responses() {
    let s = state(2);
    let t = s
        .close(Some(ReasonCode::ClientRequest), Some("moved".into()), now())
        .unwrap();
    assert_eq!(t.offer.status, OfferStatus::Closed);
    assert_eq!(t.offer.reason_code, Some(ReasonCode::ClientRequest));
    assert_eq!(
        names(&t),
        vec![(Channel::InboxOffers, EventName::OfferClosed)]
    );
    assert_eq!(t.notices[0].recipients.len(), 2);
    let closed = apply(&s, &t);
    assert_eq!(
        closed.accept(
            s.matches[0].supply_org_id,
            None,
            AssignmentMode::Manual,
            now()
        ),
        Err(Rejection::OfferNotOpen(OfferStatus::Closed))
    );
    assert_eq!(
        closed.close(None, None, now()),
        Err(Rejection::OfferNotOpen(OfferStatus::Closed))
    );
    assert_eq!(
        match_status(&closed.offer, &closed.matches[0]),
        MatchStatus::Closed
    );
}

#[test]
fn closing_an_offer_nobody_was_matched_to_announces_nothing() {
    let s = state(0);
    assert!(s.close(None, None, now()).unwrap().notices.is_empty());
}

#[test]
fn assign_needs_manual_mode_an_acceptance_and_an_open_offer() {
    let s = state(2);
    let m0 = s.matches[0].clone();
    assert_eq!(
        s.assign(m0.id, AssignmentMode::Auto, now()),
        Err(Rejection::AssignmentIsAutomatic)
    );
    assert_eq!(
        s.assign(m0.id, AssignmentMode::Manual, now()),
        Err(Rejection::MatchNotAccepted)
    );
    assert_eq!(
        s.assign(MatchId::new(), AssignmentMode::Manual, now()),
        Err(Rejection::UnknownMatch)
    );

    let accepted = apply(
        &s,
        &s.accept(m0.supply_org_id, None, AssignmentMode::Manual, now())
            .unwrap(),
    );
    let t = accepted
        .assign(m0.id, AssignmentMode::Manual, now())
        .unwrap();
    assert_eq!(t.offer.status, OfferStatus::Assigned);
    assert_eq!(t.assigned.as_ref().map(|m| m.id), Some(m0.id));
    assert_eq!(
        names(&t),
        vec![(Channel::InboxOffers, EventName::OfferFulfilled)]
    );
    assert_eq!(t.notices[0].recipients, vec![s.matches[1].supply_org_id]);

    let assigned = apply(&accepted, &t);
    assert_eq!(
        match_status(&assigned.offer, &assigned.matches[0]),
        MatchStatus::Assigned
    );
    assert_eq!(
        match_status(&assigned.offer, &assigned.matches[1]),
        MatchStatus::Fulfilled
    );
    assert_eq!(
        assigned.assign(m0.id, AssignmentMode::Manual, now()),
        Err(Rejection::OfferNotOpen(OfferStatus::Assigned))
    );
    assert_eq!(
        assigned.close(None, None, now()),
        Err(Rejection::OfferNotOpen(OfferStatus::Assigned))
    );
}

#[test]
fn an_offer_past_its_expiry_takes_no_responses() {
    let mut s = state(1);
    s.offer.expires_at = now() - Duration::seconds(1);
    assert_eq!(
        s.accept(
            s.matches[0].supply_org_id,
            None,
            AssignmentMode::Manual,
            now()
        ),
        Err(Rejection::OfferExpired)
    );
    assert_eq!(
        s.decline(s.matches[0].supply_org_id, None, None, now()),
        Err(Rejection::OfferExpired)
    );
}

#[test]
fn every_transition_bumps_the_version_once() {
    let s = state(1);
    let t = s.close(None, None, now()).unwrap();
    assert_eq!(t.offer.version, s.offer.version + 1);
}

#[test]
fn rejections_map_to_conflict_forbidden_or_unprocessable() {
    use crate::edge::error::ErrorKind;
    let kind = |r: Rejection| crate::edge::error::ApiError::from(r).kind;
    assert_eq!(
        kind(Rejection::OfferNotOpen(OfferStatus::Closed)),
        ErrorKind::Conflict
    );
    assert_eq!(
        kind(Rejection::AlreadyResponded(MatchResponse::Declined)),
        ErrorKind::Conflict
    );
    assert_eq!(kind(Rejection::MatchNotAccepted), ErrorKind::Conflict);
    assert_eq!(kind(Rejection::AssignmentIsAutomatic), ErrorKind::Forbidden);
    assert_eq!(kind(Rejection::UnknownMatch), ErrorKind::Unprocessable);
}

#[test]
fn expiry_closes_an_open_offer_past_its_time_and_tells_both_sides() {
    let s = state(2);
    let expiry = s.offer.expires_at;
    assert_eq!(
        s.expire(expiry - Duration::seconds(1)),
        Err(Rejection::NotYetExpired)
    );
    let t = s.expire(expiry).unwrap();
    assert_eq!(t.offer.status, OfferStatus::Expired);
    assert_eq!(
        names(&t),
        vec![
            (Channel::OutboxOffers, EventName::OfferExpired),
            (Channel::InboxOffers, EventName::OfferExpired)
        ]
    );
    assert_eq!(t.notices[0].recipients, vec![s.offer.demand_org_id]);
    assert_eq!(t.notices[1].recipients.len(), 2);
    let expired = apply(&s, &t);
    assert_eq!(
        match_status(&expired.offer, &expired.matches[0]),
        MatchStatus::Expired
    );
    // Expiry happens once; a closed or assigned offer does not expire.
    assert_eq!(
        expired.expire(expiry),
        Err(Rejection::OfferNotOpen(OfferStatus::Expired))
    );
    let closed = apply(&s, &s.close(None, None, now()).unwrap());
    assert_eq!(
        closed.expire(expiry),
        Err(Rejection::OfferNotOpen(OfferStatus::Closed))
    );
}

#[test]
fn an_offer_nobody_was_matched_to_expires_for_the_demand_only() {
    let s = state(0);
    let t = s.expire(s.offer.expires_at).unwrap();
    assert_eq!(
        names(&t),
        vec![(Channel::OutboxOffers, EventName::OfferExpired)]
    );
}

/// The inbox list reads an `OfferHead` projected from the stored offer: every attribute it
/// names is a field of the stored offer, it decodes from exactly those attributes, and it
/// derives the same match status as the whole offer.
#[test]
fn offer_head_is_a_projection_of_the_stored_offer() {
    let s = state(2);
    let m0 = s.matches[0].clone();
    let accepted = apply(
        &s,
        &s.accept(m0.supply_org_id, None, AssignmentMode::Auto, now())
            .unwrap(),
    );
    for st in [&s, &accepted] {
        let stored = serde_json::to_value(&st.offer).unwrap();
        // What a read returns: timestamps are stored to the millisecond.
        let offer: Offer = serde_json::from_value(stored.clone()).unwrap();
        let stored = stored.as_object().unwrap();
        let projected: serde_json::Map<String, serde_json::Value> = OfferHead::ATTRIBUTES
            .iter()
            .filter_map(|a| stored.get(*a).map(|v| ((*a).to_owned(), v.clone())))
            .collect();
        let head: OfferHead = serde_json::from_value(projected.into()).unwrap();
        assert_eq!(head.id, offer.id);
        assert_eq!(head.status, offer.status);
        assert_eq!(head.expires_at, offer.expires_at);
        assert_eq!(head.updated_at, offer.updated_at);
        assert_eq!(head.assigned_match_id, offer.assigned_match_id);
        for m in &st.matches {
            assert_eq!(head.match_status(m), match_status(&offer, m));
        }
    }
    let offer_fields = serde_json::to_value(&accepted.offer).unwrap();
    for a in OfferHead::ATTRIBUTES {
        assert!(
            offer_fields.get(*a).is_some()
                || matches!(
                    *a,
                    "comment" | "reason_code" | "reason_comment" | "shift_id" | "end_at"
                ),
            "{a} is not a field of the stored offer"
        );
    }
}

/// A visit offer of `state(suppliers)` for the visit `visit-1`.
fn visit_offer(suppliers: usize) -> OfferState {
    let mut s = state(suppliers);
    s.offer.offer_type = OfferType::Visit;
    s.offer.visits = vec![Visit {
        id: VisitId::new(),
        outbox_id: ne("visit-1"),
        start_at: s.offer.start_at,
        end_at: s.offer.start_at + Duration::hours(1),
        instructions: None,
        tasks: vec![],
    }];
    s
}

#[test]
fn a_visit_offer_holds_its_visit_while_open_or_assigned() {
    let s = visit_offer(2);
    assert_eq!(s.offer.held_visit(), Some("visit-1"));
    // Assigned (auto mode on the first acceptance) still holds it.
    let supplier = s.matches[0].supply_org_id;
    let assigned = s
        .accept(supplier, None, AssignmentMode::Auto, now())
        .unwrap();
    assert_eq!(assigned.offer.status, OfferStatus::Assigned);
    assert_eq!(assigned.offer.held_visit(), Some("visit-1"));
    // Closed, expired and declined by all let go of it.
    let closed = s.close(None, None, now()).unwrap();
    assert_eq!(closed.offer.held_visit(), None);
    let expired = s.expire(s.offer.expires_at + Duration::seconds(1)).unwrap();
    assert_eq!(expired.offer.held_visit(), None);
    let one = visit_offer(1);
    let declined = one
        .decline(one.matches[0].supply_org_id, None, None, now())
        .unwrap();
    assert_eq!(declined.offer.status, OfferStatus::DeclinedByAll);
    assert_eq!(declined.offer.held_visit(), None);
}

#[test]
fn a_service_offer_holds_no_visit() {
    let mut s = state(1);
    s.offer.visits = visit_offer(1).offer.visits;
    assert_eq!(s.offer.held_visit(), None);
}

#[test]
fn a_match_reads_back_whole_from_its_projection() {
    let s = state(1);
    let mut m = s.matches[0].clone();
    m.reason_code = Some("distance".into());
    m.comment = Some("too far".into());
    m.updated_at = Some(m.created_at);
    let stored = serde_json::to_value(&m).unwrap();
    // What a whole read returns: timestamps are stored to the millisecond.
    let m: OfferMatch = serde_json::from_value(stored.clone()).unwrap();
    let stored = stored.as_object().unwrap();
    for field in stored.keys() {
        assert!(
            OfferMatch::ATTRIBUTES.contains(&field.as_str()),
            "{field} is not projected"
        );
    }
    let projected: serde_json::Map<String, serde_json::Value> = OfferMatch::ATTRIBUTES
        .iter()
        .filter_map(|a| stored.get(*a).map(|v| ((*a).to_owned(), v.clone())))
        .collect();
    assert_eq!(
        serde_json::from_value::<OfferMatch>(projected.into()).unwrap(),
        m
    );
}
