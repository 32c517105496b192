//! Tenant safety (docs/security.md): each finding's regression test, template checks first.

use std::collections::BTreeSet;

use std::sync::{Arc, Mutex};

use devstack::template::Template;
use platform_tests::given::{self, text};
use platform_tests::{Receiver, Tarpit, TestStack, assert_fields};
use serde_json::{Value, json};
use shared::identity::auth::AUTHORIZATION_ATTRIBUTES;

fn root_template() -> Template {
    Template::load(&devstack::repo_root().join("template.yaml")).expect("template.yaml parses")
}

/// The user pool client a nested stack is given (`UserPoolClientId`), if any.
fn client_id(stack: &Value) -> Option<&str> {
    stack["Properties"]["Parameters"]["UserPoolClientId"]["Ref"].as_str()
}

fn strings(v: &Value) -> BTreeSet<String> {
    let items = v.as_array().into_iter().flatten().filter_map(Value::as_str);
    items.map(str::to_owned).collect()
}

/// T1: no attribute that decides authorization can be written by a user: it is immutable, and
/// the only clients that may write it (at creation) carry a secret, allow no password login and
/// are not the client whose tokens the API accepts.
#[test]
fn authorization_attributes_are_never_user_writable() {
    let template = root_template();
    let resources = template.doc["Resources"].as_object().expect("Resources");
    let of_type = |ty: &'static str| {
        let typed = resources.iter().filter(move |(_, r)| r["Type"] == ty);
        typed.map(|(id, r)| (id.clone(), r["Properties"].clone()))
    };
    // The clients whose tokens the functions verify: what is passed as `UserPoolClientId`.
    let trusted: BTreeSet<&str> = resources.values().filter_map(client_id).collect();
    let given = !trusted.is_empty();
    assert!(given, "no nested stack is given UserPoolClientId");

    let pools: Vec<_> = of_type("AWS::Cognito::UserPool").collect();
    assert_eq!(pools.len(), 1);
    let schema = pools[0].1["Schema"].as_array().cloned().unwrap_or_default();
    for attribute in AUTHORIZATION_ATTRIBUTES {
        let name = attribute.trim_start_matches("custom:");
        let entry = schema.iter().find(|a| a["Name"] == name);
        let entry = entry.unwrap_or_else(|| panic!("{attribute} is not in the pool's schema"));
        let why = "must be immutable (Mutable: false): a mutable attribute can be rewritten";
        assert_eq!(entry["Mutable"], json!(false), "{attribute} {why}");
    }

    let clients: Vec<_> = of_type("AWS::Cognito::UserPoolClient").collect();
    assert!(!clients.is_empty());
    for (id, client) in clients {
        let why = "without WriteAttributes a client may write every mutable attribute";
        assert!(client["WriteAttributes"].is_array(), "{id}: {why}");
        let writes = strings(&client["WriteAttributes"]);
        let writes_authorization = AUTHORIZATION_ATTRIBUTES.iter().any(|a| writes.contains(*a));
        if trusted.contains(id.as_str()) {
            let allowed = strings(&json!(["email", "name"]));
            let why = "is the participants' client; it may write only email and name, not";
            assert!(writes.is_subset(&allowed), "{id} {why} {writes:?}");
        } else if writes_authorization {
            let why = "writes an authorization attribute, so it must hold a secret";
            assert_eq!(client["GenerateSecret"], json!(true), "{id} {why}");
            let flows = strings(&client["ExplicitAuthFlows"]);
            let refresh_only = flows.iter().all(|f| f == "ALLOW_REFRESH_TOKEN_AUTH");
            let why = "writes an authorization attribute; no one may log in through it";
            assert!(refresh_only, "{id} {why}: {flows:?}");
        }
    }
}

