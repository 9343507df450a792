#!/usr/bin/env bash
# Sets up and starts everything on this machine: PostgreSQL, RabbitMQ and the mail sink (servers-up.sh),
# then builds and starts the four services and the ops console in the background (Development settings, test clock
# enabled).
# Each service applies its database migrations at start-up. Stop everything with deploy/local/servers-down.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="$root/.local"
bash "$root/deploy/local/servers-up.sh"

echo "[run] building"
dotnet build "$root/Rewards.sln" -c Release -v quiet -nologo >"$state/build.log" 2>&1 || { cat "$state/build.log"; exit 1; }

mkdir -p "$state/services"
# INSTANCES=N (default 1) runs N instances of Membership, Orders, Ledger and Notifications: instance k of the service
# whose port is P listens on P + 100 k, and a local reverse proxy (tools/Rewards.LocalProxy, YARP) answers on P and
# spreads requests over the instances that are up. They share the database and the broker: consumers compete, jobs
# take turns (advisory locks), outbox relays both publish. The ops console stays one instance.
instances="${INSTANCES:-1}"
declare -A ports=([Membership]=5101 [Orders]=5102 [Ledger]=5103 [Notifications]=5104 [Ops]=5100)

start() { # name dll port
  local pidfile="$state/services/$1.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "[run] $1 already running"; return
  fi
  (cd "$(dirname "$2")" && ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}" \
    exec dotnet "$2" --urls "http://127.0.0.1:$3") >"$state/services/$1.log" 2>&1 </dev/null 3>&- &
  echo $! >"$pidfile"
}

ready=()
routes=()
for service in Membership Orders Ledger Notifications Ops; do
  dll="$root/services/$service/Rewards.$service/bin/Release/net10.0/Rewards.$service.dll"
  if [ "$instances" -le 1 ] || [ "$service" = Ops ]; then
    start "$service" "$dll" "${ports[$service]}"
    ready+=("$service=${ports[$service]}")
    continue
  fi
  backends=()
  for k in $(seq 1 "$instances"); do
    port=$((ports[$service] + 100 * k))
    start "$service-$k" "$dll" "$port"
    ready+=("$service-$k=$port")
    backends+=("$port")
  done
  routes+=(--route "${ports[$service]}=$(IFS=,; echo "${backends[*]}")")
done
if [ "${#routes[@]}" -gt 0 ]; then
  if ! { [ -f "$state/services/LocalProxy.pid" ] && kill -0 "$(cat "$state/services/LocalProxy.pid")" 2>/dev/null; }; then
    (cd "$root/tools/Rewards.LocalProxy/bin/Release/net10.0" && exec dotnet Rewards.LocalProxy.dll "${routes[@]}") \
      >"$state/services/LocalProxy.log" 2>&1 </dev/null 3>&- &
    echo $! >"$state/services/LocalProxy.pid"
  fi
  for service in Membership Orders Ledger Notifications; do ready+=("$service (proxy)=${ports[$service]}"); done
fi

for entry in "${ready[@]}"; do
  name="${entry%=*}"; url="http://127.0.0.1:${entry##*=}/health/ready"
  for _ in $(seq 1 120); do curl -sf "$url" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -sf "$url" >/dev/null || { echo "[run] $name is not ready; see $state/services/"; tail -n 30 "$state/services/${name%% *}.log" 2>/dev/null; exit 1; }
done

cat <<TXT

Rewards is running:
  Membership     http://127.0.0.1:5101   (API reference /scalar, OpenAPI /openapi/v1.json)
  Orders         http://127.0.0.1:5102
  Ledger         http://127.0.0.1:5103
  Notifications  http://127.0.0.1:5104
  Ops console    http://127.0.0.1:5100   (log in with the ops account below)
  RabbitMQ UI    http://127.0.0.1:15672  (guest / guest)
  Mail sink      http://127.0.0.1:1080   (every e-mail the system sends)
  PostgreSQL     127.0.0.1:5433          (user postgres, one database per service)

  Ops login (development only): ops@rewards.local / ops-dev-password
    (the console's login form, or POST :5101/auth/token {"email":"ops@rewards.local","password":"ops-dev-password"})
  Logs: $state/services/*.log      Stop: deploy/local/servers-down.sh
  Instances per service: $instances$( [ "$instances" -gt 1 ] && echo " (ports 5201…, behind the local proxy on 5101–5104)")
TXT
