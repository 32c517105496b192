//! The use-case tier's world: an application over a table in memory, three organizations
//! (a demand and two suppliers in its trusted network), and ways to make a concurrent writer
//! land at an exact moment. No moto, no network: each test takes milliseconds.

use std::sync::{Arc, Mutex};

use devstack::seed::{demand_org, supply_org};
use futures::future::BoxFuture;
use serde_json::Value;
use shared::App;
use shared::events::{EventName, EventRecord};
use shared::infra::config::Config;
use shared::kernel::ids::{OrgId, ReferralId, VisitId};
use shared::marketplace::common::CareType;
use shared::marketplace::organization::AssignmentMode;
use shared::store::db::Item;
use shared::store::{Increment, MemoryTable, Query, StoreFuture, Table, Tx};

/// Runs once, just before the next transaction reaches the table: the other request of a
/// race, landing between this request's read and its write.
type Interference = Box<dyn FnOnce(App) -> BoxFuture<'static, ()> + Send>;

/// The memory table, with interferences queued in front of its transactions.
pub struct Racing {
    inner: Arc<MemoryTable>,
    app: Mutex<Option<App>>,
    before_transact: Mutex<Vec<Interference>>,
}

impl Table for Racing {
    fn get<'a>(&'a self, pk: &'a str, sk: &'a str) -> StoreFuture<'a, Option<Item>> {
        self.inner.get(pk, sk)
    }
    fn query<'a>(&'a self, query: Query<'a>) -> StoreFuture<'a, Vec<Item>> {
        self.inner.query(query)
    }
    fn count<'a>(&'a self, query: Query<'a>) -> StoreFuture<'a, u64> {
        self.inner.count(query)
    }
    fn batch_get<'a>(
        &'a self,
        keys: &'a [(String, String)],
        attributes: Option<&'a [&'a str]>,
    ) -> StoreFuture<'a, Vec<Item>> {
        self.inner.batch_get(keys, attributes)
    }
    fn put<'a>(&'a self, item: Item) -> StoreFuture<'a, ()> {
        self.inner.put(item)
    }
    fn transact<'a>(&'a self, tx: Tx) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let next = {
                let mut queue = self.before_transact.lock().unwrap();
                (!queue.is_empty()).then(|| queue.remove(0))
            };
            if let Some(interfere) = next {
                let app = self
                    .app
                    .lock()
                    .unwrap()
                    .clone()
                    .expect("the world is built");
                interfere(app).await;
            }
            self.inner.transact(tx).await
        })
    }
    fn delete_existing<'a>(&'a self, pk: &'a str, sk: &'a str) -> StoreFuture<'a, Option<Item>> {
        self.inner.delete_existing(pk, sk)
    }
    fn increment<'a>(&'a self, increment: Increment<'a>) -> StoreFuture<'a, Option<u64>> {
        self.inner.increment(increment)
    }
}

pub struct World {
    pub app: App,
    pub table: Arc<MemoryTable>,
    racing: Arc<Racing>,
    pub demand: OrgId,
    pub supply_a: OrgId,
    pub supply_b: OrgId,
}

impl World {
    /// A demand organization in `mode` that trusts two suppliers: A gives PSW care and
    /// nursing, B nursing only.
    pub async fn new(mode: AssignmentMode) -> Self {
        let config = Config::from_lookup(|k| (k == "TABLE_NAME").then(|| "memory".to_owned()))
            .expect("a configuration");
        let table = Arc::new(MemoryTable::new());
        let racing = Arc::new(Racing {
            inner: table.clone(),
            app: Mutex::new(None),
            before_transact: Mutex::new(Vec::new()),
        });
        let app = App::over_table(config, racing.clone());
        *racing.app.lock().unwrap() = Some(app.clone());
        let (demand, supply_a, supply_b) = (OrgId::new(), OrgId::new(), OrgId::new());
        app.db
            .put_org(&demand_org(demand, "Maple Home Health", mode))
            .await
            .unwrap();
        for (id, name, care) in [
            (
                supply_a,
                "Aspen Care",
                &[CareType::Psw, CareType::Nursing][..],
            ),
            (supply_b, "Cedar Nursing", &[CareType::Nursing][..]),
        ] {
            app.db.put_org(&supply_org(id, name, care)).await.unwrap();
            app.db.add_trusted_supplier(demand, id).await.unwrap();
        }
        Self {
            app,
            table,
            racing,
            demand,
            supply_a,
            supply_b,
        }
    }

