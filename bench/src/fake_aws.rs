//! A local fake of the AWS calls the offer handlers make, so a handler's own cost can be
//! measured without moto: DynamoDB's JSON protocol (`GetItem`, `Query`, `BatchGetItem`,
//! `TransactWriteItems`) answered from canned items, and the user pool's JWKS. A
//! [`Scenario`] fills it with one demand organization, two suppliers in its trusted network,
//! an open offer matched to both (for accept), and a supplier inbox of a chosen size (for
//! list), and signs the IdTokens the requests carry with the key the JWKS publishes.
//!
//! Writes are acknowledged and forgotten, so every request of a run sees the same state:
//! accept finds the same pending match each time and succeeds each time.
//!
//! It also answers the peer that `instructions --peer` measures beside our handlers
//! (aws-samples/serverless-rust-demo's `put-product` and `get-product`): its table is keyed by
//! `id` alone, and holds one product, [`Scenario::product_id`].

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::process::Command;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use serde_json::{Value, json};
use shared::kernel::ids::{MatchId, OfferId, OrgId, SequenceId};
use shared::marketplace::common::CareType;
use shared::marketplace::offer::{MatchResponse, Offer, OfferMatch};
use shared::marketplace::organization::{AssignmentMode, Organization};
use shared::marketplace::store::inbox::{InboxRow, inbox_counts_key};
use shared::marketplace::store::offers::{match_keys, offer_keys};
use shared::marketplace::store::organizations::org_keys;
use shared::marketplace::wire::offers::CreateOfferRequest;
use shared::store::db::{Keys, to_item};

pub const REGION: &str = "us-east-1";
pub const USER_POOL_ID: &str = "us-east-1_bench";
pub const USER_POOL_CLIENT_ID: &str = "bench";
pub const TABLE: &str = "bench-PlatformTable";

/// A 2048-bit RSA key made for this benchmark only (it signs nothing else), and its JWKS.
const SIGNING_KEY: &[u8] = include_bytes!("../fixtures/bench-only-rsa.pem");
const JWKS: &str = include_str!("../fixtures/bench-jwks.json");
const KEY_ID: &str = "bench";

type Wire = Value;

#[derive(Default)]
pub struct FakeAws {
    /// Items by (pk, sk), in DynamoDB's JSON wire format.
    items: HashMap<(String, String), Wire>,
    /// The peer's products by `id`, in the wire format.
    products: HashMap<String, Wire>,
    /// Query answers by (index name or "", partition key value).
    queries: HashMap<(String, String), Vec<Wire>>,
    /// Calls served, by operation (`GetItem`, …, `jwks`).
    calls: Mutex<BTreeMap<String, u64>>,
}

impl FakeAws {
    fn put(&mut self, kind: &str, keys: &Keys, record: &impl Serialize) -> Wire {
        let item = to_item(kind, keys, record).expect("item serializes");
        let wire = serde_json::to_value(serde_dynamo::Item::from(item)).expect("wire format");
        self.items
            .insert((keys.pk.clone(), keys.sk.clone()), wire.clone());
        wire
    }

    fn answer_query(&mut self, index: &str, pk: String, items: Vec<Wire>) {
        self.queries
            .entry((index.to_owned(), pk))
            .or_default()
            .extend(items);
    }

