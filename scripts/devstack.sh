#!/usr/bin/env bash
# Builds the devstack binary the way the test build does and runs it with the arguments given:
# the local stack (scripts/local.sh), `invoke` (scripts/invoke.sh), `events` (scripts/events.sh).
#
# `cargo build --workspace --bin devstack` resolves features over the whole workspace, as
# `cargo nextest run --workspace` does (no member's dev-dependencies add features:
# devstack/tests/build.rs checks it), so after scripts/test.sh this builds nothing, where
# `cargo run -p devstack` would recompile the AWS SDK crates with devstack's narrower features.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --quiet --workspace --bin devstack
exec "${CARGO_TARGET_DIR:-target}/debug/devstack" "$@"
