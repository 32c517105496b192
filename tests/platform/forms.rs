//! Forms: a demand publishes versioned templates (its trusted suppliers hear of each and read
//! the latest, nobody else does), the supplier holding a referral submits a form about its
//! service (the demand hears of it, reads it, and downloads its attachment through an expiring
//! URL).

use platform_tests::{Subscriber, TestStack};
use serde_json::{Value, json};

use crate::create_offer;

/// The sample body of the publication route (three fields: a required boolean, an optional
/// string and an optional attachment), under `schema`.
fn template_body(schema: &str) -> Value {
    let path = devstack::repo_root().join("events/offers.outbox.form_templates.publish.json");
    let event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
    body["schema_id"] = json!(schema);
    body
}

/// A client that shows redirects instead of following them.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Follows a download URL once: `(status, Location)`.
pub async fn download(url: &str) -> (u16, Option<String>) {
    let r = no_redirects().get(url).send().await.unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (r.status().as_u16(), location)
}

/// A download URL with its signature broken (the last character of the token changed).
pub fn tampered(url: &str) -> String {
    let mut s = url.to_owned();
    let last = s.pop().unwrap();
    s.push(if last == 'A' { 'B' } else { 'A' });
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_supplier_reads_the_latest_form_and_its_submission_reaches_the_demand() {
    let t = TestStack::start_with(&[("DOWNLOAD_URL_TTL_SECONDS", "3")]).await;
    let org = |u: &devstack::seed::User| u.organization.as_ref().unwrap().id;
    let (demand_org, a_org) = (org(&t.demo.demand), org(&t.demo.supply_a));
    // A supplier outside the demand's trusted network.
    let stranger_org = devstack::seed::supply_org(
        shared::ids::OrgId::new(),
        "Stranger",
        &[shared::api::common::CareType::Psw],
    );
    t.stack.put_org(&stranger_org).await.unwrap();
    let stranger_user = t
        .stack
        .create_user(
            "stranger@example.com",
            "Stranger-Passw0rd!",
            "Stranger",
            "org_admin",
            Some(&stranger_org),
        )
        .await
        .unwrap();
    let demand_sub = Subscriber::new(&t, demand_org).await;
    let a_sub = Subscriber::new(&t, a_org).await;
    let b_sub = Subscriber::new(&t, org(&t.demo.supply_b)).await;
    let stranger_sub = Subscriber::new(&t, stranger_org.id).await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let supply_b = t.login(&t.demo.supply_b).await;
    let stranger = t.login(&stranger_user).await;

    // Two versions of one schema: "latest" is the second.
    let schema = uuid::Uuid::new_v4().to_string();
    let mut versions = Vec::new();
    for _ in 0..2 {
        let r = t
            .call(
                "POST",
                "/offers/v1/outbox/form_templates",
                Some(&demand),
                Some(template_body(&schema)),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        versions.push(r.body);
    }
    assert_eq!(versions[0]["schema_version"], 1);
    assert_eq!(versions[1]["schema_version"], 2);
    let latest_path = format!(
        "/offers/v1/inbox/form_templates/by_demand_persona_id/{demand_org}/by_schema_id/{schema}/latest"
    );
    let latest = t.call("GET", &latest_path, Some(&supply_a), None).await;
    assert_eq!(latest.status, 200, "{:?}", latest.body);
    assert_eq!(
        latest.body["form_template_id"],
        versions[1]["form_template_id"]
    );
    assert_eq!(latest.body["schema_version"], 2);
    assert_eq!(latest.body["demand_persona_id"], demand_org.to_string());
    assert_eq!(latest.body["fields"].as_array().unwrap().len(), 3);
    // Not in the trusted network: as if the form did not exist. An unknown schema is 404 too.
    let r = t.call("GET", &latest_path, Some(&stranger), None).await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    assert!(!r.body.to_string().contains(&schema));
    let unknown = latest_path.replace(&schema, &uuid::Uuid::new_v4().to_string());
    assert_eq!(
        t.call("GET", &unknown, Some(&supply_a), None).await.status,
        404
    );

    t.settle().await;
    for sub in [&a_sub, &b_sub] {
        let got = sub.drain().await;
        assert_eq!(got.len(), 2, "one event per version");
        for e in &got {
            assert_eq!(e.channel.as_str(), "inbox-form-templates");
            assert_eq!(e.name(), "FormTemplateDemandPublished");
            assert_eq!(e.payload["demand_persona_id"], demand_org.to_string());
            assert_eq!(e.payload["schema_id"], schema.as_str());
        }
    }
    assert!(stranger_sub.drain().await.is_empty());
    assert!(demand_sub.drain().await.is_empty());

    // Supplier A holds a referral; a form about its service.
    let r = t
        .call(
            "POST",
            "/offers/v1/demand_personas/settings/assignment",
            Some(&demand),
            Some(json!({"offer_assignment": "auto"})),
        )
        .await;
    assert_eq!(r.status, 204);
    let offer_id = create_offer(&t, &demand).await;
    let r = t
        .call(
            "POST",
            &format!("/offers/v1/inbox/offers/{offer_id}/accept"),
            Some(&supply_a),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let referrals = t
        .call("GET", "/offers/v1/outbox/referrals", Some(&demand), None)
        .await;
    let referral_id = referrals.body["items"][0]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let service_id = referrals.body["items"][0]["service"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.settle().await;
    for s in [&demand_sub, &a_sub, &b_sub] {
        s.drain().await;
    }

    let fields = &latest.body["fields"];
    let field = |i: usize| fields[i]["field_id"].as_str().unwrap().to_owned();
    let attachment = "https://files.example.com/signed-care-plan.pdf";
    let body = json!({
        "form_template_id": latest.body["form_template_id"],
        "service_id": service_id,
        "fields": [
            {"field_id": field(0), "value_type": "boolean", "value": "true"},
            {"field_id": field(2), "value_type": "attachment", "value": attachment},
        ],
        "hidden_fields": [{"field_id": field(1)}],
    });
    // Supplier B holds no referral for this service; the rules of the template hold.
    let r = t
        .call(
            "POST",
            "/offers/v1/inbox/form_submissions",
            Some(&supply_b),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    let mut wrong_type = body.clone();
    wrong_type["fields"][0]["value"] = json!("yes");
    let mut no_subject = body.clone();
    no_subject.as_object_mut().unwrap().remove("service_id");
    for bad in [wrong_type, no_subject] {
        let r = t
            .call(
                "POST",
                "/offers/v1/inbox/form_submissions",
                Some(&supply_a),
                Some(bad),
            )
            .await;
        assert_eq!(r.status, 422, "{:?}", r.body);
    }
    let created = t
        .call(
            "POST",
            "/offers/v1/inbox/form_submissions",
            Some(&supply_a),
            Some(body),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let submission_id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["service_id"], service_id.as_str());
    assert_eq!(created.body["fields"][1]["value"], attachment);

    // A form about a visit supplier A scheduled on the referral (supplier B holds none).
    let scheduled = t
        .call(
            "POST",
            "/offers/v1/inbox/visits/schedule",
            Some(&supply_a),
            Some(
                json!({"referral_id": referral_id, "inbox_id": "forms-visit-1",
                "start_at": "2030-01-15T09:00:00Z", "end_at": "2030-01-15T10:00:00Z"}),
            ),
        )
        .await;
    assert_eq!(scheduled.status, 201, "{:?}", scheduled.body);
    let visit_id = scheduled.body["id"].as_str().unwrap().to_owned();
    let visit_body = json!({
        "form_template_id": latest.body["form_template_id"],
        "visit_id": visit_id,
        "fields": [{"field_id": field(0), "value_type": "boolean", "value": "false"}],
        "hidden_fields": [],
    });
    let r = t
        .call(
            "POST",
            "/offers/v1/inbox/form_submissions",
            Some(&supply_b),
            Some(visit_body.clone()),
        )
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    let by_visit = t
        .call(
            "POST",
            "/offers/v1/inbox/form_submissions",
            Some(&supply_a),
            Some(visit_body),
        )
        .await;
    assert_eq!(by_visit.status, 201, "{:?}", by_visit.body);
    assert_eq!(by_visit.body["visit_id"], visit_id.as_str());
    assert!(by_visit.body.get("service_id").is_none());

    t.settle().await;
    let (visit_events, mut got): (Vec<_>, Vec<_>) = demand_sub
        .drain()
        .await
        .into_iter()
        .partition(|e| e.channel.as_str() == "outbox-visits");
    assert_eq!(visit_events.len(), 1);
    assert_eq!(visit_events[0].name(), "VisitSupplyScheduled");
    assert_eq!(got.len(), 2);
    got.sort_by_key(|e| e.payload.get("visit_id").is_some());
    assert_eq!(got[1].payload["visit_id"], visit_id.as_str());
    assert_eq!(got[1].payload["form_submission_id"], by_visit.body["id"]);
    assert_eq!(got[0].channel.as_str(), "outbox-form-submissions");
    assert_eq!(got[0].name(), "FormSubmissionSupplyApproved");
    assert_eq!(got[0].payload["form_submission_id"], submission_id.as_str());
    assert_eq!(got[0].payload["referral_id"], referral_id.as_str());
    assert_eq!(got[0].payload["service_id"], service_id.as_str());
    for s in [&a_sub, &b_sub, &stranger_sub] {
        assert!(s.drain().await.is_empty());
    }

    // The demand reads the submission in its own ids.
    let detail = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/form_submissions/{submission_id}"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(detail.status, 200, "{:?}", detail.body);
    assert_eq!(detail.body["form_template_outbox_id"], "4101");
    assert_eq!(detail.body["service_id"], service_id.as_str());
    let outbox_fields = detail.body["fields"].as_array().unwrap();
    assert_eq!(outbox_fields[0]["field_outbox_id"], "1");
    assert_eq!(outbox_fields[1]["field_outbox_id"], "3");
    assert_eq!(detail.body["hidden_fields"][0]["field_outbox_id"], "2");
    let attachment_field = outbox_fields[1]["id"].as_str().unwrap().to_owned();

    // The attachment's download URL works for the demand, and only until it expires.
    let presigned = format!(
        "/offers/v1/outbox/form_submissions/fields/{attachment_field}/attachment/presigned"
    );
    let r = t.call("GET", &presigned, Some(&demand), None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let url = r.body["url"].as_str().unwrap().to_owned();
    assert_eq!(download(&url).await, (302, Some(attachment.to_owned())));
    assert_eq!(download(&tampered(&url)).await.0, 403);
    // Not the demand's field: supplier A (its author) and supplier B get 404 from the outbox.
    for token in [&supply_a, &supply_b] {
        assert_eq!(
            t.call("GET", &presigned, Some(token), None).await.status,
            404
        );
    }
    // A plain field has no attachment to download.
    let plain = outbox_fields[0]["id"].as_str().unwrap();
    let r = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/form_submissions/fields/{plain}/attachment/presigned"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    assert_eq!(download(&url).await.0, 403, "the URL has expired");
}
