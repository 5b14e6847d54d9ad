#!/usr/bin/env bash
# Start the throw-away Redis server the Celery (/distill scale-out) tests use.
#
# One `redis-server` on 127.0.0.1:$TEST_REDIS_PORT (default 6380, so a Redis on 6379 is
# left alone), without persistence: it holds nothing but test queues. The tests that
# restart Redis start their own servers; this one is shared by the others.
# Installs Debian's `redis-server` package first when it is missing (root only).
# Idempotent: when the server already answers it returns at once.
# Exits non-zero with a reason on stderr when no server can be had; `make` carries on and
# the tests then skip Redis loudly.
set -euo pipefail

PORT="${TEST_REDIS_PORT:-6380}"
DIR="${TMPDIR:-/tmp}/distill-test-redis-$PORT"

fail() {
    echo "redis.sh: $*" >&2
    exit 1
}

answers() {
    [[ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" == "PONG" ]]
}

install_server() {
    [[ "$(id -u)" == 0 ]] || fail "redis-server is not installed and only root can install it"
    command -v apt-get >/dev/null || fail "redis-server is not installed and apt-get is unavailable"
    echo "redis.sh: installing redis-server from the distribution's packages"
    # Bounded, so a machine without a package mirror fails in minutes rather than hanging.
    local apt_options=(-o Acquire::Retries=1 -o Acquire::http::Timeout=20 -o DPkg::Lock::Timeout=60)
    timeout 300 apt-get "${apt_options[@]}" update -qq || fail "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get "${apt_options[@]}" install -y -qq \
        --no-install-recommends redis-server >/dev/null || fail "apt-get install redis-server failed"
}

command -v redis-server >/dev/null || install_server
command -v redis-server >/dev/null || fail "no redis-server binary found after installing"

if answers; then
    echo "redis.sh: test Redis already running on 127.0.0.1:$PORT"
    exit 0
fi

mkdir -p "$DIR"
redis-server --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no \
    --dir "$DIR" --daemonize yes --logfile "$DIR/redis.log" --pidfile "$DIR/redis.pid" \
    || fail "redis-server did not start; see $DIR/redis.log"
for _ in $(seq 50); do
    answers && break
    sleep 0.1
done
answers || fail "redis-server started but does not answer on 127.0.0.1:$PORT; see $DIR/redis.log"
echo "redis.sh: test Redis running on 127.0.0.1:$PORT"
