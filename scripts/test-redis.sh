# Sourced by scripts/test (and scripts/with-test-redis): starts a throw-away redis-server for the rate-limit tests
# — listening on a free loopback port only, no persistence — and exports SOVRA_TEST_REDIS_URL. Stopped and its
# directory deleted when stop_test_redis runs (scripts/test calls it from its EXIT trap).
start_test_redis() {
  if ! command -v redis-server >/dev/null; then
    echo "test-redis: no redis-server (run scripts/setup)" >&2
    return 1
  fi
  SOVRA_TEST_REDIS_DIR=$(mktemp -d /tmp/sovra-redis-XXXXXX)
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$SOVRA_TEST_REDIS_DIR" --pidfile "$SOVRA_TEST_REDIS_DIR/redis.pid" \
    --logfile "$SOVRA_TEST_REDIS_DIR/redis.log" || { cat "$SOVRA_TEST_REDIS_DIR/redis.log" >&2; return 1; }
  local i
  for i in $(seq 1 100); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  export SOVRA_TEST_REDIS_URL="redis://127.0.0.1:$port"
  echo "test-redis: $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_test_redis() {
  if [ -n "${SOVRA_TEST_REDIS_DIR:-}" ] && [ -d "$SOVRA_TEST_REDIS_DIR" ]; then
    local pid="" i
    [ -f "$SOVRA_TEST_REDIS_DIR/redis.pid" ] && pid=$(cat "$SOVRA_TEST_REDIS_DIR/redis.pid")
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
      # Redis still writes its log and removes its pid file while it shuts down: wait for the process to be gone
      # before deleting the folder (rm -rf racing those writes failed a CI run with "Directory not empty").
      for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
    rm -rf "$SOVRA_TEST_REDIS_DIR" || echo "test-redis: could not delete $SOVRA_TEST_REDIS_DIR" >&2
  fi
}
