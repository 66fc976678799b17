#!/usr/bin/env bash
# Build the wheel, install it with its runtime dependencies only in a fresh virtualenv, and
# check that `forum migrate` then `forum serve` work from an empty folder far from the
# checkout: the templates, static files, guidelines, catalogs and migrations must all be in
# the wheel. With --lock FILE, also write the exact versions installed (the deployment lock).
# Loopback only; bounded: the server gets 60 seconds to answer, then is stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
lock=""
if [ "${1:-}" = "--lock" ]; then lock="$2"; fi
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
rm -rf dist && "$python" -m pip wheel --quiet --no-deps -w dist . >/dev/null
wheel="$(ls dist)"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --upgrade pip >/dev/null
"$work/venv/bin/pip" install --quiet dist/*.whl
if "$work/venv/bin/python" -c "import pytest" 2>/dev/null; then
    echo "wheel smoke: test tools were installed with the runtime" >&2; exit 1
fi
if [ -n "$lock" ]; then
    {
        echo "# Exact versions for deployments: pip install -r $(basename "$lock") dist/*.whl"
        echo "# Written by deploy/wheel-smoke.sh --lock from a clean install of the wheel."
        "$work/venv/bin/pip" freeze --exclude-editable | grep -v '^policy-ediscussions'
    } > "$lock"
fi
mkdir "$work/elsewhere" && cd "$work/elsewhere"
export FORUM_DATA_DIR="$work/data" FORUM_DATABASE_URL="sqlite+aiosqlite:///$work/data/forum.db"
export FORUM_ENV=production FORUM_SECRET_KEY="wheel-smoke-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
mkdir -p "$work/data"
if "$work/venv/bin/forum" serve --port 1 2>/dev/null; then
    echo "wheel smoke: serve started without a migrated database" >&2; exit 1
fi
"$work/venv/bin/forum" migrate
port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$work/venv/bin/forum" serve --port "$port" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
    sleep 0.5
done
for path in /readyz /en/ /es/guidelines /fr/account/sign-in /static/style.css; do
    code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")"
    if [ "$code" != 200 ]; then
        echo "wheel smoke: $path answered $code" >&2; cat "$work/serve.log" >&2; exit 1
    fi
done
if ls "$work/elsewhere" | grep -q .; then
    echo "wheel smoke: files were left in the working folder" >&2; exit 1
fi
echo "wheel smoke: $wheel installs, migrates and serves from an empty folder"
