//! The Event Collector: tenant events delivered to event subscriptions (SQS and SNS), the
//! dead-letter queue, tenant isolation, and cron jobs under an injected clock.

use base64::Engine;
use platform_tests::TestStack;
use platform_tests::given::{self, drain, drain_stack_queue, queue, text};
use serde_json::{Value, json};

const ALL: [&str; 3] = [
    "collector:events",
    "collector:subscriptions",
    "collector:jobs",
];

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::STANDARD.encode(v.to_string())
}

/// An event in the seed's shape (`ENTITY_EVENT` with the entity in `entity_name` for
/// customers, the entity as `event_type` for orders).
fn entity_event(id: &str, entity: &str, operation: &str) -> Value {
    let (event_type, entity_name) = if entity == "CUSTOMER" {
        ("ENTITY_EVENT", "CUSTOMER")
    } else {
        (entity, "order")
    };
    json!({
        "entity_id": format!("{entity}-1"),
        "entity_name": entity_name,
        "event_payload": {
            "base64_encoded_payload_json": b64(&json!({"id": format!("{entity}-1"), "op": operation})),
            "entity_id": format!("{entity}-1"),
            "key_attributes": {"additionalProp1": "ref-1"},
            "operation": operation
        },
        "event_source": "APPLICATION",
        "event_type": event_type,
        "id": id
    })
}

fn sqs_subscription(id: &str, entity: &str, queue_url: &str, flags: [bool; 3]) -> Value {
    json!({
        "active": true,
        "destination": {
            "sqs": {
                "accessKey": "AKIAIOSFODNN7EXAMPLE",
                "accessSecret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "queueUrl": queue_url,
                "region": "us-east-1"
            },
            "type": "SQS"
        },
        "entityType": entity,
        "id": id,
        "subscribeCreate": flags[0],
        "subscribeChange": flags[1],
        "subscribeDelete": flags[2]
    })
}

