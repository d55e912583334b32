#!/usr/bin/env bash
# Runs the whole Jobs system on this machine: the servers (scripts/infra.sh) plus the five
# services as background processes.
#
#   scripts/run.sh          build, (re)start all services, wait until /health answers
#   scripts/run.sh stop     stop the services (scripts/infra.sh down stops the servers)
#
# Ports: JOBS_GATEWAY_PORT (5080), JOBS_JOBAPI_PORT (5081), JOBS_SCHEDULER_PORT (5082),
# JOBS_EXECUTOR_PORT (5083), JOBS_LOGSINK_PORT (5084).
# Logs: .local/logs/<name>.log   pids: .local/pids/<name>.pid
# Auth: a local token signing key in .local/jwt.key (made once), and an admin token of tenant
# "default" in .local/admin.token (made on every start); see docs/security.md.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="$REPO_ROOT/.local"
LOG_DIR="$LOCAL_DIR/logs"
PID_DIR="$LOCAL_DIR/pids"
CONFIGURATION=Release
TFM=net10.0
HEALTH_DEADLINE_SECONDS=120
KEY_FILE="$LOCAL_DIR/jwt.key"
TOKEN_FILE="$LOCAL_DIR/admin.token"

: "${JOBS_GATEWAY_PORT:=5080}"
: "${JOBS_JOBAPI_PORT:=5081}"
: "${JOBS_SCHEDULER_PORT:=5082}"
: "${JOBS_EXECUTOR_PORT:=5083}"
: "${JOBS_LOGSINK_PORT:=5084}"

# Start order: the gateway last, so it does not proxy to a JobApi that is not up yet.
SERVICES=(JobApi Scheduler Executor LogSink Gateway)

log() { printf '[run] %s\n' "$*"; }
die() { printf '[run] ERROR: %s\n' "$*" >&2; exit 1; }

lower() { tr '[:upper:]' '[:lower:]' <<<"$1"; }

port_of() {
  case "$1" in
    Gateway) echo "$JOBS_GATEWAY_PORT" ;;
    JobApi) echo "$JOBS_JOBAPI_PORT" ;;
    Scheduler) echo "$JOBS_SCHEDULER_PORT" ;;
    Executor) echo "$JOBS_EXECUTOR_PORT" ;;
    LogSink) echo "$JOBS_LOGSINK_PORT" ;;
  esac
}

solution_file() {
  local f
  for f in "$REPO_ROOT/Jobs.sln" "$REPO_ROOT/Jobs.slnx"; do
    [[ -f "$f" ]] && { echo "$f"; return; }
  done
  die "no Jobs.sln / Jobs.slnx in $REPO_ROOT"
}

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

# Stops one service by the pid recorded when we started it: SIGTERM (graceful host
# shutdown), then SIGKILL if it is still there after 15 s.
stop_service() {
  local name pid_file pid i
  name="$(lower "$1")"
  pid_file="$PID_DIR/$name.pid"
  [[ -f "$pid_file" ]] || return 0
  pid="$(cat "$pid_file")"
  if pid_alive "$pid"; then
    log "stopping $1 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
      pid_alive "$pid" || break
      sleep 0.1
    done
    if pid_alive "$pid"; then
      log "$1 did not stop within 15 s, killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pid_file"
}

cmd_stop() {
  local s
  for s in "${SERVICES[@]}"; do stop_service "$s"; done
  log "services stopped (the servers keep running; stop them with scripts/infra.sh down)"
}

