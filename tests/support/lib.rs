//! Test support: a local stack per test on one shared moto, a client that drives the HTTP
//! API like a participant would (typed per API family in `client`, with the recurring set-ups
//! in `given`), SNS subscribers that record what each organization receives,
//! and validation of every message against docs/asyncapi.yaml.

pub mod asyncapi;
pub mod check;
pub mod client;
pub mod downloads;
pub mod given;
pub mod harness;
pub mod published;
pub mod receiver;
pub mod subscriber;

pub use harness::{Response, TestStack};
pub use receiver::{Delivery, Receiver, Tarpit};
pub use subscriber::{Received, Subscriber, drain_queue};
