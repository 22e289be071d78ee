#!/usr/bin/env bash
# Java 17 for Spark (pyspark's session method in pytests/test_spark_*.py). Idempotent: does nothing
# when a Java 17+ runtime is on PATH; otherwise installs Debian's openjdk-17-jre-headless (needs root).
set -euo pipefail
java_major() {
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}
if command -v java >/dev/null 2>&1 && [ "$(java_major)" -ge 17 ] 2>/dev/null; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "Java 17 missing and not root: install the Debian package 'openjdk-17-jre-headless'" \
        "(the Spark tests skip without it, and fail when CI=true)" >&2
    exit 0
fi
echo "==> installing openjdk-17-jre-headless (apt-get)"
export DEBIAN_FRONTEND=noninteractive
# the JRE's post-install script links man pages; slim images lack the folder
mkdir -p /usr/share/man/man1
apt-get update -qq
apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
java -version
