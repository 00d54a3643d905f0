#!/usr/bin/env bash
# Throughput of the people list over HTTP: granian (WSGI, 2 workers) on 127.0.0.1 and wrk.
#
# Usage (from anywhere; the database comes from the environment as for manage.py):
#   SVRAZKA_VAR_DIR=/tmp/svrazka-bench bench/wrk.sh [--workspace bench] [--duration 15s]
#   DATABASE_URL=postgres://... bench/wrk.sh
#
# Serves the app with DEBUG off (as measure.py does), makes a session for the workspace owner
# directly in the session store (no password round trip), then runs
#   wrk -t2 -c16 -d15s
# against the people list, a Latin search and a Cyrillic search, and prints requests/s and
# latencies. wrk and granian share the machine's cores: compare the rows of one run with each
# other rather than absolute numbers across machines. Stops granian on exit, whatever happens.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORKSPACE=bench
DURATION=15s
PORT="${BENCH_PORT:-8011}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --workspace) WORKSPACE="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    *) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done

cd "$ROOT"
PY="$ROOT/.venv/bin/python"
GRANIAN="$ROOT/.venv/bin/granian"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[[ -x "$GRANIAN" ]] || { echo "granian is missing from .venv (uv sync)" >&2; exit 1; }

export DJANGO_SETTINGS_MODULE=svrazka.settings
export DEBUG=false SECRET_KEY=bench SECURE_SSL_REDIRECT=false STATIC_MANIFEST=false
export ALLOWED_HOSTS=127.0.0.1,localhost LOG_LEVEL=ERROR

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "port $PORT is in use; set BENCH_PORT" >&2
  exit 1
fi

# A logged-in session of the workspace owner: "name=value" for the Cookie header.
COOKIE="$("$PY" - "$WORKSPACE" <<'EOF'
import sys

import django

django.setup()
from django.conf import settings
from django.test import Client

from svrazka.accounts.models import Membership, Role

membership = (Membership.objects.filter(workspace__slug=sys.argv[1], role=Role.OWNER)
              .select_related("user").order_by("id").first())
if membership is None:
    sys.exit(f"no workspace '{sys.argv[1]}' with an owner: run manage.py seed_bench first")
client = Client()
client.force_login(membership.user)
print(f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}")
EOF
)"

LOG="$(mktemp /tmp/svrazka-wrk-granian.XXXXXX.log)"
"$GRANIAN" --interface wsgi svrazka.wsgi:application --workers 2 --host 127.0.0.1 \
  --port "$PORT" >"$LOG" 2>&1 &
GRANIAN_PID=$!
stop_granian() {
  if kill -0 "$GRANIAN_PID" 2>/dev/null; then
    kill -TERM "$GRANIAN_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$GRANIAN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GRANIAN_PID" 2>/dev/null || true
  fi
  wait "$GRANIAN_PID" 2>/dev/null || true
  rm -f "$LOG"
}
trap stop_granian EXIT

BASE="http://127.0.0.1:$PORT"
for _ in $(seq 100); do
  curl -fs -o /dev/null "$BASE/accounts/login/" && break
  kill -0 "$GRANIAN_PID" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 0.2
done

declare -a NAMES=("people list" "search, Latin (petrov)" "search, Cyrillic (Петров)")
declare -a PATHS=(
  "/w/$WORKSPACE/people/"
  "/w/$WORKSPACE/people/?q=petrov"
  "/w/$WORKSPACE/people/?q=%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2"
)

# Every URL must answer 200 to the session (not a redirect to the login page).
for path in "${PATHS[@]}"; do
  for _ in 1 2 3; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE$path")
  done
  if [[ "$code" != 200 ]]; then
    echo "GET $path answered $code, not 200" >&2
    exit 1
  fi
done

DB=SQLite
[[ "${DATABASE_URL:-}" == postgres* ]] && DB=PostgreSQL
echo "wrk -t2 -c16 -d$DURATION against granian (wsgi, 2 workers) on $(nproc) cores, $DB," \
  "$(date '+%Y-%m-%d %H:%M %Z'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| request | req/s | latency avg | latency p50 | latency p99 | errors |"
echo "|---|---:|---:|---:|---:|---:|"
for i in "${!PATHS[@]}"; do
  out=$(wrk -t2 -c16 -d"$DURATION" --timeout 30s --latency -H "Cookie: $COOKIE" "$BASE${PATHS[$i]}")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  avg=$(awk '$1 == "Latency" {print $2; exit}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  errors=$(grep -o 'Socket errors:.*' <<<"$out" || true)
  echo "| ${NAMES[$i]} | $rps | $avg | $p50 | $p99 | ${bad:-0}${errors:+ ($errors)} |"
done
