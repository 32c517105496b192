//! Who calls: Cognito IdTokens and the caller's identity (`auth`), machine clients and the
//! client-credentials grant (`oauth`, `clients`, `store`), and organization sign-ups.

pub mod auth;
pub mod auto_sign_up;
pub mod clients;
pub mod oauth;
pub mod sign_up;
pub mod store;
pub mod verified;
pub mod wire;
