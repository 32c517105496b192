//! Sequences and message files: each side lists only its own threads, ordered by their latest
//! message; a message's file is visible to the sequence's two parties only, through metadata
//! and an expiring download URL; sys_admins read across organizations.

use platform_tests::TestStack;
use serde_json::{Value, json};

use crate::create_offer;
use crate::forms::{download, tampered};

async fn send(t: &TestStack, side: &str, token: &str, body: Value) -> Value {
    let r = t
        .call(
            "POST",
            &format!("/offers/v1/{side}/messages"),
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["message"].clone()
}

fn ids(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequences_list_only_the_callers_threads_and_files_reach_only_their_parties() {
    let t = TestStack::start_with(&[("DOWNLOAD_URL_TTL_SECONDS", "3")]).await;
    let org = |u: &devstack::seed::User| u.organization.as_ref().unwrap().id.to_string();
    let (demand_org, a_org, b_org) = (
        org(&t.demo.demand),
        org(&t.demo.supply_a),
        org(&t.demo.supply_b),
    );
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let supply_b = t.login(&t.demo.supply_b).await;
    let sys_admin = t.login(&t.demo.sys_admin).await;
    let offer_id = create_offer(&t, &demand).await;
    let seq_a = crate::sequence_of(&t, &offer_id, &supply_a).await;
    let seq_b = crate::sequence_of(&t, &offer_id, &supply_b).await;

    // Before any message, no thread is listed.
    let r = t
        .call("GET", "/offers/v1/outbox/sequences", Some(&demand), None)
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["total_items"], 0);

    // A: the demand writes, A replies with a file; then the demand writes to B.
    send(
        &t,
        "outbox",
        &demand,
        json!({"sequence_id": seq_a, "category": "comment", "text": "Can you start Monday?"}),
    )
    .await;
    let file_url = "https://files.example.com/consent.pdf";
    let reply = send(
        &t,
        "inbox",
        &supply_a,
        json!({"sequence_id": seq_a, "category": "client_attachment", "text": "Consent attached.",
            "file": {"url": file_url, "name": "consent.pdf", "size_in_bytes": 4821}}),
    )
    .await;
    let to_b = send(
        &t,
        "outbox",
        &demand,
        json!({"sequence_id": seq_b, "category": "comment", "text": "Are you available?"}),
    )
    .await;
    let file_id = reply["file"]["id"].as_str().unwrap().to_owned();

    // Concurrent messages in one thread all land and the summary keeps the latest of them
    // (each send retries when another moved the summary first).
    let burst = futures::future::join_all((0..3).map(|i| {
        let (t, demand, seq_b) = (&t, &demand, &seq_b);
        async move {
            send(
                t,
                "outbox",
                demand,
                json!({"sequence_id": seq_b, "category": "comment", "text": format!("Ping {i}")}),
            )
            .await
        }
    }))
    .await;
    let to_b = burst
        .into_iter()
        .chain([to_b])
        .max_by_key(|m| m["created_at"].as_str().unwrap().to_owned())
        .unwrap();
    let thread_b = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/messages?sequence_id={seq_b}"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(thread_b.body["total_items"], 4);

    // The demand sees both threads, latest message first; each supplier only its own.
    let outbox = t
        .call("GET", "/offers/v1/outbox/sequences", Some(&demand), None)
        .await;
    assert_eq!(outbox.status, 200, "{:?}", outbox.body);
    assert_eq!(ids(&outbox.body), [seq_b.as_str(), seq_a.as_str()]);
    let a_item = &outbox.body["items"][1];
    assert_eq!(a_item["latest_message_created_at"], reply["created_at"]);
    assert_eq!(a_item["supply"]["id"], a_org.as_str());
    assert_eq!(a_item["supply"]["name"], "Northern Care Partners");
    assert_eq!(a_item["offer"]["id"], offer_id.as_str());
    assert!(a_item["client"]["outbox_id"].is_string());
    assert_eq!(
        outbox.body["items"][0]["latest_message_created_at"],
        to_b["created_at"]
    );
    let asc = t
        .call(
            "GET",
            "/offers/v1/outbox/sequences?sort_order=asc",
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(ids(&asc.body), [seq_a.as_str(), seq_b.as_str()]);
    let inbox_a = t
        .call("GET", "/offers/v1/inbox/sequences", Some(&supply_a), None)
        .await;
    assert_eq!(inbox_a.status, 200, "{:?}", inbox_a.body);
    assert_eq!(ids(&inbox_a.body), [seq_a.as_str()]);
    assert_eq!(
        inbox_a.body["items"][0]["demand"]["id"],
        demand_org.as_str()
    );
    assert_eq!(
        inbox_a.body["items"][0]["latest_message_created_at"],
        reply["created_at"]
    );
    // The demand's own ids of the client and service are not the supplier's to see.
    assert!(
        inbox_a.body["items"][0]["client"]
            .get("outbox_id")
            .is_none()
    );
    let inbox_b = t
        .call("GET", "/offers/v1/inbox/sequences", Some(&supply_b), None)
        .await;
    assert_eq!(ids(&inbox_b.body), [seq_b.as_str()]);

    // Filters; another organization's sequence id simply matches nothing.
    for (token, query, expect) in [
        (
            &demand,
            format!("supply_persona_id={a_org}"),
            vec![seq_a.as_str()],
        ),
        (
            &demand,
            format!("sequence_id={seq_b}"),
            vec![seq_b.as_str()],
        ),
        (
            &demand,
            format!("sequence_id={seq_a}&sequence_id={seq_b}&sort_order=asc"),
            vec![seq_a.as_str(), seq_b.as_str()],
        ),
        (&demand, "client_outbox_id=nobody".to_owned(), vec![]),
    ] {
        let r = t
            .call(
                "GET",
                &format!("/offers/v1/outbox/sequences?{query}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{query}: {:?}", r.body);
        assert_eq!(ids(&r.body), expect, "{query}");
    }
    let r = t
        .call(
            "GET",
            &format!("/offers/v1/inbox/sequences?sequence_id={seq_a}"),
            Some(&supply_b),
            None,
        )
        .await;
    assert_eq!(r.body["total_items"], 0);
    let too_many: Vec<String> = (0..101)
        .map(|_| format!("sequence_id={}", uuid::Uuid::new_v4()))
        .collect();
    let r = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/sequences?{}", too_many.join("&")),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(r.status, 400);

    // The file: its parties read it, on their own side only; others get 404.
    for (side, token) in [("outbox", &demand), ("inbox", &supply_a)] {
        let r = t
            .call(
                "GET",
                &format!("/offers/v1/{side}/messages/files/{file_id}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{side}: {:?}", r.body);
        assert_eq!(r.body["name"], "consent.pdf");
        assert_eq!(r.body["size_in_bytes"], 4821);
    }
    for (side, token) in [
        ("inbox", &supply_b),
        ("inbox", &demand),
        ("outbox", &supply_a),
    ] {
        for suffix in ["", "/presigned"] {
            let r = t
                .call(
                    "GET",
                    &format!("/offers/v1/{side}/messages/files/{file_id}{suffix}"),
                    Some(token),
                    None,
                )
                .await;
            assert_eq!(r.status, 404, "{side}{suffix}: {:?}", r.body);
            assert!(!r.body.to_string().contains(file_url));
        }
    }
    // Each party's download URL leads to the file until it expires; a forged one nowhere.
    let mut urls = Vec::new();
    for (side, token) in [("outbox", &demand), ("inbox", &supply_a)] {
        let r = t
            .call(
                "GET",
                &format!("/offers/v1/{side}/messages/files/{file_id}/presigned"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let url = r.body["url"].as_str().unwrap().to_owned();
        assert!(
            !url.contains(file_url),
            "the URL is the platform's, not the file's"
        );
        assert_eq!(download(&url).await, (302, Some(file_url.to_owned())));
        urls.push(url);
    }
    assert_eq!(download(&tampered(&urls[0])).await.0, 403);

    // sys_admin: every organization's threads, a thread's messages, a message by its file.
    let r = t
        .call(
            "GET",
            &format!("/offers/v1/sys_admin/sequences?demand_persona_id={demand_org}"),
            Some(&sys_admin),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(ids(&r.body), [seq_b.as_str(), seq_a.as_str()]);
    assert_eq!(r.body["items"][0]["supply"]["id"], b_org.as_str());
    assert_eq!(r.body["items"][0]["demand"]["id"], demand_org.as_str());
    let all = t
        .call(
            "GET",
            "/offers/v1/sys_admin/sequences",
            Some(&sys_admin),
            None,
        )
        .await;
    assert_eq!(all.status, 200, "{:?}", all.body);
    assert_eq!(all.body["total_items"], 2);
    let msgs = t
        .call(
            "GET",
            &format!("/offers/v1/sys_admin/messages?sequence_id={seq_a}&sort_order=asc"),
            Some(&sys_admin),
            None,
        )
        .await;
    assert_eq!(msgs.status, 200, "{:?}", msgs.body);
    assert_eq!(msgs.body["total_items"], 2);
    assert_eq!(msgs.body["items"][1]["sender"]["id"], a_org.as_str());
    assert_eq!(
        msgs.body["items"][1]["recipient"]["id"],
        demand_org.as_str()
    );
    let by_file = t
        .call(
            "GET",
            &format!("/offers/v1/sys_admin/messages/by_file_id/{file_id}"),
            Some(&sys_admin),
            None,
        )
        .await;
    assert_eq!(by_file.status, 200, "{:?}", by_file.body);
    assert_eq!(by_file.body["message"]["id"], reply["id"]);
    assert_eq!(by_file.body["message"]["file"]["url"], file_url);
    assert_eq!(by_file.body["sender"]["name"], "Northern Care Partners");
    // The sys_admin operations are the role's alone.
    for path in [
        "/offers/v1/sys_admin/sequences".to_owned(),
        format!("/offers/v1/sys_admin/messages/by_file_id/{file_id}"),
    ] {
        let r = t.call("GET", &path, Some(&demand), None).await;
        assert_eq!(r.status, 403, "{path}: {:?}", r.body);
    }

    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    for url in &urls {
        assert_eq!(download(url).await.0, 403, "the URL has expired");
    }
}

/// A message's detail, when sent (`POST`) and when read (`GET …/messages/{id}`) from either
/// side, is the published `OrgAdminMessageDetailResponse`: the message with the organizations
/// that sent and received it (both were missing). The list items stay the published
/// `OrgAdminMessageCollectionResponse`, which has neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_detail_names_its_sender_and_recipient() {
    use platform_tests::published::assert_valid;
    const SPEC: &str = "openapi.offers.yaml";
    let t = TestStack::start().await;
    let lean = |u: &devstack::seed::User| {
        let org = u.organization.as_ref().unwrap();
        json!({"id": org.id.to_string(), "name": org.name})
    };
    let (demand_org, a_org) = (lean(&t.demo.demand), lean(&t.demo.supply_a));
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    let offer_id = create_offer(&t, &demand).await;
    let sequence = crate::sequence_of(&t, &offer_id, &supply_a).await;

    for (side, token, from, to) in [
        ("outbox", &demand, &demand_org, &a_org),
        ("inbox", &supply_a, &a_org, &demand_org),
    ] {
        let r = t
            .call(
                "POST",
                &format!("/offers/v1/{side}/messages"),
                Some(token),
                Some(json!({"sequence_id": sequence, "category": "comment", "text": "Hello"})),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        assert_valid(SPEC, "OrgAdminMessageDetailResponse", &r.body);
        assert_eq!((&r.body["sender"], &r.body["recipient"]), (from, to));
        let id = r.body["message"]["id"].as_str().unwrap().to_owned();
        for (reader, token) in [("outbox", &demand), ("inbox", &supply_a)] {
            let read = t
                .call(
                    "GET",
                    &format!("/offers/v1/{reader}/messages/{id}"),
                    Some(token),
                    None,
                )
                .await;
            assert_eq!(read.status, 200, "{:?}", read.body);
            assert_valid(SPEC, "OrgAdminMessageDetailResponse", &read.body);
            assert_eq!((&read.body["sender"], &read.body["recipient"]), (from, to));
        }
    }
    let list = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/messages?sequence_id={sequence}"),
            Some(&demand),
            None,
        )
        .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_valid(SPEC, "OrgAdminMessagePageResponse", &list.body);
    assert_eq!(list.body["total_items"], 2);
}

/// A message event names the referral its sequence belongs to: none before an offer is
/// assigned, the referral once it is, and the latest revision after a direct referral is
/// revised (the published payload's `referral_id`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_event_names_the_referral_of_its_sequence() {
    let t = TestStack::start().await;
    let supply_org = t.demo.supply_a.organization.as_ref().unwrap().id;
    let a_sub = platform_tests::Subscriber::new(&t, supply_org).await;
    let demand = t.login(&t.demo.demand).await;
    let supply_a = t.login(&t.demo.supply_a).await;
    // The referral id of each message event supplier A received, in the order sent.
    let heard = async || -> Vec<(String, Value)> {
        t.settle().await;
        let mut got: Vec<_> = a_sub
            .drain()
            .await
            .into_iter()
            .filter(|r| r.channel.as_str() == "inbox-messages")
            .map(|r| {
                (
                    r.payload["message_id"].as_str().unwrap().to_owned(),
                    r.payload["referral_id"].clone(),
                )
            })
            .collect();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        got
    };
    let say = async |sequence: &str| -> String {
        let body = json!({"sequence_id": sequence, "category": "comment", "text": "Hello"});
        send(&t, "outbox", &demand, body).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    // An offer's sequence: no referral until the offer is assigned to the supplier.
    let offer_id = create_offer(&t, &demand).await;
    let sequence = crate::sequence_of(&t, &offer_id, &supply_a).await;
    let before = say(&sequence).await;
    let accept = format!("/offers/v1/inbox/offers/{offer_id}/accept");
    let r = t.call("POST", &accept, Some(&supply_a), None).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let matches = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/offers/{offer_id}/matches?response=accepted"),
            Some(&demand),
            None,
        )
        .await;
    let match_id = matches.body["items"][0]["match"]["id"].clone();
    let assign = format!("/offers/v1/outbox/offers/{offer_id}/assign");
    let r = t
        .call(
            "POST",
            &assign,
            Some(&demand),
            Some(json!({"offer_match_id": match_id})),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let referrals = t
        .call(
            "GET",
            &format!("/offers/v1/outbox/referrals?offer_id={offer_id}"),
            Some(&demand),
            None,
        )
        .await;
    let referral_id = referrals.body["items"][0]["referral"]["id"].clone();
    assert!(referral_id.is_string(), "{:?}", referrals.body);
    let after = say(&sequence).await;
    let mut expected = vec![(before, Value::Null), (after, referral_id)];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(heard().await, expected);

    // A direct referral's sequence names the referral, then its latest revision.
    let created = crate::referrals::direct_referral(
        &t,
        &demand,
        crate::sample_body("offers.outbox.referrals.create").unwrap(),
    )
    .await;
    let first = created["referral"]["id"].clone();
    let sequence = created["referral"]["sequence_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let on_first = say(&sequence).await;
    let update = format!(
        "/offers/v1/outbox/referrals/{}/update",
        first.as_str().unwrap()
    );
    let revised = t
        .call(
            "POST",
            &update,
            Some(&demand),
            Some(crate::sample_body("offers.outbox.referrals.update").unwrap()),
        )
        .await;
    assert_eq!(revised.status, 201, "{:?}", revised.body);
    let second = revised.body["referral"]["id"].clone();
    let on_second = say(&sequence).await;
    let mut expected = vec![(on_first, first), (on_second, second)];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(heard().await, expected);
}
