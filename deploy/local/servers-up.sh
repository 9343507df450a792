#!/usr/bin/env bash
# Installs (if missing) and starts, on loopback and without systemd or Docker:
#   PostgreSQL 15  on 127.0.0.1:${REWARDS_PG_PORT:-5433}, data in .local/pg
#   RabbitMQ       on 127.0.0.1:5672, management UI on http://127.0.0.1:15672 (guest/guest)
#   maildev        SMTP sink on 127.0.0.1:1025, web UI and REST API on http://127.0.0.1:1080
# Idempotent: running it again with everything up changes nothing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="$root/.local"
pg_port="${REWARDS_PG_PORT:-5433}"
mkdir -p "$state"

log() { printf '[servers] %s\n' "$*"; }
# shellcheck source=common.sh
source "$root/deploy/local/common.sh"

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    log "apt-get update"
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- PostgreSQL ---------------------------------------------------------------
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  apt_install postgresql postgresql-contrib
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
fi
if as_postgres "$pg_bin/pg_isready -q -h 127.0.0.1 -p $pg_port" >/dev/null 2>&1; then
  log "PostgreSQL already running on 127.0.0.1:$pg_port"
else
  pg_dir="$state/pg"
  mkdir -p "$pg_dir"
  chown postgres:postgres "$pg_dir"
  # The postgres user must reach the folder; a checkout under a private directory (mode 700) does not allow that.
  if ! as_postgres "test -w '$pg_dir'" 2>/dev/null; then
    pg_dir="/var/lib/rewards/pg-$(printf '%s' "$root" | md5sum | cut -c1-8)"
    mkdir -p "$pg_dir" && chown postgres:postgres "$pg_dir"
  fi
  if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
    log "initdb $pg_dir/data"
    as_postgres "$pg_bin/initdb -D '$pg_dir/data' -U postgres --auth=trust -E UTF8" >/dev/null
    cat >>"$pg_dir/data/postgresql.conf" <<CONF
max_connections = 300
shared_buffers = 512MB
CONF
  fi
  log "starting PostgreSQL on 127.0.0.1:$pg_port (data in $pg_dir/data)"
  # The ledger writes in bursts (batched postings, expiry runs of a million lots): checkpoints far apart keep full-page
  # images out of most of the WAL. The data sits in memory and on SSD, so an index probe costs little more than a
  # sequential page (random_page_cost 1.1, not the spinning-disk 4): set-based jobs then join their few thousand rows
  # by index instead of scanning whole tables. Durability settings (fsync, synchronous_commit) stay at their defaults.
  pg_settings="-c listen_addresses=127.0.0.1 -c max_wal_size=8GB -c min_wal_size=1GB -c checkpoint_timeout=15min -c random_page_cost=1.1"
  as_postgres "$pg_bin/pg_ctl -D '$pg_dir/data' -l '$pg_dir/pg.log' -o '-p $pg_port -k $pg_dir $pg_settings' -w start" >/dev/null
  echo "$pg_dir" >"$state/pg.dir"
fi

# --- RabbitMQ -----------------------------------------------------------------
if ! command -v rabbitmq-server >/dev/null 2>&1; then
  apt_install rabbitmq-server
fi
rabbit_up() { curl -sf -u guest:guest http://127.0.0.1:15672/api/overview; }
if rabbit_up >/dev/null 2>&1; then
  log "RabbitMQ already running"
else
  rabbitmq-plugins enable --offline rabbitmq_management rabbitmq_prometheus >/dev/null
  log "starting RabbitMQ"
  # Without systemd nothing raises the open-file limit, and rabbitmq-server's `su rabbitmq` resets it to a soft
  # 1,024, which runs out once the test suite's many hosts, connections and quorum queues are up (opening a channel
  # then stalls). The environment file is sourced as the rabbitmq user, after su, so it raises the limit there.
  # Outside the checkout: the rabbitmq user may not be able to read it (a checkout under a private directory), and
  # the node would then run with 1,024 file descriptors and stall once the tests open their channels.
  rabbit_env_file=/var/lib/rewards/rabbitmq-env.conf
  mkdir -p /var/lib/rewards && chmod 755 /var/lib/rewards
  printf '%s\n' 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true' >"$rabbit_env_file"
  chmod 644 "$rabbit_env_file"
  RABBITMQ_CONF_ENV_FILE="$rabbit_env_file" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_for "RabbitMQ" 60 rabbit_up
fi

# --- SMTP sink (maildev) ------------------------------------------------------
tools="$state/tools"
if [ ! -x "$tools/node_modules/.bin/maildev" ]; then
  if ! command -v npm >/dev/null 2>&1; then apt_install nodejs npm; fi
  log "installing maildev"
  mkdir -p "$tools"
  (cd "$tools" && npm install --silent --no-audit --no-fund maildev@3.0.0 >/dev/null)
fi
mail_up() { curl -sf http://127.0.0.1:1080/api/healthz; }
if mail_up >/dev/null 2>&1; then
  log "maildev already running"
else
  log "starting maildev"
  setsid nohup "$tools/node_modules/.bin/maildev" --ip 127.0.0.1 --smtp 1025 --web 1080 --mail-directory "$state/mail" \
    >"$state/maildev.log" 2>&1 </dev/null &
  echo $! >"$state/maildev.pid"
  wait_for "maildev" 30 mail_up
fi

log "PostgreSQL  Host=127.0.0.1;Port=$pg_port;Username=postgres"
log "RabbitMQ    amqp://guest:guest@127.0.0.1:5672/  UI http://127.0.0.1:15672 (guest/guest)"
log "Mail sink   smtp://127.0.0.1:1025  UI http://127.0.0.1:1080  (REST: /api/email)"
