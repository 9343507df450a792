#!/usr/bin/env bash
# Renders every overlay of deploy/k8s and checks every rendered object (validate/validate.mjs says how), offline:
# kubectl from Debian's kubernetes-client package, Node.js and the pinned npm packages of validate/package-lock.json.
# Ends with "kubernetes: N objects in M overlays (…) valid", or lists the faults and exits non-zero.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

install() {
  echo "[k8s] installing $*"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
command -v kubectl >/dev/null 2>&1 || install kubernetes-client
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || install nodejs npm

cd "$here/validate"
[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null
node validate.mjs
