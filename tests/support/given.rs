//! The recurring set-ups of the scenario tests, in the domain's words: who is logged in, an
//! offer from the sample body, an offer accepted and assigned, a direct referral. Each asserts
//! the statuses of its own requests, so a test states only what it is about.

use devstack::seed::User;
use serde_json::{Value, json};

use crate::client::NO_BODY;
use crate::harness::TestStack;
use crate::subscriber::Subscriber;

/// The body of a handler's sample event (`events/<handler>.json`), which is a valid request
/// body: one body shared by the docs, `cargo lambda invoke` and the tests.
pub fn sample_body(handler: &str) -> Option<Value> {
    let path = devstack::repo_root().join(format!("events/{handler}.json"));
    let event: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    serde_json::from_str(event["body"].as_str()?).ok()
}

/// The create-offer body of the sample event.
pub fn offer_body() -> Value {
    sample_body("offers.outbox.offers.create").expect("the create-offer sample has a body")
}

/// The sample offer as a `visit` offer of its first visit, under the demand's id
/// `visit_outbox_id`.
pub fn visit_offer_body(visit_outbox_id: &str) -> Value {
    let mut body = offer_body();
    body["offer"]["offer_type"] = json!("visit");
    let mut visit = body["visits"][0].clone();
    visit["outbox_id"] = json!(visit_outbox_id);
    body["visits"] = json!([visit]);
    body
}

/// The direct-referral body of the sample event (to supplier A).
pub fn referral_body() -> Value {
    sample_body("offers.outbox.referrals.create").expect("the referral sample has a body")
}

/// The referral-revision body of the sample event.
pub fn revision_body() -> Value {
    sample_body("offers.outbox.referrals.update").expect("the revision sample has a body")
}

/// A string of a response body (an id, mostly), owned.
#[track_caller]
pub fn text(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

/// `(channel, event_name)` pairs, sorted, as [`Subscriber::names`] gives them.
pub fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = v
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    v.sort();
    v
}

/// The demo users' tokens.
pub struct Logins {
    pub demand: String,
    pub supply_a: String,
    pub supply_b: String,
    pub sys_admin: String,
}

/// The demand, both suppliers and the sys_admin of the demo data, logged in.
pub async fn logins(t: &TestStack) -> Logins {
    let d = &t.demo;
    let (demand, supply_a, supply_b, sys_admin) = tokio::join!(
        t.login(&d.demand),
        t.login(&d.supply_a),
        t.login(&d.supply_b),
        t.login(&d.sys_admin)
    );
    Logins {
        demand,
        supply_a,
        supply_b,
        sys_admin,
    }
}

/// A subscriber of `user`'s organization to every topic.
pub async fn subscriber(t: &TestStack, user: &User) -> Subscriber {
    Subscriber::new(t, user.organization.as_ref().expect("an organization").id).await
}

/// An offer from the sample body, created by `demand`: its id.
pub async fn offer(t: &TestStack, demand: &str) -> String {
    let created = t.offers(demand).create(offer_body()).await.ok(201);
    text(&created["offer"]["id"])
}

/// The sequence between the demand and the supplier whose token this is, for a matched offer.
pub async fn sequence(t: &TestStack, offer_id: &str, supplier: &str) -> String {
    let offer = t.offers(supplier).inbox(offer_id).await.ok(200);
    text(&offer["match"]["sequence_id"])
}

/// `demand` has offers assigned automatically: the first acceptance assigns.
pub async fn auto_assignment(t: &TestStack, demand: &str) {
    let body = json!({"offer_assignment": "auto"});
    t.offers(demand).set_assignment(body).await.ok(204);
}

/// The demand assigns the one accepted match of the offer: the referral's id.
pub async fn assigned(t: &TestStack, logins: &Logins, offer_id: &str) -> String {
    let demand = t.offers(&logins.demand);
    let matches = demand.matches(offer_id, "response=accepted").await.ok(200);
    assert_eq!(matches["total_items"], 1, "one accepted match: {matches}");
    let body = json!({"offer_match_id": matches["items"][0]["match"]["id"]});
    demand.assign(offer_id, body).await.ok(204);
    referral_of(t, &logins.demand, offer_id).await
}

