#!/usr/bin/env bash
# Brings the servers the Jobs system needs (PostgreSQL, RabbitMQ) up and down.
#
#   scripts/infra.sh up       start both (reuses running ones) and write .local/infra.env
#   scripts/infra.sh down     stop both (data stays in place)
#   scripts/infra.sh status   print whether each one answers
#   scripts/infra.sh env      print .local/infra.env
#
# For tests that kill servers (local mode only):
#   scripts/infra.sh up-postgres | up-rabbitmq   start (or start again) just one of them
#   scripts/infra.sh pids       print "postgres <pid>" / "rabbitmq <pid>" for the running postmaster and broker VM
#   scripts/infra.sh destroy    stop both and delete their data (only with JOBS_INFRA_DIR)
#
# With a Docker engine, the servers are the `postgres` and `rabbitmq` services of
# docker-compose.yml. Without one (the usual case on CI and dev VMs) they run as local
# processes whose data, logs and sockets live under .local/.
#
# JOBS_INFRA_DIR (default .local) moves everything this script writes, so a second pair of
# servers can run beside the first; give it other JOBS_*_PORT values and JOBS_RMQ_NODENAME.
# Such a pair always runs as local processes, even where a Docker engine answers:
# docker-compose.yml describes a single pair per checkout.
#
# Every JOBS_PG_* / JOBS_RMQ_* value below can be overridden from the environment.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -n "${JOBS_INFRA_DIR:-}" ]]; then
  LOCAL_DIR="$(realpath -m "$JOBS_INFRA_DIR")"
  ENV_FILE_HINT="$LOCAL_DIR/infra.env"
  FALLBACK_KEY="$LOCAL_DIR"
else
  LOCAL_DIR="$REPO_ROOT/.local"
  ENV_FILE_HINT=.local/infra.env
  FALLBACK_KEY="$REPO_ROOT"
fi
ENV_FILE="$LOCAL_DIR/infra.env"
MODE_FILE="$LOCAL_DIR/infra.mode"
COMPOSE_FILE="$REPO_ROOT/docker-compose.yml"

: "${JOBS_PG_HOST:=127.0.0.1}"
: "${JOBS_PG_PORT:=55432}"
: "${JOBS_PG_USER:=jobs}"
: "${JOBS_PG_PASSWORD:=jobs}"
: "${JOBS_PG_DATABASE:=jobs}"
: "${JOBS_RMQ_HOST:=127.0.0.1}"
: "${JOBS_RMQ_PORT:=55672}"
: "${JOBS_RMQ_MGMT_PORT:=55673}"
: "${JOBS_RMQ_DIST_PORT:=55674}"
: "${JOBS_RMQ_PROMETHEUS_PORT:=55675}"
: "${JOBS_RMQ_USER:=jobs}"
: "${JOBS_RMQ_PASSWORD:=jobs}"
: "${JOBS_RMQ_VHOST:=/}"
: "${JOBS_RMQ_NODENAME:=jobs@localhost}"
export JOBS_PG_PORT JOBS_RMQ_PORT JOBS_RMQ_MGMT_PORT   # docker-compose.yml interpolates these

