//! Offers API bodies for offers and matches (`openapi.offers.yaml`), and the conversions
//! between them and the stored records: the requests and queries, the demand's (outbox) views,
//! the supplier's (inbox) views, and the shift and bundle requests. The inbox views are
//! anonymized: no client name, contact, street address or demographics reach a supplier before
//! assignment.

mod groups;
mod inbox;
mod outbox;
mod requests;
#[cfg(test)]
mod tests;

pub use groups::*;
pub use inbox::*;
pub use outbox::*;
pub use requests::*;
