//! Round trips on each use case's critical path, counted without a clock.
//!
//! Every use case of the offers, referrals and visits operations runs in this process on the
//! table in memory (`shared::store::MemoryTable`), behind a wrapper that holds each call for a
//! fixed delay and gives it a depth: one more than the deepest call that had finished when it
//! started. Calls made concurrently (`join`) share a depth; a call that needs another's answer
//! is one deeper. The deepest call of a request is the number of round trips its caller waits
//! for, whatever the machine's speed: the figure is exact as long as a call's own CPU time is
//! far below the delay (25 ms here, against microseconds). The handlers add no table call of
//! their own (authentication is local), so these are the handlers' figures.
//!
//! Each operation runs once on a fresh table holding one demand organization trusting two
//! suppliers, and what the operation needs (an open offer, twenty offers, a referral of two
//! visits, ...), written before counting starts.
//!
//! usage: round-trips

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bench::memory::{decode, demand_and_two_suppliers, sample};
use futures::future::BoxFuture;
use serde_json::{Value, json};
use shared::App;
use shared::edge::error::ApiError;
use shared::infra::config::Config;
use shared::kernel::ids::{OfferId, OrgId, ReferralId, VisitId};
use shared::marketplace::organization::AssignmentMode;
use shared::marketplace::usecases::{offers, referrals, visits};
use shared::marketplace::visit::VisitAction;
use shared::marketplace::wire::offers::OutboxOfferDetail;
use shared::marketplace::wire::referrals::OutboxReferralDetail;
use shared::store::db::Item;
use shared::store::{Increment, MemoryTable, Query, StoreFuture, Table, Tx};

const DELAY: Duration = Duration::from_millis(25);

#[derive(Default)]
struct Depths {
    /// The deepest call finished so far.
    finished: u32,
    /// The deepest call of the measured request.
    deepest: u32,
    calls: BTreeMap<&'static str, u32>,
}

/// The memory table, each call held for [`DELAY`] and given its depth.
struct Latency {
    inner: MemoryTable,
    depths: Mutex<Depths>,
}

impl Latency {
    fn held<'a, T: Send + 'a>(
        &'a self,
        op: &'static str,
        call: StoreFuture<'a, T>,
    ) -> StoreFuture<'a, T> {
        Box::pin(async move {
            let depth = {
                let mut d = self.depths.lock().unwrap();
                *d.calls.entry(op).or_default() += 1;
                d.finished + 1
            };
            tokio::time::sleep(DELAY).await;
            let answer = call.await;
            let mut d = self.depths.lock().unwrap();
            d.finished = d.finished.max(depth);
            d.deepest = d.deepest.max(depth);
            answer
        })
    }

    /// Starts counting afresh: what was written so far is the set-up.
    fn reset(&self) {
        *self.depths.lock().unwrap() = Depths::default();
    }
}

impl Table for Latency {
    fn get<'a>(&'a self, pk: &'a str, sk: &'a str) -> StoreFuture<'a, Option<Item>> {
        self.held("GetItem", self.inner.get(pk, sk))
    }
    fn query<'a>(&'a self, query: Query<'a>) -> StoreFuture<'a, Vec<Item>> {
        self.held("Query", self.inner.query(query))
    }
    fn count<'a>(&'a self, query: Query<'a>) -> StoreFuture<'a, u64> {
        self.held("Query", self.inner.count(query))
    }
    fn batch_get<'a>(
        &'a self,
        keys: &'a [(String, String)],
        attributes: Option<&'a [&'a str]>,
    ) -> StoreFuture<'a, Vec<Item>> {
        self.held("BatchGetItem", self.inner.batch_get(keys, attributes))
    }
    fn put<'a>(&'a self, item: Item) -> StoreFuture<'a, ()> {
        self.held("PutItem", self.inner.put(item))
    }
    fn transact<'a>(&'a self, tx: Tx) -> StoreFuture<'a, ()> {
        self.held("TransactWriteItems", self.inner.transact(tx))
    }
    fn delete_existing<'a>(&'a self, pk: &'a str, sk: &'a str) -> StoreFuture<'a, Option<Item>> {
        self.held("DeleteItem", self.inner.delete_existing(pk, sk))
    }
    fn increment<'a>(&'a self, increment: Increment<'a>) -> StoreFuture<'a, Option<u64>> {
        self.held("UpdateItem", self.inner.increment(increment))
    }
}

struct World {
    app: App,
    table: Arc<Latency>,
    demand: OrgId,
    supply_a: OrgId,
}

impl World {
    async fn new(mode: AssignmentMode) -> Self {
        let config = Config::from_lookup(|k| (k == "TABLE_NAME").then(|| "memory".to_owned()))
            .expect("a configuration");
        let table = Arc::new(Latency {
            inner: MemoryTable::new(),
            depths: Mutex::default(),
        });
        let app = App::over_table(config, table.clone());
        let (demand, supply_a, _) = demand_and_two_suppliers(&app, mode).await;
        Self {
            app,
            table,
            demand,
            supply_a,
        }
    }

