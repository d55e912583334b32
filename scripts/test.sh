#!/usr/bin/env bash
# Runs all tests of the solution against the local servers (scripts/infra.sh).
#
#   scripts/test.sh [extra dotnet test args, e.g. --filter Category=Unit]
#
# The tests read JOBS_PG_* / JOBS_RMQ_* from the environment (.local/infra.env).
# Results: .local/test-results/<timestamp>/*.trx (.local/test-results/latest points there).
# The last line printed is always `N passed, N failed` (summed over all TRX files);
# the exit code is non-zero if the build failed, a test failed, or no TRX was written.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="$REPO_ROOT/.local"
CONFIGURATION=Release

log() { printf '[test] %s\n' "$*"; }

# Printed on every early exit, so whoever reads only the last line still sees a failure.
fail_before_tests() {
  log "ERROR: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

solution_file() {
  local f
  for f in "$REPO_ROOT/Jobs.sln" "$REPO_ROOT/Jobs.slnx"; do
    [[ -f "$f" ]] && { echo "$f"; return 0; }
  done
  return 1
}

# Prints "<project> <total> <passed> <failed>" for one TRX file. Failed counts everything
# that is not a pass or a skip (error, timeout, aborted), because CI must not read those as
# success. The project is the test assembly's name, from the first codeBase attribute.
trx_counts() {
  local trx="$1" counters project
  # One sed each (not grep | head): under pipefail a SIGPIPE'd grep would read as failure.
  counters="$(sed -n '/<Counters /{s/.*\(<Counters [^>]*>\).*/\1/p;q}' "$trx")"
  [[ -n "$counters" ]] || return 1
  attr() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  project="$(sed -n '/codeBase="/{s/.*codeBase="\([^"]*\)".*/\1/p;q}' "$trx")"
  project="$(basename "${project:-$trx}")"
  project="${project%.dll}"
  project="${project%.trx}"
  local total passed failed error timeout aborted
  total="$(attr total)"; passed="$(attr passed)"; failed="$(attr failed)"
  error="$(attr error)"; timeout="$(attr timeout)"; aborted="$(attr aborted)"
  echo "$project ${total:-0} ${passed:-0} $(( ${failed:-0} + ${error:-0} + ${timeout:-0} + ${aborted:-0} ))"
}

unescape_xml() { sed 's/&quot;/"/g; s/&apos;/'"'"'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g'; }

# Prints the name of every test in the given TRX files whose outcome is not Passed or NotExecuted.
failed_tests() {
  grep -ho '<UnitTestResult [^>]*>' "$@" \
    | grep -v -e 'outcome="Passed"' -e 'outcome="NotExecuted"' \
    | sed -n 's/.* testName="\([^"]*\)".* outcome="\([^"]*\)".*/\2: \1/p' \
    | unescape_xml || true
}

# Prints the first line of each failed test's error message, the most frequent first, with how many tests it ended:
# when a shared fixture could not start, hundreds of tests fail with one message, and this says which.
failure_messages() {
  awk '
    /<UnitTestResult / { failed = ($0 !~ /outcome="(Passed|NotExecuted)"/) }
    failed && /<Message>/ {
      line = $0; sub(/.*<Message>/, "", line); sub(/<\/Message>.*/, "", line)
      print substr(line, 1, 300); failed = 0
    }' "$@" | unescape_xml | sort | uniq -c | sort -rn | head -n 10 || true
}

# Prints, whole (up to 40 lines), the first error message whose first line is the given one: its stack trace or the
# log tail of the service that would not start.
failure_message_in_full() {
  local want="$1"
  shift
  # Through the environment: awk -v would read backslashes in the message as escapes.
  WANT="$want" awk '
    BEGIN { want = ENVIRON["WANT"] }
    function unescape(t) {
      gsub(/&quot;/, "\"", t); gsub(/&apos;/, "\047", t); gsub(/&lt;/, "<", t); gsub(/&gt;/, ">", t); gsub(/&amp;/, "\\&", t)
      return t
    }
    /<UnitTestResult / { failed = ($0 !~ /outcome="(Passed|NotExecuted)"/) }
    failed && /<Message>/ { inside = 1; n = 0; sub(/.*<Message>/, "") }
    inside {
      done = sub(/<\/Message>.*/, "")
      text[++n] = unescape($0)
      if (done) {
        inside = 0; failed = 0
        if (substr(text[1], 1, 300) == want || want == "") { for (i = 1; i <= n && i <= 40; i++) print text[i]; exit }
      }
    }' "$@" || true
}

