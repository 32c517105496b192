//! Values every context uses: ids, time, paging, request size limits and per-tenant quotas.

pub mod ids;
pub mod limits;
pub mod paging;
pub mod quota;
pub mod time;