    /// A copy of the call counters.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.calls.lock().unwrap().clone()
    }

    fn count(&self, op: &str) {
        *self.calls.lock().unwrap().entry(op.to_owned()).or_default() += 1;
    }

    fn lookup(&self, key: &Value) -> Option<Wire> {
        if let Some(id) = key["id"]["S"].as_str() {
            return self.products.get(id).cloned();
        }
        let pk = key["pk"]["S"].as_str()?.to_owned();
        let sk = key["sk"]["S"].as_str()?.to_owned();
        self.items.get(&(pk, sk)).cloned()
    }

    fn dynamodb(&self, op: &str, request: &Value) -> Option<Value> {
        Some(match op {
            "GetItem" => match self.lookup(&request["Key"]) {
                Some(item) => json!({ "Item": item }),
                None => json!({}),
            },
            "Query" => {
                let index = request["IndexName"].as_str().unwrap_or_default().to_owned();
                let pk = request["ExpressionAttributeValues"][":pk"]["S"]
                    .as_str()?
                    .to_owned();
                let mut items = self.queries.get(&(index, pk)).cloned().unwrap_or_default();
                if let Some(names) = projection(request) {
                    items = items.into_iter().map(|i| project(i, &names)).collect();
                }
                json!({ "Items": items, "Count": items.len(), "ScannedCount": items.len() })
            }
            "BatchGetItem" => {
                let mut responses = serde_json::Map::new();
                for (table, request) in request["RequestItems"].as_object()? {
                    let projection = projection(request);
                    let found: Vec<Wire> = request["Keys"]
                        .as_array()?
                        .iter()
                        .filter_map(|k| self.lookup(k))
                        .map(|item| match &projection {
                            Some(names) => project(item, names),
                            None => item,
                        })
                        .collect();
                    responses.insert(table.clone(), Value::Array(found));
                }
                json!({ "Responses": responses, "UnprocessedKeys": {} })
            }
            "TransactWriteItems" | "PutItem" => json!({}),
            _ => return None,
        })
    }
}

/// The top-level attribute names of a request's `ProjectionExpression`, if it has one.
fn projection(request: &Value) -> Option<Vec<String>> {
    let expression = request["ProjectionExpression"].as_str()?;
    let names = &request["ExpressionAttributeNames"];
    Some(
        expression
            .split(',')
            .map(str::trim)
            .map(|n| names[n].as_str().unwrap_or(n).to_owned())
            .collect(),
    )
}

fn project(item: Wire, names: &[String]) -> Wire {
    match item {
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(k, _)| names.contains(k)).collect())
        }
        other => other,
    }
}

fn respond(status: u16, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
    r.headers_mut()
        .insert("content-type", content_type.parse().unwrap());
    r
}

async fn handle(fake: Arc<FakeAws>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    if req.method() == hyper::Method::GET && req.uri().path().ends_with("/jwks.json") {
        fake.count("jwks");
        return respond(200, "application/json", JWKS.to_owned());
    }
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let op = target.rsplit('.').next().unwrap_or_default();
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let answer = target
        .starts_with("DynamoDB_20120810.")
        .then(|| fake.dynamodb(op, &request))
        .flatten();
    match answer {
        Some(v) => {
            fake.count(op);
            respond(200, "application/x-amz-json-1.0", v.to_string())
        }
        None => {
            fake.count(&format!("unsupported {target}"));
            respond(
                400,
                "application/x-amz-json-1.0",
                json!({"__type": "com.amazon.coral.service#UnknownOperationException",
                       "message": format!("the benchmark's fake does not answer {target:?}")})
                .to_string(),
            )
        }
    }
}

/// What the benchmarks run the offer handlers against.
pub struct Scenario {
    pub fake: Arc<FakeAws>,
    pub endpoint: SocketAddr,
    /// IdToken of an `org_admin` of the demand organization.
    pub demand_token: String,
    /// IdToken of an `org_admin` of the first supplier.
    pub supplier_token: String,
    /// An open offer with a pending match for the first supplier.
    pub offer_id: OfferId,
    /// Offers in the first supplier's inbox.
    pub inbox_size: usize,
    /// The one product in the peer's table.
    pub product_id: String,
}

/// The product the peer's `put-product` writes and `get-product` reads.
const PRODUCT_ID: &str = "bench-product-1";

