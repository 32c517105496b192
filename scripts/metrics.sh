#!/usr/bin/env bash
# Shows what the local stack's functions recorded as CloudWatch metrics (the Embedded Metric
# Format documents a deployed function writes to its log): a summary per metric and dimension
# values, or with --raw the documents themselves, one JSON line each.
#   scripts/metrics.sh [--raw] [--stack URL]
# Needs scripts/local.sh running (http://127.0.0.1:3000 unless --stack or DEVSTACK_PORT).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec scripts/devstack.sh metrics "$@"
