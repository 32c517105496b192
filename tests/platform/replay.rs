//! `replay` against the local stack, through the path the command takes (`ops`, its targets
//! read from the stack's `/_local/stack`): a parked event is delivered again once, with its
//! `event_id`, and a second time only when forced; the hub's and the Event Collector's dead
//! letters reach their callback and queue again; selections and the window fallback.

use std::collections::BTreeSet;
use std::time::Duration;

use ops::parked::{Body, Consumer, Source};
use ops::replay::{self, Options};
use ops::select::Filter;
use ops::targets::Targets;
use platform_tests::given::{self, drain, queue};
use platform_tests::{Received, Receiver, Subscriber, TestStack};
use serde_json::{Value, json};
use shared::events::{Channel, EventName};

use crate::create_offer;

fn options(filter: Filter) -> Options {
    Options {
        filter,
        hold: Duration::from_secs(30),
        operator: "on-call".into(),
        ..Options::default()
    }
}

/// What `replay list` shows for `filter`.
async fn list(targets: &Targets, filter: Filter) -> Vec<ops::parked::Entry> {
    replay::list(targets, &options(filter)).await.unwrap()
}

/// What `replay run` reports for `options`.
async fn run(targets: &Targets, options: &Options) -> ops::replay::Report {
    replay::run(targets, options).await.unwrap()
}

/// One try per delivery, at once: a failed one is parked straight away.
const ONE_TRY: [(&str, &str); 2] = [("DELIVERY_ATTEMPTS", "1"), ("DELIVERY_BACKOFF_MS", "0")];

/// The one message `subscriber` received since, of the event `event_id`.
async fn once(subscriber: &Subscriber, event_id: &str) -> Received {
    let mut received = subscriber.drain().await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].payload["event_id"], event_id);
    received.remove(0)
}

fn only(source: Source) -> Filter {
    Filter {
        sources: vec![source],
        ..Filter::default()
    }
}

/// What `a_parked_offer` leaves: supplier A's subscriber (its topic was gone), supplier B's
/// (who received the event) when subscribed, the parked event, and A's topic.
struct Parked(
    Subscriber,
    Option<Subscriber>,
    shared::events::EventRecord,
    String,
);