fn id_token(subject: &str, org: OrgId) -> String {
    let claims = json!({
        "sub": subject,
        "token_use": "id",
        "email": format!("{subject}@example.com"),
        "cognito:groups": ["org_admin"],
        "custom:organization_id": org.to_string(),
        "iss": format!("https://cognito-idp.{REGION}.amazonaws.com/{USER_POOL_ID}"),
        "aud": USER_POOL_CLIENT_ID,
        "iat": 1_795_341_600u64,
        // 2100-01-01: the tokens stay valid for as long as the benchmark is used.
        "exp": 4_102_444_800u64,
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KEY_ID.into());
    let key = EncodingKey::from_rsa_pem(SIGNING_KEY).expect("benchmark key");
    jsonwebtoken::encode(&header, &claims, &key).expect("token signs")
}

fn new_offer(demand: OrgId) -> Offer {
    let body = crate::sample_event("offers.outbox.offers.create", "", None)["body"]
        .as_str()
        .expect("sample body")
        .to_owned();
    let request: CreateOfferRequest = serde_json::from_str(&body).expect("sample request");
    request
        .into_offer(demand, shared::kernel::time::now())
        .expect("sample offer is valid")
}

fn pending_match(offer: &Offer, supplier: OrgId) -> OfferMatch {
    OfferMatch {
        id: MatchId::new(),
        offer_id: offer.id,
        demand_org_id: offer.demand_org_id,
        supply_org_id: supplier,
        response: MatchResponse::Pending,
        sequence_id: SequenceId::new(),
        reason_code: None,
        comment: None,
        created_at: offer.created_at,
        updated_at: None,
    }
}

impl Scenario {
    /// Builds the canned state and serves it on loopback; `inbox_size` offers are matched to
    /// the first supplier for the inbox list.
    pub async fn start(inbox_size: usize) -> Self {
        let mut fake = FakeAws::default();
        let demand = devstack::seed::demand_org(OrgId::new(), "Maple", AssignmentMode::Manual);
        let suppliers: Vec<Organization> = ["Cedar", "Birch"]
            .iter()
            .map(|name| devstack::seed::supply_org(OrgId::new(), name, &[CareType::Psw]))
            .collect();
        for org in std::iter::once(&demand).chain(&suppliers) {
            fake.put("organization", &org_keys(org.id), org);
        }
        let trust: Vec<Wire> = suppliers
            .iter()
            .map(|s| {
                let keys = Keys::new(format!("ORG#{}", demand.id), format!("TRUST#{}", s.id))
                    .gsi1(format!("TRUSTED_BY#{}", s.id), demand.id.to_string());
                fake.put(
                    "trust",
                    &keys,
                    &json!({"demand_org_id": demand.id, "supply_org_id": s.id}),
                )
            })
            .collect();
        fake.answer_query("", format!("ORG#{}", demand.id), trust);

        // The offer accept acts on: open, matched to both suppliers.
        let mut offer = new_offer(demand.id);
        offer.counts.sent = suppliers.len() as u32;
        // The copy of the demand's mode that creating an offer writes, on which a manual
        // acceptance decides without reading the organization.
        offer.demand_assignment = Some(demand.assignment_mode());
        let offer_item = fake.put("offer", &offer_keys(&offer), &offer);
        let mut partition = vec![offer_item];
        for s in &suppliers {
            let m = pending_match(&offer, s.id);
            partition.push(fake.put("match", &match_keys(&m), &m));
        }
        fake.answer_query("", format!("OFFER#{}", offer.id), partition);

        // The first supplier's inbox: its projection's rows and its counts.
        let inbox = suppliers[0].id;
        let mut rows = Vec::new();
        for _ in 0..inbox_size {
            let mut o = new_offer(demand.id);
            o.counts.sent = 1;
            let row = InboxRow::of(&o, &pending_match(&o, inbox));
            rows.push(fake.put("inbox_offer", &row.keys(), &row));
        }
        fake.answer_query("gsi1", format!("SUPPLY#{inbox}#INBOX"), rows);
        let (pk, sk) = inbox_counts_key(inbox);
        let n = inbox_size as u64;
        fake.put(
            "counts",
            &Keys::new(pk, sk),
            &json!({"total": n, "open": n}),
        );

        fake.products.insert(
            PRODUCT_ID.to_owned(),
            json!({"id": {"S": PRODUCT_ID}, "name": {"S": "Bench product"}, "price": {"N": "10.5"}}),
        );

        let fake = Arc::new(fake);
        let endpoint = crate::serve(fake.clone(), handle).await;
        Self {
            fake,
            endpoint,
            demand_token: id_token("demand-admin", demand.id),
            supplier_token: id_token("supply-admin", inbox),
            offer_id: offer.id,
            inbox_size,
            product_id: PRODUCT_ID.to_owned(),
        }
    }

    /// The request event of one of the measured handlers, with its token and ids.
    pub fn event(&self, handler: &str) -> Value {
        match handler {
            "offers.outbox.offers.create" => crate::sample_event(handler, &self.demand_token, None),
            "offers.inbox.offers.accept" => crate::sample_event(
                handler,
                &self.supplier_token,
                Some(&self.offer_id.to_string()),
            ),
            "offers.inbox.offers.list" => crate::sample_event(handler, &self.supplier_token, None),
            _ => crate::sample_event(handler, "", None),
        }
    }

    /// The API Gateway (HTTP API, payload 2.0) event of one of the peer's functions, as its
    /// template routes it: `put-product` is `PUT /{id}` with the product as its body,
    /// `get-product` is `GET /{id}`.
    pub fn peer_event(&self, function: &str) -> Value {
        let id = &self.product_id;
        let (method, body) = match function {
            "put-product" => (
                "PUT",
                Some(json!({"id": id, "name": "Bench product", "price": 10.5}).to_string()),
            ),
            "get-product" => ("GET", None),
            other => panic!("the benchmark has no event for the peer's {other}"),
        };
        let mut event = crate::sample_event("offers.healthz", "", None);
        let path = format!("/{id}");
        event["routeKey"] = json!(format!("{method} /{{id}}"));
        event["rawPath"] = json!(path);
        event["pathParameters"] = json!({ "id": id });
        event["requestContext"]["http"]["method"] = json!(method);
        event["requestContext"]["http"]["path"] = json!(path);
        event["requestContext"]["routeKey"] = event["routeKey"].clone();
        if let Some(body) = body {
            event["headers"]["content-type"] = json!("application/json");
            event["body"] = json!(body);
        }
        event
    }

    /// The environment Lambda gives a function, with AWS calls sent to this fake.
    pub fn lambda_env(&self, cmd: &mut Command, handler: Option<&str>) {
        lambda_env(cmd, handler);
        cmd.env("AWS_ENDPOINT_URL", format!("http://{}", self.endpoint));
    }
}

/// The environment Lambda gives a function (a clean one: nothing is inherited).
pub fn lambda_env(cmd: &mut Command, handler: Option<&str>) {
    cmd.env_clear()
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_REGION", REGION)
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_SESSION_TOKEN", "test")
        .env("TABLE_NAME", TABLE)
        .env(
            "TOPIC_ARN_PREFIX",
            "arn:aws:sns:us-east-1:123456789012:bench-",
        )
        .env("USER_POOL_ID", USER_POOL_ID)
        .env("USER_POOL_CLIENT_ID", USER_POOL_CLIENT_ID)
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if let Some(h) = handler {
        cmd.env("_HANDLER", h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_the_peers_table_by_id() {
        let mut fake = FakeAws::default();
        let product = json!({"id": {"S": "p"}, "name": {"S": "n"}, "price": {"N": "1"}});
        fake.products.insert("p".into(), product.clone());
        let get = |id: &str| {
            fake.dynamodb(
                "GetItem",
                &json!({"TableName": TABLE, "Key": {"id": {"S": id}}}),
            )
        };
        assert_eq!(get("p"), Some(json!({ "Item": product })));
        assert_eq!(get("q"), Some(json!({})));
        assert_eq!(fake.dynamodb("PutItem", &json!({})), Some(json!({})));
    }

    #[test]
    fn batch_get_applies_the_projection() {
        let request = json!({
            "ProjectionExpression": "#a0, #a1",
            "ExpressionAttributeNames": {"#a0": "id", "#a1": "status"}
        });
        let names = projection(&request).unwrap();
        let item = json!({"id": {"S": "1"}, "status": {"S": "open"}, "client": {"M": {}}});
        assert_eq!(
            project(item, &names),
            json!({"id": {"S": "1"}, "status": {"S": "open"}})
        );
        assert_eq!(projection(&json!({"Keys": []})), None);
    }
}
