//! Operator commands. `replay` lists what the platform parked (the stream failure queue, the
//! Event Collector's and the hub's dead-letter queues) and replays a selection of it,
//! idempotently: the same event, with the same `event_id`, to the same destination, once,
//! unless `--force` (docs/operations.md).
//!
//! `parked` reads a queue's messages into entries and units (one event to one destination),
//! `select` chooses among them, `resolve` reads what a stream failure stands for from the
//! stream and the table, `markers` records each unit's replay, `replay` runs the commands,
//! and `targets` says where all of it is, for a deployed stack or the local one.

pub mod markers;
pub mod parked;
pub mod replay;
pub mod resolve;
pub mod select;
pub mod targets;
