#!/usr/bin/env bash
# README command 1: the local stack. Installs the Python tools it needs, builds the platform,
# and runs `devstack` (moto on loopback, template.yaml's resources, every route on :3000,
# the stream functions, demo data). Arguments go to devstack (`--help` lists them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup-python.sh
exec scripts/devstack.sh "$@"