/// T1, as an attacker would try it on AWS: log in, then rewrite `custom:organization_id` with
/// the AccessToken login returns. Refused, and the next login is still the own organization.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_cannot_move_itself_into_another_organization() {
    let t = TestStack::start().await;
    let user = &t.demo.demand;
    let own = given::org(user).to_string();
    let victim = given::org(&t.demo.supply_a).to_string();
    let login = json!({"username": user.email, "password": user.password});
    let tokens = t.auth().login(login.clone()).await.ok(200);

    let cognito = t.stack.app().aws.cognito().await;
    let moved = aws_sdk_cognitoidentityprovider::types::AttributeType::builder();
    let moved = moved.name("custom:organization_id").value(&victim);
    let rewrite = cognito
        .update_user_attributes()
        .user_attributes(moved.build().unwrap());
    let access_token = text(&tokens["AccessToken"]);
    let rewritten = rewrite.access_token(access_token).send().await;
    assert!(rewritten.is_err(), "the user rewrote its organization id");

    let id_token = text(&t.auth().login(login).await.body["IdToken"]);
    let me = t.auth_as(&id_token).current_identity().await;
    assert_eq!(me.body["organization_id"], own.as_str());
}

/// Every resource of the nested templates (`stacks/*.yaml`): `(file, logical id, resource)`.
fn nested_resources() -> Vec<(String, String, Value)> {
    let dir = std::fs::read_dir(devstack::repo_root().join("stacks")).expect("stacks/");
    let mut files: Vec<_> = dir.map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml"));
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let doc = Template::load(&path).expect("a nested template parses").doc;
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for (id, r) in doc["Resources"].as_object().unwrap() {
            out.push((file.clone(), id.clone(), r.clone()));
        }
    }
    out
}

/// Routes that guess credentials, mint tokens or hand out files: tighter than the default.
fn is_sensitive(method: &str, path: &str) -> bool {
    ["/login", "password", "/token", "presigned", "/downloads/"]
        .iter()
        .any(|p| path.contains(p))
        || (method == "POST" && ["/organizations/v1", "/organizations/v1/sign_up"].contains(&path))
}

/// Medium (throttling and concurrency): every HTTP API throttles every route; the credential,
/// token, anonymous sign-up and presign routes more tightly; every stream- and queue-triggered
/// function has concurrency of its own, so an API flood cannot starve event delivery.
#[test]
fn every_route_is_throttled_and_event_consumers_reserve_concurrency() {
    let (mut sensitive, mut consumers) = (0, 0);
    for (file, id, r) in nested_resources() {
        let p = &r["Properties"];
        if r["Type"] == "AWS::Serverless::HttpApi" {
            let d = &p["DefaultRouteSettings"];
            let rate = d["ThrottlingRateLimit"].is_object();
            let burst = d["ThrottlingBurstLimit"].is_object();
            assert!(rate && burst, "{file} {id}: no default route throttling");
        }
        if r["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        for event in p["Events"].as_object().into_iter().flat_map(|e| e.values()) {
            let ep = &event["Properties"];
            match event["Type"].as_str() {
                Some("HttpApi") => {
                    let (method, path) = (text(&ep["Method"]), text(&ep["Path"]));
                    if is_sensitive(&method, &path) {
                        sensitive += 1;
                        let limit = &ep["RouteSettings"]["ThrottlingRateLimit"];
                        let needed = json!({"Ref": "SensitiveRouteRateLimit"});
                        let why = "needs the sensitive route limit";
                        assert_eq!(limit, &needed, "{file} {method} {path}: {why}");
                    }
                }
                Some("DynamoDB" | "SQS") => {
                    consumers += 1;
                    let reserved = !p["ReservedConcurrentExecutions"].is_null();
                    let why = "an event consumer without reserved concurrency";
                    assert!(reserved, "{file} {id}: {why}");
                }
                _ => {}
            }
        }
    }
    assert!(sensitive >= 10, "only {sensitive} sensitive routes found");
    assert!(consumers >= 4, "only {consumers} event consumers found");
}

/// Medium (revoked machine clients): once a sys_admin deactivates a client, its unexpired
/// token is refused by every machine API within `MACHINE_CLIENT_CACHE_SECONDS`, not when the
/// token expires an hour later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_clients_token_is_refused_by_every_machine_api() {
    let t = TestStack::start_with(&[("MACHINE_CLIENT_CACHE_SECONDS", "1")]).await;
    let scopes = ["collector:subscriptions", "notification:consent:consumer"];
    let (id, bearer) = t.machine_login("shop", &scopes).await;
    let calls = || async {
        let c = t.collector(&bearer, "shop").subscriptions().await;
        let n = t.notification(&bearer).subscription(&id).await;
        (c.status, n.status)
    };
    assert_eq!(calls().await, (200, 404), "the active client is served");

    let admin = t.login(&t.demo.sys_admin).await;
    t.oauth_clients(&admin).deactivate(&id).await.ok(204);
    // Past the cache window (1 s here, 5 s by default); the token itself lives an hour.
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let now = calls().await;
    assert_eq!(now, (401, 401), "a deactivated client's token still works");
}

