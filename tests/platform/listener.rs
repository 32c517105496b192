//! Listener API and hub: inbound events, signed callback deliveries with retries and a
//! dead-letter queue, the callback address policy, and every code of the error catalogue.

use std::collections::BTreeSet;

use platform_tests::given::{self, LISTENER as SCOPES, hub_subscription as subscribe};
use platform_tests::given::{service_order_event as event, state_change};
use platform_tests::{Receiver, Response, TestStack, assert_fields};
use serde_json::{Value, json};
use shared::edge::codes::listener::CATALOGUE;
use shared::listener::webhook;

const LISTENER: &str = "/externalapi/listener/v1/listener";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_callback_receives_a_signed_delivery_of_matching_events() {
    let t = TestStack::start().await;
    let receiver = Receiver::start(204).await;
    let token = t.machine_bearer("acme", &SCOPES).await;
    let query = "eventType=ServiceOrderStateChangeNotification&serviceOrder.state=COMPLETED";
    let (id, secret) = subscribe(&t, &token, &receiver.url("/hook"), query).await;
    assert!(secret.starts_with("whsec_"));

    let client = t.listener(&token);

    // The secret is shown once and stored only encrypted.
    let shown = client.subscription(&id).await.ok(200);
    let callback = receiver.url("/hook");
    let expected = json!({"id": id, "callback": callback, "query": query});
    assert_eq!(shown, expected);
    assert_eq!(client.subscriptions("").await.body, json!([shown]));
    assert!(!format!("{:?}", t.items().await).contains(&secret[6..]));
    // Another tenant does not see it.
    let stranger = t.machine_bearer("globex", &["listener:hub"]).await;
    let stranger = t.listener(&stranger);
    stranger.subscription(&id).await.coded(404, 60);
    assert_eq!(stranger.subscriptions("").await.body, json!([]));

    let matching = state_change("evt-1", "completed");
    let posted = client.post_event(matching.clone()).await.ok(201);
    assert_eq!(posted, matching);
    // The same eventId again is not a second event.
    let repeated = client.post_event(matching.clone()).await.ok(200);
    assert_eq!(repeated, matching);
    let held = state_change("evt-2", "held");
    client.post_event(held).await.ok(201);
    let created = event("evt-3", "ServiceOrderCreationNotification", "completed");
    client.post_event(created).await.ok(201);
    t.settle().await;

    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    let d = &deliveries[0];
    assert_eq!(d.path, "/hook");
    let body: Value = serde_json::from_slice(&d.body).unwrap();
    assert_eq!(body, matching);
    let msg_id = d.header("webhook-id").unwrap();
    assert!(msg_id.starts_with("msg_"));
    let timestamp: i64 = d.header("webhook-timestamp").unwrap().parse().unwrap();
    let signature = d.header("webhook-signature").unwrap();
    let now = chrono::Utc::now().timestamp();
    let verify =
        |body: &[u8]| webhook::verify(&secret, msg_id, timestamp, body, signature, now, 300);
    assert!(verify(&d.body));
    assert!(!verify(b"{}"));

    // Unsubscribed: nothing more arrives.
    client.unsubscribe(&id).await.ok(204);
    let unheard = client.post_event(state_change("evt-4", "completed")).await;
    unheard.ok_as(201, "an event with no subscriber is still taken");
    t.settle().await;
    assert_eq!(receiver.deliveries().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_callback_is_retried_then_dead_lettered_without_holding_up_others() {
    let t =
        TestStack::start_with(&[("DELIVERY_ATTEMPTS", "3"), ("DELIVERY_BACKOFF_MS", "0")]).await;
    let failing = Receiver::start(500).await;
    let healthy = Receiver::start(200).await;
    let token = t.machine_bearer("acme", &SCOPES).await;
    let (failing_id, _) = subscribe(&t, &token, &failing.url("/down"), "").await;
    let items = "eventType=ServiceOrderItemStateChangeNotification";
    subscribe(&t, &token, &healthy.url("/up"), items).await;

    let sent = event("evt-9", "ServiceOrderItemStateChangeNotification", "failed");
    t.listener(&token).post_event(sent.clone()).await.ok(201);
    t.settle().await;

    assert_eq!(healthy.deliveries().len(), 1);
    let attempts = failing.deliveries();
    assert_eq!(attempts.len(), 3, "DELIVERY_ATTEMPTS tries");
    let ids = attempts.iter().map(|d| d.header("webhook-id").unwrap());
    let ids: BTreeSet<&str> = ids.collect();
    assert_eq!(ids.len(), 1, "the same webhook-id on every retry");

    let messages = given::drain_stack_queue(&t, "HubDeadLetterQueue").await;
    assert_eq!(messages.len(), 1);
    let parked = &messages[0];
    assert_fields!(parked, {"subscription_id": failing_id, "attempts": 3,
        "last_error": "callback answered 500"});
    assert_eq!(parked["webhook_id"], *ids.first().unwrap());
    assert_eq!(parked["envelope"], sent);
    // Parked, not failed: the stream moved on and the on-failure queue stayed empty.
    let reported = given::drain_stack_queue(&t, "StreamFailureQueue").await;
    assert!(reported.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_to_internal_or_plain_http_addresses_are_refused() {
    let t = TestStack::start().await;
    let token = t.machine_bearer("acme", &["listener:hub"]).await;
    for callback in [
        "http://hooks.example.com/in",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.8/hook",
        "https://[::ffff:192.168.1.1]/hook",
        "https://[fd00::1]/hook",
        "https://100.64.1.1/hook",
        "https://user:pw@hooks.example.com/",
        "not a url",
    ] {
        let r = t.listener(&token).subscribe(json!({"callback": callback}));
        let r = r.await;
        let got = (r.status, &r.body["code"]);
        assert_eq!(got, (400, &json!(24)), "{callback}: {r:?}");
    }
    assert_eq!(t.listener(&token).subscriptions("").await.body, json!([]));
}

/// Waits until at least `needed` seconds remain in the current minute, so rate windows do not
/// roll over in the middle of a check.
async fn settle_into_a_minute(needed: u64) {
    let second = (chrono::Utc::now().timestamp() % 60) as u64;
    if 60 - second < needed {
        tokio::time::sleep(std::time::Duration::from_secs(60 - second + 1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listener_error_code_is_produced() {
    let mut produced: BTreeSet<i64> = BTreeSet::new();
    let mut expect = |what: &str, r: Response, status: u16, code: i64| {
        let got = (r.status, r.body["code"].as_i64());
        assert_eq!(got, (status, Some(code)), "{what}: {:?}", r.body);
        assert_eq!(r.body["status"], status, "{what}");
        let described = r.body["reason"].is_string() && r.body["message"].is_string();
        assert!(described, "{what}");
        produced.insert(code);
    };

    let t = TestStack::start().await;
    let (owner_id, owner) = t.machine_login("acme", &SCOPES).await;
    let colleague = t.machine_bearer("acme", &["listener:hub"]).await;
    let ok = event("e-1", "ServiceOrderCreationNotification", "acknowledged");
    let url = |p: &str| format!("{}{p}", t.base);
    let (as_owner, as_colleague) = (t.listener(&owner), t.listener(&colleague));

    let r = as_owner.subscription("bad.id").await;
    expect("20 bad path id", r, 400, 20);
    let by_owner = [("authorization", owner.as_str())];
    let r = t.request("POST", LISTENER, &by_owner, None).await;
    expect("21 no body", r, 400, 21);
    let r = t.request("POST", LISTENER, &by_owner, Some("{not json"));
    expect("22 not JSON", r.await, 400, 22);
    let missing = given::without(&ok, "eventId");
    expect("23 no eventId", as_owner.post_event(missing).await, 400, 23);
    let bogus = given::with(&ok, "eventType", "ServiceOrderEatenNotification");
    let r = as_owner.post_event(bogus).await;
    expect("24 bad eventType", r, 400, 24);
    // The harness always sends a Content-Type; go around it.
    let raw = t.http.post(url(LISTENER)).header("authorization", &owner);
    let raw = raw.body(ok.to_string()).send().await.unwrap();
    let r = Response {
        status: raw.status().as_u16(),
        body: raw.json().await.unwrap(),
    };
    expect("25 no Content-Type", r, 400, 25);
    let plain = [("authorization", &*owner), ("content-type", "text/plain")];
    let raw_ok = ok.to_string();
    let r = t.request("POST", LISTENER, &plain, Some(&raw_ok)).await;
    expect("26 wrong Content-Type", r, 400, 26);
    let r = as_owner.subscriptions("limit=").await;
    expect("27 limit without value", r, 400, 27);
    let r = as_owner.subscriptions("limit=lots").await;
    expect("28 bad limit", r, 400, 28);

    let r = t.request("POST", LISTENER, &[], Some(&raw_ok)).await;
    expect("40 no token", r, 401, 40);
    let forged = t.listener("Bearer not.a.token").post_event(ok.clone());
    let forged = forged.await;
    expect("41 forged token", forged, 401, 41);
    let app = t.stack.app();
    let issued = chrono::Utc::now().timestamp() - 7200;
    let claims = shared::identity::oauth::AccessClaims {
        iss: app.config.token_issuer.clone(),
        sub: owner_id.clone(),
        aud: shared::identity::oauth::AUDIENCE.into(),
        iat: issued,
        exp: issued + 3600,
        jti: "expired".into(),
        client_id: owner_id.parse().unwrap(),
        tenant: "acme".parse().unwrap(),
        scope: "listener:events".into(),
        typ: "Bearer".into(),
    };
    let key = &app.config.token_signing_key_id;
    let expired = shared::identity::oauth::sign(&app.aws, key, &claims).await;
    let expired = format!("Bearer {}", expired.unwrap());
    let r = t.listener(&expired).post_event(ok.clone()).await;
    expect("42 expired token", r, 401, 42);

    let r = as_colleague.post_event(ok.clone()).await;
    expect("50 no scope", r, 403, 50);
    let (revoked_id, revoked) = t.machine_login("acme", &["listener:events"]).await;
    let admin = t.login(&t.demo.sys_admin).await;
    let clients = t.oauth_clients(&admin);
    clients.deactivate(&revoked_id).await.ok(204);
    let r = t.listener(&revoked).post_event(ok.clone()).await;
    expect("51 deactivated client", r, 403, 51);
    let receiver = Receiver::start(200).await;
    let (hub_id, _) = subscribe(&t, &owner, &receiver.url("/h"), "").await;
    let r = as_colleague.unsubscribe(&hub_id).await;
    expect("52 not the creator", r, 403, 52);
    let unknown = uuid::Uuid::new_v4().to_string();
    let r = as_owner.subscription(&unknown).await;
    expect("60 unknown subscription", r, 404, 60);

    // An item that no longer decodes (as after a botched migration) is an internal error.
    let db = &app.db;
    let keys = shared::listener::store::listener_event_keys(&"acme".parse().unwrap(), "e-broken");
    let corrupt = shared::store::db::to_item("corrupt", &keys, &json!({"event_id": 7}));
    db.put_unconditionally(corrupt.unwrap()).await.unwrap();
    let broken = given::with(&ok, "eventId", "e-broken");
    expect("1 internal", as_owner.post_event(broken).await, 500, 1);

    // Limits and an unusable key, on a stack configured for them: each client may make 2
    // requests a minute, the whole API 4, and the credentials key does not exist.
    let t = TestStack::start_with(&[
        ("LISTENER_CLIENT_RATE_PER_MINUTE", "2"),
        ("LISTENER_CAPACITY_PER_MINUTE", "4"),
        ("CREDENTIALS_KEY_ID", "0f0e0d0c-0b0a-4909-8807-060504030201"),
    ])
    .await;
    let hub = ["listener:hub"];
    let [a, b, c] = [
        t.machine_bearer("acme", &hub).await,
        t.machine_bearer("acme", &hub).await,
        t.machine_bearer("acme", &hub).await,
    ];
    settle_into_a_minute(20).await;
    let (a, b, c) = (t.listener(&a), t.listener(&b), t.listener(&c));
    let r = a.subscribe(json!({"callback": receiver.url("/h")})).await;
    expect("5 key unavailable", r, 503, 5);
    b.subscriptions("").await.ok(200);
    b.subscriptions("").await.ok(200);
    expect("53 client rate", b.subscriptions("").await, 403, 53);
    c.subscriptions("").await.ok(200);
    expect("6 API capacity", c.subscriptions("").await, 503, 6);

    let catalogue: BTreeSet<i64> = CATALOGUE.iter().map(|e| e.code as i64).collect();
    assert_eq!(produced, catalogue);
}
