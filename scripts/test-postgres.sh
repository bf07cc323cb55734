# Sourced by scripts/test (and scripts/with-test-postgres): starts a throw-away PostgreSQL server for the store
# tests — initdb into a temporary directory, listening on a free loopback port only, trust authentication — and
# exports SOVRA_TEST_POSTGRES_URL. Stopped and deleted when the calling shell exits. PostgreSQL refuses to run as
# root, so as root the server runs as the `postgres` user the Debian package creates.
start_test_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "test-postgres: no PostgreSQL server binaries under /usr/lib/postgresql (run scripts/setup)" >&2
    return 1
  fi
  SOVRA_TEST_PG_DIR=$(mktemp -d /tmp/sovra-pg-XXXXXX)
  chmod 755 "$SOVRA_TEST_PG_DIR"
  local run=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$SOVRA_TEST_PG_DIR"
    run=(runuser -u postgres --)
  fi
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  "${run[@]}" "$bin/initdb" -D "$SOVRA_TEST_PG_DIR/data" -U sovra --auth=trust -E UTF8 >"$SOVRA_TEST_PG_DIR/initdb.log" 2>&1 \
    || { cat "$SOVRA_TEST_PG_DIR/initdb.log" >&2; return 1; }
  "${run[@]}" "$bin/pg_ctl" -D "$SOVRA_TEST_PG_DIR/data" -l "$SOVRA_TEST_PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $SOVRA_TEST_PG_DIR -c max_connections=400 -c fsync=off -c synchronous_commit=off" \
    start >/dev/null || { cat "$SOVRA_TEST_PG_DIR/server.log" >&2; return 1; }
  SOVRA_TEST_PG_BIN=$bin
  SOVRA_TEST_PG_RUN=("${run[@]}")
  export SOVRA_TEST_POSTGRES_URL="postgresql://sovra@127.0.0.1:$port/postgres"
  trap stop_test_postgres EXIT
  echo "test-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_test_postgres() {
  if [ -n "${SOVRA_TEST_PG_DIR:-}" ] && [ -d "$SOVRA_TEST_PG_DIR" ]; then
    "${SOVRA_TEST_PG_RUN[@]}" "$SOVRA_TEST_PG_BIN/pg_ctl" -D "$SOVRA_TEST_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$SOVRA_TEST_PG_DIR" || echo "test-postgres: could not delete $SOVRA_TEST_PG_DIR" >&2
  fi
}
