//! What handlers are given and what talks to AWS beside the table: configuration, the SDK
//! clients and their TLS, KMS sealing of secrets, pre-signed downloads, delivery to
//! destinations the platform does not own, metrics (EMF documents on stdout) and X-Ray
//! subsegments of the SDK's calls.

pub mod app;
pub mod aws;
pub mod config;
pub mod delivery;
pub mod metrics;
pub mod presign;
pub mod sealed;
pub mod tls;
pub mod xray;