/// An offer created while supplier A's topic of `inbox-offers` is gone: its `OfferMatched`
/// reaches supplier B (when `b_subscribes`), is retried for A, then its batch is parked on
/// the stream failure queue; A's topic is back (and subscribed) afterwards.
async fn a_parked_offer(t: &TestStack, b_subscribes: bool) -> Parked {
    let supplier = given::org(&t.demo.supply_a);
    Subscriber::new(t, supplier).await;
    let other = match b_subscribes {
        true => Some(given::subscriber(t, &t.demo.supply_b).await),
        false => None,
    };
    let demand = t.login(&t.demo.demand).await;
    t.settle().await;
    let topic = given::topic_gone(t, Channel::InboxOffers, supplier).await;
    create_offer(t, &demand).await;
    t.settle().await;
    given::topic_back(t, &topic).await;
    let subscriber = Subscriber::new(t, supplier).await;
    assert!(subscriber.drain().await.is_empty(), "nothing delivered yet");
    let events = t.event_items().await.into_iter();
    let event = events
        .into_iter()
        .find(|e| e.event_name == EventName::OfferMatched);
    let event = event.expect("the offer's OfferMatched item");
    // Once per try of the record (a record is retried whole): the same event each time.
    if let Some(other) = &other {
        let received = other.drain().await;
        assert!(!received.is_empty(), "B heard it");
        for r in &received {
            assert_eq!(r.payload["event_id"], event.event_id.to_string());
        }
    }
    Parked(subscriber, other, event, topic)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_event_is_replayed_once_with_its_event_id_and_again_only_when_forced() {
    let t = TestStack::start().await;
    let Parked(subscriber, other, event, topic) = a_parked_offer(&t, true).await;
    let other = other.unwrap();
    let supplier = subscriber.org.to_string();
    let event_id = event.event_id.to_string();
    let targets = Targets::from_local(&t.base).await.unwrap();

    // Listed: the publisher's failure record, one unit per recipient of the event.
    let entries = list(&targets, only(Source::Stream)).await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    let entry = &entries[0];
    let publisher = |b: &ops::parked::BatchInfo| b.consumer == Some(Consumer::Publisher);
    let of_publisher = matches!(&entry.body, Body::StreamBatch(b) if publisher(b));
    assert!(of_publisher, "{:?}", entry.body);
    let recipients: BTreeSet<String> = entry.units.iter().map(|u| u.tenant.clone()).collect();
    let subscribed = BTreeSet::from([supplier.clone(), other.org.to_string()]);
    assert_eq!(recipients, subscribed, "{:?}", entry.notes);
    for unit in &entry.units {
        assert_eq!(unit.event_id, event_id);
        assert_eq!(unit.event_type, "OfferMatched");
        assert!(unit.marker.is_none());
    }
    // Listing changed nothing: the entry is there for the next reader.
    assert_eq!(list(&targets, only(Source::Stream)).await.len(), 1);

    // The supplier's delivery alone, kept on the queue.
    let mut to_supplier = only(Source::Stream);
    to_supplier.tenant = Some(supplier.clone());
    let units = entry.units.iter();
    let selected: Vec<_> = units.filter(|u| to_supplier.selects(entry, u)).collect();
    assert_eq!(selected.len(), 1);
    assert_eq!(selected[0].target.as_deref(), Some(topic.as_str()));
    let mut keep = options(to_supplier);
    keep.keep = true;
    let report = run(&targets, &keep).await;
    let counts = (report.count("replayed"), report.outcomes.len());
    assert_eq!(counts, (1, 1), "{report:#?}");
    assert!(report.deleted.is_empty(), "--keep");
    let received = once(&subscriber, &event_id).await;
    assert_eq!(received.name(), "OfferMatched");
    let attribute = &received.attributes["event_id"]["Value"];
    assert_eq!(attribute, event_id.as_str());
    let stored: Value = serde_json::from_str(&event.payload).unwrap();
    assert_eq!(received.payload.to_string(), stored.to_string());

    // Again: recorded as replayed, nothing delivered.
    let report = run(&targets, &keep).await;
    assert_eq!(report.count("already-replayed"), 1, "{report:#?}");
    assert_eq!(report.count("replayed"), 0);
    assert!(subscriber.drain().await.is_empty());
    let listed = list(&targets, only(Source::Stream)).await;
    let unit = listed[0].units.iter().find(|u| u.tenant == supplier);
    let marker = unit.and_then(|u| u.marker.clone());
    let marker = marker.expect("its marker is listed");
    let by = (marker.state.as_str(), marker.by.as_str());
    assert_eq!(by, ("replayed", "on-call"));

    // Forced: delivered again, with the same event id.
    let mut forced = keep.clone();
    forced.force = true;
    assert_eq!(run(&targets, &forced).await.count("replayed"), 1);
    once(&subscriber, &event_id).await;

    assert!(other.drain().await.is_empty(), "only A's delivery so far");

    // Everything: B's unit too, a repeat B drops by its event id; A's is not sent again; and
    // the entry, all of it replayed, leaves the queue.
    let report = run(&targets, &options(only(Source::Stream))).await;
    assert_eq!(report.count("replayed"), 1, "{report:#?}");
    assert_eq!(report.count("already-replayed"), 1);
    assert_eq!(report.deleted, vec![entry.message_id.clone()]);
    assert!(subscriber.drain().await.is_empty());
    once(&other, &event_id).await;
    assert!(list(&targets, Filter::default()).await.is_empty());
}

/// After the stream has trimmed a failed batch's records, the table's items written in its
/// arrival window stand in for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_record_past_the_streams_retention_is_read_from_the_table_by_its_window() {
    let t = TestStack::start().await;
    let Parked(subscriber, _, event, _) = a_parked_offer(&t, false).await;
    let mut parked = given::dead_letter(&t, "StreamFailureQueue").await;
    // As DynamoDB answers once the records are trimmed: the range is no longer in the shard.
    parked["DDBStreamBatchInfo"]["shardId"] = json!("shardId-00000000000000000000-trimmed");
    let url = &t.stack.resource("StreamFailureQueue").unwrap().reference;
    let sqs = aws_sdk_sqs::Client::new(&t.stack.sdk).send_message();
    let sent = sqs.queue_url(url).message_body(parked.to_string()).send();
    sent.await.unwrap();

    let targets = Targets::from_local(&t.base).await.unwrap();
    let entries = list(&targets, only(Source::Stream)).await;
    assert_eq!(entries.len(), 1);
    let notes = &entries[0].notes;
    assert!(notes.iter().any(|n| n.contains("stand in")), "{notes:?}");
    let parked_id = event.event_id.to_string();
    let units = entries[0].units.iter().filter(|u| u.event_id == parked_id);
    let units: Vec<_> = units.collect();
    assert_eq!(units.len(), 1, "the parked event, to A alone: {units:?}");
    let never = notes.iter().any(|n| n.contains("never subscribed"));
    assert!(never, "B has no topic of the channel: {notes:?}");
    let to_supplier = Filter {
        tenant: Some(subscriber.org.to_string()),
        event_id: Some(event.event_id.to_string()),
        ..only(Source::Stream)
    };
    let report = run(&targets, &options(to_supplier)).await;
    assert_eq!(report.count("replayed"), 1, "{report:#?}");
    once(&subscriber, &parked_id).await;
}

