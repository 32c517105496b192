//! A list read one page at a time (issue 16): the unfiltered outbox offers list reads one page
//! of its index and takes `total_items` from the demand's counts. Both ways of paging reach
//! every offer once, in the same order: `page`, and the `next_page_token` of each page (this
//! platform's extension, passed back as `page_token`).

use platform_tests::TestStack;
use platform_tests::given;
use serde_json::Value;

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["offer"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_list_pages_by_page_and_by_page_token_alike() {
    let t = TestStack::start().await;
    let demand = t.login(&t.demo.demand).await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(given::offer(&t, &demand).await);
    }
    let offers = t.offers(&demand);

    for order in ["desc", "asc"] {
        let first = offers
            .outbox_list(&format!("items_per_page=2&sort_order={order}"))
            .await
            .ok(200);
        let total = first["total_items"].as_u64().unwrap();
        assert_eq!(total, 5, "the demand's offers, counted");
        assert_eq!(first["total_pages"], 3);

        // By page number.
        let mut by_page = Vec::new();
        for page in 1..=3 {
            let r = offers
                .outbox_list(&format!("items_per_page=2&sort_order={order}&page={page}"))
                .await
                .ok(200);
            assert_eq!(r["total_items"], 5);
            by_page.extend(ids(&r));
        }
        // By token, from the first page.
        let mut by_token = ids(&first);
        let mut token = first["next_page_token"].as_str().map(str::to_owned);
        while let Some(t_) = token {
            let r = offers
                .outbox_list(&format!(
                    "items_per_page=2&sort_order={order}&page_token={t_}"
                ))
                .await
                .ok(200);
            by_token.extend(ids(&r));
            token = r["next_page_token"].as_str().map(str::to_owned);
        }
        assert_eq!(by_page, by_token, "{order}: both ways, the same sequence");
        let mut sorted = by_page.clone();
        sorted.sort();
        let mut expected = created.clone();
        expected.sort();
        assert_eq!(sorted, expected, "{order}: every offer once");
        if order == "desc" {
            assert_eq!(by_page.first(), created.last(), "newest first");
        } else {
            assert_eq!(by_page.first(), created.first(), "oldest first");
        }
    }

    // A page past the end is empty; a token is refused with other paging, with a filter or
    // when it is not one the API issued.
    let past = offers.outbox_list("items_per_page=2&page=9").await.ok(200);
    assert!(ids(&past).is_empty());
    assert!(past.get("next_page_token").is_none());
    let first = offers.outbox_list("items_per_page=2").await.ok(200);
    let token = first["next_page_token"].as_str().unwrap();
    for query in [
        format!("items_per_page=3&page_token={token}"),
        format!("items_per_page=2&sort_order=asc&page_token={token}"),
        format!("items_per_page=2&status=open&page_token={token}"),
        "items_per_page=2&page_token=bm90LWEtdG9rZW4".to_owned(),
    ] {
        offers.outbox_list(&query).await.ok(400);
    }
    // A modification moves an offer to the front of the default (newest first) order.
    let oldest = &created[0];
    let close = serde_json::json!({"reason_code": "client_request"});
    offers.close(oldest, close).await.ok(204);
    let now_first = offers.outbox_list("items_per_page=1").await.ok(200);
    assert_eq!(
        ids(&now_first),
        std::slice::from_ref(oldest),
        "last modified first"
    );
}
