#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server: initdb in a temporary folder, the server on
# 127.0.0.1 at a free port (trust authentication for the test role), FACEPHENO_TEST_POSTGRES set to its
# test database's URL, the server stopped and its folder removed when the command ends.
#   bash scripts/postgres-test-server.sh npx vitest run test/store
# Installs Debian's postgresql first when it is missing and we are root (CI). Runs the server as the
# `postgres` user when started as root, since PostgreSQL refuses to run as root.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/postgres" ]; then
    pg_config --bindir
    return
  fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

BIN="$(bindir || true)"
if [ -z "$BIN" ] || [ ! -x "$BIN/postgres" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
    BIN="$(bindir)"
  else
    echo "$0: PostgreSQL is not installed (Debian: apt-get install postgresql)" >&2
    exit 1
  fi
fi

DATA="$(mktemp -d "${TMPDIR:-/tmp}/facepheno-pg.XXXXXX")"
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$DATA"; fi

stop() {
  as_owner "$BIN/pg_ctl" -D "$DATA/db" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap stop EXIT

PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
USER_NAME=facepheno
as_owner "$BIN/initdb" -D "$DATA/db" -U "$USER_NAME" -A trust -E UTF8 --locale=C.UTF-8 --no-instructions >"$DATA/initdb.log" 2>&1 ||
  { cat "$DATA/initdb.log" >&2; exit 1; }
# One role that needs a password, so the tests can check how a wrong one is reported.
cat >"$DATA/db/pg_hba.conf" <<'EOF'
local all all trust
host all facepheno_pw 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
EOF
# A throwaway server: durability is not wanted, speed is.
as_owner "$BIN/pg_ctl" -D "$DATA/db" -l "$DATA/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$DATA/server.log" >&2; exit 1; }
as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" -d postgres -q -v ON_ERROR_STOP=1 \
  -c "CREATE DATABASE facepheno_test" \
  -c "CREATE ROLE facepheno_pw LOGIN PASSWORD 'right-password'" >/dev/null

export FACEPHENO_TEST_POSTGRES="postgres://$USER_NAME@127.0.0.1:$PORT/facepheno_test"
echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') for tests at $FACEPHENO_TEST_POSTGRES" >&2
set +e
"$@"
status=$?
set -e
exit "$status"
