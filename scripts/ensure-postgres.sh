#!/usr/bin/env bash
# Start the local PostgreSQL cluster if it is not answering, then wait until it accepts connections.
set -euo pipefail
host=${PGHOST_FOR_TESTS:-127.0.0.1}
if ! pg_isready -q -h "$host" -p 5432; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 60); do
  if pg_isready -q -h "$host" -p 5432; then
    echo "postgresql is up at $host:5432"
    exit 0
  fi
  sleep 0.5
done
echo "postgresql did not start at $host:5432" >&2
exit 1
