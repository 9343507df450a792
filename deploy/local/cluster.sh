#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this machine, from Debian's rabbitmq-server (no Docker), for scale-out runs and the
# fault suite's cluster scenario. Node N (1–3) is rewards-mqN@localhost: AMQP 127.0.0.1:568N, management
# http://127.0.0.1:1568N (guest/guest), Prometheus 1569(3+N), distribution 2568N; data in /var/lib/rewards/rabbitmq-mqN.
# Queues the services declare are quorum queues: replicated on all three nodes, they keep working while one is down.
# Usage: cluster.sh up | down | status | kill N | start N
#   kill N   SIGKILL of node N's Erlang VM, as a crash would; start N brings it back and it rejoins the cluster
# Services connect to every node with RabbitMq__ClusterNodes__0=127.0.0.1:5681, __1=…:5682, __2=…:5683.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
log() { printf '[cluster] %s\n' "$*"; }
# shellcheck source=common.sh
source "$root/deploy/local/common.sh"

command -v rabbitmq-server >/dev/null 2>&1 || bash "$root/deploy/local/servers-up.sh" >/dev/null

node_name() { echo "rewards-mq$1@localhost"; }
node_base() { echo "/var/lib/rewards/rabbitmq-mq$1"; }

node_env() {
  local n="$1" base; base="$(node_base "$n")"
  mkdir -p "$base"
  cat >"$base/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:568$n
management.tcp.ip = 127.0.0.1
management.tcp.port = 1568$n
prometheus.tcp.port = 1569$((3 + n))
cluster_partition_handling = pause_minority
CONF
  # Raises the open-file limit after rabbitmq-server's `su rabbitmq` (see servers-up.sh).
  printf '%s\n' 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true' >"$base/rabbitmq-env.conf"
  chown -R rabbitmq:rabbitmq "$base"
  export RABBITMQ_NODENAME; RABBITMQ_NODENAME="$(node_name "$n")"
  export RABBITMQ_DIST_PORT="2568$n" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_CONFIG_FILE="$base/rabbitmq.conf" RABBITMQ_CONF_ENV_FILE="$base/rabbitmq-env.conf" \
    RABBITMQ_MNESIA_BASE="$base/mnesia" RABBITMQ_LOG_BASE="$base/log" RABBITMQ_PID_FILE="$base/pid"
}

node_up() { curl -sf -u guest:guest "http://127.0.0.1:1568$1/api/overview"; }
node_pid() {
  local pid; pid="$(cat "$(node_base "$1")/pid" 2>/dev/null)" || return 1
  { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q beam.smp && echo "$pid"
}

launch_node() {
  local n="$1"
  if node_up "$n" >/dev/null 2>&1; then return 0; fi
  (
    node_env "$n"
    rabbitmq-plugins enable --offline rabbitmq_management rabbitmq_prometheus >/dev/null
    log "starting node $(node_name "$n")"
    rabbitmq-server -detached >/dev/null 2>&1 || true
  )
}
start_node() { launch_node "$1"; wait_for "RabbitMQ node $1" 120 node_up "$1"; }

# The nodes node 1 sees running (from its management API).
running_nodes() {
  curl -sf -u guest:guest "http://127.0.0.1:15681/api/nodes?columns=name,running" \
    | python3 -c 'import json,sys; print(" ".join(sorted(n["name"] for n in json.load(sys.stdin) if n["running"])))'
}

join() {
  local n="$1"
  if running_nodes | grep -q "$(node_name "$n")"; then return 0; fi
  log "joining $(node_name "$n") to $(node_name 1)"
  (
    node_env "$n"
    rabbitmqctl -n "$(node_name "$n")" -q stop_app
    rabbitmqctl -n "$(node_name "$n")" -q reset
    rabbitmqctl -n "$(node_name "$n")" -q join_cluster "$(node_name 1)"
    rabbitmqctl -n "$(node_name "$n")" -q start_app
  ) >/dev/null 2>&1
}

kill_node() {
  local n="$1" pid; pid="$(node_pid "$n" || true)"
  [ -n "$pid" ] || { log "node $(node_name "$n") is not running"; return 0; }
  log "SIGKILL $(node_name "$n") (pid $pid)"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

stop_node() {
  local n="$1"
  [ -n "$(node_pid "$n" || true)" ] || return 0
  (node_env "$n"; timeout 60 rabbitmqctl -n "$(node_name "$n")" -q shutdown >/dev/null 2>&1) || kill_node "$n"
}

case "${1:-}" in
  up)
    # All at once: a clustered node that stopped before the others waits at boot for them to come back.
    for n in 1 2 3; do launch_node "$n"; done
    for n in 1 2 3; do wait_for "RabbitMQ node $n" 180 node_up "$n"; done
    join 2; join 3
    log "running: $(running_nodes)" ;;
  down) for n in 3 2 1; do stop_node "$n"; done; log "stopped" ;;
  status) log "running: $(running_nodes 2>/dev/null || echo "node 1 is down")" ;;
  kill) kill_node "${2:?node 1, 2 or 3}" ;;
  start) start_node "${2:?node 1, 2 or 3}" ;;
  *) echo "usage: $0 up | down | status | kill N | start N" >&2; exit 2 ;;
esac
