#!/usr/bin/env bash
# PostgreSQL server binaries for the Postgres build test (pytests/test_postgres_build.py), which
# starts its own server on a free loopback port in a temp data directory and stops it afterwards.
# Idempotent: does nothing when initdb is found; otherwise installs the Debian package (needs
# root) without creating or starting the package's default cluster: nothing listens on 5432.
set -euo pipefail
if command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL server binaries missing and not root: install the Debian package 'postgresql'" \
        "(the Postgres tests skip without it, and fail when CI=true)" >&2
    exit 0
fi
echo "==> installing postgresql (apt-get)"
export DEBIAN_FRONTEND=noninteractive
# the tests run their own throwaway server: the package's default cluster would only sit on 5432
mkdir -p /etc/postgresql-common
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
fi
apt-get update -qq
# --force-confold keeps the createcluster.conf written above instead of asking about it
apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold postgresql >/dev/null
ls -d /usr/lib/postgresql/*/bin/initdb
