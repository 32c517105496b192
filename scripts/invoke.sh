#!/usr/bin/env bash
# Runs one handler on one event, the way Lambda would, and prints its response
# (`sam local invoke` without Docker):
#   scripts/invoke.sh HANDLER [EVENT_FILE | -] [--as sysadmin|demand|supply-a|supply-b]
#   scripts/invoke.sh --list
# The event defaults to events/HANDLER.json; its token placeholders get a demo user's token.
# It runs this checkout's code (rebuilt if changed) against the local stack of
# scripts/local.sh when one is running, else against one it starts for the call.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup-python.sh >&2
exec scripts/devstack.sh invoke "$@"
