#!/usr/bin/env bash
# Runs every test against real servers: starts PostgreSQL, RabbitMQ and the mail sink if they are not up
# (servers-up.sh), checks the Prometheus rules and the Kubernetes manifests, points the test fixtures at the servers,
# runs `dotnet test` on the solution and ends with
#   tests: N passed, M failed
# then, when it passed and no arguments were given, the short fault suite (faults.sh --short: the services as real
# processes under load while a service, RabbitMQ or PostgreSQL is killed), ending with
#   faults: N scenarios passed, M failed
# Exits non-zero if any test or fault scenario failed, or no test ran. Extra arguments go to `dotnet test` (e.g.
# --filter Rule=L4) and skip the fault suite; REWARDS_FAULTS=0 skips it too.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
results="$root/.local/test-results"
bash "$root/deploy/local/servers-up.sh" || exit 1

export REWARDS_TEST_POSTGRES="Host=127.0.0.1;Port=${REWARDS_PG_PORT:-5433};Username=postgres;Database=postgres"
export REWARDS_TEST_RABBITMQ="amqp://guest:guest@127.0.0.1:5672"
export REWARDS_TEST_RABBITMQ_MANAGEMENT="http://127.0.0.1:15672"
export REWARDS_TEST_SMTP="smtp://127.0.0.1:1025"
export REWARDS_TEST_MAIL_API="http://127.0.0.1:1080"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Each test class makes its own database (t_…) and RabbitMQ virtual host (t-…). Those of earlier runs are dropped
# before a run; after a run that passed, its own are dropped too: idle quorum queues keep the broker busy and would
# skew a benchmark run next. A failed run's stay, to be looked into.
drop_test_servers_state() {
  for db in $(psql -h 127.0.0.1 -p "${REWARDS_PG_PORT:-5433}" -U postgres -Atc "select datname from pg_database where datname like 't\_%'" 2>/dev/null); do
    psql -h 127.0.0.1 -p "${REWARDS_PG_PORT:-5433}" -U postgres -qc "drop database if exists \"$db\" with (force)" >/dev/null 2>&1 || true
  done
  for vhost in $(curl -s -u guest:guest "$REWARDS_TEST_RABBITMQ_MANAGEMENT/api/vhosts?columns=name" \
      | python3 -c 'import json,sys; print("\n".join(v["name"] for v in json.load(sys.stdin) if v["name"].startswith("t-")))' 2>/dev/null); do
    curl -s -o /dev/null -u guest:guest -X DELETE "$REWARDS_TEST_RABBITMQ_MANAGEMENT/api/vhosts/$vhost" || true
  done
}
drop_test_servers_state

rm -rf "$results"; mkdir -p "$results"

# The Prometheus configuration and alert rules (deploy/prometheus), with promtool from Debian's prometheus package.
if ! command -v promtool >/dev/null 2>&1; then
  echo "[test] installing promtool (Debian package prometheus)"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
(cd "$root/deploy/prometheus" && promtool check config prometheus.yml && promtool test rules alerts.test.yml) \
  >"$results/promtool.log" 2>&1 || { cat "$results/promtool.log"; echo "prometheus: rules or configuration invalid"; exit 1; }
echo "prometheus: configuration valid, alert rule tests passed"
# The Kubernetes manifests (deploy/k8s): every overlay rendered and every object checked against its kind's schema.
bash "$root/deploy/k8s/validate.sh" 2>&1 | tee "$results/k8s.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "kubernetes: manifests invalid"; exit 1; }
# Build in parallel, then run the test assemblies one after another (-m:1): each starts dozens of in-process
# services, and all assemblies starting theirs at once on two cores can push a bus start past its timeout.
dotnet build "$root/Rewards.sln" 2>&1 | tee "$results/console.log"
status=${PIPESTATUS[0]}
if [ "$status" -eq 0 ]; then
  dotnet test "$root/Rewards.sln" --no-build -m:1 --logger "trx" --results-directory "$results" "$@" 2>&1 | tee -a "$results/console.log"
  status=${PIPESTATUS[0]}
fi

# One summary line per test assembly: "Passed!  - Failed: 0, Passed: 25, Skipped: 0, Total: 25, ..."
passed=0; failed=0
while read -r f p; do passed=$((passed + p)); failed=$((failed + f)); done < <(
  sed -n 's/^\(Passed\|Failed\)! *- *Failed: *\([0-9]*\), *Passed: *\([0-9]*\),.*/\2 \3/p' "$results/console.log")
echo "tests: $passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
drop_test_servers_state

if [ "$#" -eq 0 ] && [ "${REWARDS_FAULTS:-1}" != "0" ]; then
  bash "$root/deploy/local/faults.sh" --short 2>&1 | tee "$results/faults.log"
  fault_status=${PIPESTATUS[0]}
  runs_passed=$(grep -c '| passed |$' "$root/.local/faults/report.md" 2>/dev/null || true)
  runs_failed=$(grep -c '| FAILED' "$root/.local/faults/report.md" 2>/dev/null || true)
  echo "faults: ${runs_passed:-0} scenarios passed, ${runs_failed:-0} failed"
  if [ "$fault_status" -ne 0 ]; then exit 1; fi
fi
