#!/usr/bin/env bash
# The GitHub Action's lint step (action.yml): one run writes SARIF for code scanning and prints the text report
# in the log, a second prints workflow commands that annotate the pull request. It never fails itself: it
# records bps-lint's exit code as the step output `exit-code`, so the upload step runs before the job fails.
# Inputs come as INPUT_* variables; tests/test_action.py runs this script as it is.
set -uo pipefail

read -r -a paths <<< "${INPUT_PATH:-.}"
sarif="${INPUT_SARIF_FILE:-bps-lint.sarif}"
options=()
[ -n "${INPUT_CONFIG:-}" ] && options+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_FAIL_ON:-}" ] && options+=(--fail-on "$INPUT_FAIL_ON")
[ -n "${INPUT_BASELINE:-}" ] && options+=(--baseline "$INPUT_BASELINE")

bps-lint "${paths[@]}" "${options[@]}" --format sarif --output "$sarif"
code=$?
if [ "$code" -le 1 ] && [ "${INPUT_ANNOTATE:-true}" = "true" ]; then
  bps-lint "${paths[@]}" "${options[@]}" --format github --exit-zero 2>/dev/null | grep '^::'
fi

output="${GITHUB_OUTPUT:-/dev/null}"
{
  echo "exit-code=$code"
  [ -f "$sarif" ] && echo "sarif-file=$sarif"
} >> "$output"
exit 0