    /// A new offer, projected into its suppliers' inboxes as the stream's consumer does
    /// within a second.
    async fn offer(&self) -> OfferId {
        let id = offers::create(
            &self.app,
            self.demand,
            decode(sample("offers.outbox.offers.create")),
            None,
            |o| o.offer.id,
        )
        .await
        .unwrap();
        offers::project_offer(&self.app, id).await.unwrap();
        id
    }

    /// The sample's direct service referral to supplier A.
    async fn referral(&self) -> ReferralId {
        self.referral_of(sample("offers.outbox.referrals.create"))
            .await
    }

    /// A direct visit referral to supplier A (of the sample's first visit), whose visit
    /// record is written with it.
    async fn visit_referral(&self) -> ReferralId {
        let mut body = sample("offers.outbox.referrals.create");
        body["referral"]["referral_type"] = json!("visit");
        body["visits"] = json!([body["visits"][0].clone()]);
        self.referral_of(body).await
    }

    async fn referral_of(&self, mut body: Value) -> ReferralId {
        body["supply_persona_id"] = json!(self.supply_a);
        referrals::create_direct(&self.app, self.demand, decode(body), None, |r| {
            r.referral.id
        })
        .await
        .unwrap()
    }

    /// The visit of a new visit referral.
    async fn visit(&self) -> VisitId {
        let referral = self.visit_referral().await;
        let q = decode(json!({ "referral_id": referral }));
        let page = visits::outbox_list(&self.app, self.demand, q)
            .await
            .unwrap();
        page.items[0].id
    }
}

type Setup = fn(Arc<World>) -> BoxFuture<'static, Vec<String>>;
type Run = fn(Arc<World>, Vec<String>) -> BoxFuture<'static, Result<(), ApiError>>;

struct Operation {
    handler: &'static str,
    mode: AssignmentMode,
    /// Writes what the operation needs; returns the ids it acts on.
    setup: Setup,
    run: Run,
}

macro_rules! op {
    ($handler:literal, $mode:ident, |$ws:ident| $setup:expr, |$w:ident, $ids:ident| $run:expr) => {
        Operation {
            handler: $handler,
            mode: AssignmentMode::$mode,
            setup: |$ws| {
                Box::pin(async move {
                    let _ = &$ws;
                    $setup
                })
            },
            run: |$w, $ids| {
                Box::pin(async move {
                    let _ = &$ids;
                    $run.map(drop)
                })
            },
        }
    };
}

fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

