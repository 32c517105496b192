//! `PageCore` paging: `page` / `items_per_page` in, `{page, items_per_page, total_items,
//! total_pages, items}` out.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::edge::error::ApiError;
use crate::kernel::time::Timestamp;

pub const DEFAULT_ITEMS_PER_PAGE: u64 = 100;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

/// The paging part of a list request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub items_per_page: u64,
    pub sort_order: SortOrder,
}

impl PageRequest {
    pub fn parse(
        page: Option<i64>,
        items_per_page: Option<i64>,
        sort_order: Option<SortOrder>,
    ) -> Result<Self, ApiError> {
        // The spec sets no maximum: a large page size simply returns everything there is.
        let page = u64::try_from(page.unwrap_or(1))
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| ApiError::bad_request("page must be at least 1"))?;
        let items_per_page = match items_per_page {
            None => DEFAULT_ITEMS_PER_PAGE,
            Some(n) => u64::try_from(n)
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| ApiError::bad_request("items_per_page must be at least 1"))?,
        };
        Ok(Self {
            page,
            items_per_page,
            sort_order: sort_order.unwrap_or_default(),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Page<T> {
    pub page: u64,
    pub items_per_page: u64,
    pub total_items: u64,
    pub total_pages: u64,
    pub items: Vec<T>,
    /// Where the next page starts, for a list that reads one page at a time (this
    /// platform's extension: pass it back as `page_token`); absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

impl<T> Page<T> {
    /// The same page with every item converted (conversion may fail, e.g. a missing name).
    pub fn try_map<U, E>(mut self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        let items = std::mem::take(&mut self.items);
        let items = items.into_iter().map(f).collect::<Result<_, _>>()?;
        Ok(self.with_items(items))
    }

    /// The same page, listing `items` instead (what its items became).
    pub fn with_items<U>(self, items: Vec<U>) -> Page<U> {
        Page {
            items,
            page: self.page,
            items_per_page: self.items_per_page,
            total_items: self.total_items,
            total_pages: self.total_pages,
            next_page_token: self.next_page_token,
        }
    }

    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        self.try_map(|t| Ok::<_, std::convert::Infallible>(f(t)))
            .unwrap_or_else(|e| match e {})
    }
}

/// How long a `next_page_token` stays usable.
pub const CURSOR_TTL_SECONDS: i64 = 3600;

/// The longest `page_token` accepted (docs/openapi.yaml's `maxLength`); a token this API
/// issues is a few hundred characters.
pub const MAX_PAGE_TOKEN_LENGTH: usize = 2048;

/// Where a list read one page at a time goes on: after the sort key of the last item sent.
/// Bound to the organization and the list that issued it, to the page size and order asked
/// for, and to an expiry. The list's partition always comes from the caller's identity, never
/// from the token, so a token made up by a client can only move within the client's own list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "o")]
    pub owner: String,
    #[serde(rename = "l")]
    pub list: String,
    #[serde(rename = "n")]
    pub items_per_page: u64,
    #[serde(rename = "a")]
    pub ascending: bool,
    /// The page this cursor opens.
    #[serde(rename = "p")]
    pub page: u64,
    /// The sort key of the last item of the page before.
    #[serde(rename = "k")]
    pub after: String,
    /// Epoch seconds after which the token is refused.
    #[serde(rename = "x")]
    pub expires: i64,
}

impl Cursor {
    /// The cursor of the page after `page` of `owner`'s `list`, which ended at `after`.
    pub fn next(owner: &str, list: &str, req: PageRequest, after: String, now: Timestamp) -> Self {
        Self {
            owner: owner.to_owned(),
            list: list.to_owned(),
            items_per_page: req.items_per_page,
            ascending: req.sort_order == SortOrder::Asc,
            page: req.page + 1,
            after,
            expires: now.timestamp() + CURSOR_TTL_SECONDS,
        }
    }

    /// The `page_token` a client sends back.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("a cursor serializes"))
    }

    /// The cursor `token` names, if it was issued for `owner`'s `list` with the paging of
    /// `req` (its `page` aside: the token says which page it opens) and has not expired; a
    /// 400 otherwise.
    pub fn decode(
        token: &str,
        owner: &str,
        list: &str,
        req: PageRequest,
        now: Timestamp,
    ) -> Result<Self, ApiError> {
        let refused = |why: &str| ApiError::bad_request(format!("page_token {why}"));
        if token.len() > MAX_PAGE_TOKEN_LENGTH {
            return Err(refused("is longer than any this API issues"));
        }
        let cursor: Cursor = URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| refused("is not one this API issued"))?;
        if cursor.owner != owner || cursor.list != list {
            return Err(refused("belongs to another list"));
        }
        if cursor.items_per_page != req.items_per_page
            || cursor.ascending != (req.sort_order == SortOrder::Asc)
        {
            return Err(refused(
                "was issued for another items_per_page or sort_order",
            ));
        }
        if cursor.expires < now.timestamp() {
            return Err(refused("has expired; start again from page 1"));
        }
        Ok(cursor)
    }
}

