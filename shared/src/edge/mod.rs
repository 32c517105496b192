//! Where a request meets the code: the one error type, the catalogues of error codes, Lambda
//! HTTP adaptation and the mapping of domain rejections to statuses.

pub mod codes;
pub mod error;
pub mod http;
pub mod keyed;
pub mod rejections;
