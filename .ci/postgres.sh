#!/usr/bin/env bash
# A PostGIS primary and a streaming-replication standby on local ports, for the tests.
#
#   source .ci/postgres.sh      # (from .ci/run) starts both and exports the DSNs below
#   bash .ci/postgres.sh stop   # stops both (the data directories stay for a re-run)
#
# Installs Debian's postgresql and postgis when missing, runs the servers as the
# `postgres` OS user (PostgreSQL refuses root), and is idempotent: a re-run finds the
# clusters initialised and running and only exports the variables. Exports
# GEOMAP_TEST_POSTGRES_DSN (primary) and GEOMAP_TEST_POSTGRES_STANDBY_DSN (standby),
# plus GEOMAP_TEST_POSTGRES_BIN, the server programs the replication tests use, and sets
# GEOMAP_PG_STARTED=1 when it started a server, so that .ci/run stops only what it started
# (servers someone already runs stay up for them).
set -euo pipefail

PG_VERSION="${GEOMAP_PG_VERSION:-15}"
PG_ROOT="${GEOMAP_PG_ROOT:-/tmp/geomap-pg}"
PG_PRIMARY_PORT="${GEOMAP_PG_PRIMARY_PORT:-55432}"
PG_STANDBY_PORT="${GEOMAP_PG_STANDBY_PORT:-55433}"
PG_DATABASE=geomap_test
PG_BIN="/usr/lib/postgresql/$PG_VERSION/bin"

_pg_as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

_pg_install() {
  local control="/usr/share/postgresql/$PG_VERSION/extension/postgis.control"
  if [ -x "$PG_BIN/postgres" ] && [ -f "$control" ]; then return; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends \
    "postgresql-$PG_VERSION" "postgresql-$PG_VERSION-postgis-3" >/dev/null
}

_pg_running() {
  [ -f "$1/postmaster.pid" ] && _pg_as_postgres "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

_pg_start() {  # data directory, port
  if _pg_running "$1"; then return; fi
  GEOMAP_PG_STARTED=1
  _pg_as_postgres "$PG_BIN/pg_ctl" -D "$1" -l "$1.log" -w -t 60 -o "-p $2" start >/dev/null
}

_pg_init_primary() {
  local data="$PG_ROOT/primary"
  [ -f "$data/PG_VERSION" ] && return
  rm -rf "$data" "$PG_ROOT/standby"  # a standby of an older primary cannot follow a new one
  _pg_as_postgres "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >/dev/null
  # Test settings: fsync off because a crash of the test server loses nothing of value;
  # the tests kill clients, never the server.
  cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_ROOT'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = '256MB'
hot_standby = on
hot_standby_feedback = on
max_connections = 200
fsync = off
full_page_writes = off
shared_buffers = '128MB'
EOF
  printf '%s\n' "local all all trust" "host all all 127.0.0.1/32 trust" \
    "host replication all 127.0.0.1/32 trust" >"$data/pg_hba.conf"
}

_pg_system_id() {  # data directory
  _pg_as_postgres "$PG_BIN/pg_controldata" "$1" | sed -n 's/^Database system identifier: *//p'
}

# A standby left by an earlier run follows its primary only if it was copied from this
# primary and streams from this port: a re-run with other ports (or a new primary) would
# leave it following whatever server now holds the old port, and it would never replay.
_pg_standby_follows_primary() {
  local data="$PG_ROOT/standby"
  [ -f "$data/standby.signal" ] || return 1
  grep -Eq "port=${PG_PRIMARY_PORT}([^0-9]|$)" "$data/postgresql.auto.conf" || return 1
  [ "$(_pg_system_id "$PG_ROOT/primary")" = "$(_pg_system_id "$data")" ]
}

_pg_init_standby() {
  local data="$PG_ROOT/standby"
  _pg_standby_follows_primary && return
  if _pg_running "$data"; then _pg_as_postgres "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
  rm -rf "$data"
  _pg_as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U postgres \
    -D "$data" -R -X stream -c fast
}

_pg_create_database() {
  local psql=("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PRIMARY_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt)
  if [ -z "$(_pg_as_postgres "${psql[@]}" -c \
      "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'" postgres)" ]; then
    _pg_as_postgres "${psql[@]}" -c "CREATE DATABASE $PG_DATABASE" postgres
  fi
  PGOPTIONS="-c client_min_messages=warning" _pg_as_postgres "${psql[@]}" \
    -c "CREATE EXTENSION IF NOT EXISTS postgis" "$PG_DATABASE"
}

_pg_wait_standby() {  # until the standby accepts read-only connections (bounded)
  local tries=0
  until _pg_as_postgres "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_STANDBY_PORT"; do
    tries=$((tries + 1))
    if [ "$tries" -gt 60 ]; then echo "postgres.sh: the standby did not start" >&2; return 1; fi
    sleep 1
  done
}

_pg_up() {
  GEOMAP_PG_STARTED=0  # 1 when this run started a server (then the caller stops them)
  _pg_install
  mkdir -p "$PG_ROOT"
  chown postgres: "$PG_ROOT"
  _pg_init_primary
  _pg_start "$PG_ROOT/primary" "$PG_PRIMARY_PORT"
  _pg_create_database
  _pg_init_standby
  _pg_start "$PG_ROOT/standby" "$PG_STANDBY_PORT"
  _pg_wait_standby
  export GEOMAP_TEST_POSTGRES_DSN="postgresql://postgres@127.0.0.1:$PG_PRIMARY_PORT/$PG_DATABASE"
  export GEOMAP_TEST_POSTGRES_STANDBY_DSN="postgresql://postgres@127.0.0.1:$PG_STANDBY_PORT/$PG_DATABASE"
  export GEOMAP_TEST_POSTGRES_BIN="$PG_BIN"
}

_pg_down() {
  local data
  for data in "$PG_ROOT/standby" "$PG_ROOT/primary"; do
    if _pg_running "$data"; then
      _pg_as_postgres "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
  done
}

if [ "${1:-up}" = stop ]; then _pg_down; else _pg_up; fi
