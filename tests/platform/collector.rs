//! The Event Collector: tenant events delivered to event subscriptions (SQS and SNS), the
//! dead-letter queue, tenant isolation, and cron jobs under an injected clock.

use platform_tests::given::{
    self, COLLECTOR as ALL, drain, entity_event, pairs, queue, sqs_subscription, text,
};
use platform_tests::{TestStack, assert_fields};
use serde_json::{Value, json};

/// `(id, interactionType)` of the deliveries, sorted.
fn deliveries(messages: &[Value]) -> Vec<(String, String)> {
    let delivery = |m: &Value| (text(&m["id"]), text(&m["interactionType"]));
    let mut v: Vec<(String, String)> = messages.iter().map(delivery).collect();
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
    let sqs = &created["destination"]["sqs"];
    assert_fields!(sqs, {"accessKey": "********MPLE", "accessSecret": "********"});
    let subscription = sqs_subscription("dormant", "CUSTOMER", &dormant.url, [true, true, true]);
    shop.subscribe(subscription).await.ok(201);
    let accepted = json!({"body": {}, "statusCode": "ACCEPTED", "statusCodeValue": 0});
    assert_eq!(shop.deactivate("dormant").await.ok(200), accepted);
    let subscription = sqs_subscription("customers", "CUSTOMER", &foreign.url, [true, true, true]);
    let r = other.subscribe(subscription).await;
    r.ok_as(201, "the same id in another tenant is another subscription");

    // ORDER changes to an SNS topic (the subscriber's queue listens to it).
    let sns = aws_sdk_sns::Client::new(&t.stack.sdk);
    let name = format!("{}-orders", t.stack.options.stack_name);
    let topic = sns.create_topic().name(name).send().await.unwrap();
    let topic = topic.topic_arn.unwrap();
    let to_queue = sns.subscribe().topic_arn(&topic).protocol("sqs");
    let raw = to_queue
        .endpoint(&orders.arn)
        .attributes("RawMessageDelivery", "true");
    raw.send().await.unwrap();
    let subscription = json!({
        "destination": {"sns": {"accessKey": "AKIAORDERS", "accessSecret": "s3cret-orders",
            "topicArn": topic, "region": "us-east-1"}, "type": "SNS"},
        "entityType": "ORDER", "id": "orders", "subscribeChange": true
    });
    shop.subscribe(subscription).await.ok(201);

    // The list shows the tenant's active subscriptions only; nothing stores a secret in clear.
    let list = shop.subscriptions().await.ok(200);
    let listed = list.as_array().unwrap().iter();
    let ids: Vec<String> = listed.map(|s| text(&s["id"])).collect();
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
        assert_eq!(r.ok_as(201, id)["id"], id);
    }
    // Posting an id again returns the stored event and stores nothing new.
    let again = entity_event("c-create", "CUSTOMER", "DELETE");
    let again = shop.post_event(again).await.ok(200);
    assert_eq!(again["event_payload"]["operation"], "CREATE");
    t.settle().await;

    let got = drain(&t, &customers.url).await;
    let expected = pairs(&[("c-create", "CREATED"), ("c-delete", "DELETED")]);
    assert_eq!(deliveries(&got), expected);
    let create = got.iter().find(|m| m["id"] == "c-create").unwrap();
    assert_fields!(create, {"tenantId": "shop-a", "subscriptionId": "customers",
        "entityType": "CUSTOMER", "operation": "CREATE"});
    let payload = json!({"id": "CUSTOMER-1", "op": "CREATE"});
    assert_eq!(create["payload"], payload);
    assert_eq!(create["event"]["event_type"], "ENTITY_EVENT");
    assert!(drain(&t, &dormant.url).await.is_empty());
    assert!(drain(&t, &foreign.url).await.is_empty());
    let ordered = deliveries(&drain(&t, &orders.url).await);
    assert_eq!(ordered, pairs(&[("o-update", "CHANGED")]));

    // Reads stay within the tenant.
    let stored = shop.event("c-update").await.ok(200);
    assert_eq!(stored, entity_event("c-update", "CUSTOMER", "UPDATE"));
    let r = other.event("c-update").await.ok(404);
    assert_fields!(r, {"status": 404, "path": "/api/v1/events/c-update"});
    other.subscription("orders").await.ok(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_scopes_and_the_tenant_header_are_checked() {
    let t = TestStack::start().await;
    let bearer = t.machine_bearer("shop-a", &["collector:events"]).await;
    let shop = t.collector(&bearer, "shop-a");
    let event = entity_event("e1", "CUSTOMER", "CREATE").to_string();
    let (token, tenant) = ("authorization", "x-twc-tenant");
    let cases: [(&[(&str, &str)], u16); 5] = [
        (&[(tenant, "shop-a")], 401),
        (&[(token, "Bearer not-a-token"), (tenant, "shop-a")], 401),
        (&[(token, &bearer)], 400),
        (&[(token, &bearer), (tenant, "shop-b")], 403),
        (&[(token, &bearer), (tenant, "shop-a")], 201),
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
    let before = t.item_count().await;
    let mut not_json = entity_event("e2", "CUSTOMER", "CREATE");
    not_json["event_payload"]["base64_encoded_payload_json"] = json!("bm90IGpzb24=");
    for body in [
        not_json,
        json!({"event_type": "NOT_A_TYPE"}),
        json!({"id": "e3"}),
        json!({"event_type": "ORDER", "event_payload": {"operation": "MERGE"}}),
    ] {
        shop.post_event(body.clone()).await.ok_as(400, body);
    }
    t.assert_wrote_nothing(before).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_destination_is_dead_lettered_without_blocking_the_others() {
    let t =
        TestStack::start_with(&[("DELIVERY_ATTEMPTS", "3"), ("DELIVERY_BACKOFF_MS", "0")]).await;
    let bearer = t.machine_bearer("shop-a", &ALL).await;
    let shop = t.collector(&bearer, "shop-a");
    let good = queue(&t, "good").await;
    let missing_url = good.url.replace("-good", "-does-not-exist");
    for (id, url) in [("broken", missing_url.as_str()), ("good", &good.url)] {
        let subscription = sqs_subscription(id, "CUSTOMER", url, [true, true, true]);
        shop.subscribe(subscription).await.ok(201);
    }
    let event = entity_event("c1", "CUSTOMER", "CREATE");
    shop.post_event(event).await.ok(201);
    t.settle().await;
    let delivered = deliveries(&drain(&t, &good.url).await);
    assert_eq!(delivered, pairs(&[("c1", "CREATED")]));
    let parked = given::dead_letter(&t, "DeliveryDeadLetterQueue").await;
    assert_fields!(parked, {"subscription_id": "broken", "tenant": "shop-a", "attempts": 3});
    let message: Value = serde_json::from_str(parked["message"].as_str().unwrap()).unwrap();
    assert_eq!(message["id"], "c1");
    // The record itself succeeded: nothing reached the stream's on-failure queue.
    let failed = given::drain_stack_queue(&t, "StreamFailureQueue").await;
    assert!(failed.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_runs_once_per_due_time_under_duplicate_scheduler_invocations() {
    let t = TestStack::start().await;
    let bearer = t.machine_bearer("shop-a", &ALL).await;
    let shop = t.collector(&bearer, "shop-a");

    for (field, bad) in [("schedule", "string"), ("scheduleExpression", "61 * * * *")] {
        let job = json!({"notification": "REMINDER", field: bad});
        let refused = shop.create_job(job).await.ok(400);
        let names_it = refused["message"].as_str().unwrap().starts_with(field);
        assert!(names_it, "{refused}");
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

    let run = async |at| {
        let ran = t.stack.invoke_schedule("collector.run_jobs", at).await;
        ran.unwrap()
    };
    // Before it is due: nothing.
    assert_eq!(run(first - chrono::Duration::seconds(1)).await["ran"], 0);
    // Two invocations for the same tick, at once, then a late retry of it: one run.
    let tick = first + chrono::Duration::seconds(2);
    let ran_once = |(a, b): (Value, Value)| {
        let ran = a["ran"].as_u64().unwrap() + b["ran"].as_u64().unwrap();
        assert_eq!(ran, 1, "{a} {b}");
    };
    ran_once(tokio::join!(run(tick), run(tick)));
    assert_eq!(run(tick).await["ran"], 0);
    // The next minute runs again, once.
    ran_once(tokio::join!(run(tick + minute), run(tick + minute)));

    let job = shop.job("nudge").await.body;
    use shared::kernel::time::rfc3339;
    assert_eq!(job["last_run_at"], rfc3339(&(first + minute)));
    assert_eq!(job["next_run_at"], rfc3339(&(first + minute * 2)));

    // Each run emitted one notification event onto the stream, named by its due time.
    let mut runs: Vec<Value> = Vec::new();
    for i in t.items().await {
        if shared::store::db::kind_of(&i) != Some("tenant_event") {
            continue;
        }
        let ttl: i64 = i["ttl"].as_n().unwrap().parse().unwrap();
        let r: shared::collector::store::TenantEventRecord =
            shared::store::db::from_item(i).unwrap();
        assert_eq!(r.event_type, "PRICE_DROP");
        // It expires with the platform's event items (docs/scaling.md §10).
        let kept = ttl - r.created_at.timestamp();
        assert_eq!(kept, shared::infra::config::DEFAULT_EVENT_TTL_SECONDS);
        runs.push(serde_json::from_str(&r.body).unwrap());
    }
    runs.sort_by_key(|v| v["scheduled_for"].as_str().unwrap().to_owned());
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["scheduled_for"], rfc3339(&first));
    assert_fields!(runs[0], {"template_id": "d-123", "job_parameters": {"campaign_id": "c-9"},
        "number_of_items_in_email": -1});

    // Updates merge parameters; the seed's POST delete stops the job.
    let update = json!({"job_parameters": {"utm_medium": "push"}});
    let updated = shop.update_job("nudge", update).await.ok(200);
    let merged = json!({"campaign_id": "c-9", "utm_medium": "push"});
    assert_eq!(updated["job_parameters"], merged);
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
    let feed = given::feed(&t, "shop-a", &["CUSTOMER.CREATE", "REMINDER"]).await;

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
    let ran = t.stack.invoke_schedule("collector.run_jobs", due).await;
    ran.unwrap();
    t.settle().await;

    let pulled = t.notification(&feed.consumer).pull(&feed.id).await.ok(200);
    let results = pulled["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(results[0], entity_event("c1", "CUSTOMER", "CREATE"));
    assert_fields!(results[1], {"notification": "REMINDER", "job_id": "remind"});
}
