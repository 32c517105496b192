//! Listener API and hub: inbound events, signed callback deliveries with retries and a
//! dead-letter queue, the callback address policy, and every code of the error catalogue.

use std::collections::BTreeSet;

use platform_tests::{Receiver, TestStack};
use serde_json::{Value, json};
use shared::codes::listener::CATALOGUE;
use shared::domain::webhook;

const LISTENER: &str = "/externalapi/listener/v1/listener";
const HUB: &str = "/externalapi/hub/v1/hub";

fn event(event_id: &str, event_type: &str, state: &str) -> Value {
    json!({
        "eventId": event_id,
        "eventDate": "2026-11-22T10:00:00.000Z",
        "eventType": event_type,
        "event": {"id": "so-7", "href": "/serviceOrder/so-7", "state": state}
    })
}

async fn send(
    t: &TestStack,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> platform_tests::Response {
    let text = body.map(Value::to_string);
    t.request(method, path, &[("authorization", token)], text.as_deref())
        .await
}

async fn subscribe(t: &TestStack, token: &str, callback: &str, query: &str) -> (String, String) {
    let r = send(
        t,
        "POST",
        HUB,
        token,
        Some(&json!({"callback": callback, "query": query})),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    (
        r.body["id"].as_str().unwrap().to_owned(),
        r.body["secret"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_callback_receives_a_signed_delivery_of_matching_events() {
    let t = TestStack::start().await;
    let receiver = Receiver::start(204).await;
    let token = t
        .machine_bearer("acme", &["listener:events", "listener:hub"])
        .await;
    let query = "eventType=ServiceOrderStateChangeNotification&serviceOrder.state=COMPLETED";
    let (id, secret) = subscribe(&t, &token, &receiver.url("/hook"), query).await;
    assert!(secret.starts_with("whsec_"));

    // The secret is shown once and stored only encrypted.
    let shown = send(&t, "GET", &format!("{HUB}/{id}"), &token, None).await;
    assert_eq!(shown.status, 200);
    assert_eq!(
        shown.body,
        json!({"id": id, "callback": receiver.url("/hook"), "query": query})
    );
    let listed = send(&t, "GET", HUB, &token, None).await;
    assert_eq!(listed.body, json!([shown.body]));
    assert!(!format!("{:?}", t.items().await).contains(&secret[6..]));
    // Another tenant does not see it.
    let stranger = t.machine_bearer("globex", &["listener:hub"]).await;
    let hidden = send(&t, "GET", &format!("{HUB}/{id}"), &stranger, None).await;
    assert_eq!((hidden.status, &hidden.body["code"]), (404, &json!(60)));
    assert_eq!(send(&t, "GET", HUB, &stranger, None).await.body, json!([]));

    let matching = event("evt-1", "ServiceOrderStateChangeNotification", "completed");
    let posted = send(&t, "POST", LISTENER, &token, Some(&matching)).await;
    assert_eq!(posted.status, 201, "{:?}", posted.body);
    assert_eq!(posted.body, matching);
    // The same eventId again is not a second event.
    let repeated = send(&t, "POST", LISTENER, &token, Some(&matching)).await;
    assert_eq!((repeated.status, &repeated.body), (200, &matching));
    for other in [
        event("evt-2", "ServiceOrderStateChangeNotification", "held"),
        event("evt-3", "ServiceOrderCreationNotification", "completed"),
    ] {
        assert_eq!(
            send(&t, "POST", LISTENER, &token, Some(&other))
                .await
                .status,
            201
        );
    }
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
    assert!(webhook::verify(
        &secret, msg_id, timestamp, &d.body, signature, now, 300
    ));
    assert!(!webhook::verify(
        &secret, msg_id, timestamp, b"{}", signature, now, 300
    ));

    // Unsubscribed: nothing more arrives.
    let gone = send(&t, "DELETE", &format!("{HUB}/{id}"), &token, None).await;
    assert_eq!(gone.status, 204, "{:?}", gone.body);
    let again = event("evt-4", "ServiceOrderStateChangeNotification", "completed");
    send(&t, "POST", LISTENER, &token, Some(&again)).await;
    t.settle().await;
    assert_eq!(receiver.deliveries().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_callback_is_retried_then_dead_lettered_without_holding_up_others() {
    let t =
        TestStack::start_with(&[("DELIVERY_ATTEMPTS", "3"), ("DELIVERY_BACKOFF_MS", "0")]).await;
    let failing = Receiver::start(500).await;
    let healthy = Receiver::start(200).await;
    let token = t
        .machine_bearer("acme", &["listener:events", "listener:hub"])
        .await;
    let (failing_id, _) = subscribe(&t, &token, &failing.url("/down"), "").await;
    subscribe(
        &t,
        &token,
        &healthy.url("/up"),
        "eventType=ServiceOrderItemStateChangeNotification",
    )
    .await;

    let sent = event("evt-9", "ServiceOrderItemStateChangeNotification", "failed");
    assert_eq!(
        send(&t, "POST", LISTENER, &token, Some(&sent)).await.status,
        201
    );
    t.settle().await;

    assert_eq!(healthy.deliveries().len(), 1);
    let attempts = failing.deliveries();
    assert_eq!(attempts.len(), 3, "DELIVERY_ATTEMPTS tries");
    let ids: BTreeSet<&str> = attempts
        .iter()
        .map(|d| d.header("webhook-id").unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "the same webhook-id on every retry");

    let queue = t
        .stack
        .resource("HubDeadLetterQueue")
        .unwrap()
        .reference
        .clone();
    let sqs = aws_sdk_sqs::Client::new(&t.stack.sdk);
    let messages = sqs
        .receive_message()
        .queue_url(&queue)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(messages.len(), 1);
    let parked: Value = serde_json::from_str(messages[0].body().unwrap()).unwrap();
    assert_eq!(parked["subscription_id"], failing_id.as_str());
    assert_eq!(parked["attempts"], 3);
    assert_eq!(parked["last_error"], "callback answered 500");
    assert_eq!(parked["webhook_id"], *ids.first().unwrap());
    assert_eq!(parked["envelope"], sent);
    // Parked, not failed: the stream moved on and the on-failure queue stayed empty.
    let stream_failures = t
        .stack
        .resource("StreamFailureQueue")
        .unwrap()
        .reference
        .clone();
    let reported = sqs
        .receive_message()
        .queue_url(&stream_failures)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
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
        let r = send(
            &t,
            "POST",
            HUB,
            &token,
            Some(&json!({"callback": callback})),
        )
        .await;
        assert_eq!(
            (r.status, &r.body["code"]),
            (400, &json!(24)),
            "{callback}: {:?}",
            r.body
        );
    }
    assert_eq!(send(&t, "GET", HUB, &token, None).await.body, json!([]));
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
    let mut expect = |what: &str, r: &platform_tests::Response, status: u16, code: i64| {
        assert_eq!(
            (r.status, r.body["code"].as_i64()),
            (status, Some(code)),
            "{what}: {:?}",
            r.body
        );
        assert_eq!(r.body["status"], status, "{what}");
        assert!(
            r.body["reason"].is_string() && r.body["message"].is_string(),
            "{what}"
        );
        produced.insert(code);
    };

    let t = TestStack::start().await;
    let (owner_id, owner) = t
        .machine_login("acme", &["listener:events", "listener:hub"])
        .await;
    let colleague = t.machine_bearer("acme", &["listener:hub"]).await;
    let ok = event("e-1", "ServiceOrderCreationNotification", "acknowledged");
    let url = |p: &str| format!("{}{p}", t.base);

    let r = send(&t, "GET", &format!("{HUB}/bad.id"), &owner, None).await;
    expect("20 bad path id", &r, 400, 20);
    let r = t
        .request("POST", LISTENER, &[("authorization", &owner)], None)
        .await;
    expect("21 no body", &r, 400, 21);
    let r = t
        .request(
            "POST",
            LISTENER,
            &[("authorization", &owner)],
            Some("{not json"),
        )
        .await;
    expect("22 not JSON", &r, 400, 22);
    let mut missing = ok.clone();
    missing.as_object_mut().unwrap().remove("eventId");
    expect(
        "23 no eventId",
        &send(&t, "POST", LISTENER, &owner, Some(&missing)).await,
        400,
        23,
    );
    let mut bogus = ok.clone();
    bogus["eventType"] = json!("ServiceOrderEatenNotification");
    expect(
        "24 bad eventType",
        &send(&t, "POST", LISTENER, &owner, Some(&bogus)).await,
        400,
        24,
    );
    // The harness always sends a Content-Type; go around it.
    let raw = t
        .http
        .post(url(LISTENER))
        .header("authorization", &owner)
        .body(ok.to_string())
        .send()
        .await
        .unwrap();
    let r = platform_tests::Response {
        status: raw.status().as_u16(),
        body: raw.json().await.unwrap(),
    };
    expect("25 no Content-Type", &r, 400, 25);
    let r = t
        .request(
            "POST",
            LISTENER,
            &[("authorization", &owner), ("content-type", "text/plain")],
            Some(&ok.to_string()),
        )
        .await;
    expect("26 wrong Content-Type", &r, 400, 26);
    expect(
        "27 limit without value",
        &send(&t, "GET", &format!("{HUB}?limit="), &owner, None).await,
        400,
        27,
    );
    expect(
        "28 bad limit",
        &send(&t, "GET", &format!("{HUB}?limit=lots"), &owner, None).await,
        400,
        28,
    );

    let r = t
        .request("POST", LISTENER, &[], Some(&ok.to_string()))
        .await;
    expect("40 no token", &r, 401, 40);
    expect(
        "41 forged token",
        &send(&t, "POST", LISTENER, "Bearer not.a.token", Some(&ok)).await,
        401,
        41,
    );
    let app = t.stack.app();
    let issued = chrono::Utc::now().timestamp() - 7200;
    let claims = shared::oauth::AccessClaims {
        iss: app.config.token_issuer.clone(),
        sub: owner_id.clone(),
        aud: shared::oauth::AUDIENCE.into(),
        iat: issued,
        exp: issued + 3600,
        jti: "expired".into(),
        client_id: owner_id.parse().unwrap(),
        tenant: "acme".parse().unwrap(),
        scope: "listener:events".into(),
        typ: "Bearer".into(),
    };
    let expired = shared::oauth::sign(&app.aws, &app.config.token_signing_key_id, &claims)
        .await
        .unwrap();
    expect(
        "42 expired token",
        &send(
            &t,
            "POST",
            LISTENER,
            &format!("Bearer {expired}"),
            Some(&ok),
        )
        .await,
        401,
        42,
    );

    expect(
        "50 no scope",
        &send(&t, "POST", LISTENER, &colleague, Some(&ok)).await,
        403,
        50,
    );
    let (revoked_id, revoked) = t.machine_login("acme", &["listener:events"]).await;
    let admin = t.login(&t.demo.sys_admin).await;
    let r = t
        .call(
            "DELETE",
            &format!("/oauth/v1/clients/{revoked_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    expect(
        "51 deactivated client",
        &send(&t, "POST", LISTENER, &revoked, Some(&ok)).await,
        403,
        51,
    );
    let receiver = Receiver::start(200).await;
    let (hub_id, _) = subscribe(&t, &owner, &receiver.url("/h"), "").await;
    let r = send(&t, "DELETE", &format!("{HUB}/{hub_id}"), &colleague, None).await;
    expect("52 not the creator", &r, 403, 52);
    let r = send(
        &t,
        "GET",
        &format!("{HUB}/{}", uuid::Uuid::new_v4()),
        &owner,
        None,
    )
    .await;
    expect("60 unknown subscription", &r, 404, 60);

    // An item that no longer decodes (as after a botched migration) is an internal error.
    let db = &app.db;
    let corrupt = shared::db::to_item(
        "corrupt",
        &shared::db::listener::listener_event_keys(&"acme".parse().unwrap(), "e-broken"),
        &json!({"event_id": 7}),
    )
    .unwrap();
    db.put_unconditionally(corrupt).await.unwrap();
    let mut broken = ok.clone();
    broken["eventId"] = json!("e-broken");
    expect(
        "1 internal",
        &send(&t, "POST", LISTENER, &owner, Some(&broken)).await,
        500,
        1,
    );

    // Limits and an unusable key, on a stack configured for them: each client may make 2
    // requests a minute, the whole API 4, and the credentials key does not exist.
    let t = TestStack::start_with(&[
        ("LISTENER_CLIENT_RATE_PER_MINUTE", "2"),
        ("LISTENER_CAPACITY_PER_MINUTE", "4"),
        ("CREDENTIALS_KEY_ID", "0f0e0d0c-0b0a-4909-8807-060504030201"),
    ])
    .await;
    let [a, b, c] = [
        t.machine_bearer("acme", &["listener:hub"]).await,
        t.machine_bearer("acme", &["listener:hub"]).await,
        t.machine_bearer("acme", &["listener:hub"]).await,
    ];
    settle_into_a_minute(20).await;
    let r = send(
        &t,
        "POST",
        HUB,
        &a,
        Some(&json!({"callback": receiver.url("/h")})),
    )
    .await;
    expect("5 key unavailable", &r, 503, 5);
    assert_eq!(send(&t, "GET", HUB, &b, None).await.status, 200);
    assert_eq!(send(&t, "GET", HUB, &b, None).await.status, 200);
    expect(
        "53 client rate",
        &send(&t, "GET", HUB, &b, None).await,
        403,
        53,
    );
    assert_eq!(send(&t, "GET", HUB, &c, None).await.status, 200);
    expect(
        "6 API capacity",
        &send(&t, "GET", HUB, &c, None).await,
        503,
        6,
    );

    let catalogue: BTreeSet<i64> = CATALOGUE.iter().map(|e| e.code as i64).collect();
    assert_eq!(produced, catalogue);
}
