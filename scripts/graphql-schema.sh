#!/usr/bin/env bash
# GitHub's published GraphQL schema (npm's @octokit/graphql-schema, pinned), for tests/github/test_graphql_schema.py.
# Idempotent: installs into a cache outside the checkout once, then only prints the schema file's path.
set -euo pipefail
VERSION="15.26.1"
CACHE="${OPSBOT_GRAPHQL_SCHEMA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/opsbot-graphql-schema}"
PACKAGE="$CACHE/node_modules/@octokit/graphql-schema"
SCHEMA="$PACKAGE/schema.graphql"
mkdir -p "$CACHE"
# test workers may ask at once: one installs, the others wait for it
exec 9>"$CACHE/.lock"
command -v flock >/dev/null && flock 9
installed=""
[ -f "$PACKAGE/package.json" ] && installed="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$PACKAGE/package.json" | head -n 1)"
if [ ! -f "$SCHEMA" ] || [ "$installed" != "$VERSION" ]; then
    npm install --silent --no-audit --no-fund --no-save --prefix "$CACHE" "@octokit/graphql-schema@$VERSION" >&2
fi
echo "$SCHEMA"
