#!/usr/bin/env bash
# Start the local PostgreSQL server the test suite runs its storage tests against.
#
# A dedicated cluster ("distill_test") on 127.0.0.1:$TEST_POSTGRES_PORT (default 5433, so the
# distribution's default cluster on 5432 is left alone) with trust authentication on loopback
# and durability switched off: it holds nothing but throw-away test databases. Its sessions
# run in a zone half an hour off any whole-hour offset, so code that lets the server's zone
# leak into a timestamp fails in the tests rather than in production.
# Installs Debian's `postgresql` package first when it is missing (root only).
# Idempotent: when the cluster is already running it returns at once.
# Exits non-zero with a reason on stderr when no server can be had; `make` carries on and
# the tests then skip PostgreSQL loudly.
set -euo pipefail

PORT="${TEST_POSTGRES_PORT:-5433}"
CLUSTER="distill_test"

fail() {
    echo "postgres.sh: $*" >&2
    exit 1
}

is_root() {
    [[ "$(id -u)" == 0 ]]
}

newest_server_version() {
    # Directory names under /usr/lib/postgresql are major versions ("15", "16").
    find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null \
        | awk -F/ '{print $5}' | sort -n | tail -n 1
}

install_server() {
    is_root || fail "PostgreSQL is not installed and only root can install it"
    command -v apt-get >/dev/null || fail "PostgreSQL is not installed and apt-get is unavailable"
    echo "postgres.sh: installing PostgreSQL from the distribution's packages"
    # Bounded, so a machine without a package mirror fails in minutes rather than hanging.
    local apt_options=(-o Acquire::Retries=1 -o Acquire::http::Timeout=20 -o DPkg::Lock::Timeout=60)
    timeout 300 apt-get "${apt_options[@]}" update -qq || fail "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get "${apt_options[@]}" install -y -qq \
        --no-install-recommends postgresql >/dev/null || fail "apt-get install postgresql failed"
}

cluster_field() {
    # Field $1 of our cluster's pg_lsclusters line (3: port, 4: status); empty if no cluster.
    pg_lsclusters --no-header 2>/dev/null | awk -v name="$CLUSTER" -v field="$1" \
        '$2 == name {print $field}'
}

create_cluster() {
    pg_createcluster --quiet --no-status --port="$PORT" --start-conf=manual \
        --locale=C.UTF-8 --encoding=UTF8 \
        -o listen_addresses=localhost -o ssl=off -o max_connections=200 \
        -o fsync=off -o synchronous_commit=off -o full_page_writes=off \
        -o timezone=Asia/Kolkata -o log_timezone=UTC \
        "$VERSION" "$CLUSTER" >/dev/null || fail "pg_createcluster failed"
    # Loopback only, no passwords: nothing but tests ever talks to this cluster.
    printf '%s\n' \
        'local  all  all                trust' \
        'host   all  all  127.0.0.1/32  trust' \
        'host   all  all  ::1/128       trust' \
        >"/etc/postgresql/$VERSION/$CLUSTER/pg_hba.conf"
}

start_cluster() {
    pg_ctlcluster "$VERSION" "$CLUSTER" start
}

VERSION="$(newest_server_version)"
if [[ -z "$VERSION" ]]; then
    install_server
    VERSION="$(newest_server_version)"
    [[ -n "$VERSION" ]] || fail "no PostgreSQL server binary found after installing"
fi
LOG="/var/log/postgresql/postgresql-$VERSION-$CLUSTER.log"

if [[ "$(cluster_field 4)" == online* && "$(cluster_field 3)" == "$PORT" ]]; then
    echo "postgres.sh: PostgreSQL $VERSION test cluster already running on 127.0.0.1:$PORT"
    exit 0
fi
is_root || fail "the PostgreSQL test cluster is not running and only root can start it"

if [[ -z "$(cluster_field 4)" ]]; then
    create_cluster
    start_cluster || fail "could not start the new test cluster; see $LOG"
elif [[ "$(cluster_field 3)" != "$PORT" ]] || ! start_cluster; then
    # The cluster holds only throw-away test databases: rebuild it rather than give up.
    echo "postgres.sh: recreating the test cluster on port $PORT" >&2
    pg_dropcluster --stop "$VERSION" "$CLUSTER" || fail "pg_dropcluster failed"
    create_cluster
    start_cluster || fail "could not start the recreated test cluster; see $LOG"
fi

pg_isready --quiet --host=127.0.0.1 --port="$PORT" --timeout=15 \
    || fail "the server started but does not answer on 127.0.0.1:$PORT"
echo "postgres.sh: PostgreSQL $VERSION test cluster running on 127.0.0.1:$PORT"
