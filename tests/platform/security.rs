//! Tenant safety (docs/security.md): each finding's regression test, template checks first.

use std::collections::BTreeSet;

use devstack::template::Template;
use platform_tests::TestStack;
use serde_json::{Value, json};
use shared::auth::AUTHORIZATION_ATTRIBUTES;

fn root_template() -> Template {
    Template::load(&devstack::repo_root().join("template.yaml")).expect("template.yaml parses")
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// T1: no attribute that decides authorization can be written by a user: it is immutable, and
/// the only clients that may write it (at creation) carry a secret, allow no password login and
/// are not the client whose tokens the API accepts.
#[test]
fn authorization_attributes_are_never_user_writable() {
    let template = root_template();
    let resources = template.doc["Resources"].as_object().expect("Resources");
    let of_type = |ty: &'static str| {
        resources
            .iter()
            .filter(move |(_, r)| r["Type"] == ty)
            .map(|(id, r)| (id.clone(), r["Properties"].clone()))
    };
    // The clients whose tokens the functions verify: what is passed as `UserPoolClientId`.
    let trusted: BTreeSet<String> = resources
        .values()
        .filter_map(|r| r["Properties"]["Parameters"]["UserPoolClientId"]["Ref"].as_str())
        .map(str::to_owned)
        .collect();
    assert!(
        !trusted.is_empty(),
        "no nested stack is given UserPoolClientId"
    );

    let pools: Vec<_> = of_type("AWS::Cognito::UserPool").collect();
    assert_eq!(pools.len(), 1);
    for attribute in AUTHORIZATION_ATTRIBUTES {
        let name = attribute.trim_start_matches("custom:");
        let schema = pools[0]
            .1
            .get("Schema")
            .and_then(Value::as_array)
            .and_then(|s| s.iter().find(|a| a["Name"] == name))
            .unwrap_or_else(|| panic!("{attribute} is not in the pool's schema"));
        assert_eq!(
            schema["Mutable"],
            json!(false),
            "{attribute} must be immutable (Mutable: false): a mutable attribute can be rewritten"
        );
    }

    let clients: Vec<_> = of_type("AWS::Cognito::UserPoolClient").collect();
    assert!(!clients.is_empty());
    for (id, client) in clients {
        assert!(
            client["WriteAttributes"].is_array(),
            "{id}: without WriteAttributes a client may write every mutable attribute"
        );
        let writes = strings(&client["WriteAttributes"]);
        let writes_authorization = AUTHORIZATION_ATTRIBUTES.iter().any(|a| writes.contains(*a));
        if trusted.contains(&id) {
            let allowed: BTreeSet<String> = ["email", "name"].map(str::to_owned).into();
            assert!(
                writes.is_subset(&allowed),
                "{id} is the participants' client; it may write only email and name, not {writes:?}"
            );
        } else if writes_authorization {
            assert_eq!(
                client["GenerateSecret"],
                json!(true),
                "{id} writes an authorization attribute, so it must hold a secret"
            );
            let flows = strings(&client["ExplicitAuthFlows"]);
            assert!(
                flows.iter().all(|f| f == "ALLOW_REFRESH_TOKEN_AUTH"),
                "{id} writes an authorization attribute; no one may log in through it: {flows:?}"
            );
        }
    }
}

/// T1, as an attacker would try it on AWS: log in, then rewrite `custom:organization_id` with
/// the AccessToken login returns. Refused, and the next login is still the own organization.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_cannot_move_itself_into_another_organization() {
    let t = TestStack::start().await;
    let user = &t.demo.demand;
    let own = user.organization.as_ref().unwrap().id.to_string();
    let victim = t
        .demo
        .supply_a
        .organization
        .as_ref()
        .unwrap()
        .id
        .to_string();
    let login = json!({"username": user.email, "password": user.password});
    let tokens = t
        .call("POST", "/auth/v1/login", None, Some(login.clone()))
        .await;
    assert_eq!(tokens.status, 200);

    let cognito = t.stack.app().aws.cognito().await;
    let attribute = |name: &str, value: &str| {
        aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
            .name(name)
            .value(value)
            .build()
            .unwrap()
    };
    let rewritten = cognito
        .update_user_attributes()
        .access_token(tokens.body["AccessToken"].as_str().unwrap())
        .user_attributes(attribute("custom:organization_id", &victim))
        .send()
        .await;
    assert!(rewritten.is_err(), "the user rewrote its organization id");

    let again = t.call("POST", "/auth/v1/login", None, Some(login)).await;
    let id_token = again.body["IdToken"].as_str().unwrap();
    let me = t
        .call("GET", "/auth/v1/current_identity", Some(id_token), None)
        .await;
    assert_eq!(me.body["organization_id"], own.as_str());
}

