//! A supplier's inbox offers list as a projection (`shared::marketplace::store::inbox`): the
//! stream's consumer brings every matched supplier's row up to its offer, the acting supplier's
//! own row moves in its own transaction, the counts stay exact whoever writes first and however
//! often, and a retired offer leaves the inboxes once.

use std::collections::BTreeMap;

use serde_json::json;
use shared::kernel::ids::{OfferId, OrgId};
use shared::kernel::paging::Page;
use shared::marketplace::offer::{MatchResponse, MatchStatus, MatchedOffer, match_status};
use shared::marketplace::organization::AssignmentMode;
use shared::marketplace::store::inbox::InboxCounts;
use shared::marketplace::usecases::offers;
use shared::marketplace::wire::offers::InboxOfferQuery;

use crate::given::{World, sample};
use crate::offers::{accept, create, one_ended_one_open, removal, state};

fn query(q: serde_json::Value) -> InboxOfferQuery {
    serde_json::from_value(q).expect("an inbox query")
}

async fn inbox(w: &World, supplier: OrgId, q: InboxOfferQuery) -> Page<MatchedOffer> {
    offers::inbox_list(&w.app, supplier, q)
        .await
        .expect("the inbox lists")
}

fn ids(page: &Page<MatchedOffer>) -> Vec<OfferId> {
    page.items.iter().map(|m| m.offer.id).collect()
}

/// What the stream's consumer does with one record of each offer.
async fn project(w: &World, offers: &[OfferId]) {
    for &id in offers {
        offers::project_offer(&w.app, id)
            .await
            .expect("projected")
            .expect("the offer exists");
    }
}

/// The supplier's counts, and the same counted from its rows one by one.
async fn counts_and_rows(w: &World, supplier: OrgId) -> (InboxCounts, InboxCounts) {
    let rows = w.app.db.inbox_of_supplier(supplier).await.unwrap();
    let mut counted = InboxCounts {
        total: rows.len() as u64,
        ..InboxCounts::default()
    };
    for row in &rows {
        match row.status {
            MatchStatus::Open => counted.open += 1,
            MatchStatus::Expired => counted.expired += 1,
            MatchStatus::Closed => counted.closed += 1,
            MatchStatus::Assigned => counted.assigned += 1,
            MatchStatus::Fulfilled => counted.fulfilled += 1,
        }
    }
    (w.app.db.inbox_counts(supplier).await.unwrap(), counted)
}

