#!/usr/bin/env bash
# The fault suite's own PostgreSQL cluster and RabbitMQ node, so that killing them disturbs nothing else on this
# machine (a running system from run.sh, a test run):
#   PostgreSQL  127.0.0.1:${REWARDS_FAULTS_PG_PORT:-5434}, data in .local/faults/pg (or /var/lib/rewards/… when the
#               checkout is not reachable by the postgres user)
#   RabbitMQ    node rewards-faults@localhost: AMQP 127.0.0.1:5673, management http://127.0.0.1:15673 (guest/guest),
#               Prometheus 15693, distribution 25673; data in /var/lib/rewards/rabbitmq-faults
# Usage: fault-servers.sh up | down | kill-rabbitmq | start-rabbitmq | stop-postgres | start-postgres
#   kill-rabbitmq   SIGKILL of the node's Erlang VM, as a crash would
#   stop-postgres   pg_ctl stop -m immediate: every backend ends at once, crash recovery on the next start
# The packages come from servers-up.sh, which installs them if missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="$root/.local/faults"
pg_port="${REWARDS_FAULTS_PG_PORT:-5434}"
node="rewards-faults@localhost"
rabbit_base="/var/lib/rewards/rabbitmq-faults"
mkdir -p "$state"

log() { printf '[fault-servers] %s\n' "$*"; }
# shellcheck source=common.sh
source "$root/deploy/local/common.sh"

pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
pg_dir() {
  local dir="$state/pg"
  mkdir -p "$dir" && chown postgres:postgres "$dir"
  if ! as_postgres "test -w '$dir'" 2>/dev/null; then
    dir="/var/lib/rewards/pg-faults-$(printf '%s' "$root" | md5sum | cut -c1-8)"
    mkdir -p "$dir" && chown postgres:postgres "$dir"
  fi
  echo "$dir"
}

start_postgres() {
  if as_postgres "$pg_bin/pg_isready -q -h 127.0.0.1 -p $pg_port" >/dev/null 2>&1; then return 0; fi
  local dir; dir="$(pg_dir)"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_postgres "$pg_bin/initdb -D '$dir/data' -U postgres --auth=trust -E UTF8" >/dev/null
    printf 'max_connections = 400\nshared_buffers = 256MB\n' >>"$dir/data/postgresql.conf"
  fi
  log "starting PostgreSQL on 127.0.0.1:$pg_port"
  as_postgres "$pg_bin/pg_ctl -D '$dir/data' -l '$dir/pg.log' -o '-p $pg_port -k $dir -c listen_addresses=127.0.0.1' -w -t 120 start" >/dev/null
}

stop_postgres() { # fast or immediate
  local dir; dir="$(pg_dir)"
  [ -f "$dir/data/postmaster.pid" ] || return 0
  log "stopping PostgreSQL ($1)"
  as_postgres "$pg_bin/pg_ctl -D '$dir/data' -m $1 -w stop" >/dev/null 2>&1 || true
}

rabbit_env() {
  mkdir -p "$rabbit_base"
  cat >"$rabbit_base/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:5673
management.tcp.ip = 127.0.0.1
management.tcp.port = 15673
prometheus.tcp.port = 15693
CONF
  # Raises the open-file limit after rabbitmq-server's `su rabbitmq` (see servers-up.sh).
  printf '%s\n' 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true' >"$rabbit_base/rabbitmq-env.conf"
  chown -R rabbitmq:rabbitmq "$rabbit_base"
  export RABBITMQ_NODENAME="$node" RABBITMQ_DIST_PORT=25673 RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_CONFIG_FILE="$rabbit_base/rabbitmq.conf" RABBITMQ_CONF_ENV_FILE="$rabbit_base/rabbitmq-env.conf" \
    RABBITMQ_MNESIA_BASE="$rabbit_base/mnesia" RABBITMQ_LOG_BASE="$rabbit_base/log" RABBITMQ_PID_FILE="$rabbit_base/pid"
}
rabbit_up() { curl -sf -u guest:guest http://127.0.0.1:15673/api/overview; }
# The node name is not on the VM's command line; the pid file the node writes at boot names it (stale after a kill).
rabbit_pid() {
  local pid; pid="$(cat "$rabbit_base/pid" 2>/dev/null)" || return 1
  { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q beam.smp && echo "$pid"
}

start_rabbitmq() {
  if rabbit_up >/dev/null 2>&1; then return 0; fi
  rabbit_env
  rabbitmq-plugins enable --offline rabbitmq_management rabbitmq_prometheus >/dev/null
  log "starting RabbitMQ node $node"
  rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_for "RabbitMQ ($node)" 90 rabbit_up
}

kill_rabbitmq() {
  local pid; pid="$(rabbit_pid || true)"
  [ -n "$pid" ] || { log "RabbitMQ node $node is not running"; return 0; }
  log "SIGKILL RabbitMQ node $node (pid $pid)"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

case "${1:-}" in
  up) start_postgres; start_rabbitmq ;;
  down)
    stop_postgres fast
    if [ -n "$(rabbit_pid || true)" ]; then
      rabbit_env
      timeout 60 rabbitmqctl -n "$node" -q shutdown >/dev/null 2>&1 || kill_rabbitmq
      log "stopped RabbitMQ node $node"
    fi ;;
  kill-rabbitmq) kill_rabbitmq ;;
  start-rabbitmq) start_rabbitmq ;;
  stop-postgres) stop_postgres immediate ;;
  start-postgres) start_postgres ;;
  *) echo "usage: $0 up|down|kill-rabbitmq|start-rabbitmq|stop-postgres|start-postgres" >&2; exit 2 ;;
esac
