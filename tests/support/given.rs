//! The recurring set-ups of the scenario tests, in the domain's words: who is logged in, an
//! offer from the sample body, an offer accepted and assigned, a direct referral. Each asserts
//! the statuses of its own requests, so a test states only what it is about.

use devstack::seed::User;
use serde_json::{Value, json};
use shared::events::Channel;
use shared::kernel::ids::OrgId;
use shared::marketplace::common::CareType;
use shared::marketplace::organization::Organization;

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

impl Logins {
    /// The tokens of the demand and of suppliers A and B, in that order.
    pub fn parties(self) -> (String, String, String) {
        (self.demand, self.supply_a, self.supply_b)
    }
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
pub async fn org_admin(t: &TestStack, org: &Organization, email: &str) -> String {
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

/// The one message parked on the stack's queue `logical_id` (a dead-letter or failure
/// queue), consumed.
pub async fn dead_letter(t: &TestStack, logical_id: &str) -> Value {
    let mut parked = drain_stack_queue(t, logical_id).await;
    assert_eq!(parked.len(), 1, "one message on {logical_id}: {parked:?}");
    parked.remove(0)
}

/// Deletes `org`'s topic of `channel`, which stays recorded as existing, so that publishing
/// to it fails (rather than being skipped as for an organization that never subscribed): its
/// ARN, for [`topic_back`].
pub async fn topic_gone(t: &TestStack, channel: Channel, org: OrgId) -> String {
    let topic = t.stack.app().config.topic_arn(channel, org);
    let sns = aws_sdk_sns::Client::new(&t.stack.sdk);
    let deleted = sns.delete_topic().topic_arn(&topic).send().await;
    deleted.expect("the topic is deleted");
    topic
}

/// Creates the topic `arn` again, under the same ARN (it has no subscriptions).
pub async fn topic_back(t: &TestStack, arn: &str) {
    let sns = aws_sdk_sns::Client::new(&t.stack.sdk);
    let name = arn.rsplit(':').next().expect("an ARN");
    let created = sns.create_topic().name(name).send().await;
    let created = created.expect("the topic is created");
    assert_eq!(created.topic_arn.as_deref(), Some(arn));
}

/// The id of `user`'s organization.
pub fn org(user: &User) -> OrgId {
    user.organization.as_ref().expect("an organization").id
}

/// A Listener client's scopes: post events and manage callbacks.
pub const LISTENER: [&str; 2] = ["listener:events", "listener:hub"];

/// Every Event Collector scope.
pub const COLLECTOR: [&str; 3] = [
    "collector:events",
    "collector:subscriptions",
    "collector:jobs",
];

/// The Notification API's administrator and consumer scopes.
pub const NOTIFY_ADMIN: &str = "notification:consent:administrator";
pub const NOTIFY_CONSUMER: &str = "notification:consent:consumer";

/// Subscribers of the demo demand's and both suppliers' organizations.
pub struct Subscribers {
    pub demand: Subscriber,
    pub a: Subscriber,
    pub b: Subscriber,
}

impl Subscribers {
    /// Drops what each has received so far.
    pub async fn clear(&self) {
        for s in [&self.demand, &self.a, &self.b] {
            s.drain().await;
        }
    }
}

/// A subscriber of each demo organization.
pub async fn subscribers(t: &TestStack) -> Subscribers {
    let d = &t.demo;
    let (demand, a, b) = tokio::join!(
        subscriber(t, &d.demand),
        subscriber(t, &d.supply_a),
        subscriber(t, &d.supply_b)
    );
    Subscribers { demand, a, b }
}

/// A supply organization outside the demo demand's trusted network ("Stranger"), with its
/// admin logged in: the organization and the admin's token.
pub async fn stranger(t: &TestStack) -> (Organization, String) {
    let org = devstack::seed::supply_org(OrgId::new(), "Stranger", &[CareType::Psw]);
    let token = org_admin(t, &org, "stranger@example.com").await;
    (org, token)
}

/// A second demand organization ("Other Demand") with its admin (`email`) logged in: the
/// organization and the admin's token.
pub async fn other_demand(t: &TestStack, email: &str) -> (Organization, String) {
    let org = devstack::seed::demand_org(OrgId::new(), "Other Demand", Default::default());
    let token = org_admin(t, &org, email).await;
    (org, token)
}

/// A comment in a sequence, as either side sends it.
pub fn comment(sequence_id: impl serde::Serialize, words: &str) -> Value {
    json!({"sequence_id": sequence_id, "category": "comment", "text": words})
}

/// A visit on the service referral `referral_id`, 2030-01-15 09:00–10:00, under the
/// supplier's own `inbox_id`.
pub fn visit_schedule(referral_id: &str, inbox_id: &str) -> Value {
    json!({"referral_id": referral_id, "inbox_id": inbox_id,
        "start_at": "2030-01-15T09:00:00Z", "end_at": "2030-01-15T10:00:00Z"})
}

/// The supplier schedules a [`visit_schedule`] on its service referral: the visit's id.
pub async fn scheduled_visit(
    t: &TestStack,
    supplier: &str,
    referral_id: &str,
    inbox_id: &str,
) -> String {
    let body = visit_schedule(referral_id, inbox_id);
    text(&t.visits(supplier).schedule(body).await.ok(201)["id"])
}

/// A work session on `visit_id` that the supplier names `inbox_id`, started at `at` in
/// Toronto.
pub fn work_start(visit_id: &str, inbox_id: &str, at: &str) -> Value {
    json!({"visit_id": visit_id, "inbox_id": inbox_id, "start_at": at,
        "start_latitude": 43.65, "start_longitude": -79.38})
}

/// The end at `at` of the work session on `visit_id` named by `session`: its `inbox_id` or
/// `work_session_id`, as `(field, id)`.
pub fn work_end(visit_id: &str, session: (&str, &str), at: &str) -> Value {
    let (field, id) = session;
    json!({"visit_id": visit_id, field: id, "end_at": at})
}

/// A form template the demand publishes (the sample, under a new schema): the response.
pub async fn published_form(t: &TestStack, demand: &str) -> Value {
    let mut body = sample_body("offers.outbox.form_templates.publish").expect("a form sample");
    body["schema_id"] = json!(uuid::Uuid::new_v4().to_string());
    t.forms(demand).publish_template(body).await.ok(201)
}

/// A Listener API event about the service order `so-7`.
pub fn service_order_event(event_id: &str, event_type: &str, state: &str) -> Value {
    json!({
        "eventId": event_id,
        "eventDate": "2026-11-22T10:00:00.000Z",
        "eventType": event_type,
        "event": {"id": "so-7", "href": "/serviceOrder/so-7", "state": state}
    })
}

/// A `ServiceOrderStateChangeNotification` of `so-7`, now `state`.
pub fn state_change(event_id: &str, state: &str) -> Value {
    service_order_event(event_id, "ServiceOrderStateChangeNotification", state)
}

/// A hub subscription of the Listener client `bearer` to `callback`: `(id, secret)`.
pub async fn hub_subscription(
    t: &TestStack,
    bearer: &str,
    callback: &str,
    query: &str,
) -> (String, String) {
    let body = json!({"callback": callback, "query": query});
    let created = t.listener(bearer).subscribe(body).await.ok(201);
    (text(&created["id"]), text(&created["secret"]))
}

/// An Event Collector event in the seed's shape (`ENTITY_EVENT` with the entity in
/// `entity_name` for customers, the entity as `event_type` for orders).
pub fn entity_event(id: &str, entity: &str, operation: &str) -> Value {
    use base64::Engine;
    let (event_type, entity_name) = if entity == "CUSTOMER" {
        ("ENTITY_EVENT", "CUSTOMER")
    } else {
        (entity, "order")
    };
    let payload = json!({"id": format!("{entity}-1"), "op": operation}).to_string();
    json!({
        "entity_id": format!("{entity}-1"),
        "entity_name": entity_name,
        "event_payload": {
            "base64_encoded_payload_json": base64::engine::general_purpose::STANDARD.encode(payload),
            "entity_id": format!("{entity}-1"),
            "key_attributes": {"additionalProp1": "ref-1"},
            "operation": operation
        },
        "event_source": "APPLICATION",
        "event_type": event_type,
        "id": id
    })
}

/// An active Event Collector subscription `id` of `entity` events to the SQS queue at
/// `queue_url`, for `[create, change, delete]`.
pub fn sqs_subscription(id: &str, entity: &str, queue_url: &str, flags: [bool; 3]) -> Value {
    json!({
        "active": true,
        "destination": {"type": "SQS", "sqs": {
            "accessKey": "AKIAIOSFODNN7EXAMPLE",
            "accessSecret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "queueUrl": queue_url, "region": "us-east-1"}},
        "entityType": entity,
        "id": id,
        "subscribeCreate": flags[0],
        "subscribeChange": flags[1],
        "subscribeDelete": flags[2]
    })
}

/// A Notification API feed of tenant `tenant`: its subscription's id, and its consumer's
/// token.
pub struct Feed {
    pub id: String,
    pub consumer: String,
}

/// A consumer of `tenant` subscribed to `types` by the tenant's administrator.
pub async fn feed(t: &TestStack, tenant: &str, types: &[&str]) -> Feed {
    let admin = t.machine_bearer(tenant, &[NOTIFY_ADMIN]).await;
    let (consumer_id, consumer) = t.machine_login(tenant, &[NOTIFY_CONSUMER]).await;
    let id = notification_subscription(t, &admin, &consumer_id, types).await;
    Feed { id, consumer }
}

/// The password of [`sign_up_body`]'s admin.
pub const SIGN_UP_PASSWORD: &str = "Riverside-Passw0rd!";

/// A Toronto address, as the Organizations API takes it.
pub fn address() -> Value {
    json!({"address": "1 King St W", "city": "Toronto", "state": "ON", "zip": "M5H 1A1",
           "country": "CA", "latitude": 43.65, "longitude": -79.38})
}

/// A sign-up of "Riverside Care" with its admin `username`, served at `host`.
pub fn sign_up_body(username: &str, host: &str) -> Value {
    json!({
        "username": username, "email": "contact@riverside.example.org", "name": "Riverside Care",
        "source": "internal", "host": host, "password": SIGN_UP_PASSWORD,
        "phone_number": "+14165550111", "phone_extension": "12", "address": address()
    })
}

/// The org_admin `username` of a signed-up organization, as a user to log in.
pub fn signed_up_user(username: &str, password: &str) -> User {
    User {
        email: username.into(),
        password: password.into(),
        group: "org_admin".into(),
        organization: None,
    }
}

/// A copy of `body` with the member at `path` (dot-separated, e.g. `offer.comment`) set to
/// `value`: a variant of a valid body that differs in that one field.
pub fn with(body: &Value, path: &str, value: impl Into<Value>) -> Value {
    let mut body = body.clone();
    *member(&mut body, path) = value.into();
    body
}

/// A copy of `body` without its member at `path` (as for [`with`]; a required one, mostly).
pub fn without(body: &Value, path: &str) -> Value {
    let mut body = body.clone();
    let (parent, field) = path.rsplit_once('.').unwrap_or(("", path));
    let parent = member(&mut body, parent).as_object_mut();
    parent.expect("an object").remove(field);
    body
}

/// The member of `body` at `path` (dot-separated; the body itself for `""`).
fn member<'a>(body: &'a mut Value, path: &str) -> &'a mut Value {
    let keys = path.split('.').filter(|k| !k.is_empty());
    keys.fold(body, |v, key| match key.parse::<usize>() {
        Ok(i) if v.is_array() => &mut v[i],
        _ => &mut v[key],
    })
}
