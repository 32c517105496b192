//! Lists read one page at a time (issue 16): the offers lists on both sides (unfiltered or of
//! one status) and both default referral lists read one page of their index and take
//! `total_items` from counts.
//! Both ways of paging reach every item once, in the same order: `page`, and the
//! `next_page_token` of each page (this platform's extension, passed back as `page_token`).

use std::future::Future;

use platform_tests::given::{self, referral_body, revision_body, text};
use platform_tests::harness::Item;
use platform_tests::{Response, TestStack};
use serde_json::Value;

/// A list's items (their ids, read by `id`) by `page` and by `page_token`, pages of two:
/// checks they agree and that `total_items` is `total` throughout; the items once each.
async fn pages_both_ways<F, Fut>(
    list: F,
    order: &str,
    total: u64,
    id: fn(&Value) -> String,
) -> Vec<String>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Response>,
{
    let base = format!("items_per_page=2&sort_order={order}");
    let pages = total.div_ceil(2);
    let mut by_page = Vec::new();
    for page in 1..=pages {
        let r = list(format!("{base}&page={page}")).await.counted(total);
        assert_eq!(r["total_pages"], pages);
        by_page.extend(r["items"].as_array().unwrap().iter().map(id));
    }
    let first = list(base.clone()).await.ok(200);
    let mut by_token: Vec<String> = first["items"].as_array().unwrap().iter().map(id).collect();
    let mut token = first["next_page_token"].as_str().map(str::to_owned);
    while let Some(t) = token {
        let r = list(format!("{base}&page_token={t}")).await.ok(200);
        by_token.extend(r["items"].as_array().unwrap().iter().map(id));
        token = r["next_page_token"].as_str().map(str::to_owned);
    }
    assert_eq!(by_page, by_token, "{order}: both ways, the same sequence");
    let mut once = by_page.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len() as u64, total, "{order}: every item once");
    by_page
}

