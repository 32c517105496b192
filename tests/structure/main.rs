//! Checks of the repository's structure that read files and start nothing: the template,
//! registry, `events/` and `docs/openapi.yaml` agree (`drift`), and the crates' modules import
//! only downwards and in no circle (`modules`). A binary of its own, so a change to a route or a
//! module fails here in seconds, without moto.

mod drift;
mod modules;