#[tokio::test]
async fn the_inbox_follows_its_offers_and_reads_one_page_of_its_projection() {
    let w = World::new(AssignmentMode::Manual).await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(create(&w, "nursing").await);
    }
    assert_eq!(
        inbox(&w, w.supply_a, query(json!({}))).await.total_items,
        0,
        "the rows follow from the stream, not from the creation"
    );
    project(&w, &created).await;

    // The list's order: latest change first (offers of one millisecond by id).
    let all = inbox(&w, w.supply_a, query(json!({"items_per_page": 50}))).await;
    let order: Vec<_> = all
        .items
        .iter()
        .map(|m| (m.offer.last_change(&m.match_), m.offer.id))
        .collect();
    let mut sorted = order.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(order, sorted);
    let mut everything = ids(&all);
    everything.sort();
    let mut expected = created.clone();
    expected.sort();
    assert_eq!(everything, expected);
    let newest_first = ids(&all);

    let before = w.table.items_read();
    let first = inbox(&w, w.supply_a, query(json!({"items_per_page": 2}))).await;
    assert_eq!(
        w.table.items_read() - before,
        2 + 1,
        "one page and the counts"
    );
    assert_eq!((first.total_items, first.total_pages), (5, 3));
    assert_eq!(ids(&first), newest_first[..2]);

    // The tokens page through the rest, each page one page read.
    let mut listed = ids(&first);
    let mut token = first.next_page_token.clone();
    while let Some(t) = token {
        let before = w.table.items_read();
        let page = inbox(
            &w,
            w.supply_a,
            query(json!({"items_per_page": 2, "page_token": t})),
        )
        .await;
        assert!(w.table.items_read() - before <= 2 + 1);
        listed.extend(ids(&page));
        token = page.next_page_token.clone();
    }
    assert_eq!(listed, newest_first);
    let third = inbox(
        &w,
        w.supply_a,
        query(json!({"items_per_page": 2, "page": 3})),
    )
    .await;
    assert_eq!(ids(&third), newest_first[4..]);

    // A's acceptance moves A's own row at once; B's row follows from the stream.
    let accepted = created[0];
    accept(&w.app, w.supply_a, accepted).await.unwrap();
    let a = inbox(&w, w.supply_a, query(json!({}))).await;
    assert_eq!(
        a.items[0].offer.id, accepted,
        "A's latest change comes first"
    );
    assert_eq!(a.items[0].match_.response, MatchResponse::Accepted);
    let b = inbox(&w, w.supply_b, query(json!({}))).await;
    assert_ne!(b.items[0].offer.id, accepted);
    project(&w, &[accepted]).await;
    let b = inbox(&w, w.supply_b, query(json!({}))).await;
    assert_eq!(b.items[0].offer.id, accepted, "the offer changed for B too");
    assert_eq!(b.items[0].match_.response, MatchResponse::Pending);

    // A close moves the offer to `closed` in both inboxes and counts.
    let closed = created[1];
    offers::close(
        &w.app,
        w.demand,
        closed,
        sample("offers.outbox.offers.close"),
    )
    .await
    .unwrap();
    project(&w, &[closed]).await;
    for supplier in [w.supply_a, w.supply_b] {
        let page = inbox(&w, supplier, query(json!({"status": "closed"}))).await;
        assert_eq!((page.total_items, ids(&page)), (1, vec![closed]));
        let (counts, counted) = counts_and_rows(&w, supplier).await;
        assert_eq!(counts, counted);
        assert_eq!((counts.total, counts.open, counts.closed), (5, 4, 1));
    }

    // A record delivered again writes nothing and counts nothing.
    let counts = w.app.db.inbox_counts(w.supply_a).await.unwrap();
    let again = offers::project_offer(&w.app, closed).await.unwrap();
    assert_eq!(again, Some(0));
    assert_eq!(w.app.db.inbox_counts(w.supply_a).await.unwrap(), counts);
}

/// An acceptance takes the supplier's row to show the offer as read, and reads nothing more.
/// Here the stream has not projected the new offer yet: that first write fails on the row, and
/// the acceptance reads the row with the offer. Then the stream writes the row between that
/// read and the second write, which fails too; the third, on the row as it is, wins.
#[tokio::test]
async fn an_acceptance_whose_row_is_behind_or_moves_reads_it_and_decides_again() {
    let w = World::new(AssignmentMode::Auto).await;
    let id = create(&w, "nursing").await;
    w.before_next_write(|_| Box::pin(async {}));
    w.before_next_write(move |app| {
        Box::pin(async move {
            offers::project_offer(&app, id).await.unwrap();
        })
    });
    let before = w.transactions();
    accept(&w.app, w.supply_a, id).await.unwrap();
    assert_eq!(
        w.transactions() - before,
        1 + 3,
        "the stream's write and three attempts"
    );
    project(&w, &[id]).await;
    let a = inbox(&w, w.supply_a, query(json!({}))).await;
    let mine = &a.items[0];
    assert_eq!(mine.offer.match_status(&mine.match_), MatchStatus::Assigned);
    let b = inbox(&w, w.supply_b, query(json!({"status": "fulfilled"}))).await;
    assert_eq!(ids(&b), [id], "assigned to another supplier");
    for supplier in [w.supply_a, w.supply_b] {
        let (counts, counted) = counts_and_rows(&w, supplier).await;
        assert_eq!(counts, counted);
        assert_eq!(counts.total, 1);
    }
}