/// `(id, interactionType)` of the deliveries, sorted.
fn deliveries(messages: &[Value]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = messages
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap().to_owned(),
                m["interactionType"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_exactly_the_matching_active_subscriptions_of_their_tenant() {
    let t = TestStack::start().await;
    let shop_bearer = t.machine_bearer("shop-a", &ALL).await;
    let other_bearer = t.machine_bearer("shop-b", &ALL).await;
    let shop = t.collector(&shop_bearer, "shop-a");
    let other = t.collector(&other_bearer, "shop-b");

    let customers = queue(&t, "customers").await;
    let dormant = queue(&t, "dormant").await;
    let foreign = queue(&t, "foreign").await;
    let orders = queue(&t, "orders").await;

    // CUSTOMER create + delete to one queue; a deactivated subscription; another tenant's.
    let subscription =
        sqs_subscription("customers", "CUSTOMER", &customers.url, [true, false, true]);
    let created = shop.subscribe(subscription).await.ok(201);
    assert_eq!(created["destination"]["sqs"]["accessKey"], "********MPLE");
    assert_eq!(created["destination"]["sqs"]["accessSecret"], "********");
    let subscription = sqs_subscription("dormant", "CUSTOMER", &dormant.url, [true, true, true]);
    shop.subscribe(subscription).await.ok(201);
    assert_eq!(
        shop.deactivate("dormant").await.ok(200),
        json!({"body": {}, "statusCode": "ACCEPTED", "statusCodeValue": 0})
    );
    let subscription = sqs_subscription("customers", "CUSTOMER", &foreign.url, [true, true, true]);
    let r = other.subscribe(subscription).await;
    assert_eq!(
        r.status, 201,
        "the same id in another tenant is another subscription"
    );

    // ORDER changes to an SNS topic (the subscriber's queue listens to it).
    let sns = aws_sdk_sns::Client::new(&t.stack.sdk);
    let topic = sns
        .create_topic()
        .name(format!("{}-orders", t.stack.options.stack_name))
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(&orders.arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .unwrap();
    let subscription = json!({
        "destination": {"sns": {"accessKey": "AKIAORDERS", "accessSecret": "s3cret-orders",
            "topicArn": topic, "region": "us-east-1"}, "type": "SNS"},
        "entityType": "ORDER", "id": "orders", "subscribeChange": true
    });
    shop.subscribe(subscription).await.ok(201);

    // The list shows the tenant's active subscriptions only; nothing stores a secret in clear.
    let list = shop.subscriptions().await.ok(200);
    let ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| text(&s["id"]))
        .collect();
    assert_eq!(ids, ["customers", "orders"]);
    let stored = format!("{:?}", t.items().await);
    for secret in ["wJalrXUtnFEMI", "s3cret-orders", "AKIAIOSFODNN7EXAMPLE"] {
        assert!(!stored.contains(secret), "{secret} is stored in clear");
    }

    for (id, entity, op) in [
        ("c-create", "CUSTOMER", "CREATE"),
        ("c-update", "CUSTOMER", "UPDATE"),
        ("c-delete", "CUSTOMER", "DELETE"),
        ("o-create", "ORDER", "CREATE"),
        ("o-update", "ORDER", "BULK_UPDATE"),
        ("o-delete", "ORDER", "DELETE"),
    ] {
        let r = shop.post_event(entity_event(id, entity, op)).await;
        assert_eq!(r.status, 201, "{id}: {:?}", r.body);
        assert_eq!(r.body["id"], id);
    }
    // Posting an id again returns the stored event and stores nothing new.
    let again = shop
        .post_event(entity_event("c-create", "CUSTOMER", "DELETE"))
        .await
        .ok(200);
    assert_eq!(again["event_payload"]["operation"], "CREATE");
    t.settle().await;

    let got = drain(&t, &customers.url).await;
    assert_eq!(
        deliveries(&got),
        [
            ("c-create".to_owned(), "CREATED".to_owned()),
            ("c-delete".to_owned(), "DELETED".to_owned())
        ]
    );
    let create = got.iter().find(|m| m["id"] == "c-create").unwrap();
    assert_eq!(create["tenantId"], "shop-a");
    assert_eq!(create["subscriptionId"], "customers");
    assert_eq!(create["entityType"], "CUSTOMER");
    assert_eq!(create["operation"], "CREATE");
    assert_eq!(
        create["payload"],
        json!({"id": "CUSTOMER-1", "op": "CREATE"})
    );
    assert_eq!(create["event"]["event_type"], "ENTITY_EVENT");
    assert!(drain(&t, &dormant.url).await.is_empty());
    assert!(drain(&t, &foreign.url).await.is_empty());
    assert_eq!(
        deliveries(&drain(&t, &orders.url).await),
        [("o-update".to_owned(), "CHANGED".to_owned())]
    );

    // Reads stay within the tenant.
    assert_eq!(
        shop.event("c-update").await.ok(200),
        entity_event("c-update", "CUSTOMER", "UPDATE")
    );
    let r = other.event("c-update").await.ok(404);
    assert_eq!(r["status"], 404);
    assert_eq!(r["path"], "/api/v1/events/c-update");
    other.subscription("orders").await.ok(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_scopes_and_the_tenant_header_are_checked() {
    let t = TestStack::start().await;
    let bearer = t.machine_bearer("shop-a", &["collector:events"]).await;
    let shop = t.collector(&bearer, "shop-a");
    let event = entity_event("e1", "CUSTOMER", "CREATE").to_string();
    let cases: [(&[(&str, &str)], u16); 5] = [
        (&[("x-twc-tenant", "shop-a")], 401),
        (
            &[
                ("authorization", "Bearer not-a-token"),
                ("x-twc-tenant", "shop-a"),
            ],
            401,
        ),
        (&[("authorization", &bearer)], 400),
        (
            &[("authorization", &bearer), ("x-twc-tenant", "shop-b")],
            403,
        ),
        (
            &[("authorization", &bearer), ("x-twc-tenant", "shop-a")],
            201,
        ),
    ];
    for (headers, status) in cases {
        let r = t
            .request("POST", "/api/v1/events", headers, Some(&event))
            .await;
        assert_eq!(r.status, status, "{headers:?}: {:?}", r.body);
        if status >= 400 {
            assert_eq!(r.body["status"], status);
            assert!(r.body["message"].is_string());
            assert!(r.body["timestamp"].is_string());
        }
    }
    // The token has no jobs scope.
    shop.jobs().await.ok(403);

    // Bad bodies are refused with a 400 and write nothing.
    let before = t.items().await.len();
    let mut not_json = entity_event("e2", "CUSTOMER", "CREATE");
    not_json["event_payload"]["base64_encoded_payload_json"] = json!("bm90IGpzb24=");
    for body in [
        not_json,
        json!({"event_type": "NOT_A_TYPE"}),
        json!({"id": "e3"}),
        json!({"event_type": "ORDER", "event_payload": {"operation": "MERGE"}}),
    ] {
        let r = shop.post_event(body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
    }
    assert_eq!(t.items().await.len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_destination_is_dead_lettered_without_blocking_the_others() {
    let t =
        TestStack::start_with(&[("DELIVERY_ATTEMPTS", "3"), ("DELIVERY_BACKOFF_MS", "0")]).await;
    let bearer = t.machine_bearer("shop-a", &ALL).await;
    let shop = t.collector(&bearer, "shop-a");
    let good = queue(&t, "good").await;
    let missing_url = good.url.replace("-good", "-does-not-exist");
    for (id, url) in [
        ("broken", missing_url.as_str()),
        ("good", good.url.as_str()),
    ] {
        let subscription = sqs_subscription(id, "CUSTOMER", url, [true, true, true]);
        shop.subscribe(subscription).await.ok(201);
    }
    let event = entity_event("c1", "CUSTOMER", "CREATE");
    shop.post_event(event).await.ok(201);
    t.settle().await;
    assert_eq!(
        deliveries(&drain(&t, &good.url).await),
        [("c1".to_owned(), "CREATED".to_owned())]
    );
    let parked = drain_stack_queue(&t, "DeliveryDeadLetterQueue").await;
    assert_eq!(parked.len(), 1, "{parked:?}");
    assert_eq!(parked[0]["subscription_id"], "broken");
    assert_eq!(parked[0]["tenant"], "shop-a");
    assert_eq!(parked[0]["attempts"], 3);
    let message: Value = serde_json::from_str(parked[0]["message"].as_str().unwrap()).unwrap();
    assert_eq!(message["id"], "c1");
    // The record itself succeeded: nothing reached the stream's on-failure queue.
    assert!(drain_stack_queue(&t, "StreamFailureQueue").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_runs_once_per_due_time_under_duplicate_scheduler_invocations() {
    let t = TestStack::start().await;
    let bearer = t.machine_bearer("shop-a", &ALL).await;
    let shop = t.collector(&bearer, "shop-a");

    for (field, bad) in [("schedule", "string"), ("scheduleExpression", "61 * * * *")] {
        let job = json!({"notification": "REMINDER", field: bad});
        let refused = shop.create_job(job).await.ok(400);
        assert!(
            refused["message"].as_str().unwrap().starts_with(field),
            "{refused}"
        );
    }

    let job = json!({
        "deleted": false, "id": "nudge", "is_active": true, "is_scheduled": true,
        "job_parameters": {"campaign_id": "c-9", "utm_medium": "email"},
        "notification": "PRICE_DROP", "number_of_items_in_email": -1,
        "schedule": "* * * * *", "template_id": "d-123"
    });
    let created = shop.create_job(job).await.ok(201);
    let first: chrono::DateTime<chrono::Utc> = text(&created["next_run_at"]).parse().unwrap();
    let minute = chrono::Duration::minutes(1);

    let run = |at: chrono::DateTime<chrono::Utc>| {
        let stack = t.stack.clone();
        async move {
            stack
                .invoke_schedule("collector.run_jobs", at)
                .await
                .unwrap()
        }
    };
    // Before it is due: nothing.
    assert_eq!(run(first - chrono::Duration::seconds(1)).await["ran"], 0);
    // Two invocations for the same tick, at once, then a late retry of it: one run.
    let tick = first + chrono::Duration::seconds(2);
    let (a, b) = tokio::join!(run(tick), run(tick));
    assert_eq!(
        a["ran"].as_u64().unwrap() + b["ran"].as_u64().unwrap(),
        1,
        "{a} {b}"
    );
    assert_eq!(run(tick).await["ran"], 0);
    // The next minute runs again, once.
    let (a, b) = tokio::join!(run(tick + minute), run(tick + minute));
    assert_eq!(
        a["ran"].as_u64().unwrap() + b["ran"].as_u64().unwrap(),
        1,
        "{a} {b}"
    );

    let job = shop.job("nudge").await.body;
    assert_eq!(
        job["last_run_at"],
        shared::kernel::time::rfc3339(&(first + minute))
    );
    assert_eq!(
        job["next_run_at"],
        shared::kernel::time::rfc3339(&(first + minute * 2))
    );

    // Each run emitted one notification event onto the stream, named by its due time.
    let mut runs: Vec<Value> = t
        .items()
        .await
        .into_iter()
        .filter(|i| shared::store::db::kind_of(i) == Some("tenant_event"))
        .map(|i| {
            let ttl: i64 = i["ttl"].as_n().unwrap().parse().unwrap();
            let r: shared::collector::store::TenantEventRecord =
                shared::store::db::from_item(i).unwrap();
            assert_eq!(r.event_type, "PRICE_DROP");
            // It expires with the platform's event items (docs/scaling.md §10).
            let kept = ttl - r.created_at.timestamp();
            assert_eq!(kept, shared::infra::config::DEFAULT_EVENT_TTL_SECONDS);
            serde_json::from_str(&r.body).unwrap()
        })
        .collect();
    runs.sort_by_key(|v| v["scheduled_for"].as_str().unwrap().to_owned());
    assert_eq!(runs.len(), 2);
    assert_eq!(
        runs[0]["scheduled_for"],
        shared::kernel::time::rfc3339(&first)
    );
    assert_eq!(runs[0]["template_id"], "d-123");
    assert_eq!(runs[0]["job_parameters"]["campaign_id"], "c-9");
    assert_eq!(runs[0]["number_of_items_in_email"], -1);

    // Updates merge parameters; the seed's POST delete stops the job.
    let update = json!({"job_parameters": {"utm_medium": "push"}});
    let updated = shop.update_job("nudge", update).await.ok(200);
    assert_eq!(
        updated["job_parameters"],
        json!({"campaign_id": "c-9", "utm_medium": "push"})
    );
    let update = json!({"id": "other"});
    shop.update_job("nudge", update).await.ok(400);
    shop.stop_job("nudge").await.ok(204);
    assert_eq!(run(tick + minute * 5).await["ran"], 0);
    let job = shop.job("nudge").await.body;
    assert_eq!(job["deleted"], true);
    assert!(job.get("next_run_at").is_none());
    assert_eq!(shop.jobs().await.body, json!([]));
    shop.delete_job("missing").await.ok(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collector_events_and_job_runs_reach_a_notification_feed_by_catalogue_name() {
    let t = TestStack::start().await;
    let bearer = t.machine_bearer("shop-a", &ALL).await;
    let shop = t.collector(&bearer, "shop-a");
    let (_, admin) = t
        .machine_login("shop-a", &["notification:consent:administrator"])
        .await;
    let (consumer_id, consumer) = t
        .machine_login("shop-a", &["notification:consent:consumer"])
        .await;
    let types = ["CUSTOMER.CREATE", "REMINDER"];
    let feed = given::notification_subscription(&t, &admin, &consumer_id, &types).await;

    for (id, entity, op) in [
        ("c1", "CUSTOMER", "CREATE"),
        ("c1-update", "CUSTOMER", "UPDATE"),
        ("o1", "ORDER", "CREATE"),
    ] {
        shop.post_event(entity_event(id, entity, op)).await.ok(201);
    }
    let job = json!({"id": "remind", "notification": "REMINDER", "schedule": "* * * * *"});
    let job = shop.create_job(job).await.body;
    let due: chrono::DateTime<chrono::Utc> = text(&job["next_run_at"]).parse().unwrap();
    t.stack
        .invoke_schedule("collector.run_jobs", due)
        .await
        .unwrap();
    t.settle().await;

    let pulled = t.notification(&consumer).pull(&feed).await.ok(200);
    let results = pulled["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(results[0], entity_event("c1", "CUSTOMER", "CREATE"));
    assert_eq!(results[1]["notification"], "REMINDER");
    assert_eq!(results[1]["job_id"], "remind");
}
