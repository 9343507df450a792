#!/usr/bin/env bash
# Stops what servers-up.sh started (and the services run.sh started). Data stays in .local/.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="$root/.local"
pg_port="${REWARDS_PG_PORT:-5433}"

for pidfile in "$state"/services/*.pid "$state/maildev.pid"; do
  [ -f "$pidfile" ] || continue
  kill "$(cat "$pidfile")" 2>/dev/null && echo "[servers] stopped $(basename "$pidfile" .pid)"
  rm -f "$pidfile"
done

# The three-node cluster of cluster.sh, if it was ever started.
[ -d /var/lib/rewards/rabbitmq-mq1 ] && bash "$root/deploy/local/cluster.sh" down

# rabbitmqctl can hang when the node is half up, so each call is bounded; a node that will not stop is killed.
if command -v rabbitmqctl >/dev/null 2>&1 && pgrep -f 'beam.smp.*rabbit' >/dev/null 2>&1; then
  timeout 60 rabbitmqctl -q shutdown >/dev/null 2>&1 || pkill -KILL -f 'beam.smp.*rabbit' 2>/dev/null
  echo "[servers] stopped RabbitMQ"
fi

# shellcheck source=common.sh
source "$root/deploy/local/common.sh"

pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
pg_dir="$(cat "$state/pg.dir" 2>/dev/null || echo "$state/pg")"
if [ -n "$pg_bin" ] && [ -f "$pg_dir/data/PG_VERSION" ]; then
  as_postgres "$pg_bin/pg_ctl -D '$pg_dir/data' -m fast -w stop" >/dev/null 2>&1 \
    && echo "[servers] stopped PostgreSQL ($pg_port)"
fi
exit 0
