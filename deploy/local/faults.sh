#!/usr/bin/env bash
# The fault suite: builds the solution in Release, starts its own PostgreSQL cluster and RabbitMQ node
# (fault-servers.sh; nothing else on the machine is touched) and runs every scenario of tests/Rewards.Faults on a fresh
# system: paid orders through the four services as real processes while a service, RabbitMQ or PostgreSQL is killed,
# then checks that nothing was lost, doubled or left stuck. Prints a table (also in .local/faults/report.md); exits 1
# if any run failed. Service logs of each run: .local/faults/logs/<scenario>/.
#   deploy/local/faults.sh                      the full suite: 1,000 purchases over 60 s per scenario (~15 min)
#   deploy/local/faults.sh --short              what CI runs: 300 purchases over 30 s per scenario (~8 min)
#   deploy/local/faults.sh --only kill-orders   one scenario (names: baseline, kill-membership, kill-orders,
#                                               kill-ledger, kill-notifications, kill-rabbitmq, stop-postgres, two-instances,
#                                               rabbitmq-cluster: on the three-node cluster of cluster.sh)
# Other arguments (--purchases N, --seconds N, --members N, --repeat N) go to the runner.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
args=()
for arg in "$@"; do
  if [ "$arg" = "--short" ]; then args+=(--purchases 300 --seconds 30); else args+=("$arg"); fi
done

bash "$root/deploy/local/servers-up.sh" >/dev/null # the packages, and the mail sink the services send to
mkdir -p "$root/.local/faults"
rm -f "$root/.local/faults/report.md"
echo "[faults] building (Release)"
dotnet build "$root/Rewards.sln" -c Release -v quiet -nologo >"$root/.local/faults/build.log" 2>&1 \
  || { cat "$root/.local/faults/build.log"; exit 1; }
status=0
dotnet "$root/tests/Rewards.Faults/bin/Release/net10.0/Rewards.Faults.dll" "${args[@]}" || status=$?
bash "$root/deploy/local/fault-servers.sh" down >/dev/null 2>&1 || true
exit "$status"
