use crate::marketplace::wire::offers::*;

use crate::kernel::ids::{MatchId, OrgId, SequenceId};
use crate::marketplace::common::OrganizationLean;
use crate::marketplace::offer::{InboxOffer, MatchResponse, OfferStatus};
use serde_json::{Value, json};

fn sample() -> Value {
    let event: Value = serde_json::from_str(include_str!(
        "../../../../../events/offers.outbox.offers.create.json"
    ))
    .unwrap();
    serde_json::from_str(event["body"].as_str().unwrap()).unwrap()
}

fn parse(v: Value) -> Result<CreateOfferRequest, serde_json::Error> {
    serde_json::from_value(v)
}

#[test]
fn the_sample_body_parses_and_derives_the_window_from_its_visits() {
    let now = crate::kernel::time::now();
    let offer = parse(sample())
        .unwrap()
        .into_offer(OrgId::new(), now)
        .unwrap();
    let first = offer.visits.iter().map(|v| v.start_at).min().unwrap();
    let last = offer.visits.iter().map(|v| v.end_at).max().unwrap();
    assert_eq!((offer.start_at, offer.end_at), (first, Some(last)));
    assert_eq!(offer.status, OfferStatus::Open);
    assert_eq!(offer.version, 1);
    let ids: std::collections::HashSet<_> = offer.visits.iter().map(|v| v.id).collect();
    assert_eq!(ids.len(), offer.visits.len(), "every visit gets its own id");
}

#[test]
fn schema_violations_do_not_parse() {
    let mut blank = sample();
    blank["client"]["demographics"]["first_name"] = json!("  ");
    assert!(parse(blank).is_err());
    let mut lat = sample();
    lat["client"]["address"]["latitude"] = json!(90.5);
    assert!(parse(lat).is_err());
    let mut care = sample();
    care["offer"]["care_type"] = json!("PSW");
    assert!(parse(care).is_err());
    let mut date = sample();
    date["offer"]["expires_at"] = json!("2030-01-01");
    assert!(parse(date).is_err());
}

#[test]
fn rules_beyond_the_schema_are_unprocessable() {
    let now = crate::kernel::time::now();
    let kind = |v: Value| {
        parse(v)
            .unwrap()
            .into_offer(OrgId::new(), now)
            .unwrap_err()
            .kind
    };
    let mut expired = sample();
    expired["offer"]["expires_at"] = json!("2000-01-01T00:00:00Z");
    assert_eq!(kind(expired), crate::edge::error::ErrorKind::Unprocessable);
    let mut backwards = sample();
    backwards["visits"][0]["end_at"] = backwards["visits"][0]["start_at"].clone();
    assert_eq!(
        kind(backwards),
        crate::edge::error::ErrorKind::Unprocessable
    );
    let mut visit_offer = sample();
    visit_offer["offer"]["offer_type"] = json!("visit");
    assert_eq!(
        kind(visit_offer),
        crate::edge::error::ErrorKind::Unprocessable,
        "the sample has two visits"
    );
}

#[test]
fn direct_suppliers_are_deduplicated() {
    let id = OrgId::new();
    let mut body = sample();
    body["direct_supply_persona_ids"] = json!([id, id]);
    let offer = parse(body)
        .unwrap()
        .into_offer(OrgId::new(), crate::kernel::time::now())
        .unwrap();
    assert_eq!(offer.direct_supply_persona_ids, vec![id]);
}

#[test]
fn the_inbox_view_has_no_client_identity() {
    let offer = parse(sample())
        .unwrap()
        .into_offer(OrgId::new(), crate::kernel::time::now())
        .unwrap();
    let m = crate::marketplace::offer::OfferMatch {
        id: MatchId::new(),
        offer_id: offer.id,
        demand_org_id: offer.demand_org_id,
        supply_org_id: OrgId::new(),
        response: MatchResponse::Pending,
        sequence_id: SequenceId::new(),
        reason_code: None,
        comment: None,
        created_at: offer.created_at,
        updated_at: None,
    };
    let demand = OrganizationLean {
        id: offer.demand_org_id,
        name: "d".into(),
    };
    let opened = InboxOffer {
        offer,
        match_: m,
        demand,
    };
    let view = serde_json::to_value(InboxOfferDetail::from(&opened)).unwrap();
    let text = view.to_string();
    let client = &sample()["client"];
    for secret in [
        &client["demographics"]["first_name"],
        &client["demographics"]["last_name"],
        &client["address"]["address"],
        &client["outbox_id"],
    ] {
        assert!(
            !text.contains(secret.as_str().unwrap()),
            "{secret} leaked into the inbox view"
        );
    }
}

#[test]
fn a_matched_supplier_sees_the_care_plan_and_forms_but_not_the_authorizations() {
    let block = json!({
        "authorizations": [{"id": 7, "member_number": "M-12345", "authorization_number": "A-9"}],
        "care_plan": {
            "outbox_id": 31,
            "name": "Post-discharge plan",
            "start_date": "2030-01-10",
            "status": "active",
            "diagnoses": [{"outbox_id": 1, "name": "Hip fracture"}],
            "goals": [{"outbox_id": 2, "name": "Walk unaided"}],
            "interventions": [
                {"outbox_id": 4, "name": "Mobility exercises", "goals": [{"outbox_id": 2, "name": "Walk unaided"}]}
            ]
        },
        "form_templates": [{"id": 3, "name": "Visit note", "fields": []}]
    });
    let shown = alayacare_for_supplier(&block).expect("something to show");
    assert_eq!(
        shown,
        json!({
            "care_plan": {
                "name": "Post-discharge plan",
                "start_date": "2030-01-10",
                "status": "active",
                "interventions": [{"name": "Mobility exercises"}]
            },
            "form_templates": [{"id": 3, "name": "Visit note", "fields": []}]
        })
    );
    for hidden in ["M-12345", "A-9", "Hip fracture", "Walk unaided"] {
        assert!(!shown.to_string().contains(hidden), "{hidden}");
    }
    assert_eq!(
        alayacare_for_supplier(&json!({"authorizations": []})),
        None,
        "nothing left to show"
    );
}