main() {
  command -v dotnet >/dev/null 2>&1 || fail_before_tests "dotnet is not on PATH"

  # The deployment tests render deploy/k8s with kubectl (offline); install it where apt can.
  if ! command -v kubectl >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
    log "installing kubectl (for the deployment tests)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q kubectl >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q kubectl >/dev/null 2>&1; } \
      || DEBIAN_FRONTEND=noninteractive apt-get install -y -q kubernetes-client >/dev/null 2>&1 \
      || log "WARNING: kubectl could not be installed; the deployment tests will fail"
  fi

  "$REPO_ROOT/scripts/infra.sh" up || fail_before_tests "scripts/infra.sh up failed"
  # shellcheck source=/dev/null
  . "$LOCAL_DIR/infra.env"

  local sln
  sln="$(solution_file)" || fail_before_tests "no Jobs.sln / Jobs.slnx in $REPO_ROOT"

  log "building $(basename "$sln") ($CONFIGURATION)"
  (cd "$REPO_ROOT" && dotnet build "$sln" -c "$CONFIGURATION" -nologo) || fail_before_tests "build failed"

  local results_dir
  results_dir="$LOCAL_DIR/test-results/$(date +%Y%m%d-%H%M%S)"
  rm -rf "$results_dir"
  mkdir -p "$results_dir"
  ln -sfn "$(basename "$results_dir")" "$LOCAL_DIR/test-results/latest"

  log "dotnet test (results in ${results_dir#"$REPO_ROOT"/})"
  local test_rc=0
  (cd "$REPO_ROOT" && dotnet test "$sln" -c "$CONFIGURATION" --no-build \
    --logger trx --results-directory "$results_dir" "$@") || test_rc=$?

  local -a trx_files=()
  mapfile -t trx_files < <(find "$results_dir" -name '*.trx' -type f | sort)

  local sum_passed=0 sum_failed=0 line project total passed failed
  echo
  log "results per test project:"
  for trx in "${trx_files[@]}"; do
    line="$(trx_counts "$trx")" || { log "  $(basename "$trx"): no <Counters> element (unreadable TRX)"; sum_failed=$((sum_failed + 1)); continue; }
    read -r project total passed failed <<<"$line"
    printf '[test]   %-40s %5s total %5s passed %5s failed\n' "$project" "$total" "$passed" "$failed"
    sum_passed=$((sum_passed + passed))
    sum_failed=$((sum_failed + failed))
  done

  # The failed tests by name, last before the summary, so that a CI log cut to its tail shows them.
  if ((sum_failed > 0 && ${#trx_files[@]} > 0)); then
    log "failed tests:"
    local names
    names="$(failed_tests "${trx_files[@]}")"
    head -n 40 <<<"$names" | sed 's/^/[test]   /'
    local more=$(($(wc -l <<<"$names") - 40))
    ((more > 0)) && log "  ... and $more more (all in the TRX files)"
    log "their errors (first line; how many tests each ended):"
    local messages
    messages="$(failure_messages "${trx_files[@]}")"
    sed 's/^/[test]   /' <<<"$messages"
    log "the most frequent one in full:"
    failure_message_in_full "$(head -n 1 <<<"$messages" | sed 's/^ *[0-9]* //')" "${trx_files[@]}" | sed 's/^/[test]   | /'
  fi

  local rc=0
  if ((${#trx_files[@]} > 0 && sum_passed == 0 && sum_failed == 0)); then
    log "WARNING: no test ran (a --filter that matches nothing?)" >&2
  fi
  if ((${#trx_files[@]} == 0)); then
    log "ERROR: no TRX file was written (no test project ran?)" >&2
    ((sum_failed == 0)) && sum_failed=1
    rc=1
  fi
  if ((sum_failed > 0)); then
    rc=1
  elif ((test_rc != 0)); then
    # e.g. a test host that crashed after writing its TRX, or a project with no TRX at all.
    log "ERROR: dotnet test exited with $test_rc although no test in the TRX files failed; counting it as 1 failure" >&2
    sum_failed=1
    rc=1
  fi
  echo "$sum_passed passed, $sum_failed failed"
  return "$rc"
}

main "$@"
