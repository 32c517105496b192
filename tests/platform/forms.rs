//! Forms: a demand publishes versioned templates (its trusted suppliers hear of each and read
//! the latest, nobody else does), the supplier holding a referral submits a form about its
//! service (the demand hears of it, reads it, and downloads its attachment through an expiring
//! URL).

use platform_tests::client::NO_BODY;
use platform_tests::downloads::{download, tampered};
use platform_tests::given::{self, text};
use platform_tests::{Subscriber, TestStack, assert_fields};
use serde_json::{Value, json};

use crate::{create_offer, sample_body};

/// The sample body of the publication route (three fields: a required boolean, an optional
/// string and an optional attachment), under `schema`.
fn template_body(schema: &str) -> Value {
    let body = sample_body("offers.outbox.form_templates.publish").unwrap();
    given::with(&body, "schema_id", schema)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_supplier_reads_the_latest_form_and_its_submission_reaches_the_demand() {
    let t = TestStack::start_with(&[("DOWNLOAD_URL_TTL_SECONDS", "3")]).await;
    // A supplier outside the demand's trusted network.
    let (stranger_org, stranger) = given::stranger(&t).await;
    let subs = given::subscribers(&t).await;
    let stranger_sub = Subscriber::new(&t, stranger_org.id).await;
    let (demand, supply_a, supply_b) = given::logins(&t).await.parties();

    // Two versions of one schema: "latest" is the second.
    let schema = uuid::Uuid::new_v4().to_string();
    let mut versions = Vec::new();
    for _ in 0..2 {
        let template = template_body(&schema);
        versions.push(t.forms(&demand).publish_template(template).await.ok(201));
    }
    assert_eq!(versions[0]["schema_version"], 1);
    assert_eq!(versions[1]["schema_version"], 2);
    let demand_persona = subs.demand.org.to_string();
    let (a, outsider) = (t.forms(&supply_a), t.forms(&stranger));
    let latest = a.latest_template(&demand_persona, &schema).await.ok(200);
    assert_eq!(latest["form_template_id"], versions[1]["form_template_id"]);
    assert_fields!(latest, {"schema_version": 2, "demand_persona_id": demand_persona});
    assert_eq!(latest["fields"].as_array().unwrap().len(), 3);
    // Not in the trusted network: as if the form did not exist. An unknown schema is 404 too.
    let r = outsider.latest_template(&demand_persona, &schema).await;
    assert!(!r.ok(404).to_string().contains(&schema));
    let unknown = uuid::Uuid::new_v4().to_string();
    a.latest_template(&demand_persona, &unknown).await.ok(404);

    t.settle().await;
    for sub in [&subs.a, &subs.b] {
        let got = sub.drain().await;
        assert_eq!(got.len(), 2, "one event per version");
        for e in &got {
            assert_eq!(e.channel.as_str(), "inbox-form-templates");
            assert_eq!(e.name(), "FormTemplateDemandPublished");
            assert_fields!(e.payload, {"demand_persona_id": demand_persona, "schema_id": schema});
        }
    }
    assert!(stranger_sub.drain().await.is_empty());
    assert!(subs.demand.drain().await.is_empty());

    // Supplier A holds a referral; a form about its service.
    given::auto_assignment(&t, &demand).await;
    let offer_id = create_offer(&t, &demand).await;
    t.offers(&supply_a).accept(&offer_id, NO_BODY).await.ok(204);
    let referrals = t.referrals(&demand).outbox_list("").await;
    let referral_id = text(&referrals.body["items"][0]["referral"]["id"]);
    let service_id = text(&referrals.body["items"][0]["service"]["id"]);
    t.settle().await;
    subs.clear().await;

    let fields = &latest["fields"];
    let field = |i: usize| text(&fields[i]["field_id"]);
    let attachment = "https://files.example.com/signed-care-plan.pdf";
    let body = json!({
        "form_template_id": latest["form_template_id"],
        "service_id": service_id,
        "fields": [
            {"field_id": field(0), "value_type": "boolean", "value": "true"},
            {"field_id": field(2), "value_type": "attachment", "value": attachment},
        ],
        "hidden_fields": [{"field_id": field(1)}],
    });
    // Supplier B holds no referral for this service; the rules of the template hold.
    t.forms(&supply_b).submit(body.clone()).await.ok(404);
    let wrong_type = given::with(&body, "fields.0.value", "yes");
    let no_subject = given::without(&body, "service_id");
    for bad in [wrong_type, no_subject] {
        a.submit(bad).await.ok(422);
    }
    let created = a.submit(body).await.ok(201);
    let submission_id = text(&created["id"]);
    assert_eq!(created["service_id"], service_id.as_str());
    assert_eq!(created["fields"][1]["value"], attachment);

    // A form about a visit supplier A scheduled on the referral (supplier B holds none).
    let visit_id = given::scheduled_visit(&t, &supply_a, &referral_id, "forms-visit-1").await;
    let visit_body = json!({
        "form_template_id": latest["form_template_id"],
        "visit_id": visit_id,
        "fields": [{"field_id": field(0), "value_type": "boolean", "value": "false"}],
        "hidden_fields": [],
    });
    t.forms(&supply_b).submit(visit_body.clone()).await.ok(404);
    let by_visit = a.submit(visit_body).await.ok(201);
    assert_eq!(by_visit["visit_id"], visit_id.as_str());
    assert!(by_visit.get("service_id").is_none());

    t.settle().await;
    let got = subs.demand.drain().await.into_iter();
    let (visit_events, mut got): (Vec<_>, Vec<_>) =
        got.partition(|e| e.channel.as_str() == "outbox-visits");
    assert_eq!(visit_events.len(), 1);
    assert_eq!(visit_events[0].name(), "VisitSupplyScheduled");
    assert_eq!(got.len(), 2);
    got.sort_by_key(|e| e.payload.get("visit_id").is_some());
    assert_eq!(got[1].payload["visit_id"], visit_id.as_str());
    assert_eq!(got[1].payload["form_submission_id"], by_visit["id"]);
    assert_eq!(got[0].channel.as_str(), "outbox-form-submissions");
    assert_eq!(got[0].name(), "FormSubmissionSupplyApproved");
    assert_fields!(got[0].payload, {"form_submission_id": submission_id, "referral_id": referral_id,
        "service_id": service_id});
    for s in [&subs.a, &subs.b, &stranger_sub] {
        assert!(s.drain().await.is_empty());
    }

    // The demand reads the submission in its own ids.
    let detail = t.forms(&demand).submission(&submission_id).await.ok(200);
    assert_fields!(detail, {"form_template_outbox_id": "4101", "service_id": service_id});
    let outbox_fields = detail["fields"].as_array().unwrap();
    assert_eq!(outbox_fields[0]["field_outbox_id"], "1");
    assert_eq!(outbox_fields[1]["field_outbox_id"], "3");
    assert_eq!(detail["hidden_fields"][0]["field_outbox_id"], "2");
    let attachment_field = text(&outbox_fields[1]["id"]);

    // The attachment's download URL works for the demand, and only until it expires.
    let r = t.forms(&demand).attachment_url(&attachment_field).await;
    let url = text(&r.ok(200)["url"]);
    assert_eq!(download(&url).await, (302, Some(attachment.to_owned())));
    assert_eq!(download(&tampered(&url)).await.0, 403);
    // Not the demand's field: supplier A (its author) and supplier B get 404 from the outbox.
    for token in [&supply_a, &supply_b] {
        let url = t.forms(token).attachment_url(&attachment_field).await;
        url.ok(404);
    }
    // A plain field has no attachment to download.
    let plain = text(&outbox_fields[0]["id"]);
    t.forms(&demand).attachment_url(&plain).await.ok(404);
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    assert_eq!(download(&url).await.0, 403, "the URL has expired");
}
