# Helpers the deploy/local scripts share; source it after defining log().

# su changes to the current directory, which the postgres user may not be allowed to enter.
as_postgres() { (cd / && su postgres -c "$1"); }

wait_for() { # description, seconds, command...
  local what="$1" secs="$2"; shift 2
  for _ in $(seq 1 "$((secs * 2))"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  log "$what did not come up within ${secs}s"; return 1
}