/// Medium (quadratic work before size checks): a list of 50,000 ids is refused with a 400
/// before it is de-duplicated or any organization is read (the body is over its size limit),
/// and so is one of 1,001 ids in a body within it (the list is over its maximum, found while
/// parsing); nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_id_lists_are_refused_before_any_work() {
    let t = TestStack::start().await;
    let (demand, supplier, _) = given::logins(&t).await.parties();
    let before = t.item_count().await;
    for (n, says) in [(50_000, "are accepted"), (1_001, "at most 1000")] {
        let ids: Vec<String> = (0..n).map(|_| uuid::Uuid::new_v4().to_string()).collect();
        let mut offer = crate::offer_body();
        offer["direct_supply_persona_ids"] = json!(ids);
        let network = json!({"supply_persona_ids": ids});
        let networks = json!({"demand_persona_ids": ids});
        let (d, s) = (t.organizations(&demand), t.organizations(&supplier));
        d.set_demand_network(network).await.refused(400, says);
        s.set_supply_network(networks).await.refused(400, says);
        t.offers(&demand).create(offer).await.refused(400, says);
    }
    t.assert_wrote_nothing(before).await;
}

/// Medium (numbers): a negative or absurd price is a 400 naming the field, on offers and on
/// referrals alike (before, -5 was stored and shown to suppliers).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_or_absurd_prices_are_refused() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let referral = crate::sample_body("offers.outbox.referrals.create").unwrap();
    let before = t.item_count().await;
    for rate in [json!(-5), json!(-0.01), json!(1e12)] {
        let mut offer = crate::offer_body();
        offer["price"] = json!({"default": {"rate": rate, "unit": "per_hour"}});
        let mut custom = crate::offer_body();
        custom["price"] = json!({"default": {"rate": 10, "unit": "per_hour"}, "custom": [
            {"rate": rate, "unit": "per_hour", "supply_persona_id": given::org(&t.demo.supply_a)}
        ]});
        let direct = given::with(&referral, "price.rate", rate.clone());
        for (offer, field) in [
            (offer, "price.default.rate"),
            (custom, "price.custom[0].rate"),
        ] {
            t.offers(&demand).create(offer).await.refused(400, field);
        }
        let referred = t.referrals(&demand).create(direct).await;
        referred.refused(400, "price.rate");
    }
    t.assert_wrote_nothing(before).await;
}

/// High (oversized input): every family refuses a body over its size limit, and a string or
/// list over its maximum, with a 400 in its own error shape that names the field; nothing is
/// written. (Before, a 1 MB comment was stored and its event could never be published.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_strings_and_lists_are_refused_at_the_edge() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let scopes = ["collector:events", "listener:events"];
    let bearer = t.machine_bearer("shop", &scopes).await;
    let before = state_items(&t).await;

    let offer = crate::offer_body();
    let long_comment = given::with(&offer, "offer.comment", "x".repeat(10_001));
    let huge = given::with(&offer, "offer.comment", "x".repeat(1024 * 1024));
    let many_labels = given::with(&offer, "offer.demand_labels", vec!["label"; 1_001]);
    for (body, says) in [
        (long_comment, "offer.comment: at most 10000 characters"),
        (huge, "at most 65536 are accepted"),
        (many_labels, "offer.demand_labels: at most 1000 items"),
    ] {
        t.offers(&demand).create(body).await.refused(400, says);
    }

    // Both with the tenant header and the token, as a TWC client sends them.
    let shop = t.collector(&bearer, "shop");
    let event = crate::sample_body("collector.events.create").unwrap();
    let payload = "event_payload.base64_encoded_payload_json";
    let big = given::with(&event, payload, "A".repeat(200 * 1024));
    shop.post_event(big).await.ok(400);
    let listened = crate::sample_body("externalapi.listener.create").unwrap();
    let listened = given::with(&listened, "event.note", "x".repeat(200 * 1024));
    let listener = "/externalapi/listener/v1/listener";
    // The Listener's catalogue.
    shop.send("POST", listener, listened).await.coded(400, 22);
    assert_eq!(state_items(&t).await, before, "a refused request wrote");
}