fn ids(page: &Value) -> Vec<String> {
    let items = page["items"].as_array().unwrap();
    items.iter().map(|o| text(&o["offer"]["id"])).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_and_inbox_lists_page_by_page_and_by_page_token_alike() {
    let t = TestStack::start().await;
    let (demand, supply_a, _) = given::logins(&t).await.parties();
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(given::offer(&t, &demand).await);
    }
    let offers = t.offers(&demand);

    let id = |o: &Value| text(&o["offer"]["id"]);
    for order in ["desc", "asc"] {
        let list = move |q: String| async move { offers.outbox_list(&q).await };
        let by_page = pages_both_ways(list, order, 5, id).await;
        let mut expected = created.clone();
        if order == "desc" {
            expected.reverse();
        }
        assert_eq!(by_page, expected, "{order}: by last modification");
    }

    // A page past the end is empty; a token is refused with other paging, with a filter or
    // when it is not one the API issued.
    let past = offers.outbox_list("items_per_page=2&page=9").await.ok(200);
    assert!(ids(&past).is_empty());
    assert!(past.get("next_page_token").is_none());
    let first = offers.outbox_list("items_per_page=2").await.ok(200);
    let token = first["next_page_token"].as_str().unwrap();
    for query in [
        format!("items_per_page=3&page_token={token}"),
        format!("items_per_page=2&sort_order=asc&page_token={token}"),
        format!("items_per_page=2&status=open&page_token={token}"),
        "items_per_page=2&page_token=bm90LWEtdG9rZW4".to_owned(),
    ] {
        offers.outbox_list(&query).await.ok(400);
    }
    // A modification moves an offer to the front of the default (newest first) order.
    let oldest = &created[0];
    let close = serde_json::json!({"reason_code": "client_request"});
    offers.close(oldest, close).await.ok(204);
    let now_first = offers.outbox_list("items_per_page=1").await.ok(200);
    let first = ids(&now_first);
    assert_eq!(first, std::slice::from_ref(oldest), "last modified first");

    // The list of one status pages both ways too, from its own index partition.
    for id in &created[1..3] {
        let close = serde_json::json!({"reason_code": "client_request"});
        offers.close(id, close).await.ok(204);
    }
    let closed =
        move |q: String| async move { offers.outbox_list(&format!("{q}&status=closed")).await };
    let by_page = pages_both_ways(closed, "asc", 3, id).await;
    let closed_ones = [oldest.clone(), created[1].clone(), created[2].clone()];
    assert_eq!(by_page, closed_ones);
    offers.outbox_list("status=open").await.counted(2);

    // The supplier's inbox, once the stream has projected the offers, in the same order,
    // and of one status from its own partition.
    t.settle().await;
    let inbox = t.offers(&supply_a);
    for order in ["desc", "asc"] {
        let list = move |q: String| async move { inbox.inbox_list(&q).await };
        let by_page = pages_both_ways(list, order, 5, id).await;
        let outbox = offers.outbox_list(&format!("sort_order={order}")).await;
        assert_eq!(by_page, ids(&outbox.ok(200)), "{order}: as the outbox");
    }
    let closed =
        move |q: String| async move { inbox.inbox_list(&format!("{q}&status=closed")).await };
    assert_eq!(pages_both_ways(closed, "asc", 3, id).await, closed_ones);
    let first = inbox.inbox_list("items_per_page=2").await.ok(200);
    let token = first["next_page_token"].as_str().unwrap();
    let by_shift = format!("shift_id={}&page_token={token}", uuid::Uuid::new_v4());
    inbox.inbox_list(&by_shift).await.ok(400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_referral_lists_page_by_page_and_by_page_token_alike_on_both_sides() {
    let t = TestStack::start().await;
    let (demand, supply_a, _) = given::logins(&t).await.parties();
    let mut created = Vec::new();
    for _ in 0..5 {
        let r = given::direct_referral(&t, &demand, referral_body()).await;
        created.push(text(&r["referral"]["id"]));
    }
    // A revision archives the first referral and lists its successor, last modified.
    let revised = t.referrals(&demand).update(&created[0], revision_body());
    let revised = revised.await.ok(201);
    let revised = text(&revised["referral"]["id"]);
    let id = |i: &Value| text(&i["referral"]["id"]);
    let (t, demand, supply_a) = (&t, demand.as_str(), supply_a.as_str());
    for order in ["desc", "asc"] {
        let outbox = |q: String| async move { t.referrals(demand).outbox_list(&q).await };
        let by_page = pages_both_ways(outbox, order, 5, id).await;
        let archived = by_page.contains(&created[0]);
        assert!(!archived, "the archived revision is not listed");
        let newest = if order == "desc" {
            by_page.first()
        } else {
            by_page.last()
        };
        assert_eq!(newest, Some(&revised));
        let inbox = |q: String| async move { t.referrals(supply_a).inbox_list(&q).await };
        pages_both_ways(inbox, order, 5, id).await;
    }
    // Every revision, with a filter, still lists by page; a token is refused with it.
    let outbox = t.referrals(demand);
    let all = outbox.outbox_list("revisions=all&items_per_page=100").await;
    assert_eq!(all.ok(200)["total_items"], 6);
    let first = outbox.outbox_list("items_per_page=2").await.ok(200);
    let token = first["next_page_token"].as_str().unwrap();
    let filtered = format!("items_per_page=2&revisions=all&page_token={token}");
    outbox.outbox_list(&filtered).await.ok(400);
}

/// Retention (docs/scaling.md §10): a closed offer carries a TTL; when DynamoDB removes it, the
/// table's stream brings the removal to `offers.retire_offers`, which deletes its matches and
/// counts it out, so both sides' lists and `total_items` agree without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_removed_after_its_retention_leaves_both_lists_and_the_counts() {
    let t = TestStack::start().await;
    let (demand, supply_a, _) = &given::logins(&t).await.parties();
    let ended = given::offer(&t, demand).await;
    let kept = given::offer(&t, demand).await;
    let close = serde_json::json!({"reason_code": "client_request"});
    t.offers(demand).close(&ended, close).await.ok(204);
    t.settle().await;

    let pk = format!("OFFER#{ended}");
    let of_offer = |i: &&Item| i["pk"].as_s().unwrap() == &pk;
    let items = t.items().await;
    let offer = |i: &&Item| of_offer(i) && i["sk"].as_s().unwrap() == "OFFER";
    let item = items.iter().find(offer).unwrap();
    let ttl: i64 = item["ttl"].as_n().unwrap().parse().unwrap();
    let days = (ttl - chrono::Utc::now().timestamp()) as f64 / 86_400.0;
    let ninety = (89.9..=90.0).contains(&days);
    assert!(ninety, "kept 90 days after it ended: {days}");
    let in_partition = |items: &[Item]| items.iter().filter(&of_offer).count();
    assert!(in_partition(&items) > 1, "the offer and its matches");

    // What DynamoDB's TTL does once the retention has passed.
    use aws_sdk_dynamodb::types::AttributeValue::S;
    let app = t.stack.app();
    let dynamodb = app.aws.dynamodb().await;
    let delete = dynamodb.delete_item().table_name(app.db.table());
    let key = delete.key("pk", S(pk.clone()));
    key.key("sk", S("OFFER".into())).send().await.unwrap();
    t.settle().await;

    let items = t.items().await;
    assert_eq!(in_partition(&items), 1, "only the retired marker is left");
    let outbox = t.offers(demand).outbox_list("").await.counted(1);
    assert_eq!(ids(&outbox), std::slice::from_ref(&kept));
    let inbox = t.offers(supply_a).inbox_list("").await.counted(1);
    assert_eq!(inbox["items"][0]["offer"]["id"], kept.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sequence_lists_page_by_page_and_by_page_token_alike_on_both_sides() {
    use platform_tests::client::Side::{Inbox, Outbox};
    let t = TestStack::start().await;
    let (demand, supply_a, _) = given::logins(&t).await.parties();
    // Five threads with A, each begun by the demand, one after another.
    let mut begun = Vec::new();
    for _ in 0..5 {
        let offer = given::offer(&t, &demand).await;
        let sequence = given::sequence(&t, &offer, &supply_a).await;
        let hello = given::comment(&sequence, "Hello");
        t.messages(&demand).send(Outbox, hello).await.ok(201);
        begun.push(sequence);
    }
    let id = |s: &Value| text(&s["id"]);
    let (t, demand, supply_a) = (&t, demand.as_str(), supply_a.as_str());
    for order in ["desc", "asc"] {
        let outbox = |q: String| async move { t.messages(demand).sequences(Outbox, &q).await };
        let by_page = pages_both_ways(outbox, order, 5, id).await;
        let mut expected = begun.clone();
        if order == "desc" {
            expected.reverse();
        }
        assert_eq!(by_page, expected, "{order}: by latest message");
        let inbox = |q: String| async move { t.messages(supply_a).sequences(Inbox, &q).await };
        assert_eq!(pages_both_ways(inbox, order, 5, id).await, expected);
    }
    // A second message moves its thread first and counts nothing more.
    let oldest = &begun[0];
    let again = given::comment(oldest, "Still there?");
    t.messages(supply_a).send(Inbox, again).await.ok(201);
    let first = t
        .messages(demand)
        .sequences(Outbox, "items_per_page=1")
        .await;
    let first = first.counted(5);
    assert_eq!(text(&first["items"][0]["id"]), *oldest);
    // A filter pages by `page` only.
    let token = first["next_page_token"].as_str().unwrap();
    let filtered = format!("client_outbox_id=client-1&page_token={token}");
    t.messages(demand)
        .sequences(Outbox, &filtered)
        .await
        .ok(400);
}
