#!/usr/bin/env bash
# Watches the local stack's events as a subscriber gets them: a queue on each topic with the
# organization's filter policy, one JSON line per message, until Ctrl-C.
#   scripts/events.sh [--org ID | demand | supply-a | supply-b] [--count N] [--stack URL]
# Needs scripts/local.sh running (http://127.0.0.1:3000 unless --stack or DEVSTACK_PORT).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec scripts/devstack.sh events "$@"