log() { printf '[infra] %s\n' "$*"; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------
# Mode selection
# ---------------------------------------------------------------------------------------

docker_engine_up() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

compose() {
  if docker compose version >/dev/null 2>&1; then
    docker compose -f "$COMPOSE_FILE" "$@"
  elif command -v docker-compose >/dev/null 2>&1; then
    docker-compose -f "$COMPOSE_FILE" "$@"
  else
    die "a Docker engine answers but neither 'docker compose' nor 'docker-compose' is installed"
  fi
}

choose_mode() {
  if [[ -z "${JOBS_INFRA_DIR:-}" ]] && docker_engine_up; then echo docker
  else echo local
  fi
}

# `down`/`status` use the mode `up` chose, so a daemon that appears or disappears later
# does not make them look at the wrong servers.
current_mode() {
  if [[ -f "$MODE_FILE" ]]; then cat "$MODE_FILE"
  else choose_mode
  fi
}

# ---------------------------------------------------------------------------------------
# Local PostgreSQL
# ---------------------------------------------------------------------------------------

# The server dirs must be reachable by the `postgres` and `rabbitmq` users. A clone under
# a private home (e.g. /root, mode 700) is not, so the data then goes to /var/tmp instead
# (named after the checkout, or after JOBS_INFRA_DIR for a second pair).
servers_dir() {
  local d="$LOCAL_DIR"
  mkdir -p "$d"
  if ! runuser -u postgres -- test -x "$d" 2>/dev/null || ! runuser -u rabbitmq -- test -x "$d" 2>/dev/null; then
    d="/var/tmp/jobs-infra-$(printf '%s' "$FALLBACK_KEY" | md5sum | cut -c1-8)"
    mkdir -p "$d"
    chmod 755 "$d"
  fi
  echo "$d"
}

find_pg_bin() {
  local initdb_path
  if initdb_path="$(command -v initdb 2>/dev/null)"; then
    dirname "$(readlink -f "$initdb_path")"
    return
  fi
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/initdb" ]] && { echo "$d"; return; }
  done
  return 1
}

pg_setup_vars() {
  PG_BIN="$(find_pg_bin)" || die "PostgreSQL server binaries not found (install postgresql-15, or put initdb on PATH)"
  SRV_DIR="$(servers_dir)"
  PG_DIR="$SRV_DIR/postgres"
  PGDATA_DIR="$PG_DIR/data"
  PG_SOCK_DIR="$PG_DIR/run"
  PG_LOG="$PG_DIR/postgres.log"
  # Unix socket paths are limited to ~107 bytes; a deep checkout would overflow that.
  if (( ${#PG_SOCK_DIR} > 90 )); then
    PG_SOCK_DIR="/tmp/jobs-pg-$(printf '%s' "$PG_DIR" | md5sum | cut -c1-8)"
  fi
}

as_postgres() { (cd "$PG_DIR" && runuser -u postgres -- "$@"); }

pg_local_running() { [[ -f "$PGDATA_DIR/PG_VERSION" ]] && as_postgres "$PG_BIN/pg_ctl" status -D "$PGDATA_DIR" >/dev/null 2>&1; }

pg_port_answers() { "$PG_BIN/pg_isready" -q -h "$JOBS_PG_HOST" -p "$JOBS_PG_PORT" -t 2 >/dev/null 2>&1; }

pg_jobs_can_login() {
  PGPASSWORD="$JOBS_PG_PASSWORD" PGCONNECT_TIMEOUT=3 "$PG_BIN/psql" -X -q -h "$JOBS_PG_HOST" -p "$JOBS_PG_PORT" \
    -U "$JOBS_PG_USER" -d "$JOBS_PG_DATABASE" -tAc 'select 1' >/dev/null 2>&1
}

pg_write_conf() {
  # Our settings live in an included file rewritten on every `up`, so changing them here
  # takes effect at the next restart without touching the initdb-generated config.
  cat >"$PGDATA_DIR/jobs.conf" <<EOF
# Written by scripts/infra.sh on every 'up' - edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $JOBS_PG_PORT
unix_socket_directories = '$PG_SOCK_DIR'
max_connections = 300
shared_buffers = 256MB
# Per-statement counts and times, for the control-plane benchmark's query profile (bench/Jobs.Bench.ControlPlane).
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
EOF
  chown postgres:postgres "$PGDATA_DIR/jobs.conf"
  grep -q "^include_if_exists = 'jobs.conf'" "$PGDATA_DIR/postgresql.conf" ||
    echo "include_if_exists = 'jobs.conf'" >>"$PGDATA_DIR/postgresql.conf"
}

pg_psql_admin() {
  # Superuser `postgres` over the private unix socket (trust auth), so no password is needed.
  as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK_DIR" -p "$JOBS_PG_PORT" -U postgres -d postgres "$@"
}

pg_local_up() {
  pg_setup_vars
  id postgres >/dev/null 2>&1 || die "system user 'postgres' is missing (it comes with the postgresql-common package)"

  if pg_local_running; then
    log "PostgreSQL: already running (data $PGDATA_DIR)"
  elif pg_port_answers; then
    # Someone else's server on our port: use it if our credentials work, never fight it.
    pg_jobs_can_login ||
      die "port $JOBS_PG_PORT answers but not as our cluster and $JOBS_PG_USER/$JOBS_PG_PASSWORD cannot log in; set JOBS_PG_PORT to a free port"
    log "PostgreSQL: reusing the server already answering on $JOBS_PG_HOST:$JOBS_PG_PORT"
    return 0
  else
    mkdir -p "$PG_DIR" "$PG_SOCK_DIR"
    chown postgres:postgres "$PG_DIR" "$PG_SOCK_DIR"
    chmod 700 "$PG_SOCK_DIR"
    if [[ ! -f "$PGDATA_DIR/PG_VERSION" ]]; then
      log "PostgreSQL: initdb in $PGDATA_DIR"
      as_postgres "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 ||
        { tail -n 30 "$PG_DIR/initdb.log" >&2; die "initdb failed (full log: $PG_DIR/initdb.log)"; }
    fi
    pg_write_conf
    touch "$PG_LOG" && chown postgres:postgres "$PG_LOG"
    log "PostgreSQL: starting on 127.0.0.1:$JOBS_PG_PORT (log $PG_LOG)"
    # stdio goes to the log so the server never holds a caller's pipe open (CI waits for EOF).
    as_postgres "$PG_BIN/pg_ctl" start -D "$PGDATA_DIR" -l "$PG_LOG" -w -t 60 -s </dev/null >/dev/null 2>&1 ||
      { tail -n 30 "$PG_LOG" >&2; die "PostgreSQL did not start (log: $PG_LOG)"; }
  fi

  # Idempotent role/database setup. Superuser because the tests create and drop databases.
  pg_psql_admin >/dev/null <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$JOBS_PG_USER') THEN
    CREATE ROLE "$JOBS_PG_USER" LOGIN SUPERUSER PASSWORD '$JOBS_PG_PASSWORD';
  ELSE
    ALTER ROLE "$JOBS_PG_USER" LOGIN SUPERUSER PASSWORD '$JOBS_PG_PASSWORD';
  END IF;
END
\$\$;
SQL
  if [[ "$(pg_psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$JOBS_PG_DATABASE'")" != 1 ]]; then
    pg_psql_admin -c "CREATE DATABASE \"$JOBS_PG_DATABASE\" OWNER \"$JOBS_PG_USER\""
    log "PostgreSQL: created database $JOBS_PG_DATABASE"
  fi
  pg_jobs_can_login || die "PostgreSQL is up but $JOBS_PG_USER cannot log in over TCP"
  log "PostgreSQL: ready ($JOBS_PG_USER@$JOBS_PG_HOST:$JOBS_PG_PORT/$JOBS_PG_DATABASE)"
}

pg_local_down() {
  pg_setup_vars
  if pg_local_running; then
    log "PostgreSQL: stopping"
    as_postgres "$PG_BIN/pg_ctl" stop -D "$PGDATA_DIR" -m fast -w -t 60 -s
    log "PostgreSQL: stopped"
  else
    log "PostgreSQL: not running"
  fi
}

# ---------------------------------------------------------------------------------------
# Local RabbitMQ
# ---------------------------------------------------------------------------------------

RMQ_LIB_BIN=/usr/lib/rabbitmq/bin

ensure_rabbitmq_installed() {
  [[ -x "$RMQ_LIB_BIN/rabbitmq-server" ]] && return 0
  log "RabbitMQ: rabbitmq-server is not installed, installing it with apt"
  [[ "$(id -u)" == 0 ]] || die "installing rabbitmq-server needs root"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q rabbitmq-server >/dev/null
  [[ -x "$RMQ_LIB_BIN/rabbitmq-server" ]] || die "rabbitmq-server is still missing after apt-get install"
}

rmq_setup_vars() {
  SRV_DIR="$(servers_dir)"
  RMQ_DIR="$SRV_DIR/rabbitmq"
  RMQ_LOG="$RMQ_DIR/log/startup.log"
}

# The broker and the CLI both run as `rabbitmq` with exactly this environment, so the CLI
# finds the node (same HOME -> same .erlang.cookie, same dist port range) whatever the
# caller's environment holds. The Debian wrappers in /usr/sbin are bypassed because they
# `cd /var/lib/rabbitmq` and reset HOME; they still reach this node because the cookie is
# copied from /var/lib/rabbitmq (see rmq_write_files).
rmq_env_args() {
  RMQ_ENV=(
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 LC_ALL=C.UTF-8
    HOME="$RMQ_DIR"
    RABBITMQ_NODENAME="$JOBS_RMQ_NODENAME"
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    RABBITMQ_NODE_PORT="$JOBS_RMQ_PORT"
    RABBITMQ_DIST_PORT="$JOBS_RMQ_DIST_PORT"
    RABBITMQ_MNESIA_BASE="$RMQ_DIR/mnesia"
    RABBITMQ_LOG_BASE="$RMQ_DIR/log"
    RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_DIR/enabled_plugins"
    RABBITMQ_FEATURE_FLAGS_FILE="$RMQ_DIR/feature_flags"
    RABBITMQ_CONFIG_FILE="$RMQ_DIR/rabbitmq.conf"
    RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_DIR/advanced.config"
    RABBITMQ_CONF_ENV_FILE="$RMQ_DIR/rabbitmq-env.conf"
    # Keep Erlang distribution (epmd, clustering port) on loopback like everything else.
    ERL_EPMD_ADDRESS=127.0.0.1
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  )
}

# Runs a RabbitMQ program as `rabbitmq` with the node's environment (cwd must be readable
# by that user, hence the cd).
as_rabbitmq() {
  rmq_env_args
  (cd "$RMQ_DIR" && runuser -u rabbitmq -- env -i "${RMQ_ENV[@]}" "$@")
}

rmqctl() { as_rabbitmq "$RMQ_LIB_BIN/rabbitmqctl" -n "$JOBS_RMQ_NODENAME" "$@"; }

# Checks the cookie first: an Erlang CLI without one would invent a random cookie in HOME.
rmq_local_running() { [[ -f "$RMQ_DIR/.erlang.cookie" ]] && rmqctl status >/dev/null 2>&1; }

rmq_mgmt_get() {
  curl -fsS -m 5 -u "$JOBS_RMQ_USER:$JOBS_RMQ_PASSWORD" "http://$JOBS_RMQ_HOST:$JOBS_RMQ_MGMT_PORT$1"
}

# True when our user logs in to the management API as an administrator and has
# configure/write/read '.*' on the vhost.
rmq_user_ready() {
  local vhost_enc perms
  rmq_mgmt_get /api/whoami 2>/dev/null | grep -q '"administrator"' || return 1
  vhost_enc="$(printf '%s' "$JOBS_RMQ_VHOST" | sed 's|%|%25|g; s|/|%2F|g')"
  perms="$(rmq_mgmt_get "/api/permissions/$vhost_enc/$JOBS_RMQ_USER" 2>/dev/null)" || return 1
  [[ "$perms" == *'"configure":".*"'* && "$perms" == *'"write":".*"'* && "$perms" == *'"read":".*"'* ]]
}

rmq_write_files() {
  mkdir -p "$RMQ_DIR/mnesia" "$RMQ_DIR/log"
  : >"$RMQ_DIR/rabbitmq-env.conf"   # empty on purpose: /etc/rabbitmq/rabbitmq-env.conf must not leak in
  echo '[rabbitmq_management,rabbitmq_prometheus].' >"$RMQ_DIR/enabled_plugins"
  cat >"$RMQ_DIR/rabbitmq.conf" <<EOF
# Written by scripts/infra.sh on every 'up' - edit the script, not this file.
# The AMQP listener comes from RABBITMQ_NODE_IP_ADDRESS/RABBITMQ_NODE_PORT.
management.tcp.ip = 127.0.0.1
management.tcp.port = $JOBS_RMQ_MGMT_PORT
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = $JOBS_RMQ_PROMETHEUS_PORT
# Test clients connect from 127.0.0.1 and may use any user.
loopback_users = none
# A job consumer may hold a delivery unacked for as long as the job runs (default: 30 min).
consumer_timeout = 86400000
EOF
  # Same cookie as the system node's home, so Debian's own `rabbitmqctl -n $JOBS_RMQ_NODENAME ...`
  # (which runs with HOME=/var/lib/rabbitmq) can talk to this node too.
  if [[ ! -f "$RMQ_DIR/.erlang.cookie" ]]; then
    if [[ -f /var/lib/rabbitmq/.erlang.cookie ]]; then
      cp /var/lib/rabbitmq/.erlang.cookie "$RMQ_DIR/.erlang.cookie"
    else
      head -c 32 /dev/urandom | md5sum | cut -c1-20 | tr 'a-f' 'A-F' >"$RMQ_DIR/.erlang.cookie"
    fi
  fi
  chown -R rabbitmq:rabbitmq "$RMQ_DIR"
  chmod 400 "$RMQ_DIR/.erlang.cookie"
}

rmq_local_up() {
  ensure_rabbitmq_installed
  rmq_setup_vars
  id rabbitmq >/dev/null 2>&1 || die "system user 'rabbitmq' is missing (it comes with the rabbitmq-server package)"
  mkdir -p "$RMQ_DIR"

  # Fast path (a second `up`): the broker answers and our user already has what it needs.
  # Checked over HTTP because every rabbitmqctl call costs ~1.5 s of Erlang start-up.
  if rmq_user_ready; then
    log "RabbitMQ: already running and configured (management http://$JOBS_RMQ_HOST:$JOBS_RMQ_MGMT_PORT/)"
    return 0
  fi

  if rmq_local_running; then
    log "RabbitMQ: node $JOBS_RMQ_NODENAME already running"
  elif curl -s -o /dev/null -m 3 "http://$JOBS_RMQ_HOST:$JOBS_RMQ_MGMT_PORT/" ||
       (exec 3<>"/dev/tcp/$JOBS_RMQ_HOST/$JOBS_RMQ_PORT") 2>/dev/null; then
    die "a broker that is not node $JOBS_RMQ_NODENAME answers on port $JOBS_RMQ_PORT or $JOBS_RMQ_MGMT_PORT and $JOBS_RMQ_USER/$JOBS_RMQ_PASSWORD is not an administrator there; stop it or set JOBS_RMQ_PORT/JOBS_RMQ_MGMT_PORT"
  else
    rmq_write_files
    log "RabbitMQ: starting node $JOBS_RMQ_NODENAME on 127.0.0.1:$JOBS_RMQ_PORT (logs $RMQ_DIR/log)"
    # setsid + redirected stdio: the broker (and the epmd it spawns) must not keep a
    # caller's terminal or pipe open, or `scripts/test.sh | tee` would never see EOF.
    rmq_env_args
    (cd "$RMQ_DIR" && exec setsid runuser -u rabbitmq -- env -i "${RMQ_ENV[@]}" \
      "$RMQ_LIB_BIN/rabbitmq-server" </dev/null >>"$RMQ_LOG" 2>&1) &
    local broker_pid=$!

    # await_startup gives up at once while the VM is not yet registered, so retry it.
    local deadline=$((SECONDS + 120))
    until rmqctl await_startup --timeout 30 >/dev/null 2>&1; do
      if ! kill -0 "$broker_pid" 2>/dev/null; then
        tail -n 40 "$RMQ_LOG" >&2 || true
        die "RabbitMQ exited during start-up (logs: $RMQ_DIR/log)"
      fi
      if (( SECONDS > deadline )); then
        tail -n 40 "$RMQ_LOG" >&2 || true
        die "RabbitMQ did not start within 120 s (logs: $RMQ_DIR/log)"
      fi
      sleep 1
    done
  fi

  # Idempotent user setup. Administrator: tests create vhosts through the management API.
  if rmqctl list_users -q 2>/dev/null | awk '{print $1}' | grep -qxF "$JOBS_RMQ_USER"; then
    rmqctl change_password "$JOBS_RMQ_USER" "$JOBS_RMQ_PASSWORD" >/dev/null
  else
    rmqctl add_user "$JOBS_RMQ_USER" "$JOBS_RMQ_PASSWORD" >/dev/null
    log "RabbitMQ: created user $JOBS_RMQ_USER"
  fi
  rmqctl set_user_tags "$JOBS_RMQ_USER" administrator >/dev/null
  rmqctl set_permissions -p "$JOBS_RMQ_VHOST" "$JOBS_RMQ_USER" '.*' '.*' '.*' >/dev/null

  local deadline=$((SECONDS + 60))
  until rmq_mgmt_get /api/overview >/dev/null 2>&1; do
    (( SECONDS > deadline )) && die "RabbitMQ is up but the management API on 127.0.0.1:$JOBS_RMQ_MGMT_PORT does not answer"
    sleep 1
  done
  log "RabbitMQ: ready (amqp://$JOBS_RMQ_USER@$JOBS_RMQ_HOST:$JOBS_RMQ_PORT, management http://$JOBS_RMQ_HOST:$JOBS_RMQ_MGMT_PORT/)"
}

rmq_local_down() {
  rmq_setup_vars
  [[ -x "$RMQ_LIB_BIN/rabbitmqctl" ]] || { log "RabbitMQ: not installed"; return 0; }
  if rmq_local_running; then
    log "RabbitMQ: stopping node $JOBS_RMQ_NODENAME"
    # Without a pid file argument `stop` returns before the VM has exited; wait for it
    # so an immediate `up` does not find the ports still taken.
    rmqctl stop "$RMQ_DIR/mnesia/$JOBS_RMQ_NODENAME.pid" >/dev/null 2>&1 || rmqctl stop >/dev/null
    log "RabbitMQ: stopped"
  else
    log "RabbitMQ: node $JOBS_RMQ_NODENAME not running"
  fi
}

# ---------------------------------------------------------------------------------------
# Docker mode
# ---------------------------------------------------------------------------------------

docker_up() {
  log "Docker engine found: docker compose up -d postgres rabbitmq"
  compose up -d postgres rabbitmq
  local svc cid state deadline=$((SECONDS + 180))
  for svc in postgres rabbitmq; do
    cid="$(compose ps -q "$svc")"
    [[ -n "$cid" ]] || die "container for $svc not found"
    while :; do
      state="$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$cid")"
      [[ "$state" == healthy ]] && break
      (( SECONDS > deadline )) && { compose logs --tail 40 "$svc" >&2 || true; die "$svc is not healthy (state: $state)"; }
      sleep 2
    done
    log "$svc: healthy"
  done
}

# ---------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------

write_env_file() {
  mkdir -p "$LOCAL_DIR"
  local tmp="$ENV_FILE.tmp.$$"
  {
    echo "# Written by scripts/infra.sh up ($(current_mode) mode). Source it: . $ENV_FILE_HINT"
    local v
    for v in JOBS_PG_HOST JOBS_PG_PORT JOBS_PG_USER JOBS_PG_PASSWORD JOBS_PG_DATABASE \
             JOBS_RMQ_HOST JOBS_RMQ_PORT JOBS_RMQ_MGMT_PORT JOBS_RMQ_USER JOBS_RMQ_PASSWORD JOBS_RMQ_VHOST; do
      printf 'export %s=%q\n' "$v" "${!v}"
    done
  } >"$tmp"
  mv "$tmp" "$ENV_FILE"
  log "wrote $ENV_FILE"
}

cmd_up() {
  mkdir -p "$LOCAL_DIR"
  if [[ "$(choose_mode)" == docker ]]; then
    echo docker >"$MODE_FILE"
    docker_up
  else
    echo local >"$MODE_FILE"
    log "no Docker engine: running PostgreSQL and RabbitMQ as local processes"
    pg_local_up
    rmq_local_up
  fi
  write_env_file
}

cmd_down() {
  if [[ "$(current_mode)" == docker ]]; then
    log "docker compose down"
    compose down
  else
    pg_local_down
    rmq_local_down
  fi
}

cmd_status() {
  local rc=0 mode
  mode="$(current_mode)"
  echo "mode: $mode"
  if [[ "$mode" == docker ]]; then
    compose ps postgres rabbitmq || rc=1
  fi
  local pg_isready_bin
  pg_isready_bin="$(find_pg_bin 2>/dev/null)/pg_isready"
  [[ -x "$pg_isready_bin" ]] || pg_isready_bin="$(command -v pg_isready || echo pg_isready)"
  if "$pg_isready_bin" -q -h "$JOBS_PG_HOST" -p "$JOBS_PG_PORT" -t 2 >/dev/null 2>&1; then
    echo "postgres: up   ($JOBS_PG_HOST:$JOBS_PG_PORT)"
  else
    echo "postgres: DOWN ($JOBS_PG_HOST:$JOBS_PG_PORT)"; rc=1
  fi
  if rmq_mgmt_get /api/overview >/dev/null 2>&1; then
    echo "rabbitmq: up   (amqp $JOBS_RMQ_HOST:$JOBS_RMQ_PORT, management $JOBS_RMQ_HOST:$JOBS_RMQ_MGMT_PORT)"
  else
    echo "rabbitmq: DOWN (amqp $JOBS_RMQ_HOST:$JOBS_RMQ_PORT, management $JOBS_RMQ_HOST:$JOBS_RMQ_MGMT_PORT)"; rc=1
  fi
  return "$rc"
}

# $1: pg or rmq.
cmd_up_one() {
  [[ "$(choose_mode)" == local ]] || die "up-postgres/up-rabbitmq start local servers; with a Docker engine use 'up'"
  mkdir -p "$LOCAL_DIR"
  echo local >"$MODE_FILE"
  "${1}_local_up"
  write_env_file
}

# True when process $1 was started with the arguments $2 $3 next to each other.
process_has_args() {
  local cmdline
  [[ "$1" =~ ^[0-9]+$ ]] && cmdline="$(tr '\0' '\1' 2>/dev/null <"/proc/$1/cmdline")" || return 1
  [[ $'\1'"$cmdline" == *$'\1'"$2"$'\1'"$3"$'\1'* ]]
}

# Pid files outlive a SIGKILL, and a pid may be reused: each pid is printed only if that process
# is this pair's server (the shared dev broker is a beam.smp too).
cmd_pids() {
  [[ "$(current_mode)" == local ]] || die "pids: the servers run in containers"
  pg_setup_vars
  rmq_setup_vars
  local pid
  pid="$(head -n 1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null)" || true
  if process_has_args "$pid" -D "$PGDATA_DIR"; then echo "postgres $pid"; fi
  pid="$(cat "$RMQ_DIR/mnesia/$JOBS_RMQ_NODENAME.pid" 2>/dev/null)" || true
  if process_has_args "$pid" -home "$RMQ_DIR"; then echo "rabbitmq $pid"; fi
}

cmd_destroy() {
  [[ -n "${JOBS_INFRA_DIR:-}" && "$LOCAL_DIR" != "$REPO_ROOT/.local" ]] ||
    die "destroy deletes the data of a second pair of servers: set JOBS_INFRA_DIR to its own directory"
  cmd_down
  pg_setup_vars
  rmq_setup_vars
  rm -rf "$SRV_DIR" "$LOCAL_DIR"
  if [[ "$PG_SOCK_DIR" == /tmp/jobs-pg-* ]]; then rm -rf "$PG_SOCK_DIR"; fi
  log "deleted $LOCAL_DIR"
}

cmd_env() {
  [[ -f "$ENV_FILE" ]] || die "$ENV_FILE does not exist yet: run scripts/infra.sh up"
  cat "$ENV_FILE"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  up-postgres) cmd_up_one pg ;;
  up-rabbitmq) cmd_up_one rmq ;;
  pids) cmd_pids ;;
  destroy) cmd_destroy ;;
  *) echo "usage: $0 {up|down|status|env|up-postgres|up-rabbitmq|pids|destroy}" >&2; exit 2 ;;
esac
