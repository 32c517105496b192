//! Stream-triggered functions.

pub mod publish;
