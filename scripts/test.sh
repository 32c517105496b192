#!/usr/bin/env bash
# README command 2 (and what CI runs): every check and every test.
#   formatting, clippy with warnings as errors, template validation (cfn-lint 1.51 with the SAM
#   transform, sam validate, sam validate --lint), then all unit, handler, end-to-end and
#   scenario tests (cargo nextest: one process per test, each integration test starts its own
#   moto on a free loopback port).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup-python.sh --sam

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "==> template"
scripts/validate-template.sh
echo "==> moto patches against moto's own behaviour"
.venv/bin/python -m unittest discover -s tools -p 'test_*.py'
echo "==> doc tests"
cargo test --workspace --doc --quiet
echo "==> tests (cargo nextest)"
if ! command -v cargo-nextest >/dev/null; then
  cargo install cargo-nextest --locked
fi
cargo nextest run --workspace --no-fail-fast