/// The table's items less the Listener's per-minute request counters (`RATE#`), which count
/// every request, refused or not.
async fn state_items(t: &TestStack) -> usize {
    use aws_sdk_dynamodb::types::AttributeValue::{self, S};
    let counter =
        |pk: Option<&AttributeValue>| matches!(pk, Some(S(pk)) if pk.starts_with("RATE#"));
    let items = t.items().await;
    items.iter().filter(|i| !counter(i.get("pk"))).count()
}

/// High (slow webhooks): one tenant's callback accepts connections and never answers; another
/// tenant's delivery, posted after it, still arrives before the first hung try is even given
/// up, and the hung one ends in the hub dead-letter queue after its tries. (Before, the stream
/// function delivered record by record: the other tenant waited for every retry of the first.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_webhook_never_delays_another_tenants_delivery() {
    let t = TestStack::start_with(&[
        ("DELIVERY_ATTEMPTS", "3"),
        ("DELIVERY_BACKOFF_MS", "0"),
        ("DELIVERY_TIMEOUT_MS", "1000"),
    ])
    .await;
    let timeline: Arc<Mutex<Vec<String>>> = Arc::default();
    let tarpit = Tarpit::start(timeline.clone()).await;
    let healthy = Receiver::start(200).await;
    let slow = t.machine_bearer("slow-shop", &given::LISTENER).await;
    let fast = t.machine_bearer("fast-shop", &given::LISTENER).await;
    let (slow_subscription, _) = given::hub_subscription(&t, &slow, &tarpit.url("/hook"), "").await;
    given::hub_subscription(&t, &fast, &healthy.url("/hook"), "").await;
    // The hung tenant's event first.
    for (bearer, id) in [(&slow, "evt-slow"), (&fast, "evt-fast")] {
        let event = given::state_change(id, "completed");
        t.listener(bearer).post_event(event).await.ok(201);
    }

    let watcher = {
        let timeline = timeline.clone();
        let healthy = healthy.deliveries_handle();
        tokio::spawn(async move {
            while healthy.lock().unwrap().is_empty() {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            timeline.lock().unwrap().push("healthy: delivered".into());
        })
    };
    t.settle().await;
    watcher.await.unwrap();

    let timeline = timeline.lock().unwrap().clone();
    let first = timeline.first().map(String::as_str);
    let why = "the healthy delivery waited for the hung callback";
    assert_eq!(first, Some("healthy: delivered"), "{why}: {timeline:?}");
    let tries = timeline.iter().filter(|e| e.starts_with("tarpit")).count();
    let why = "DELIVERY_ATTEMPTS tries at the hung callback";
    assert_eq!(tries, 3, "{why}: {timeline:?}");
    assert_eq!(healthy.deliveries().len(), 1);

    let parked = given::dead_letter(&t, "HubDeadLetterQueue").await;
    assert_fields!(parked, {"subscription_id": slow_subscription, "tenant": "slow-shop",
        "attempts": 3});
}

/// Writes an event item as a write's transaction would, with a payload of `payload_bytes`.
async fn put_event(
    t: &TestStack,
    recipient: shared::kernel::ids::OrgId,
    payload_bytes: Option<usize>,
) {
    use shared::events::{Channel, EventName, EventRecord};
    let mut record = EventRecord::offer(
        Channel::OutboxOffers,
        EventName::OfferAccepted,
        vec![recipient],
        shared::kernel::ids::OfferId::new(),
        shared::kernel::time::now(),
    );
    if let Some(n) = payload_bytes {
        let mut payload: Value = serde_json::from_str(&record.payload).unwrap();
        payload["padding"] = json!("x".repeat(n));
        record.payload = payload.to_string();
    }
    use shared::store::db::{Cond, Keys, to_item};
    let keys = Keys::new(format!("EVT#{}", record.event_id), "EVT");
    let mut item = to_item("event", &keys, &record).unwrap();
    let ttl = aws_sdk_dynamodb::types::AttributeValue::N("4102444800".into());
    item.insert("ttl".into(), ttl);
    t.stack.app().db.put(item, Cond::New).await.unwrap();
}