/// `supplier` accepts the offer and the demand assigns it: the referral's id.
pub async fn accepted_and_assigned(
    t: &TestStack,
    logins: &Logins,
    offer_id: &str,
    supplier: &str,
) -> String {
    t.offers(supplier).accept(offer_id, NO_BODY).await.ok(204);
    assigned(t, logins, offer_id).await
}

/// With automatic assignment, an offer of `body` accepted by supplier A: the referral's id.
pub async fn auto_assigned(t: &TestStack, logins: &Logins, body: Value) -> String {
    auto_assignment(t, &logins.demand).await;
    let created = t.offers(&logins.demand).create(body).await.ok(201);
    let offer_id = text(&created["offer"]["id"]);
    let supply_a = t.offers(&logins.supply_a);
    supply_a.accept(&offer_id, json!({})).await.ok(204);
    referral_of(t, &logins.demand, &offer_id).await
}

/// The one referral of an offer, as its demand lists it.
async fn referral_of(t: &TestStack, demand: &str, offer_id: &str) -> String {
    let query = format!("offer_id={offer_id}");
    let list = t.referrals(demand).outbox_list(&query).await.ok(200);
    assert_eq!(list["total_items"], 1, "one referral: {list}");
    text(&list["items"][0]["referral"]["id"])
}

/// A direct referral of `body` by `demand`: the response body.
pub async fn direct_referral(t: &TestStack, demand: &str, body: Value) -> Value {
    t.referrals(demand).create(body).await.ok(201)
}

/// The `id`s of a page's items, in order.
#[track_caller]
pub fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {page}"))
        .iter()
        .map(|i| text(&i["id"]))
        .collect()
}

/// `org` stored, with an org_admin of it (`email`) logged in: the admin's token.
pub async fn org_admin(
    t: &TestStack,
    org: &shared::marketplace::organization::Organization,
    email: &str,
) -> String {
    t.stack
        .put_org(org)
        .await
        .expect("the organization is stored");
    let user = t
        .stack
        .create_user(
            email,
            "Org-Admin-Passw0rd!",
            "Admin",
            "org_admin",
            Some(org),
        )
        .await
        .expect("the admin is created");
    t.login(&user).await
}

/// A Notification API subscription of `client_id` to `types`, made by the tenant
/// administrator `admin`: its id.
pub async fn notification_subscription(
    t: &TestStack,
    admin: &str,
    client_id: &str,
    types: &[&str],
) -> String {
    let body = json!({"event_type_ids": types, "client_id": client_id});
    let created = t.notification(admin).subscribe(body).await.ok(201);
    text(&created["id"])
}

/// An SQS queue of this test's own, `{stack name}-{name}`.
pub struct Queue {
    pub url: String,
    pub arn: String,
}

/// A new queue `{stack name}-{name}`.
pub async fn queue(t: &TestStack, name: &str) -> Queue {
    let sqs = aws_sdk_sqs::Client::new(&t.stack.sdk);
    let name = format!("{}-{name}", t.stack.options.stack_name);
    let created = sqs.create_queue().queue_name(&name).send().await;
    Queue {
        url: created.expect("the queue is created").queue_url.unwrap(),
        arn: format!(
            "arn:aws:sqs:us-east-1:{}:{name}",
            devstack::provision::ACCOUNT
        ),
    }
}

/// Every message in the queue at `url`, consumed, each body as JSON.
pub async fn drain(t: &TestStack, url: &str) -> Vec<Value> {
    crate::drain_queue(&aws_sdk_sqs::Client::new(&t.stack.sdk), url).await
}

/// Every message in the stack's queue `logical_id` (a template resource), consumed.
pub async fn drain_stack_queue(t: &TestStack, logical_id: &str) -> Vec<Value> {
    let queue = t.stack.resource(logical_id).expect("a stack queue");
    drain(t, &queue.reference).await
}
