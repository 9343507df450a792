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
declare -A ports=([Membership]=5101 [Orders]=5102 [Ledger]=5103 [Notifications]=5104 [Ops]=5100)
for service in Membership Orders Ledger Notifications Ops; do
  pidfile="$state/services/$service.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "[run] $service already running"; continue
  fi
  dll="$root/services/$service/Rewards.$service/bin/Release/net10.0/Rewards.$service.dll"
  (cd "$(dirname "$dll")" && ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}" \
    exec dotnet "$dll" --urls "http://127.0.0.1:${ports[$service]}") >"$state/services/$service.log" 2>&1 </dev/null 3>&- &
  echo $! >"$pidfile"
done

for service in Membership Orders Ledger Notifications Ops; do
  url="http://127.0.0.1:${ports[$service]}/health/ready"
  for _ in $(seq 1 120); do curl -sf "$url" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -sf "$url" >/dev/null || { echo "[run] $service is not ready; see $state/services/$service.log"; tail -n 30 "$state/services/$service.log"; exit 1; }
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
TXT
