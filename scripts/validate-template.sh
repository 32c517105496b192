#!/usr/bin/env bash
# Validate template.yaml and its nested applications (stacks/*.yaml), count each one's
# resources after the SAM transform, and check that every sample event under events/ is JSON.
#
#   scripts/validate-template.sh
#
# 1. cfn-lint 1.51.0 from .venv (tools/requirements.txt). This version runs the full SAM
#    transform, so it also checks what SAM generates (event source mappings, roles, ...).
# 2. From .venv-sam (tools/requirements-sam.txt): `sam validate` (SAM translator) and
#    `sam validate --lint` (the newer cfn-lint bundled with SAM CLI, which checks plain
#    CloudFormation resources more strictly but no longer runs the SAM transform).
# Neither needs AWS credentials or network access.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

CFN_LINT=.venv/bin/cfn-lint
SAM=.venv-sam/bin/sam
REGION=us-east-1

if [[ ! -x "$CFN_LINT" ]]; then
  echo "error: $CFN_LINT not found. Create the venv first:" >&2
  echo "  scripts/setup-python.sh" >&2
  exit 1
fi

TEMPLATES=(template.yaml stacks/*.yaml)

echo "==> cfn-lint $("$CFN_LINT" --version | awk '{print $2}') ${TEMPLATES[*]}"
"$CFN_LINT" "${TEMPLATES[@]}"
echo "    ok"

echo "==> resources per stack after the SAM transform (CloudFormation allows 500)"
.venv/bin/python tools/count_resources.py "${TEMPLATES[@]}"

if [[ ! -x "$SAM" ]]; then
  echo "error: $SAM not found: run scripts/setup-python.sh --sam" >&2
  exit 1
fi
export SAM_CLI_TELEMETRY=0
for t in "${TEMPLATES[@]}"; do
  echo "==> sam validate -t $t"
  "$SAM" validate -t "$t" --region "$REGION"
  echo "==> sam validate --lint -t $t"
  "$SAM" validate --lint -t "$t" --region "$REGION"
done

echo "==> events/*.json parse as JSON"
shopt -s nullglob
events=(events/*.json)
for f in "${events[@]}"; do
  .venv/bin/python -m json.tool "$f" >/dev/null || { echo "error: $f is not valid JSON" >&2; exit 1; }
done
echo "    ok (${#events[@]} files)"
