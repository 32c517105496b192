//! Wire models of the published specs (request bodies are parsed into these, responses are
//! rendered from them). Field names and optionality follow `docs/openapi.yaml`.

pub mod forms;
pub mod messages;
pub mod offers;
pub mod organizations;
pub mod referrals;
pub mod sequences;
pub mod sys_admin;
pub mod visits;