/// A Listener client of "acme" whose hub subscription to `callback`'s `/hook` fails, and its
/// event `event_id`, posted and settled: the subscription's id.
async fn a_hub_delivery(t: &TestStack, callback: &Receiver, event_id: &str) -> String {
    let token = t.machine_bearer("acme", &given::LISTENER).await;
    let (hub, _) = given::hub_subscription(t, &token, &callback.url("/hook"), "").await;
    let event = given::state_change(event_id, "completed");
    t.listener(&token).post_event(event).await.ok(201);
    t.settle().await;
    hub
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_dead_letter_replayed_reaches_the_callback_with_its_webhook_id() {
    let t = TestStack::start_with(&ONE_TRY).await;
    let callback = Receiver::start(500).await;
    let hub = a_hub_delivery(&t, &callback, "evt-r1").await;
    let first = callback.deliveries();
    assert_eq!(first.len(), 1, "one try, then parked");
    callback.answer(204);

    let targets = Targets::from_local(&t.base).await.unwrap();
    let entries = list(&targets, Filter::default()).await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    let unit = &entries[0].units[0];
    assert_eq!(entries[0].source, Source::Hub);
    let about = (unit.tenant.as_str(), unit.event_id.as_str());
    assert_eq!(about, ("acme", "evt-r1"));
    assert_eq!(unit.destination, format!("hub:{hub}"));
    assert_eq!(unit.target.as_deref(), Some(callback.url("/hook").as_str()));

    // Selections that miss it replay nothing and leave it parked.
    for filter in [
        only(Source::Collector),
        Filter {
            event_type: Some("ServiceOrderItemStateChangeNotification".into()),
            ..Filter::default()
        },
        Filter {
            tenant: Some("globex".into()),
            ..Filter::default()
        },
        Filter {
            destination: Some("hub:another".into()),
            ..Filter::default()
        },
        Filter {
            since: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
            ..Filter::default()
        },
    ] {
        let report = run(&targets, &options(filter.clone())).await;
        assert!(report.outcomes.is_empty(), "{filter:?}: {report:#?}");
    }
    t.settle().await;
    assert_eq!(callback.deliveries().len(), 1);

    let chosen = Filter {
        destination: Some(hub.clone()),
        event_type: Some("serviceorderstatechangenotification".into()),
        ..only(Source::Hub)
    };
    let report = run(&targets, &options(chosen)).await;
    assert_eq!(report.count("replayed"), 1, "{report:#?}");
    assert_eq!(report.deleted.len(), 1, "the entry leaves the queue");
    t.settle().await;
    let deliveries = callback.deliveries();
    assert_eq!(deliveries.len(), 2);
    let (replayed, webhook_id) = (&deliveries[1], first[0].header("webhook-id"));
    // The same webhook-id: a receiver drops it if it had it.
    assert_eq!(replayed.header("webhook-id"), webhook_id);
    assert_eq!(replayed.body, first[0].body, "the envelope's exact bytes");
    assert!(list(&targets, Filter::default()).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_dead_letter_replayed_reaches_the_destination_queue() {
    let t = TestStack::start_with(&ONE_TRY).await;
    let bearer = t.machine_bearer("shop-a", &given::COLLECTOR).await;
    let shop = t.collector(&bearer, "shop-a");
    // The destination queue does not exist yet: the delivery fails and is parked.
    let stand_in = queue(&t, "stand-in").await;
    let late_url = stand_in.url.replace("-stand-in", "-late");
    let subscription = given::sqs_subscription("crm", "CUSTOMER", &late_url, [true; 3]);
    shop.subscribe(subscription).await.ok(201);
    let event = given::entity_event("c-r1", "CUSTOMER", "CREATE");
    shop.post_event(event).await.ok(201);
    t.settle().await;

    let targets = Targets::from_local(&t.base).await.unwrap();
    let entries = list(&targets, only(Source::Collector)).await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    let unit = &entries[0].units[0];
    let about = (unit.tenant.as_str(), unit.event_id.as_str());
    assert_eq!(about, ("shop-a", "c-r1"));
    assert_eq!(unit.event_type, "CUSTOMER.CREATE");
    assert_eq!(unit.destination, "collector:crm");
    assert_eq!(unit.target.as_deref(), Some(late_url.as_str()));

    // The queue exists now; the dead letter is replayed to it.
    let late = queue(&t, "late").await;
    assert_eq!(late.url, late_url);
    let mut of_shop = only(Source::Collector);
    of_shop.tenant = Some("shop-a".into());
    let report = run(&targets, &options(of_shop)).await;
    assert_eq!(report.count("replayed"), 1, "{report:#?}");
    t.settle().await;
    let delivered = drain(&t, &late.url).await;
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_eq!(delivered[0]["id"], "c-r1", "the same event id");
    assert_eq!(delivered[0]["subscriptionId"], "crm");
    let dead_letters = given::drain_stack_queue(&t, "DeliveryDeadLetterQueue").await;
    assert!(dead_letters.is_empty());

    // Replayed and deleted: a second run finds nothing to deliver.
    let report = run(&targets, &options(only(Source::Collector))).await;
    assert!(report.outcomes.is_empty());
    t.settle().await;
    assert!(given::drain(&t, &late.url).await.is_empty());
}

/// Two operators replaying at once: the queue hides a message from the second reader while
/// the first holds it, and when both reach one unit anyway, its marker's conditional claim
/// lets one deliver.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_operators_replaying_at_once_deliver_once() {
    let t = TestStack::start_with(&ONE_TRY).await;
    let callback = Receiver::start(500).await;
    a_hub_delivery(&t, &callback, "evt-r2").await;
    callback.answer(200);
    let targets = Targets::from_local(&t.base).await.unwrap();

    let (first, second) = (options(only(Source::Hub)), options(only(Source::Hub)));
    let (a, b) = tokio::join!(run(&targets, &first), run(&targets, &second));
    let replayed = a.count("replayed") + b.count("replayed");
    assert_eq!(replayed, 1, "{a:#?} {b:#?}");
    t.settle().await;
    let deliveries = callback.deliveries().len();
    assert_eq!(deliveries, 2, "the failed try and one replay");

    // The claim itself, raced: one wins; a failed hand-over frees it; --force takes it.
    let unit = ops::parked::Unit {
        event_id: "evt-raced".into(),
        event_type: "T".into(),
        tenant: "acme".into(),
        destination: "hub:s-raced".into(),
        target: None,
        occurred_at: None,
        redrive: ops::parked::Redrive::Impossible(String::new()),
        marker: None,
    };
    use ops::markers::{Claim, claim, settle};
    let (x, y) = tokio::join!(
        claim(&targets, &unit, "m1", "alice", false),
        claim(&targets, &unit, "m1", "bob", false)
    );
    let tokens: Vec<String> = [x.unwrap(), y.unwrap()]
        .into_iter()
        .filter_map(|c| match c {
            Claim::Ours(token) => Some(token),
            Claim::Taken(marker) => {
                assert_eq!(marker.state, "claimed");
                None
            }
        })
        .collect();
    assert_eq!(tokens.len(), 1, "one claim wins");
    settle(&targets, &unit, &tokens[0], false).await.unwrap();
    let Claim::Ours(token) = claim(&targets, &unit, "m1", "bob", false).await.unwrap() else {
        panic!("a failed hand-over frees the unit");
    };
    settle(&targets, &unit, &token, true).await.unwrap();
    let Claim::Taken(marker) = claim(&targets, &unit, "m1", "carol", false).await.unwrap() else {
        panic!("a replayed unit stays taken");
    };
    let by = (marker.state.as_str(), marker.by.as_str());
    assert_eq!(by, ("replayed", "bob"));
    let forced = claim(&targets, &unit, "m1", "carol", true).await.unwrap();
    assert!(matches!(forced, Claim::Ours(_)));
}
