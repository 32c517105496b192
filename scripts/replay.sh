#!/usr/bin/env bash
# The operator's replay command (docs/operations.md): lists and replays what the platform
# parked. Against the local stack of scripts/local.sh: `scripts/replay.sh list --local`.
#
# Built like scripts/devstack.sh builds its binary (the workspace's features), so after
# scripts/test.sh this builds nothing more than the command itself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --quiet --workspace --bin replay
exec "${CARGO_TARGET_DIR:-target}/debug/replay" "$@"
