#!/usr/bin/env bash
# Runs the benchmark suite and writes bench/results/suite-<UTC time>/: each benchmark's printed table
# (<name>.txt; the benchmarks also write their own JSON into bench/results/) and summary.md, all of them
# with the machine's facts. See bench/README.md for what each one measures.
#
#   bench/run.sh            the suite at its defaults (about 10 minutes on 2 cores)
#   bench/run.sh --quick    a smoke run of every benchmark (a few minutes): it proves they run, not how fast
#
# It brings up PostgreSQL and RabbitMQ (scripts/infra.sh up) and builds the solution. Most benchmarks start
# the services they measure themselves, on a database and virtual host of their own; the two that measure
# the running system as a client does (gateway overhead, live log latency) get it from scripts/run.sh,
# which the suite starts for them and stops afterwards. Exits non-zero if any benchmark failed to run.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QUICK=0
case "${1:-}" in
  --quick) QUICK=1 ;;
  "") ;;
  *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

log() { printf '[bench] %s\n' "$*" >&2; }

cd "$REPO_ROOT"
scripts/infra.sh up >&2
# shellcheck source=/dev/null
. .local/infra.env
export $(grep -o '^export [A-Z_]*' .local/infra.env | cut -d' ' -f2)

log "building Jobs.sln (Release)"
dotnet build Jobs.sln -c Release -nologo -v quiet >&2

stamp="$(date -u +%Y%m%d-%H%M%S)"
suffix=""
((QUICK)) && suffix="-quick"
out="bench/results/suite-$stamp$suffix"
mkdir -p "$out"
failed=()

run_bench() {
  local name="$1"; shift
  log "$name $*"
  if dotnet "bench/$name/bin/Release/net10.0/$name.dll" "$@" | tee "$out/$name.txt"; then
    :
  else
    log "$name FAILED"
    failed+=("$name")
  fi
}

if ((QUICK)); then
  run_bench Jobs.Bench.Executor --runs 20 --warmup 2 --idle-seconds 2
  run_bench Jobs.Bench.Logs --mib 8 --rounds 1 --warmup-mib 0
  run_bench Jobs.Bench.System --quick
  run_bench Jobs.Bench.ControlPlane --quick
  run_bench Jobs.Bench.Hangfire --quick --configs a,b,d
else
  run_bench Jobs.Bench.Executor --runs 200
  run_bench Jobs.Bench.Logs --mib 128 --rounds 2 --warmup-mib 16
  run_bench Jobs.Bench.System --backlog 5000
  run_bench Jobs.Bench.ControlPlane --jobs 3000
  run_bench Jobs.Bench.Hangfire
fi

# The client-side benchmarks, against the system as scripts/run.sh runs it.
if scripts/run.sh >&2; then
  if ((QUICK)); then
    run_bench Jobs.Bench.Gateway --requests 100 --warmup 20
    run_bench Jobs.Bench.LogLatency --seconds 3 --warmup-seconds 0
  else
    run_bench Jobs.Bench.Gateway --requests 2000
    run_bench Jobs.Bench.LogLatency --seconds 10 --jobs 4
  fi
else
  log "scripts/run.sh failed: the client-side benchmarks did not run"
  failed+=("scripts/run.sh")
fi
scripts/run.sh stop >&2 || true

{
  echo "# Benchmark suite $stamp UTC${suffix:+ (quick smoke: not figures to quote)}"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB,"
  echo "$(. /etc/os-release && echo "$PRETTY_NAME"), .NET SDK $(dotnet --version), PostgreSQL $(psql --version 2>/dev/null | awk '{print $3}' || echo '?'),"
  echo "RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo '?'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  for f in "$out"/*.txt; do
    echo "## $(basename "$f" .txt)"
    echo
    echo '```'
    cat "$f"
    echo '```'
    echo
  done
} >"$out/summary.md"
log "summary: $out/summary.md"

if ((${#failed[@]} > 0)); then
  log "failed: ${failed[*]}"
  exit 1
fi
