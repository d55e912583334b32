#!/usr/bin/env bash
# The full fault-injection suite (issue #9) and the load test, against the local servers (scripts/infra.sh).
#
#   scripts/reliability.sh [extra dotnet test args, e.g. --filter FullyQualifiedName~JobApiKill]
#
# Every scenario of tests/Jobs.Reliability.Tests runs with JOBS_RELIABILITY_JOBS jobs (default here 500; CI runs the
# same tests with 100 through scripts/test.sh), then the load test (Category=Load) for JOBS_LOAD_SECONDS (default 60).
# Each scenario appends its figures to .local/reliability/report.md, printed at the end.
# The exit code is non-zero if the build failed or any test failed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="$REPO_ROOT/.local"
CONFIGURATION=Release
REPORT="$LOCAL_DIR/reliability/report.md"

log() { printf '[reliability] %s\n' "$*"; }

fail() {
  log "ERROR: $*" >&2
  exit 1
}

main() {
  command -v dotnet >/dev/null 2>&1 || fail "dotnet is not on PATH"

  "$REPO_ROOT/scripts/infra.sh" up || fail "scripts/infra.sh up failed"
  # shellcheck source=/dev/null
  . "$LOCAL_DIR/infra.env"

  log "building Jobs.sln ($CONFIGURATION)"
  (cd "$REPO_ROOT" && dotnet build Jobs.sln -c "$CONFIGURATION" -nologo) || fail "build failed"

  local results_dir
  results_dir="$LOCAL_DIR/test-results/reliability-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$results_dir" "$(dirname "$REPORT")"
  rm -f "$REPORT"

  export JOBS_RELIABILITY_JOBS="${JOBS_RELIABILITY_JOBS:-500}"
  export JOBS_LOAD_SECONDS="${JOBS_LOAD_SECONDS:-60}"

  local rc=0 started=$SECONDS
  log "fault scenarios with $JOBS_RELIABILITY_JOBS jobs each (results in ${results_dir#"$REPO_ROOT"/})"
  (cd "$REPO_ROOT" && dotnet test tests/Jobs.Reliability.Tests -c "$CONFIGURATION" --no-build \
    --logger trx --logger "console;verbosity=normal" --results-directory "$results_dir" "$@") || rc=1
  log "fault scenarios took $((SECONDS - started)) s"

  started=$SECONDS
  log "load test for $JOBS_LOAD_SECONDS s"
  (cd "$REPO_ROOT" && dotnet test tests/Jobs.EndToEnd.Tests -c "$CONFIGURATION" --no-build --filter "Category=Load" \
    --logger trx --logger "console;verbosity=normal" --results-directory "$results_dir") || rc=1
  log "load test took $((SECONDS - started)) s"

  echo
  log "per-scenario report (${REPORT#"$REPO_ROOT"/}):"
  if [[ -f "$REPORT" ]]; then
    cat "$REPORT"
  else
    log "no scenario wrote a report (none ran to its end)"
    rc=1
  fi
  ((rc == 0)) && log "all passed" || log "FAILED (see the test output above and .local/test-logs/)"
  return "$rc"
}

main "$@"