fn operations() -> Vec<Operation> {
    vec![
        op!(
            "offers.outbox.offers.create",
            Manual,
            |w| vec![],
            |w, ids| offers::create(
                &w.app,
                w.demand,
                decode(sample("offers.outbox.offers.create")),
                None,
                |o| OutboxOfferDetail::from(o)
            )
            .await
        ),
        op!(
            "offers.outbox.offers.list (20)",
            Manual,
            |w| {
                for _ in 0..20 {
                    w.offer().await;
                }
                vec![]
            },
            |w, ids| offers::outbox_list(&w.app, w.demand, decode(json!({}))).await
        ),
        op!(
            "offers.outbox.offers.get",
            Manual,
            |w| vec![w.offer().await.to_string()],
            |w, ids| offers::outbox_get(&w.app, w.demand, id(&ids[0])).await
        ),
        op!(
            "offers.outbox.offers.matches",
            Manual,
            |w| vec![w.offer().await.to_string()],
            |w, ids| offers::outbox_matches(&w.app, w.demand, id(&ids[0]), decode(json!({}))).await
        ),
        op!(
            "offers.outbox.offers.close",
            Manual,
            |w| vec![w.offer().await.to_string()],
            |w, ids| offers::close(
                &w.app,
                w.demand,
                id(&ids[0]),
                decode(sample("offers.outbox.offers.close"))
            )
            .await
        ),
        op!(
            "offers.outbox.offers.assign",
            Manual,
            |w| {
                let o = w.offer().await;
                offers::accept(
                    &w.app,
                    w.supply_a,
                    o,
                    decode(sample("offers.inbox.offers.accept")),
                )
                .await
                .unwrap();
                let m = w
                    .app
                    .db
                    .load_offer(o)
                    .await
                    .unwrap()
                    .unwrap()
                    .match_of(w.supply_a)
                    .unwrap()
                    .id;
                vec![o.to_string(), m.to_string()]
            },
            |w, ids| offers::assign(
                &w.app,
                w.demand,
                id(&ids[0]),
                decode(json!({"offer_match_id": ids[1]}))
            )
            .await
        ),
        op!(
            "offers.inbox.offers.list (20)",
            Manual,
            |w| {
                for _ in 0..20 {
                    w.offer().await;
                }
                vec![]
            },
            |w, ids| offers::inbox_list(&w.app, w.supply_a, decode(json!({}))).await
        ),
        op!(
            "offers.inbox.offers.get",
            Manual,
            |w| vec![w.offer().await.to_string()],
            |w, ids| offers::inbox_get(&w.app, w.supply_a, id(&ids[0])).await
        ),
        op!(
            "offers.inbox.offers.accept (manual)",
            Manual,
            |w| vec![w.offer().await.to_string()],
            |w, ids| offers::accept(
                &w.app,
                w.supply_a,
                id(&ids[0]),
                decode(sample("offers.inbox.offers.accept"))
            )
            .await
        ),
        op!(
            "offers.inbox.offers.accept (auto)",
            Auto,
            |w| vec![w.offer().await.to_string()],
            |w, ids| offers::accept(
                &w.app,
                w.supply_a,
                id(&ids[0]),
                decode(sample("offers.inbox.offers.accept"))
            )
            .await
        ),
        op!(
            "offers.inbox.offers.decline",
            Manual,
            |w| vec![w.offer().await.to_string()],
            |w, ids| offers::decline(
                &w.app,
                w.supply_a,
                id(&ids[0]),
                decode(sample("offers.inbox.offers.decline"))
            )
            .await
        ),
        op!(
            "offers.outbox.referrals.create",
            Manual,
            |w| vec![],
            |w, ids| {
                let mut body = sample("offers.outbox.referrals.create");
                body["supply_persona_id"] = json!(w.supply_a);
                referrals::create_direct(&w.app, w.demand, decode(body), None, |r| {
                    OutboxReferralDetail::from(r)
                })
                .await
            }
        ),
        op!(
            "offers.outbox.referrals.list",
            Manual,
            |w| {
                w.referral().await;
                vec![]
            },
            |w, ids| referrals::outbox_list(&w.app, w.demand, decode(json!({}))).await
        ),
        op!(
            "offers.outbox.referrals.get",
            Manual,
            |w| vec![w.referral().await.to_string()],
            |w, ids| referrals::outbox_get(&w.app, w.demand, id(&ids[0])).await
        ),
        op!(
            "offers.outbox.referrals.cancel",
            Manual,
            |w| vec![w.referral().await.to_string()],
            |w, ids| referrals::outbox_cancel(
                &w.app,
                w.demand,
                id(&ids[0]),
                decode(sample("offers.outbox.referrals.cancel"))
            )
            .await
        ),
        op!(
            "offers.outbox.referrals.update",
            Manual,
            |w| vec![w.referral().await.to_string()],
            |w, ids| {
                let mut body = sample("offers.outbox.referrals.update");
                body["supply_persona_id"] = json!(w.supply_a);
                referrals::update(&w.app, w.demand, id(&ids[0]), decode(body)).await
            }
        ),
        op!(
            "offers.inbox.referrals.list",
            Manual,
            |w| {
                w.referral().await;
                vec![]
            },
            |w, ids| referrals::inbox_list(&w.app, w.supply_a, decode(json!({}))).await
        ),
        op!(
            "offers.inbox.referrals.get",
            Manual,
            |w| vec![w.referral().await.to_string()],
            |w, ids| referrals::inbox_get(&w.app, w.supply_a, id(&ids[0])).await
        ),
        op!(
            "offers.inbox.referrals.mark_processed",
            Manual,
            |w| vec![w.referral().await.to_string()],
            |w, ids| referrals::mark_processed(&w.app, w.supply_a, id(&ids[0])).await
        ),
        op!(
            "offers.outbox.visits.list",
            Manual,
            |w| vec![w.visit_referral().await.to_string()],
            |w, ids| visits::outbox_list(&w.app, w.demand, decode(json!({"referral_id": ids[0]})))
                .await
        ),
        op!(
            "offers.outbox.visits.get",
            Manual,
            |w| vec![w.visit().await.to_string()],
            |w, ids| visits::outbox_get(&w.app, w.demand, id(&ids[0])).await
        ),
        op!(
            "offers.inbox.visits.list",
            Manual,
            |w| vec![w.visit_referral().await.to_string()],
            |w, ids| visits::inbox_list(&w.app, w.supply_a, decode(json!({"referral_id": ids[0]})))
                .await
        ),
        op!(
            "offers.inbox.visits.assign",
            Manual,
            |w| vec![w.visit().await.to_string()],
            |w, ids| visits::assign(
                &w.app,
                w.supply_a,
                id(&ids[0]),
                decode(sample("offers.inbox.visits.assign"))
            )
            .await
        ),
        op!(
            "offers.inbox.visits.hold",
            Manual,
            |w| vec![w.visit().await.to_string()],
            |w, ids| visits::simple(&w.app, w.supply_a, id(&ids[0]), VisitAction::Hold).await
        ),
    ]
}

#[tokio::main]
async fn main() {
    println!(
        "round trips on the critical path of each use case (table calls held {} ms each, depth \
         counted), and its table calls",
        DELAY.as_millis()
    );
    println!("{:<42} {:>11}  calls", "operation", "round trips");
    for op in operations() {
        let world = Arc::new(World::new(op.mode).await);
        let ids = (op.setup)(world.clone()).await;
        world.table.reset();
        let result = (op.run)(world.clone(), ids).await;
        let d = world.table.depths.lock().unwrap();
        let calls: Vec<String> = d.calls.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let status = match result {
            Ok(()) => String::new(),
            Err(e) => format!("  FAILED: {e:?}"),
        };
        println!(
            "{:<42} {:>11}  {}{status}",
            op.handler,
            d.deepest,
            calls.join(", ")
        );
    }
}
