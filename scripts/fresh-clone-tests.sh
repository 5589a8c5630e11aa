#!/usr/bin/env bash
# Prove a clone that stands alone passes: copy the checkout (no .git, no .venv) into an empty folder, so no
# ../shared sits beside it and OPSBOT_UPSTREAM_FIXTURES is unset, then collect the whole suite and run the fast
# tests there (every test module that once read ../shared is among them). Upstream-corpus tests skip with their
# reason (-rs lists them); anything else failing or skipping fails this script. Uses the active virtualenv.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
dest="$(mktemp -d)/opsbot"
trap 'rm -rf "$(dirname "$dest")"' EXIT
mkdir -p "$dest"
tar -C "$src" --exclude=./.git --exclude=./.venv --exclude=./test-artifacts --exclude='__pycache__' -cf - . \
    | tar -C "$dest" -xf -
cd "$dest"
unset OPSBOT_UPSTREAM_FIXTURES
# the copy's own code must be what runs, not the checkout the virtualenv was installed from
python -c "import bot, tests, sys; assert bot.__file__.startswith('$dest'), bot.__file__"
echo "fresh copy at $dest (no shared/ beside it)"
python -m pytest --collect-only -q -n 0 | tail -n 1
python -m pytest -m "not slow" -rs --durations=5 | tee "$dest/../fresh.log"
if grep -E "^SKIPPED" "$dest/../fresh.log" | grep -v "upstream corpus absent"; then
    echo "a test skipped for another reason than the absent upstream corpus" >&2
    exit 1
fi
