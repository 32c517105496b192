#!/usr/bin/env bash
# The local stack's CPU use while idle: starts it (as scripts/local.sh does, on a free port),
# waits until it is up and 5 s more, then reads the CPU time devstack and moto used over
# SECONDS (default 20) from /proc and prints each as a share of one core.
#   bench/idle-cpu.sh [SECONDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-20}
cargo build --quiet --workspace --bin devstack
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
out=$(mktemp)
"${CARGO_TARGET_DIR:-target}/debug/devstack" --port "$port" --stack-name idle >"$out" 2>/dev/null &
stack=$!
trap 'kill $stack 2>/dev/null; rm -f "$out"' EXIT
until grep -q 'Local stack is up' "$out"; do
  kill -0 $stack 2>/dev/null || { echo "the local stack did not start" >&2; exit 1; }
  sleep 1
done
sleep 5
moto=$(curl -s "http://127.0.0.1:$port/_local/health" | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["emulator"]["pid"])')
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
d1=$(ticks $stack); m1=$(ticks "$moto")
sleep "$seconds"
d2=$(ticks $stack); m2=$(ticks "$moto")
share() { awk -v t=$(($2 - $1)) -v hz="$hz" -v s="$seconds" 'BEGIN { printf "%.1f %% of a core", 100 * t / hz / s }'; }
echo "idle over ${seconds} s: devstack $(share "$d1" "$d2"), moto $(share "$m1" "$m2")"