    /// Another request that lands just before this request's next transaction.
    pub fn before_next_write<F>(&self, interfere: F)
    where
        F: FnOnce(App) -> BoxFuture<'static, ()> + Send + 'static,
    {
        self.racing
            .before_transact
            .lock()
            .unwrap()
            .push(Box::new(interfere));
    }

    /// Every event item written so far, oldest first (events of one millisecond in no
    /// particular order).
    pub fn events(&self) -> Vec<EventRecord> {
        let mut events: Vec<EventRecord> = self
            .table
            .items()
            .into_iter()
            .filter(|i| shared::store::db::kind_of(i) == Some("event"))
            .map(|i| shared::store::db::from_item(i).expect("an event item decodes"))
            .collect();
        events.sort_by_key(|e| e.created_at);
        events
    }

    /// The names of the events written so far, oldest first.
    pub fn names(&self) -> Vec<EventName> {
        self.events().into_iter().map(|e| e.event_name).collect()
    }

    /// The recipients of each event named `name` written so far.
    pub fn recipients_of(&self, name: EventName) -> Vec<Vec<OrgId>> {
        self.events()
            .into_iter()
            .filter(|e| e.event_name == name)
            .map(|e| e.recipients)
            .collect()
    }

    /// The names of the events written so far, with their recipients.
    pub fn event_names(&self) -> Vec<(EventName, Vec<OrgId>)> {
        self.events()
            .into_iter()
            .map(|e| (e.event_name, e.recipients))
            .collect()
    }

    /// A direct visit referral from the demand to supplier A, with the sample's first visit,
    /// and that visit.
    pub async fn visit_referral(&self) -> (ReferralId, VisitId) {
        let referral = self
            .direct_referral(|body| {
                body["referral"]["referral_type"] = "visit".into();
                body["visits"] = serde_json::json!([body["visits"][0].clone()]);
            })
            .await
            .id;
        let q = serde_json::from_value(serde_json::json!({ "referral_id": referral })).unwrap();
        let visits = shared::marketplace::usecases::visits::outbox_list(&self.app, self.demand, q)
            .await
            .unwrap();
        assert_eq!(visits.items.len(), 1, "the referral brings its visit");
        (referral, visits.items[0].id)
    }

    /// The sample's direct referral from the demand to supplier A, as `edit` changes it.
    pub async fn direct_referral(
        &self,
        edit: impl FnOnce(&mut Value),
    ) -> shared::marketplace::referral::Referral {
        let mut body: Value = sample("offers.outbox.referrals.create");
        body["supply_persona_id"] = serde_json::json!(self.supply_a);
        edit(&mut body);
        shared::marketplace::usecases::referrals::create_direct(
            &self.app,
            self.demand,
            serde_json::from_value(body).unwrap(),
            None,
            |r| r.referral.clone(),
        )
        .await
        .expect("the referral is created")
    }

    /// How many transactions reached the table.
    pub fn transactions(&self) -> u64 {
        self.table
            .calls()
            .get("TransactWriteItems")
            .copied()
            .unwrap_or(0)
    }
}

/// A request body of a shipped sample (`events/<handler>.json`), decoded into its type.
pub fn sample<T: serde::de::DeserializeOwned>(handler: &str) -> T {
    let path = devstack::repo_root().join(format!("events/{handler}.json"));
    let event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    serde_json::from_str(event["body"].as_str().expect("the sample has a body")).unwrap()
}

/// The sample offer's request body, with a care type.
pub fn offer_body(care_type: &str) -> Value {
    let mut body: Value = sample("offers.outbox.offers.create");
    body["offer"]["care_type"] = care_type.into();
    body
}
