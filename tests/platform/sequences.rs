//! Sequences and message files: each side lists only its own threads, ordered by their latest
//! message; a message's file is visible to the sequence's two parties only, through metadata
//! and an expiring download URL; sys_admins read across organizations.

use futures::future::join_all;
use platform_tests::client::Side::{self, Inbox, Outbox};
use platform_tests::downloads::{download, no_redirects, redirect, tampered};
use platform_tests::given::{self, comment, referral_body, revision_body, text};
use platform_tests::{TestStack, assert_fields};
use serde_json::{Value, json};

/// The message the holder of `token` sends on `side`.
async fn send(t: &TestStack, side: Side, token: &str, body: Value) -> Value {
    t.messages(token).send(side, body).await.ok(201)["message"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequences_list_only_the_callers_threads_and_files_reach_only_their_parties() {
    let t = TestStack::start_with(&[("DOWNLOAD_URL_TTL_SECONDS", "3")]).await;
    let org = |u| given::org(u).to_string();
    let demand_org = org(&t.demo.demand);
    let (a_org, b_org) = (org(&t.demo.supply_a), org(&t.demo.supply_b));
    let logins = given::logins(&t).await;
    let sys_admin = logins.sys_admin.clone();
    let (demand, supply_a, supply_b) = logins.parties();
    let offer_id = given::offer(&t, &demand).await;
    let seq_a = given::sequence(&t, &offer_id, &supply_a).await;
    let seq_b = given::sequence(&t, &offer_id, &supply_b).await;

    // Before any message, no thread is listed.
    let d = t.messages(&demand);
    assert_eq!(d.sequences(Outbox, "").await.ok(200)["total_items"], 0);

    // A: the demand writes, A replies with a file; then the demand writes to B.
    let monday = comment(&seq_a, "Can you start Monday?");
    send(&t, Outbox, &demand, monday).await;
    let file_url = "https://files.example.com/consent.pdf";
    let consent = json!({"sequence_id": seq_a, "category": "client_attachment",
        "text": "Consent attached.",
        "file": {"url": file_url, "name": "consent.pdf", "size_in_bytes": 4821}});
    let reply = send(&t, Inbox, &supply_a, consent).await;
    let to_b = send(&t, Outbox, &demand, comment(&seq_b, "Are you available?")).await;
    let file_id = text(&reply["file"]["id"]);

    // Concurrent messages in one thread all land and the summary keeps the latest of them
    // (each send retries when another moved the summary first).
    let pings = (0..3).map(|i| send(&t, Outbox, &demand, comment(&seq_b, &format!("Ping {i}"))));
    let burst = join_all(pings).await;
    let latest = |m: &Value| text(&m["created_at"]);
    let to_b = burst.into_iter().chain([to_b]).max_by_key(latest).unwrap();
    let thread_b = d.list(Outbox, &format!("sequence_id={seq_b}")).await;
    let thread_b = thread_b.ok(200);
    assert_eq!(thread_b["total_items"], 4);

    // The demand sees both threads, latest message first; each supplier only its own.
    let outbox = d.sequences(Outbox, "").await.ok(200);
    assert_eq!(given::ids(&outbox), [seq_b.as_str(), seq_a.as_str()]);
    let a_item = &outbox["items"][1];
    assert_eq!(a_item["latest_message_created_at"], reply["created_at"]);
    assert_fields!(a_item, {"supply": {"id": a_org, "name": "Northern Care Partners"},
        "offer": {"id": offer_id}});
    assert!(a_item["client"]["outbox_id"].is_string());
    let latest = &outbox["items"][0]["latest_message_created_at"];
    assert_eq!(latest, &to_b["created_at"]);
    let asc = d.sequences(Outbox, "sort_order=asc").await.ok(200);
    assert_eq!(given::ids(&asc), [seq_a.as_str(), seq_b.as_str()]);
    let inbox_a = t.messages(&supply_a).sequences(Inbox, "").await.ok(200);
    assert_eq!(given::ids(&inbox_a), [seq_a.as_str()]);
    assert_eq!(inbox_a["items"][0]["demand"]["id"], demand_org.as_str());
    let latest = &inbox_a["items"][0]["latest_message_created_at"];
    assert_eq!(latest, &reply["created_at"]);
    // The demand's own ids of the client and service are not the supplier's to see.
    assert!(inbox_a["items"][0]["client"].get("outbox_id").is_none());
    let inbox_b = t.messages(&supply_b).sequences(Inbox, "").await.ok(200);
    assert_eq!(given::ids(&inbox_b), [seq_b.as_str()]);

    // Filters; another organization's sequence id simply matches nothing.
    let both = format!("sequence_id={seq_a}&sequence_id={seq_b}&sort_order=asc");
    for (query, expect) in [
        (format!("supply_persona_id={a_org}"), vec![seq_a.as_str()]),
        (format!("sequence_id={seq_b}"), vec![seq_b.as_str()]),
        (both, vec![seq_a.as_str(), seq_b.as_str()]),
        ("client_outbox_id=nobody".to_owned(), vec![]),
    ] {
        let r = d.sequences(Outbox, &query).await.ok(200);
        assert_eq!(given::ids(&r), expect, "{query}");
    }
    let query = format!("sequence_id={seq_a}");
    let b = t.messages(&supply_b);
    b.sequences(Inbox, &query).await.counted(0);
    let too_many: Vec<String> = (0..101)
        .map(|_| format!("sequence_id={}", uuid::Uuid::new_v4()))
        .collect();
    d.sequences(Outbox, &too_many.join("&")).await.ok(400);

    // The file: its parties get it, through a redirect to its signed download URL (never the
    // file's own location), on their own side only; others get 404.
    for (side, token) in [(Outbox, &demand), (Inbox, &supply_a)] {
        let (status, location) = file_redirect(&t, side, token, &file_id).await;
        assert_eq!(status, 302, "{side}");
        let location = location.expect("a Location");
        assert!(!location.contains(file_url), "{side}: {location}");
        assert_eq!(download(&location).await, (302, Some(file_url.to_owned())));
    }
    for (side, token) in [(Inbox, &supply_b), (Inbox, &demand), (Outbox, &supply_a)] {
        let messages = t.messages(token);
        for (suffix, r) in [
            ("", messages.file(side, &file_id).await),
            ("/presigned", messages.presigned(side, &file_id).await),
        ] {
            let body = r.ok_as(404, format!("{side}{suffix}"));
            assert!(!body.to_string().contains(file_url));
        }
    }
    // Each party's download URL leads to the file until it expires; a forged one nowhere.
    let mut urls = Vec::new();
    for (side, token) in [(Outbox, &demand), (Inbox, &supply_a)] {
        let r = t.messages(token).presigned(side, &file_id).await.ok(200);
        let url = text(&r["url"]);
        let why = "the URL is the platform's, not the file's";
        assert!(!url.contains(file_url), "{why}");
        assert_eq!(download(&url).await, (302, Some(file_url.to_owned())));
        urls.push(url);
    }
    assert_eq!(download(&tampered(&urls[0])).await.0, 403);

    // sys_admin: every organization's threads, a thread's messages, a message by its file.
    let admin = t.sys_admin(&sys_admin);
    let query = format!("demand_persona_id={demand_org}");
    let r = admin.sequences(&query).await.ok(200);
    assert_eq!(given::ids(&r), [seq_b.as_str(), seq_a.as_str()]);
    assert_eq!(r["items"][0]["supply"]["id"], b_org.as_str());
    assert_eq!(r["items"][0]["demand"]["id"], demand_org.as_str());
    admin.sequences("").await.counted(2);
    let query = format!("sequence_id={seq_a}&sort_order=asc");
    let msgs = admin.messages(&query).await.counted(2);
    assert_eq!(msgs["items"][1]["sender"]["id"], a_org.as_str());
    assert_eq!(msgs["items"][1]["recipient"]["id"], demand_org.as_str());
    let by_file = admin.message_by_file(&file_id).await.ok(200);
    assert_eq!(by_file["message"]["id"], reply["id"]);
    assert_eq!(by_file["message"]["file"]["url"], file_url);
    assert_eq!(by_file["sender"]["name"], "Northern Care Partners");
    // The sys_admin operations are the role's alone.
    let not_admin = t.sys_admin(&demand);
    not_admin.sequences("").await.ok_as(403, "sequences");
    let by_file = not_admin.message_by_file(&file_id).await;
    by_file.ok_as(403, "by file");

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
    let (demand, supply_a, _) = given::logins(&t).await.parties();
    let offer_id = given::offer(&t, &demand).await;
    let sequence = given::sequence(&t, &offer_id, &supply_a).await;

    for (side, token, from, to) in [
        (Outbox, &demand, &demand_org, &a_org),
        (Inbox, &supply_a, &a_org, &demand_org),
    ] {
        let hello = comment(&sequence, "Hello");
        let sent = t.messages(token).send(side, hello).await.ok(201);
        assert_valid(SPEC, "OrgAdminMessageDetailResponse", &sent);
        assert_eq!((&sent["sender"], &sent["recipient"]), (from, to));
        let id = text(&sent["message"]["id"]);
        for (reader, token) in [(Outbox, &demand), (Inbox, &supply_a)] {
            let read = t.messages(token).get(reader, &id).await.ok(200);
            assert_valid(SPEC, "OrgAdminMessageDetailResponse", &read);
            assert_eq!((&read["sender"], &read["recipient"]), (from, to));
        }
    }
    let query = format!("sequence_id={sequence}");
    let list = t.messages(&demand).list(Outbox, &query).await.ok(200);
    assert_valid(SPEC, "OrgAdminMessagePageResponse", &list);
    assert_eq!(list["total_items"], 2);
}

/// A message event names the referral its sequence belongs to: none before an offer is
/// assigned, the referral once it is, and the latest revision after a direct referral is
/// revised (the published payload's `referral_id`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_event_names_the_referral_of_its_sequence() {
    let t = TestStack::start().await;
    let a_sub = given::subscriber(&t, &t.demo.supply_a).await;
    let logins = given::logins(&t).await;
    let (demand, supply_a) = (&logins.demand, &logins.supply_a);
    // The referral id of each message event supplier A received, in the order sent.
    let heard = async || -> Vec<(String, Value)> {
        t.settle().await;
        let got = a_sub.drain().await.into_iter();
        let messages = got.filter(|r| r.channel.as_str() == "inbox-messages");
        let id = |r: &platform_tests::Received| text(&r.payload["message_id"]);
        let about = |r| (id(&r), r.payload["referral_id"].clone());
        let mut got: Vec<_> = messages.map(about).collect();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        got
    };
    let say = async |sequence: &str| -> String {
        text(&send(&t, Outbox, demand, comment(sequence, "Hello")).await["id"])
    };

    // An offer's sequence: no referral until the offer is assigned to the supplier.
    let offer_id = given::offer(&t, demand).await;
    let sequence = given::sequence(&t, &offer_id, supply_a).await;
    let before = say(&sequence).await;
    let referral_id = given::accepted_and_assigned(&t, &logins, &offer_id, supply_a).await;
    let after = say(&sequence).await;
    let mut expected = vec![(before, Value::Null), (after, json!(referral_id))];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(heard().await, expected);

    // A direct referral's sequence names the referral, then its latest revision.
    let created = given::direct_referral(&t, demand, referral_body()).await;
    let first = created["referral"]["id"].clone();
    let sequence = text(&created["referral"]["sequence_id"]);
    let on_first = say(&sequence).await;
    let first_id = text(&first);
    let revised = t.referrals(demand).update(&first_id, revision_body());
    let revised = revised.await.ok(201);
    let second = revised["referral"]["id"].clone();
    let on_second = say(&sequence).await;
    let mut expected = vec![(on_first, first), (on_second, second)];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(heard().await, expected);
}

/// `GET /offers/v1/{side}/messages/files/{file_id}` as the holder of `token`, without
/// following the redirect: the status and the `Location`.
async fn file_redirect(
    t: &TestStack,
    side: Side,
    token: &str,
    file_id: &str,
) -> (u16, Option<String>) {
    let url = format!("{}/offers/v1/{side}/messages/files/{file_id}", t.base);
    redirect(no_redirects().get(url).header("Authorization", token)).await
}
