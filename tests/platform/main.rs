//! The platform's integration tests: one binary, one shared moto, a stack per test.

mod auth;
mod auto_sign_up;
mod bad_input;
mod collector;
mod concurrency;
mod conformance;
mod delivery;
mod forms;
mod idempotency;
mod isolation;
mod listener;
mod metrics;
mod notification;
mod oauth;
mod ordering;
mod org_admin;
mod organizations;
mod paging;
mod readme;
mod referrals;
mod replay;
mod samples;
mod scenario;
mod security;
mod sequences;
mod visits;

// The sample bodies and the two set-ups most files share, under the names they use here.
pub use platform_tests::given::{
    offer as create_offer, offer_body, sample_body, sequence as sequence_of,
};