/// Cuts the requested page out of the complete, already filtered and sorted list.
pub fn paginate<T>(all: Vec<T>, req: PageRequest) -> Page<T> {
    let total_items = all.len() as u64;
    let per = req.items_per_page;
    let total_pages = total_items.div_ceil(per);
    let skip = (req.page - 1).saturating_mul(per).min(total_items) as usize;
    let take = per.min(total_items) as usize;
    let items = all.into_iter().skip(skip).take(take).collect();
    Page {
        page: req.page,
        items_per_page: req.items_per_page,
        total_items,
        total_pages,
        items,
        next_page_token: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(page: i64, per: i64) -> PageRequest {
        PageRequest::parse(Some(page), Some(per), None).unwrap()
    }

    #[test]
    fn a_cursor_opens_only_its_own_list_with_its_own_paging_until_it_expires() {
        let now = crate::kernel::time::now();
        let paging = req(1, 20);
        let token = Cursor::next("org-a", "outbox-offers", paging, "2026#x".into(), now).encode();
        let opened = Cursor::decode(&token, "org-a", "outbox-offers", req(1, 20), now).unwrap();
        assert_eq!((opened.page, opened.after.as_str()), (2, "2026#x"));
        // Another organization, another list, other paging: refused.
        assert!(Cursor::decode(&token, "org-b", "outbox-offers", paging, now).is_err());
        assert!(Cursor::decode(&token, "org-a", "inbox-offers", paging, now).is_err());
        assert!(Cursor::decode(&token, "org-a", "outbox-offers", req(1, 10), now).is_err());
        let asc = PageRequest::parse(None, Some(20), Some(SortOrder::Asc)).unwrap();
        assert!(Cursor::decode(&token, "org-a", "outbox-offers", asc, now).is_err());
        // Expired, and tampered with.
        let later = now + chrono::Duration::seconds(CURSOR_TTL_SECONDS + 1);
        assert!(Cursor::decode(&token, "org-a", "outbox-offers", paging, later).is_err());
        let mut tampered = token.clone();
        tampered.insert(3, '!');
        assert!(Cursor::decode(&tampered, "org-a", "outbox-offers", paging, now).is_err());
        assert!(Cursor::decode("", "org-a", "outbox-offers", paging, now).is_err());
        // Longer than any token issued, even one that would decode.
        let long = Cursor::next("org-a", "outbox-offers", paging, "k".repeat(2048), now);
        assert!(Cursor::decode(&long.encode(), "org-a", "outbox-offers", paging, now).is_err());
    }

    #[test]
    fn pages_cover_the_list_without_overlap() {
        let p = paginate((1..=7).collect::<Vec<_>>(), req(2, 3));
        assert_eq!(
            (p.total_items, p.total_pages, p.items),
            (7, 3, vec![4, 5, 6])
        );
        let last = paginate((1..=7).collect::<Vec<_>>(), req(3, 3));
        assert_eq!(last.items, vec![7]);
    }

    #[test]
    fn a_page_past_the_end_is_empty_not_an_error() {
        let p = paginate(vec![1, 2], req(5, 10));
        assert!(p.items.is_empty());
        assert_eq!((p.total_items, p.total_pages), (2, 1));
    }

    #[test]
    fn empty_list_has_zero_pages() {
        let p = paginate(Vec::<u8>::new(), req(1, 10));
        assert_eq!((p.total_items, p.total_pages), (0, 0));
    }

    #[test]
    fn bounds_are_enforced() {
        assert!(PageRequest::parse(Some(0), None, None).is_err());
        assert!(PageRequest::parse(None, Some(0), None).is_err());
        assert!(PageRequest::parse(Some(-3), None, None).is_err());
        let huge = PageRequest::parse(Some(i64::MAX), Some(i64::MAX), None).unwrap();
        assert!(paginate(vec![1, 2, 3], huge).items.is_empty());
        let all = PageRequest::parse(None, Some(i64::MAX), None).unwrap();
        assert_eq!(paginate(vec![1, 2, 3], all).items, vec![1, 2, 3]);
        assert_eq!(
            PageRequest::parse(None, None, None).unwrap().items_per_page,
            DEFAULT_ITEMS_PER_PAGE
        );
    }
}
