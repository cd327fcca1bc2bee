#!/usr/bin/env bash
# A PostgreSQL cluster of the project's own, with production-like settings, for the benchmark and
# the demo (the machine's server on 5432 is configured for throw-away CI databases: autovacuum off,
# 128 MB of shared buffers, no pg_stat_statements).
#   postgres.sh start    initialise the cluster once (initdb from the machine's PostgreSQL
#                        binaries), start it on 127.0.0.1:$PG_PORT, create pg_stat_statements.
#                        A second start while it is up is a no-op.
#   postgres.sh stop     stop it (fast shutdown).
#   postgres.sh status   exit 0 when it is running.
#   postgres.sh url      print its connection URL (DATABASE_URL for the services).
# Environment: PG_PORT (default 5433), PG_HOME_DIR (default <repo>/.cache/postgres),
#              PG_SHARED_BUFFERS (default 4GB: the data of a 100k-account close, 2.1 GB, fits).
# Settings and why: see infra/postgres/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
port="${PG_PORT:-5433}"
home="${PG_HOME_DIR:-$repo/.cache/postgres}"
data="$home/pg-$port"
buffers="${PG_SHARED_BUFFERS:-4GB}"

log() { printf '[postgres] %s\n' "$*" >&2; }

bindir() {
  local version
  version="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)"
  if [[ -z "$version" || ! -x "/usr/lib/postgresql/$version/bin/initdb" ]]; then
    log "no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)"
    exit 1
  fi
  echo "/usr/lib/postgresql/$version/bin"
}

# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() {
  [[ -f "$data/postmaster.pid" ]] && as_owner "$(bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

init() {
  [[ -f "$data/PG_VERSION" ]] && return 0
  log "initialising a cluster in $data"
  mkdir -p "$data"
  if [[ "$(id -u)" == 0 ]]; then
    chown postgres:postgres "$data"
    # postgres must reach its data directory through the project's folders
    local dir="$data"
    while dir="$(dirname "$dir")"; [[ "$dir" != / ]]; do chmod o+x "$dir" 2>/dev/null || true; done
  fi
  as_owner "$(bindir)/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
}

write_config() {
  # rewritten at every start, so a change here reaches an existing cluster
  as_owner tee "$data/postgresql.auto.conf" >/dev/null <<CONF
# written by infra/postgres/postgres.sh at every start
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
max_connections = 300
shared_buffers = '$buffers'
effective_cache_size = '8GB'
work_mem = '16MB'
maintenance_work_mem = '256MB'
autovacuum = on
autovacuum_naptime = '10s'
autovacuum_vacuum_cost_limit = 2000
fsync = on
synchronous_commit = on
wal_compression = lz4
max_wal_size = '8GB'
checkpoint_timeout = '15min'
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.max = 5000
pg_stat_statements.track = 'top'
track_io_timing = on
log_min_duration_statement = -1
CONF
}

start() {
  if running; then log "cluster already running on 127.0.0.1:$port"; return 0; fi
  init
  write_config
  log "starting PostgreSQL on 127.0.0.1:$port (shared_buffers $buffers, autovacuum on, pg_stat_statements)"
  as_owner "$(bindir)/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null || {
    log "did not start; last lines of $data/server.log:"
    tail -n 25 "$data/server.log" >&2 || true
    return 1
  }
  as_owner "$(bindir)/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt \
    -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
  log "ready: $(url)"
}

stop() {
  if ! running; then log "no cluster of ours on port $port"; return 0; fi
  as_owner "$(bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  log "cluster on port $port stopped"
}

url() { echo "postgres://postgres@127.0.0.1:$port/postgres"; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) running ;;
  url) url ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
