//! `PageCore` paging: `page` / `items_per_page` in, `{page, items_per_page, total_items,
//! total_pages, items}` out.

use serde::{Deserialize, Serialize};

use crate::edge::error::ApiError;

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
}

impl<T> Page<T> {
    /// The same page with every item converted (conversion may fail, e.g. a missing name).
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            page: self.page,
            items_per_page: self.items_per_page,
            total_items: self.total_items,
            total_pages: self.total_pages,
        })
    }

    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        self.try_map(|t| Ok::<_, std::convert::Infallible>(f(t)))
            .unwrap_or_else(|e| match e {})
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(page: i64, per: i64) -> PageRequest {
        PageRequest::parse(Some(page), Some(per), None).unwrap()
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
