//! The isolation matrix: every AlayaMarket operation on an offer, referral, message or visit id,
//! called by an organization that has no part in it, answers 404 (403 on the sys_admin routes,
//! as the spec says) with no data and writes nothing. The
//! operations come from the handler registry, so a new route is covered the day it is added.

use platform_tests::TestStack;
use platform_tests::client::NO_BODY;
use platform_tests::client::Side::Outbox;
use platform_tests::given::{self, text};
use serde_json::json;
use shared::edge::http::Family;

use crate::{create_offer, sample_body};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_on_another_organizations_offer_or_referral_is_not_found() {
    let t = TestStack::start().await;
    let (demand, supply_a, _) = given::logins(&t).await.parties();
    let (_, other_demand) = given::other_demand(&t, "other-demand@example.com").await;
    let (_, stranger) = given::stranger(&t).await;

    // An offer assigned to supplier A, and its referral.
    given::auto_assignment(&t, &demand).await;
    let offer_id = create_offer(&t, &demand).await;
    t.offers(&supply_a).accept(&offer_id, NO_BODY).await.ok(204);
    let referrals = t.referrals(&demand).outbox_list("").await;
    let referral_id = text(&referrals.body["items"][0]["referral"]["id"]);
    let seq = given::sequence(&t, &offer_id, &supply_a).await;
    let message = json!({"sequence_id": seq, "category": "comment", "text": "Welcome aboard.",
        "file": {"url": "https://files.example.com/welcome.pdf", "name": "welcome.pdf"}});
    let sent = t.messages(&demand).send(Outbox, message).await.ok(201);
    let message_id = text(&sent["message"]["id"]);
    let file_id = text(&sent["message"]["file"]["id"]);

    // A form of the demand, submitted by supplier A about the referral's service.
    let demand_org = given::org(&t.demo.demand).to_string();
    let template = given::published_form(&t, &demand).await;
    let schema_id = text(&template["schema_id"]);
    let service_id = text(&referrals.body["items"][0]["service"]["id"]);
    let field = |i: usize| template["fields"][i]["field_id"].clone();
    let submission = json!({"form_template_id": template["form_template_id"], "service_id": service_id,
        "fields": [{"field_id": field(0), "value_type": "boolean", "value": "false"},
            {"field_id": field(2), "value_type": "attachment", "value": "https://files.example.com/plan.pdf"}]});
    let submitted = t.forms(&supply_a).submit(submission).await.ok(201);
    let submission_id = text(&submitted["id"]);
    let detail = t.forms(&demand).submission(&submission_id).await;
    let field_id = text(&detail.body["fields"][1]["id"]);
    // A visit supplier A scheduled on the referral, under its own id.
    let visit_inbox_id = "iso-visit-1";
    let visit_id = given::scheduled_visit(&t, &supply_a, &referral_id, visit_inbox_id).await;
    let before = t.item_count().await;

    let mut checked = 0;
    for (handler, family, method, path) in t.routes() {
        if family != Family::AlayaMarket {
            continue;
        }
        let params = [
            ("{offer_id}", offer_id.as_str()),
            ("{referral_id}", &referral_id),
            ("{message_id}", &message_id),
            ("{visit_id}", &visit_id),
            ("{visit_inbox_id}", visit_inbox_id),
            ("{file_id}", &file_id),
            ("{form_submission_id}", &submission_id),
            ("{form_submission_field_id}", &field_id),
            ("{demand_persona_id}", &demand_org),
            ("{schema_id}", &schema_id),
        ];
        // A route about one of these resources ({schema_id} alone names none of them).
        if !params[..9].iter().any(|(p, _)| path.contains(p)) {
            continue;
        }
        let fill = |url: String, (p, id): &(&str, &str)| url.replace(p, id);
        let url = params.iter().fold(path.to_owned(), fill);
        // The sys_admin operations refuse every organization's token by role (the spec's
        // "Required role: sys_admin"), before looking at the resource.
        let by_role = path.starts_with("/offers/v1/sys_admin/");
        let expected = if by_role { 403 } else { 404 };
        // Outsiders of either kind, and the resource's other side.
        let outbox = path.contains("/outbox/");
        let other_side = if outbox { &supply_a } else { &demand };
        let ids = [&offer_id, &referral_id, &message_id, &file_id];
        let ids = ids
            .into_iter()
            .chain([&submission_id, &field_id, &schema_id, &visit_id]);
        for token in [&other_demand, &stranger, other_side] {
            let body = sample_body(handler);
            let r = t.call(method, &url, Some(token), body).await;
            let text = r.ok_as(expected, format!("{handler} {url}")).to_string();
            let leaks = ids.clone().any(|id| text.contains(id.as_str()));
            assert!(!leaks, "{handler}: the error leaks the resource: {text}");
        }
        checked += 1;
    }
    assert!(checked >= 28, "only {checked} operations were checked");
    t.assert_wrote_nothing(before).await;
}

/// Every Offers API `sys_admin` operation refuses an org_admin with a 403 ("Required role:
/// sys_admin"), shows no data and writes nothing; the sys_admin gets through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_offers_sys_admin_operation_refuses_participants() {
    let t = TestStack::start().await;
    let (demand, supply_a, _) = given::logins(&t).await.parties();
    let admin = t.login(&t.demo.sys_admin).await;
    let offer_id = create_offer(&t, &demand).await;
    let before = t.item_count().await;
    let mut checked = 0;
    for (handler, family, method, path) in t.routes() {
        if family != Family::AlayaMarket {
            continue;
        }
        if !path.starts_with("/offers/v1/sys_admin/") {
            continue;
        }
        let url = path
            .replace("{offer_id}", &offer_id)
            .replace("{referral_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{demand_persona_id}", devstack::seed::DEMAND_ORG);
        for token in [&demand, &supply_a] {
            let body = sample_body(handler);
            let r = t.call(method, &url, Some(token), body).await;
            let text = r.ok_as(403, format!("{handler} {url}")).to_string();
            let leaks = text.contains(&offer_id);
            assert!(!leaks, "{handler}: the refusal leaks data");
        }
        if method == "GET" {
            // Past the role check: a list may want a filter (400), an id may not exist (404).
            let r = t.call(method, &url, Some(&admin), None).await;
            let (status, body) = (r.status, r.body);
            let passed = status != 403 && status < 500;
            assert!(passed, "{handler} {url} as sys_admin: {status} {body:?}");
        }
        checked += 1;
    }
    let n = checked;
    assert!(n >= 11, "only {n} sys_admin operations were checked");
    t.assert_wrote_nothing(before).await;
}