start_service() {
  local svc="$1" name port dll dir
  name="$(lower "$svc")"
  port="$(port_of "$svc")"
  dir="$REPO_ROOT/services/$svc/bin/$CONFIGURATION/$TFM"
  dll="$dir/Jobs.$svc.dll"
  [[ -f "$dll" ]] || die "$dll not found (did the build produce it?)"
  # Otherwise another process's /health on this port would pass for ours.
  if port_in_use "$port"; then
    die "port $port for $svc is already taken: $(who_listens "$port") (stop it, or set JOBS_$(tr '[:lower:]' '[:upper:]' <<<"$svc")_PORT)"
  fi

  local -a env_vars=(
    "ConnectionStrings__Jobs=Host=$JOBS_PG_HOST;Port=$JOBS_PG_PORT;Username=$JOBS_PG_USER;Password=$JOBS_PG_PASSWORD;Database=$JOBS_PG_DATABASE"
    "RabbitMq__Host=$JOBS_RMQ_HOST"
    "RabbitMq__Port=$JOBS_RMQ_PORT"
    "RabbitMq__Username=$JOBS_RMQ_USER"
    "RabbitMq__Password=$JOBS_RMQ_PASSWORD"
    "RabbitMq__VirtualHost=$JOBS_RMQ_VHOST"
    "Auth__Jwt__SigningKey=$(cat "$KEY_FILE")"
  )
  case "$svc" in
    Gateway) env_vars+=("ReverseProxy__Clusters__jobapi__Destinations__jobapi1__Address=http://127.0.0.1:$JOBS_JOBAPI_PORT/") ;;
    Executor)
      env_vars+=("Executor__Id=${JOBS_EXECUTOR_ID:-local-1}" "Executor__Slots=${JOBS_EXECUTOR_SLOTS:-4}")
      # `stop` waits 15 s per service: a drain of up to 10 s lets running jobs end or be stopped and reported in time.
      env_vars+=("Executor__DrainTimeout=${JOBS_EXECUTOR_DRAIN_TIMEOUT:-00:00:10}")
      # As root the executor refuses to run jobs as root: they run as an unprivileged user instead.
      if [[ "$(id -u)" == 0 ]]; then env_vars+=("Executor__RunAsUser=${JOBS_EXECUTOR_RUN_AS:-nobody}"); fi
      ;;
  esac

  # cwd = the output dir, because ASP.NET takes its content root (appsettings.json) from
  # the cwd. setsid + </dev/null: the service outlives this script and holds no terminal.
  echo "==== $(date -Is) starting $svc on http://127.0.0.1:$port" >>"$LOG_DIR/$name.log"
  (cd "$dir" && exec env "${env_vars[@]}" setsid dotnet "$dll" --urls "http://127.0.0.1:$port" \
    </dev/null >>"$LOG_DIR/$name.log" 2>&1) &
  local pid=$!
  disown "$pid"   # not our job any more: no "Killed"/"Aborted" notices from this shell
  echo "$pid" >"$PID_DIR/$name.pid"
  log "started $svc (pid $pid, port $port, log .local/logs/$name.log)"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

who_listens() {
  local who=""
  command -v ss >/dev/null 2>&1 && who="$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:.*' | head -n 1 || true)"
  echo "${who:-unknown process}"
}

health_code() { curl -s -o /dev/null -m 3 -w '%{http_code}' "http://127.0.0.1:$1/health" 2>/dev/null || true; }

wait_healthy() {
  local deadline=$((SECONDS + HEALTH_DEADLINE_SECONDS)) svc name pid code
  local -A healthy=()
  while :; do
    local pending=0
    for svc in "${SERVICES[@]}"; do
      [[ -n "${healthy[$svc]:-}" ]] && continue
      name="$(lower "$svc")"
      pid="$(cat "$PID_DIR/$name.pid" 2>/dev/null || true)"
      if ! pid_alive "$pid"; then
        log "$svc exited during start-up; last lines of .local/logs/$name.log:"
        tail -n 40 "$LOG_DIR/$name.log" | sed 's/^/    /' >&2
        return 1
      fi
      code="$(health_code "$(port_of "$svc")")"
      if [[ "$code" == 200 ]]; then
        healthy[$svc]=1
        log "$svc healthy (${SECONDS}s)"
      else
        pending=1
      fi
    done
    if ((pending == 0)); then
      # A service that answered and then died (e.g. a failing hosted service) is no success.
      for svc in "${SERVICES[@]}"; do
        name="$(lower "$svc")"
        pid_alive "$(cat "$PID_DIR/$name.pid" 2>/dev/null || true)" && continue
        log "$svc exited after answering /health; last lines of .local/logs/$name.log:"
        tail -n 40 "$LOG_DIR/$name.log" | sed 's/^/    /' >&2
        return 1
      done
      return 0
    fi
    if ((SECONDS > deadline)); then
      for svc in "${SERVICES[@]}"; do
        [[ -n "${healthy[$svc]:-}" ]] && continue
        name="$(lower "$svc")"
        log "$svc: GET http://127.0.0.1:$(port_of "$svc")/health did not answer 200 within ${HEALTH_DEADLINE_SECONDS}s (last: $(health_code "$(port_of "$svc")")); last lines of .local/logs/$name.log:"
        tail -n 40 "$LOG_DIR/$name.log" | sed 's/^/    /' >&2
      done
      return 1
    fi
    sleep 1
  done
}

