//! The Event Collector: tenant events delivered to event subscriptions (SQS and SNS), the
//! dead-letter queue, tenant isolation, and cron jobs under an injected clock.

use base64::Engine;
use platform_tests::{Response, TestStack, drain_queue};
use serde_json::{Value, json};

const ALL: [&str; 3] = [
    "collector:events",
    "collector:subscriptions",
    "collector:jobs",
];

/// A tenant's client: its bearer token and the tenant header, as a TWC client sends them.
struct Tenant<'a> {
    t: &'a TestStack,
    name: String,
    bearer: String,
}

impl<'a> Tenant<'a> {
    async fn new(t: &'a TestStack, name: &str, scopes: &[&str]) -> Self {
        Self {
            t,
            name: name.into(),
            bearer: t.machine_bearer(name, scopes).await,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Response {
        let raw = body.map(|b| b.to_string());
        self.t
            .request(
                method,
                path,
                &[
                    ("authorization", &self.bearer),
                    ("x-twc-tenant", &self.name),
                ],
                raw.as_deref(),
            )
            .await
    }
}

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

struct Queue {
    url: String,
    arn: String,
}

async fn queue(t: &TestStack, name: &str) -> Queue {
    let sqs = aws_sdk_sqs::Client::new(&t.stack.sdk);
    let name = format!("{}-{name}", t.stack.options.stack_name);
    let url = sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    Queue {
        arn: format!(
            "arn:aws:sqs:us-east-1:{}:{name}",
            devstack::provision::ACCOUNT
        ),
        url,
    }
}

/// Every message body in the queue (consumed).
async fn drain(t: &TestStack, url: &str) -> Vec<Value> {
    drain_queue(&aws_sdk_sqs::Client::new(&t.stack.sdk), url).await
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
    let shop = Tenant::new(&t, "shop-a", &ALL).await;
    let other = Tenant::new(&t, "shop-b", &ALL).await;

    let customers = queue(&t, "customers").await;
    let dormant = queue(&t, "dormant").await;
    let foreign = queue(&t, "foreign").await;
    let orders = queue(&t, "orders").await;

    // CUSTOMER create + delete to one queue; a deactivated subscription; another tenant's.
    let r = shop
        .call(
            "POST",
            "/api/v1/event-subscription",
            Some(sqs_subscription(
                "customers",
                "CUSTOMER",
                &customers.url,
                [true, false, true],
            )),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["destination"]["sqs"]["accessKey"], "********MPLE");
    assert_eq!(r.body["destination"]["sqs"]["accessSecret"], "********");
    let r = shop
        .call(
            "POST",
            "/api/v1/event-subscription",
            Some(sqs_subscription(
                "dormant",
                "CUSTOMER",
                &dormant.url,
                [true, true, true],
            )),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = shop
        .call("PUT", "/api/v1/event-subscription/dormant/deactivate", None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        json!({"body": {}, "statusCode": "ACCEPTED", "statusCodeValue": 0})
    );
    let r = other
        .call(
            "POST",
            "/api/v1/event-subscription",
            Some(sqs_subscription(
                "customers",
                "CUSTOMER",
                &foreign.url,
                [true, true, true],
            )),
        )
        .await;
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
    let r = shop
        .call(
            "POST",
            "/api/v1/event-subscription",
            Some(json!({
                "destination": {"sns": {"accessKey": "AKIAORDERS", "accessSecret": "s3cret-orders",
                    "topicArn": topic, "region": "us-east-1"}, "type": "SNS"},
                "entityType": "ORDER", "id": "orders", "subscribeChange": true
            })),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    // The list shows the tenant's active subscriptions only; nothing stores a secret in clear.
    let list = shop.call("GET", "/api/v1/event-subscription", None).await;
    let ids: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
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
        let r = shop
            .call("POST", "/api/v1/events", Some(entity_event(id, entity, op)))
            .await;
        assert_eq!(r.status, 201, "{id}: {:?}", r.body);
        assert_eq!(r.body["id"], id);
    }
    // Posting an id again returns the stored event and stores nothing new.
    let again = shop
        .call(
            "POST",
            "/api/v1/events",
            Some(entity_event("c-create", "CUSTOMER", "DELETE")),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["event_payload"]["operation"], "CREATE");
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
    let r = shop.call("GET", "/api/v1/events/c-update", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, entity_event("c-update", "CUSTOMER", "UPDATE"));
    let r = other.call("GET", "/api/v1/events/c-update", None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["status"], 404);
    assert_eq!(r.body["path"], "/api/v1/events/c-update");
    let r = other
        .call("GET", "/api/v1/event-subscription/orders", None)
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_scopes_and_the_tenant_header_are_checked() {
    let t = TestStack::start().await;
    let shop = Tenant::new(&t, "shop-a", &["collector:events"]).await;
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
        (&[("authorization", &shop.bearer)], 400),
        (
            &[("authorization", &shop.bearer), ("x-twc-tenant", "shop-b")],
            403,
        ),
        (
            &[("authorization", &shop.bearer), ("x-twc-tenant", "shop-a")],
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
    let r = shop.call("GET", "/api/v1/jobs", None).await;
    assert_eq!(r.status, 403);

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
        let r = shop
            .call("POST", "/api/v1/events", Some(body.clone()))
            .await;
        assert_eq!(r.status, 400, "{body}: {:?}", r.body);
    }
    assert_eq!(t.items().await.len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_destination_is_dead_lettered_without_blocking_the_others() {
    let t =
        TestStack::start_with(&[("DELIVERY_ATTEMPTS", "3"), ("DELIVERY_BACKOFF_MS", "0")]).await;
    let shop = Tenant::new(&t, "shop-a", &ALL).await;
    let good = queue(&t, "good").await;
    let missing_url = good.url.replace("-good", "-does-not-exist");
    for (id, url) in [
        ("broken", missing_url.as_str()),
        ("good", good.url.as_str()),
    ] {
        let r = shop
            .call(
                "POST",
                "/api/v1/event-subscription",
                Some(sqs_subscription(id, "CUSTOMER", url, [true, true, true])),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
    let r = shop
        .call(
            "POST",
            "/api/v1/events",
            Some(entity_event("c1", "CUSTOMER", "CREATE")),
        )
        .await;
    assert_eq!(r.status, 201);
    t.settle().await;

    assert_eq!(
        deliveries(&drain(&t, &good.url).await),
        [("c1".to_owned(), "CREATED".to_owned())]
    );
    let dlq = &t
        .stack
        .resource("DeliveryDeadLetterQueue")
        .unwrap()
        .reference;
    let parked = drain(&t, dlq).await;
    assert_eq!(parked.len(), 1, "{parked:?}");
    assert_eq!(parked[0]["subscription_id"], "broken");
    assert_eq!(parked[0]["tenant"], "shop-a");
    assert_eq!(parked[0]["attempts"], 3);
    let message: Value = serde_json::from_str(parked[0]["message"].as_str().unwrap()).unwrap();
    assert_eq!(message["id"], "c1");
    // The record itself succeeded: nothing reached the stream's on-failure queue.
    let failures = &t.stack.resource("StreamFailureQueue").unwrap().reference;
    assert!(drain(&t, failures).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_runs_once_per_due_time_under_duplicate_scheduler_invocations() {
    let t = TestStack::start().await;
    let shop = Tenant::new(&t, "shop-a", &ALL).await;

    for (field, bad) in [("schedule", "string"), ("scheduleExpression", "61 * * * *")] {
        let r = shop
            .call(
                "POST",
                "/api/v1/jobs",
                Some(json!({"notification": "REMINDER", field: bad})),
            )
            .await;
        assert_eq!(r.status, 400, "{:?}", r.body);
        assert!(
            r.body["message"].as_str().unwrap().starts_with(field),
            "{:?}",
            r.body
        );
    }

    let r = shop
        .call(
            "POST",
            "/api/v1/jobs",
            Some(json!({
                "deleted": false, "id": "nudge", "is_active": true, "is_scheduled": true,
                "job_parameters": {"campaign_id": "c-9", "utm_medium": "email"},
                "notification": "PRICE_DROP", "number_of_items_in_email": -1,
                "schedule": "* * * * *", "template_id": "d-123"
            })),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let first: chrono::DateTime<chrono::Utc> =
        r.body["next_run_at"].as_str().unwrap().parse().unwrap();
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

    let job = shop.call("GET", "/api/v1/jobs/nudge", None).await;
    assert_eq!(
        job.body["last_run_at"],
        shared::time::rfc3339(&(first + minute))
    );
    assert_eq!(
        job.body["next_run_at"],
        shared::time::rfc3339(&(first + minute * 2))
    );

    // Each run emitted one notification event onto the stream, named by its due time.
    let mut runs: Vec<Value> = t
        .items()
        .await
        .into_iter()
        .filter(|i| shared::db::kind_of(i) == Some("tenant_event"))
        .map(|i| {
            let r: shared::db::collector::TenantEventRecord = shared::db::from_item(i).unwrap();
            assert_eq!(r.event_type, "PRICE_DROP");
            serde_json::from_str(&r.body).unwrap()
        })
        .collect();
    runs.sort_by_key(|v| v["scheduled_for"].as_str().unwrap().to_owned());
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["scheduled_for"], shared::time::rfc3339(&first));
    assert_eq!(runs[0]["template_id"], "d-123");
    assert_eq!(runs[0]["job_parameters"]["campaign_id"], "c-9");
    assert_eq!(runs[0]["number_of_items_in_email"], -1);

    // Updates merge parameters; the seed's POST delete stops the job.
    let r = shop
        .call(
            "PUT",
            "/api/v1/jobs/nudge",
            Some(json!({"job_parameters": {"utm_medium": "push"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["job_parameters"],
        json!({"campaign_id": "c-9", "utm_medium": "push"})
    );
    let r = shop
        .call("PUT", "/api/v1/jobs/nudge", Some(json!({"id": "other"})))
        .await;
    assert_eq!(r.status, 400);
    let r = shop.call("POST", "/api/v1/jobs/nudge", None).await;
    assert_eq!(r.status, 204);
    assert_eq!(run(tick + minute * 5).await["ran"], 0);
    let r = shop.call("GET", "/api/v1/jobs/nudge", None).await;
    assert_eq!(r.body["deleted"], true);
    assert!(r.body.get("next_run_at").is_none());
    let r = shop.call("GET", "/api/v1/jobs", None).await;
    assert_eq!(r.body, json!([]));
    let r = shop.call("DELETE", "/api/v1/jobs/missing", None).await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collector_events_and_job_runs_reach_a_notification_feed_by_catalogue_name() {
    let t = TestStack::start().await;
    let shop = Tenant::new(&t, "shop-a", &ALL).await;
    let (_, admin) = t
        .machine_login("shop-a", &["notification:consent:administrator"])
        .await;
    let (consumer_id, consumer) = t
        .machine_login("shop-a", &["notification:consent:consumer"])
        .await;
    let r = t
        .request(
            "POST",
            "/notification/v1/subscriptions",
            &[("authorization", &admin)],
            Some(
                &json!({"event_type_ids": ["CUSTOMER.CREATE", "REMINDER"], "client_id": consumer_id})
                    .to_string(),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let feed = format!(
        "/notification/v1/subscriptions/{}/notifications",
        r.body["id"].as_str().unwrap()
    );

    for (id, entity, op) in [
        ("c1", "CUSTOMER", "CREATE"),
        ("c1-update", "CUSTOMER", "UPDATE"),
        ("o1", "ORDER", "CREATE"),
    ] {
        let r = shop
            .call("POST", "/api/v1/events", Some(entity_event(id, entity, op)))
            .await;
        assert_eq!(r.status, 201);
    }
    let job = shop
        .call(
            "POST",
            "/api/v1/jobs",
            Some(json!({"id": "remind", "notification": "REMINDER", "schedule": "* * * * *"})),
        )
        .await;
    let due: chrono::DateTime<chrono::Utc> =
        job.body["next_run_at"].as_str().unwrap().parse().unwrap();
    t.stack
        .invoke_schedule("collector.run_jobs", due)
        .await
        .unwrap();
    t.settle().await;

    let pulled = t
        .request("GET", &feed, &[("authorization", &consumer)], None)
        .await;
    assert_eq!(pulled.status, 200, "{:?}", pulled.body);
    let results = pulled.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(results[0], entity_event("c1", "CUSTOMER", "CREATE"));
    assert_eq!(results[1]["notification"], "REMINDER");
    assert_eq!(results[1]["job_id"], "remind");
}
