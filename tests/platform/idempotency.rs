//! `Idempotency-Key` on the creating POSTs (this platform's extension): a retry answers what
//! the first request answered and creates nothing more, whatever the timing; a key reused for
//! another request is refused.

use devstack::seed::DEMO_APPROVAL;
use futures::future::join_all;
use platform_tests::TestStack;
use platform_tests::client::Side;
use platform_tests::given::{self, offer_body, referral_body, sample_body, text};
use serde_json::{Value, json};

const OFFERS: &str = "/offers/v1/outbox/offers";

async fn post_with_key(t: &TestStack, token: &str, key: &str, body: &Value) -> (u16, Value) {
    post_to(t, OFFERS, token, key, body).await
}

async fn post_to(t: &TestStack, path: &str, token: &str, key: &str, body: &Value) -> (u16, Value) {
    let headers = [("Authorization", token), ("Idempotency-Key", key)];
    post(t, path, &headers, body).await
}

/// A POST without a token (the anonymous sign-up) under `key`.
async fn post_anonymously(t: &TestStack, path: &str, key: &str, body: &Value) -> (u16, Value) {
    post(t, path, &[("Idempotency-Key", key)], body).await
}

async fn post(t: &TestStack, path: &str, headers: &[(&str, &str)], body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let r = t.request("POST", path, headers, Some(&body)).await;
    (r.status, r.body)
}

/// `n` tries of one request at once, under one key.
async fn tries(
    n: usize,
    (t, path, token): (&TestStack, &str, &str),
    key: &str,
    body: &Value,
) -> Vec<(u16, Value)> {
    join_all((0..n).map(|_| post_to(t, path, token, key, body))).await
}

/// Asserts every try was answered `status` with the first try's body.
#[track_caller]
fn answered_alike(tries: &[(u16, Value)], status: u16) {
    for (got, answer) in tries {
        assert_eq!((*got, answer), (status, &tries[0].1));
    }
}