/// 25 offers, each accepted by A, declined by B and closed by the demand at once, while the
/// stream's consumer projects each of them twice, also at once (50 acceptances and declines
/// in all): the counts are those of the rows, and each row shows its offer as it ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_counts_stay_exact_under_racing_transitions_and_projections() {
    let w = World::new(AssignmentMode::Auto).await;
    let mut created = Vec::new();
    for _ in 0..25 {
        created.push(create(&w, "nursing").await);
    }
    project(&w, &created).await;
    let mut racing = Vec::new();
    for &id in &created {
        let (app, demand, a, b) = (w.app.clone(), w.demand, w.supply_a, w.supply_b);
        racing.push(tokio::spawn(async move {
            let close = offers::close(&app, demand, id, sample("offers.outbox.offers.close"));
            let decline = offers::decline(&app, b, id, sample("offers.inbox.offers.decline"));
            let project = || offers::project_offer(&app, id);
            let (close, accept, decline, p1, p2) =
                tokio::join!(close, accept(&app, a, id), decline, project(), project());
            p1.unwrap();
            p2.unwrap();
            [
                ("close", close.is_ok()),
                ("accept", accept.is_ok()),
                ("decline", decline.is_ok()),
            ]
        }));
    }
    let mut won = BTreeMap::<&str, u32>::new();
    for r in racing {
        for (what, ok) in r.await.unwrap() {
            *won.entry(what).or_default() += u32::from(ok);
        }
    }
    eprintln!("won: {won:?}");
    // The stream's last record of each offer.
    project(&w, &created).await;

    for supplier in [w.supply_a, w.supply_b] {
        let (counts, counted) = counts_and_rows(&w, supplier).await;
        assert_eq!(counts, counted, "supplier {supplier}");
        assert_eq!(counts.total, 25);
        for row in w.app.db.inbox_of_supplier(supplier).await.unwrap() {
            let now = state(&w.app, row.offer.id).await;
            let m = now.match_of(supplier).unwrap();
            assert_eq!(row.offer_version, now.offer.version);
            assert_eq!(row.status, match_status(&now.offer, m));
            assert_eq!(&row.match_, m);
        }
    }
    assert_eq!(w.app.db.inbox_counts(w.supply_a).await.unwrap().open, 0);
}

#[tokio::test]
async fn a_retired_offer_leaves_its_suppliers_inboxes_once_and_for_good() {
    use shared::store::Table as _;
    let w = World::new(AssignmentMode::Manual).await;
    let (ended, open) = one_ended_one_open(&w).await;
    project(&w, &[ended, open]).await;
    let stale = state(&w.app, ended).await;

    // DynamoDB's TTL removes the closed offer; the stream brings the removal, twice.
    let removed = w
        .table
        .delete_existing(&format!("OFFER#{ended}"), "OFFER")
        .await
        .unwrap()
        .unwrap();
    let batch = removal(removed, "200");
    let now = shared::kernel::time::now();
    for _ in 0..2 {
        let (response, _) = offers::retire_removed_offers(&w.app, &batch, now).await;
        assert!(response.batch_item_failures.is_empty());
    }
    for supplier in [w.supply_a, w.supply_b] {
        let page = inbox(&w, supplier, query(json!({}))).await;
        assert_eq!((page.total_items, ids(&page)), (1, vec![open]));
        let (counts, counted) = counts_and_rows(&w, supplier).await;
        assert_eq!(counts, counted);
        assert_eq!((counts.total, counts.open, counts.closed), (1, 1, 0));
    }

    // A late record of the retired offer projects nothing: the offer is gone, and a state
    // read before it went finds the rows retired.
    assert_eq!(offers::project_offer(&w.app, ended).await.unwrap(), None);
    assert_eq!(w.app.db.project_inbox(&stale).await.unwrap(), 0);
    assert_eq!(inbox(&w, w.supply_a, query(json!({}))).await.total_items, 1);
}

#[test]
fn the_consumer_takes_written_offers_only() {
    let path = devstack::repo_root().join("events/offers.project_inbox.json");
    let mut event: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let parse = |e: &serde_json::Value| -> aws_lambda_events::event::dynamodb::Event {
        serde_json::from_value(e.clone()).unwrap()
    };
    let written = offers::written_offer(&parse(&event).records[0]);
    assert_eq!(
        written.map(|id| id.to_string()).as_deref(),
        Some("3d6f8a1e-2b4c-4d7e-9f10-6a2b3c4d5e6f")
    );
    event["Records"][0]["dynamodb"]["NewImage"]["kind"] = json!({"S": "match"});
    assert_eq!(offers::written_offer(&parse(&event).records[0]), None);
    event["Records"][0]["eventName"] = json!("REMOVE");
    event["Records"][0]["dynamodb"]["NewImage"]["kind"] = json!({"S": "offer"});
    assert_eq!(offers::written_offer(&parse(&event).records[0]), None);
}