cmd_run() {
  command -v dotnet >/dev/null 2>&1 || die "dotnet is not on PATH"
  command -v curl >/dev/null 2>&1 || die "curl is not on PATH"
  "$REPO_ROOT/scripts/infra.sh" up
  # shellcheck source=/dev/null
  . "$LOCAL_DIR/infra.env"

  local sln
  sln="$(solution_file)"
  mkdir -p "$LOG_DIR" "$PID_DIR"
  # Stop running services before the build: the build overwrites the dlls they have mapped.
  local s
  for s in "${SERVICES[@]}"; do stop_service "$s"; done

  log "building $(basename "$sln") ($CONFIGURATION)"
  (cd "$REPO_ROOT" && dotnet build "$sln" -c "$CONFIGURATION" -nologo -v quiet) || die "build failed"

  # The local token signing key: random, made once, kept out of git (.local is ignored).
  if [[ ! -s "$KEY_FILE" ]]; then
    (umask 077 && head -c 48 /dev/urandom | base64 -w0 >"$KEY_FILE")
    log "made a token signing key in .local/jwt.key"
  fi
  (umask 077 && dotnet "$REPO_ROOT/tools/Jobs.Token/bin/$CONFIGURATION/$TFM/Jobs.Token.dll" \
    --key-file "$KEY_FILE" --tenant default --role admin --subject local-admin --hours 24 >"$TOKEN_FILE") \
    || die "could not mint the admin token"

  for s in "${SERVICES[@]}"; do start_service "$s"; done

  log "waiting up to ${HEALTH_DEADLINE_SECONDS}s for /health of every service"
  if ! wait_healthy; then
    die "not all services became healthy (they are left running for inspection; scripts/run.sh stop stops them)"
  fi

  local gw="http://127.0.0.1:$JOBS_GATEWAY_PORT"
  cat <<EOF

Jobs is running. Gateway: $gw   (API page: $gw/docs)

  # every request needs a token; an admin token of tenant "default" (24 h) is in .local/admin.token
  TOKEN=\$(cat .local/admin.token)
  # submit a job
  curl -s -X POST $gw/api/jobs -H "authorization: Bearer \$TOKEN" -H 'content-type: application/json' -d '{"command":"echo","args":["hello"]}'
  # look at it (use the id from the answer above)
  curl -s -H "authorization: Bearer \$TOKEN" $gw/api/jobs/<id>
  # read its output
  curl -s -H "authorization: Bearer \$TOKEN" $gw/api/jobs/<id>/logs
  # other users: dotnet tools/Jobs.Token/bin/Release/net10.0/Jobs.Token.dll --tenant acme --role operator --subject alice

  Logs:  .local/logs/<service>.log
  Stop:  scripts/run.sh stop      (the services)
         scripts/infra.sh down    (PostgreSQL and RabbitMQ)
EOF
}

case "${1:-run}" in
  run | start | up) cmd_run ;;
  stop | down) cmd_stop ;;
  *) echo "usage: $0 [run|stop]" >&2; exit 2 ;;
esac