fn nested_templates() -> Vec<(String, Value)> {
    let dir = devstack::repo_root().join("stacks");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("stacks/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let t = Template::load(&p).expect("a nested template parses");
            (p.file_name().unwrap().to_string_lossy().into_owned(), t.doc)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
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
    let mut sensitive = 0;
    let mut consumers = 0;
    for (file, doc) in nested_templates() {
        let resources = doc["Resources"].as_object().unwrap();
        for (id, r) in resources {
            let p = &r["Properties"];
            match r["Type"].as_str() {
                Some("AWS::Serverless::HttpApi") => {
                    let d = &p["DefaultRouteSettings"];
                    assert!(
                        d["ThrottlingRateLimit"].is_object()
                            && d["ThrottlingBurstLimit"].is_object(),
                        "{file} {id}: no default route throttling"
                    );
                }
                Some("AWS::Serverless::Function") => {
                    for event in p["Events"].as_object().into_iter().flat_map(|e| e.values()) {
                        let ep = &event["Properties"];
                        match event["Type"].as_str() {
                            Some("HttpApi") => {
                                let (method, path) =
                                    (ep["Method"].as_str().unwrap(), ep["Path"].as_str().unwrap());
                                if is_sensitive(method, path) {
                                    sensitive += 1;
                                    assert_eq!(
                                        ep["RouteSettings"]["ThrottlingRateLimit"],
                                        json!({"Ref": "SensitiveRouteRateLimit"}),
                                        "{file} {method} {path}: needs the sensitive route limit"
                                    );
                                }
                            }
                            Some("DynamoDB" | "SQS") => {
                                consumers += 1;
                                assert!(
                                    !p["ReservedConcurrentExecutions"].is_null(),
                                    "{file} {id}: an event consumer without reserved concurrency"
                                );
                            }
                            _ => {}
                        }
                    }
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
    let (id, bearer) = t
        .machine_login(
            "shop",
            &["collector:subscriptions", "notification:consent:consumer"],
        )
        .await;
    let collector = [("authorization", bearer.as_str()), ("x-twc-tenant", "shop")];
    let notification = [("authorization", bearer.as_str())];
    let own_subscription = format!("/notification/v1/subscriptions/{id}");
    let calls = || async {
        let c = t
            .request("GET", "/api/v1/event-subscription", &collector, None)
            .await;
        let n = t
            .request("GET", &own_subscription, &notification, None)
            .await;
        (c.status, n.status)
    };
    assert_eq!(calls().await, (200, 404), "the active client is served");

    let admin = t.login(&t.demo.sys_admin).await;
    let gone = t
        .call(
            "DELETE",
            &format!("/oauth/v1/clients/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(gone.status, 204);
    // Past the cache window (1 s here, 5 s by default); the token itself lives an hour.
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    assert_eq!(
        calls().await,
        (401, 401),
        "a deactivated client's token still works"
    );
}

/// Medium (quadratic work before size checks): a list of 50,000 ids is refused with a 400
/// before it is de-duplicated or any organization is read (the body is over its size limit),
/// and so is one of 1,001 ids in a body within it (the list is over its maximum, found while
/// parsing); nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_id_lists_are_refused_before_any_work() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let supplier = t.login(&t.demo.supply_a).await;
    let before = t.items().await.len();
    for (n, says) in [(50_000, "are accepted"), (1_001, "at most 1000")] {
        let ids: Vec<String> = (0..n).map(|_| uuid::Uuid::new_v4().to_string()).collect();
        let mut offer = crate::offer_body();
        offer["direct_supply_persona_ids"] = json!(ids);
        for (token, path, body) in [
            (
                &demand,
                "/organizations/v1/demand_persona/trusted_network",
                json!({"supply_persona_ids": ids}),
            ),
            (
                &supplier,
                "/organizations/v1/supply_persona/trusted_network",
                json!({"demand_persona_ids": ids}),
            ),
            (&demand, "/offers/v1/outbox/offers", offer),
        ] {
            let r = t.call("POST", path, Some(token), Some(body)).await;
            assert_eq!(r.status, 400, "{n} ids, {path}: {:?}", r.body);
            assert!(
                r.body["message"].as_str().unwrap().contains(says),
                "{n} ids, {path}: {:?}",
                r.body
            );
        }
    }
    assert_eq!(t.items().await.len(), before, "a refused request wrote");
}

/// Medium (numbers): a negative or absurd price is a 400 naming the field, on offers and on
/// referrals alike (before, -5 was stored and shown to suppliers).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_or_absurd_prices_are_refused() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let referral = crate::sample_body("offers.outbox.create_referral").unwrap();
    let before = t.items().await.len();
    for rate in [json!(-5), json!(-0.01), json!(1e12)] {
        let mut offer = crate::offer_body();
        offer["price"] = json!({"default": {"rate": rate, "unit": "per_hour"}});
        let mut custom = crate::offer_body();
        custom["price"] = json!({"default": {"rate": 10, "unit": "per_hour"}, "custom": [
            {"rate": rate, "unit": "per_hour", "supply_persona_id": t.demo.supply_a.organization.as_ref().unwrap().id}
        ]});
        let mut direct = referral.clone();
        direct["price"]["rate"] = rate.clone();
        for (path, body, field) in [
            ("/offers/v1/outbox/offers", offer, "price.default.rate"),
            ("/offers/v1/outbox/offers", custom, "price.custom[0].rate"),
            ("/offers/v1/outbox/referrals", direct, "price.rate"),
        ] {
            let r = t.call("POST", path, Some(&demand), Some(body)).await;
            assert_eq!(r.status, 400, "{path} rate {rate}: {:?}", r.body);
            assert!(
                r.body["message"].as_str().unwrap().contains(field),
                "{:?}",
                r.body
            );
        }
    }
    assert_eq!(t.items().await.len(), before, "a refused request wrote");
}

/// High (oversized input): every family refuses a body over its size limit, and a string or
/// list over its maximum, with a 400 in its own error shape that names the field; nothing is
/// written. (Before, a 1 MB comment was stored and its event could never be published.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_strings_and_lists_are_refused_at_the_edge() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let bearer = t
        .machine_bearer("shop", &["collector:events", "listener:events"])
        .await;
    let before = state_items(&t).await;

    let mut long_comment = crate::offer_body();
    long_comment["offer"]["comment"] = json!("x".repeat(10_001));
    let mut huge = crate::offer_body();
    huge["offer"]["comment"] = json!("x".repeat(1024 * 1024));
    let mut many_labels = crate::offer_body();
    many_labels["offer"]["demand_labels"] = json!(vec!["label"; 1_001]);
    for (body, says) in [
        (long_comment, "offer.comment: at most 10000 characters"),
        (huge, "at most 65536 are accepted"),
        (many_labels, "offer.demand_labels: at most 1000 items"),
    ] {
        let r = t
            .call(
                "POST",
                "/offers/v1/outbox/offers",
                Some(&demand),
                Some(body),
            )
            .await;
        assert_eq!(r.status, 400, "{:?}", r.body);
        assert!(
            r.body["message"].as_str().unwrap().contains(says),
            "{:?}",
            r.body
        );
    }

    let json_headers = [
        ("authorization", bearer.as_str()),
        ("x-twc-tenant", "shop"),
        ("content-type", "application/json"),
    ];
    let mut event = crate::sample_body("collector.events.create").unwrap();
    event["event_payload"]["base64_encoded_payload_json"] = json!("A".repeat(200 * 1024));
    let collector = t
        .request(
            "POST",
            "/api/v1/events",
            &json_headers,
            Some(&event.to_string()),
        )
        .await;
    assert_eq!(collector.status, 400, "{:?}", collector.body);
    let mut listened = crate::sample_body("listener.create_event").unwrap();
    listened["event"]["note"] = json!("x".repeat(200 * 1024));
    let listener = t
        .request(
            "POST",
            "/externalapi/listener/v1/listener",
            &json_headers,
            Some(&listened.to_string()),
        )
        .await;
    assert_eq!(listener.status, 400, "{:?}", listener.body);
    assert_eq!(
        listener.body["code"], 22,
        "the Listener's catalogue: {:?}",
        listener.body
    );
    assert_eq!(state_items(&t).await, before, "a refused request wrote");
}

/// The table's items less the Listener's per-minute request counters (`RATE#`), which count
/// every request, refused or not.
async fn state_items(t: &TestStack) -> usize {
    t.items()
        .await
        .iter()
        .filter(|item| {
            !matches!(item.get("pk"), Some(aws_sdk_dynamodb::types::AttributeValue::S(pk)) if pk.starts_with("RATE#"))
        })
        .count()
}