async fn offer_count(t: &TestStack, demand: &str) -> u64 {
    let list = t.offers(demand).outbox_list("").await.ok(200);
    list["total_items"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_retries_with_one_key_create_one_offer_and_answer_alike() {
    let t = TestStack::start().await;
    let demand = given::logins(&t).await.demand;
    let body = offer_body();

    let answers = tries(6, (&t, OFFERS, &demand), "create-1", &body).await;
    // Every retry answers the first response.
    answered_alike(&answers, 201);
    assert_eq!(offer_count(&t, &demand).await, 1);

    // Later, the same retry still answers it and writes nothing.
    let again = post_with_key(&t, &demand, "create-1", &body).await;
    assert_eq!(again, answers[0]);
    assert_eq!(offer_count(&t, &demand).await, 1);
    // Without a key, or with another, a request creates anew.
    let other = post_with_key(&t, &demand, "create-2", &body).await;
    assert_eq!(other.0, 201);
    assert_ne!(other.1["offer"]["id"], answers[0].1["offer"]["id"]);
    assert_eq!(offer_count(&t, &demand).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_used_for_another_request_or_malformed_is_refused() {
    let t = TestStack::start().await;
    let demand = given::logins(&t).await.demand;
    let body = offer_body();
    assert_eq!(post_with_key(&t, &demand, "k", &body).await.0, 201);

    let changed = given::with(&body, "offer.comment", "another request");
    let (status, answer) = post_with_key(&t, &demand, "k", &changed).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer.to_string().contains("Idempotency-Key"), "{answer}");

    for bad in ["", "with space", &"k".repeat(256)] {
        let (status, answer) = post_with_key(&t, &demand, bad, &body).await;
        assert_eq!(status, 400, "{bad:?}: {answer}");
    }
    assert_eq!(offer_count(&t, &demand).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_referral_and_a_visit_schedule_are_created_once_per_key() {
    let t = TestStack::start().await;
    let logins = given::logins(&t).await;
    let (demand, supplier) = (&logins.demand, &logins.supply_a);

    let body = referral_body();
    let path = "/offers/v1/outbox/referrals";
    let referred = tries(4, (&t, path, demand), "refer-1", &body).await;
    answered_alike(&referred, 201);
    t.referrals(demand).outbox_list("").await.counted(1);
    let referral = text(&referred[0].1["referral"]["id"]);

    let visit = sample_body("offers.inbox.visits.schedule").unwrap();
    let visit = given::with(&visit, "referral_id", referral.as_str());
    let path = "/offers/v1/inbox/visits/schedule";
    let scheduled = tries(4, (&t, path, supplier), "visit-1", &visit).await;
    answered_alike(&scheduled, 201);
    let query = format!("referral_id={referral}");
    t.visits(supplier).inbox_list(&query).await.counted(1);

    // The key is the supplier's: the same key from the demand is another key.
    let (status, _) = post_to(&t, "/offers/v1/outbox/referrals", demand, "visit-1", &body).await;
    assert_eq!(status, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_subscription_is_created_once_per_key_of_its_tenant() {
    let t = TestStack::start().await;
    let (admin, consumer) = (given::NOTIFY_ADMIN, given::NOTIFY_CONSUMER);
    let body = |consumer_id: String| json!({"event_type_ids": ["ServiceOrderStateChangeNotification"], "client_id": consumer_id});
    let path = "/notification/v1/subscriptions";
    let ours = t.machine_bearer("shop", &[admin]).await;
    let (consumer_id, _) = t.machine_login("shop", &[consumer]).await;
    let made = tries(4, (&t, path, &ours), "sub-1", &body(consumer_id)).await;
    answered_alike(&made, 201);
    assert_eq!(t.count_of("notification_subscription").await, 1);

    // Another tenant's administrator with the same key creates its own.
    let other = t.machine_bearer("mall", &[admin]).await;
    let (other_consumer, _) = t.machine_login("mall", &[consumer]).await;
    let (status, answer) = post_to(&t, path, &other, "sub-1", &body(other_consumer)).await;
    assert_eq!(status, 201, "{answer}");
    assert_ne!(answer["id"], made[0].1["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_is_sent_once_per_key_on_either_side() {
    let t = TestStack::start().await;
    let logins = given::logins(&t).await;
    let (demand, supplier) = (&logins.demand, &logins.supply_a);
    let offer = given::offer(&t, demand).await;
    let sequence = given::sequence(&t, &offer, supplier).await;
    let body = given::comment(&sequence, "Monday?");

    // Both sides use one key: each organization's key is its own.
    for (side, token) in [(Side::Outbox, demand), (Side::Inbox, supplier)] {
        let path = format!("/offers/v1/{side}/messages");
        answered_alike(&tries(4, (&t, &path, token), "msg-1", &body).await, 201);
    }
    let query = format!("sequence_id={sequence}");
    t.messages(demand)
        .list(Side::Outbox, &query)
        .await
        .counted(2);

    let changed = given::with(&body, "text", "Tuesday?");
    let (status, answer) =
        post_to(&t, "/offers/v1/outbox/messages", demand, "msg-1", &changed).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(t.count_of("message").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_template_version_is_published_once_per_key() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let body = sample_body("offers.outbox.form_templates.publish").unwrap();
    let path = "/offers/v1/outbox/form_templates";

    let published = tries(4, (&t, path, &demand), "form-1", &body).await;
    answered_alike(&published, 201);
    assert_eq!(published[0].1["schema_version"], 1, "{}", published[0].1);
    // Another key publishes the next version: the retries published one between them.
    let (status, next) = post_to(&t, path, &demand, "form-2", &body).await;
    let got = (status, &next["schema_version"]);
    assert_eq!(got, (201, &json!(2)), "{next}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collector_subscriptions_and_jobs_are_created_once_per_key_of_their_tenant() {
    let t = TestStack::start().await;
    let scopes = ["collector:subscriptions", "collector:jobs"];
    let bearer = t.machine_bearer("shop-a", &scopes).await;
    let shop = t.collector(&bearer, "shop-a");
    let sqs = |id: Option<&str>| {
        let url = "https://sqs.us-east-1.amazonaws.com/000000000000/orders";
        let mut body = given::sqs_subscription("", "ORDER", url, [true, false, false]);
        match id {
            Some(id) => body["id"] = id.into(),
            None => _ = body.as_object_mut().unwrap().remove("id"),
        }
        body
    };
    let statuses = |rs: Vec<platform_tests::Response>| -> Vec<(u16, Value)> {
        rs.into_iter().map(|r| (r.status, r.body)).collect()
    };

    // Without an id, each request would name its own subscription.
    let keyed = shop.with_idempotency_key("sub-1");
    let tries = statuses(join_all((0..4).map(|_| keyed.subscribe(sqs(None)))).await);
    answered_alike(&tries, 201);
    assert_eq!(t.count_of("event_subscription").await, 1);

    // With the id named, a retry with the key answers again where one without is a 409.
    let keyed = shop.with_idempotency_key("sub-2");
    let first = keyed.subscribe(sqs(Some("orders"))).await.ok(201);
    assert_eq!(keyed.subscribe(sqs(Some("orders"))).await.ok(201), first);
    shop.subscribe(sqs(Some("orders"))).await.ok(409);
    assert_eq!(t.count_of("event_subscription").await, 2);

    let job = json!({"notification": "PRICE_DROP", "schedule": "0 9 * * *", "template_id": "d-1"});
    let keyed = shop.with_idempotency_key("job-1");
    let tries = statuses(join_all((0..4).map(|_| keyed.create_job(job.clone()))).await);
    answered_alike(&tries, 201);
    assert_eq!(t.count_of("job").await, 1);
    let changed = given::with(&job, "template_id", "d-2");
    keyed.create_job(changed).await.ok(422);
    assert_eq!(t.count_of("job").await, 1);
}

/// An organization's topic subscriptions, and a sys_admin's for it: keyed retries at once
/// subscribe once and answer alike; the key with another request subscribes nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_subscriptions_are_made_once_per_key() {
    let t = TestStack::start().await;
    let logins = given::logins(&t).await;
    let a = given::queue(&t, "keyed-a").await;
    let b = given::queue(&t, "keyed-b").await;
    let body = |arn: &str| json!({"subscriptions": [{"topic": "outbox-offers", "protocol": "sqs", "endpoint": arn}]});
    const SUBSCRIBE: &str = "/organizations/v1/subscribe";
    let records = || async { t.count_of("topic_subscription").await };

    let first = body(&a.arn);
    let subscribed = tries(4, (&t, SUBSCRIBE, &logins.demand), "topics-1", &first).await;
    answered_alike(&subscribed, 200);
    assert_eq!(records().await, 1);
    let (status, answer) = post_to(&t, SUBSCRIBE, &logins.demand, "topics-1", &body(&b.arn)).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(records().await, 1, "nothing more recorded");

    // A sys_admin subscribes an organization under the sys_admins' own keys.
    let org = given::org(&t.demo.supply_a);
    let path = format!("/organizations/v1/sys_admin/{org}/subscribe");
    let item = json!({"topic": "inbox-offers", "protocol": "sqs", "endpoint": b.arn});
    let made = tries(3, (&t, &path, &logins.sys_admin), "topics-1", &item).await;
    answered_alike(&made, 200);
    assert!(made[0].1["subscription_arn"].is_string(), "{:?}", made[0]);
    assert_eq!(records().await, 2);
}

/// A hub subscription's response holds its signing secret: a keyed retry gets the same one,
/// unsealed again from the subscription, while the key item stores none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_subscription_is_created_once_per_key_and_its_key_keeps_no_secret() {
    let t = TestStack::start().await;
    let bearer = t.machine_bearer("acme", &["listener:hub"]).await;
    let receiver = platform_tests::Receiver::start(204).await;
    let hub = json!({"callback": receiver.url("/hook"),
                     "query": "eventType=ServiceOrderStateChangeNotification"});
    const HUB: &str = "/externalapi/hub/v1/hub";

    let made = tries(4, (&t, HUB, &bearer), "hub-1", &hub).await;
    answered_alike(&made, 201);
    let secret = text(&made[0].1["secret"]);
    assert!(secret.starts_with("whsec_"), "{:?}", made[0]);
    assert_eq!(t.count_of("hub_subscription").await, 1);
    let items = t.items().await;
    let is_key = |i: &&_| shared::store::db::kind_of(i) == Some("idempotency_key");
    let keys = items.iter().filter(is_key);
    let keys: Vec<String> = keys.map(|i| format!("{i:?}")).collect();
    assert_eq!(keys.len(), 1);
    let kept = keys[0].contains(&secret[6..]);
    assert!(!kept, "the key item holds no secret");

    // Another request under the key: the Listener's 400 for a header (it has no 422).
    let other = given::with(&hub, "query", "");
    let (status, answer) = post_to(&t, HUB, &bearer, "hub-1", &other).await;
    assert_eq!((status, &answer["code"]), (400, &json!(26)), "{answer}");
    assert_eq!(t.count_of("hub_subscription").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_up_is_completed_once_per_key_and_keeps_no_password() {
    let t = TestStack::start().await;
    let admin = t.login(&t.demo.sys_admin).await;
    let organizations = t.count_of("organization").await;
    let body = given::sign_up_body("keyed@example.org", "https://care.keyed.example");
    let path = "/organizations/v1/sys_admin/sign_up";

    let signed_up = tries(3, (&t, path, &admin), "signup-1", &body).await;
    answered_alike(&signed_up, 200);
    assert_eq!(signed_up[0].1["username"], "keyed@example.org");
    let sa = t.organizations(&admin).sys_admin();
    let found = sa.list("username=keyed@example.org").await.counted(1);
    // Later, the retry still answers it, where one without the key finds the username taken.
    let again = post_to(&t, path, &admin, "signup-1", &body).await;
    assert_eq!(again, signed_up[0]);
    sa.sign_up(body.clone()).await.ok(409);
    // Another password is another request.
    let other = given::with(&body, "password", "Other-Passw0rd!");
    assert_eq!(post_to(&t, path, &admin, "signup-1", &other).await.0, 422);

    // Anonymous, with the approval: the same key is the approval's own.
    let anonymous = given::sign_up_body("self@example.org", "https://care.self.example");
    let anonymous = given::with(&anonymous, "approval_id", DEMO_APPROVAL);
    let path = "/organizations/v1/sign_up";
    let by_approval = join_all((0..3).map(|_| post_anonymously(&t, path, "signup-1", &anonymous)));
    let by_approval = by_approval.await;
    answered_alike(&by_approval, 200);
    assert_ne!(by_approval[0].1["id"], found["items"][0]["id"]);
    // The approval is used up, yet a retry with the key is answered.
    let again = post_anonymously(&t, path, "signup-1", &anonymous).await;
    assert_eq!(again, by_approval[0]);
    let used_up = t.organizations_anonymously().sign_up(anonymous).await;
    used_up.ok(403);
    assert_eq!(t.count_of("organization").await, organizations + 2);

    let stored = t.stored_anywhere(given::SIGN_UP_PASSWORD).await;
    assert!(!stored, "no password is stored");
}