/// High (oversized events): an event too large for SNS and for a feed item, written between
/// two ordinary ones, is parked (described on the stream failure queue) by the publisher and
/// by the feed writer; its neighbours reach the organization's subscriber and its tenant's
/// feed once each, and no stream batch is reported failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_event_is_parked_and_blocks_no_neighbour() {
    let t = TestStack::start().await;
    let demand = given::org(&t.demo.demand);
    let subscriber = given::subscriber(&t, &t.demo.demand).await;
    let feed = given::feed(&t, &demand.to_string(), &["OfferAccepted"]).await;

    put_event(&t, demand, None).await;
    put_event(&t, demand, Some(360_000)).await;
    put_event(&t, demand, None).await;
    t.settle().await;

    let published = subscriber.drain().await;
    assert_eq!(published.len(), 2, "the two ordinary events, once each");
    let pulled = t.notification(&feed.consumer).pull(&feed.id).await;
    assert_eq!(pulled.body["size"], 2, "{:?}", pulled.body);

    let parked = given::drain_stack_queue(&t, "StreamFailureQueue").await;
    let reasons = parked.iter().map(|p| p["reason"].as_str());
    let reasons = reasons.map(|r| r.unwrap_or("a failed stream batch"));
    let mut reasons: Vec<&str> = reasons.collect();
    reasons.sort_unstable();
    let both = ["feed_item_too_large", "message_too_large"];
    assert_eq!(reasons, both, "{parked:?}");
}

/// Medium (quotas): every resource a tenant creates is capped per tenant (template
/// parameters; 2 here): the create past the cap is refused in the family's error shape, and
/// another tenant is unaffected. The scheduler refuses a schedule finer than a minute.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_resources_have_quotas_and_schedules_a_minimum_interval() {
    let t = TestStack::start_with(&[
        ("MAX_EVENT_SUBSCRIPTIONS_PER_TENANT", "2"),
        ("MAX_JOBS_PER_TENANT", "2"),
        ("MAX_HUB_SUBSCRIPTIONS_PER_TENANT", "2"),
        ("MAX_NOTIFICATION_SUBSCRIPTIONS_PER_TENANT", "2"),
    ])
    .await;
    let t = &t;
    let scopes = [
        "collector:subscriptions",
        "collector:jobs",
        "listener:hub",
        "notification:consent:administrator",
        "notification:consent:consumer",
    ];
    let receiver = Receiver::start(200).await;
    for tenant in ["quota-a", "quota-b"] {
        let (client_id, bearer) = t.machine_login(tenant, &scopes).await;
        // Every resource with the tenant header, as the Event Collector needs it.
        let shop = t.collector(&bearer, tenant);
        let post = |path: &'static str, body: Value| shop.send("POST", path, body);
        let sample = |name| crate::sample_body(name).unwrap();
        let sub = sample("collector.event_subscription.create");
        let job = sample("collector.jobs.create");
        let subscription = |n: usize| given::with(&sub, "id", format!("sub-{n}"));
        let job = |n: usize| given::with(&job, "id", format!("job-{n}"));
        let hub = |_: usize| json!({"callback": receiver.url("/hook"), "query": ""});
        let feed = |_: usize| json!({"event_type_ids": ["OfferAccepted"], "client_id": client_id});
        type Body<'a> = &'a dyn Fn(usize) -> Value;
        let resources: [(&str, Body, u16); 4] = [
            ("/api/v1/event-subscription", &subscription, 409),
            ("/api/v1/jobs", &job, 409),
            ("/externalapi/hub/v1/hub", &hub, 403),
            ("/notification/v1/subscriptions", &feed, 409),
        ];
        for (path, body, refused) in resources {
            for n in 0..2 {
                let made = post(path, body(n)).await;
                made.ok_as(201, format!("{tenant} {path} #{n}"));
            }
            let r = post(path, body(2)).await;
            let r = r.ok_as(refused, format!("{tenant} {path} #2"));
            let capped = r.to_string().contains("at most 2 per tenant");
            assert!(capped, "{path}: {r}");
        }
        let every_second = given::with(&job(9), "schedule", "*/10 * * * * *");
        post("/api/v1/jobs", every_second).await.ok(400);
    }
}

/// Every IAM statement of every function in the nested templates, with its handler.
fn statements() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (_, _, r) in nested_resources() {
        if r["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let p = &r["Properties"];
        let policies = p["Policies"].as_array().into_iter().flatten();
        let statements = policies.flat_map(|p| p["Statement"].as_array().into_iter().flatten());
        out.extend(statements.map(|s| (text(&p["Handler"]), s.clone())));
    }
    out
}

fn actions(statement: &Value) -> Vec<String> {
    match &statement["Action"] {
        Value::String(a) => vec![a.clone()],
        v => strings(v).into_iter().collect(),
    }
}

/// Medium (key separation): only the token endpoint can sign with the machine-token key
/// (downloads have a key of their own), and every use of the credentials key is bound by a
/// condition on the encryption context to the one kind of secret the function handles.
#[test]
fn signing_keys_are_separate_and_secrets_are_bound_to_their_kind() {
    let mut n = 0;
    for (handler, s) in statements() {
        let (acts, resource) = (actions(&s), s["Resource"].to_string());
        if acts.iter().any(|a| a == "kms:Sign") && resource.contains("TokenSigningKeyArn") {
            let why = "can sign machine access tokens";
            assert_eq!(handler, "oauth.token", "{handler} {why}");
        }
        let crypts = acts
            .iter()
            .any(|a| ["kms:Encrypt", "kms:Decrypt"].contains(&&**a));
        if crypts && resource.contains("CredentialsKeyArn") {
            n += 1;
            let why = "on the credentials key without an encryption-context condition";
            assert!(s["Condition"].is_object(), "{handler}: {acts:?} {why}");
        }
    }
    assert!(n >= 7, "{n} uses of the credentials key found");
}

/// Medium (key separation), against KMS: a download token signed with the machine-token key
/// (what any function that could sign a download could make) is refused by the download
/// verifier; one signed with the download key is accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_signed_with_the_machine_key_opens_no_download() {
    use shared::identity::oauth::sign;
    let t = TestStack::start().await;
    let downloads = &t.stack.function("offers.downloads.get").unwrap().app;
    let tokens = &t.stack.function("oauth.token").unwrap().app;
    let claims = shared::infra::presign::DownloadClaims::new(
        &downloads.config.token_issuer,
        shared::infra::presign::DownloadKind::MessageFile,
        uuid::Uuid::new_v4(),
        given::org(&t.demo.demand),
        shared::kernel::time::now(),
        300,
    );
    let verify = async |token: String| downloads.downloads.verify(&downloads.aws, &token).await;
    let machine_key = &tokens.config.token_signing_key_id;
    let forged = sign(&tokens.aws, machine_key, &claims).await.unwrap();
    let why = "a download token signed with the machine-token key was accepted";
    assert!(verify(forged).await.is_err(), "{why}");
    let download_key = &downloads.config.download_signing_key_id;
    let genuine = sign(&downloads.aws, download_key, &claims).await.unwrap();
    assert_eq!(verify(genuine).await.unwrap(), claims);
}

/// Medium (quotas), AlayaMarket: an organization's subscriptions to the platform's topics are
/// capped (each is an SNS filter policy); unsubscribing frees a place, and another
/// organization is unaffected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizations_topic_subscriptions_have_a_quota() {
    let t = TestStack::start_with(&[("MAX_TOPIC_SUBSCRIPTIONS_PER_ORGANIZATION", "2")]).await;
    let t = &t;
    let admin = t.login(&t.demo.sys_admin).await;
    let item = |topic: &str, n: usize| {
        json!({"topic": topic, "protocol": "https",
               "endpoint": format!("https://hooks.example.com/{topic}/{n}")})
    };
    for user in [&t.demo.demand, &t.demo.supply_a] {
        let token = t.login(user).await;
        let token = &token;
        let subscribe = |items: Vec<Value>| async move {
            let body = json!({ "subscriptions": items });
            t.organizations(token).subscribe(body).await
        };
        let made = subscribe(vec![item("outbox-offers", 1), item("outbox-referrals", 1)]).await;
        let made = made.ok(200);
        let refused = subscribe(vec![item("outbox-messages", 1)]).await;
        refused.refused(409, "at most 2 per organization");
        let arn = text(&made["subscriptions"][0]["subscription_arn"]);
        let body = json!({ "subscription_arn": arn });
        let sys_admin = t.organizations(&admin).sys_admin();
        sys_admin.unsubscribe(body).await.ok(204);
        let again = subscribe(vec![item("outbox-messages", 1)]).await;
        again.ok_as(200, "a freed place is usable");
    }
}
