#!/usr/bin/env bash
# Load test: LOAD_USERS simulated village clerks (default 100) browse, search and save for
# LOAD_SECONDS (default 60) against gunicorn with PostgreSQL, all on the loopback interface.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bench/load.sh     (or: make load)
#
# It makes a scratch database (fupin_load) with one county of 20,000 households, starts gunicorn
# on 127.0.0.1 with production settings (DEBUG=0), runs locust headless (bench/load_locustfile.py),
# prints the summary and writes the CSV files under var/load/, then stops gunicorn and drops the
# database. Figures are recorded in docs/performance.md. Not part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
USERS=${LOAD_USERS:-100}
SECONDS_TO_RUN=${LOAD_SECONDS:-60}
SPAWN_RATE=${LOAD_SPAWN_RATE:-10}
PORT=${LOAD_PORT:-8765}
HOUSEHOLDS=${LOAD_HOUSEHOLDS:-20000}
WORKERS=${WEB_CONCURRENCY:-3}
OUT=var/load
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
case "$DATABASE_URL" in postgres*) ;; *) echo "DATABASE_URL must point to PostgreSQL" >&2; exit 2 ;; esac
command -v "$BIN/locust" >/dev/null || { echo "locust is missing: $BIN/pip install -e '.[bench]'" >&2; exit 2; }
command -v "$BIN/gunicorn" >/dev/null || { echo "gunicorn is missing: $BIN/pip install -e '.[bench]'" >&2; exit 2; }

mkdir -p "$OUT"
# one key for the set-up (it signs the clerks' sessions) and the server
export SECRET_KEY=${SECRET_KEY:-load-test-only-$(date +%s)}
echo "filling the scratch database ($HOUSEHOLDS households, $USERS clerks)…"
LOAD_DB_URL=$("$BIN/python" bench/load_setup.py --households "$HOUSEHOLDS" --clerks "$USERS" \
  --clerks-file "$OUT/clerks.txt" | tail -n1)

# Production settings on the loopback interface: no HTTPS (nothing leaves the machine), no Redis
# (sessions in the database), static files collected for WhiteNoise's manifest.
export DEBUG=0 HTTPS=0 ALLOWED_HOSTS=127.0.0.1
export VAR_DIR="$PWD/$OUT/var" LOG_LEVEL=WARNING
unset REDIS_URL
DATABASE_URL=$LOAD_DB_URL "$BIN/python" manage.py collectstatic --noinput --verbosity 0

DATABASE_URL=$LOAD_DB_URL "$BIN/gunicorn" config.wsgi:application --bind "127.0.0.1:$PORT" \
  --workers "$WORKERS" --worker-class gthread --threads 4 --timeout 120 --keep-alive 5 \
  --access-logfile /dev/null --error-logfile "$OUT/gunicorn.log" &
GUNICORN=$!
cleanup() {
  kill "$GUNICORN" 2>/dev/null || true
  wait "$GUNICORN" 2>/dev/null || true
  DATABASE_URL=${DATABASE_URL_BASE:-$DATABASE_URL} "$BIN/python" bench/load_setup.py --drop >/dev/null 2>&1 || true
}
DATABASE_URL_BASE=$DATABASE_URL
trap cleanup EXIT
for _ in $(seq 60); do
  "$BIN/python" -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1).close()" 2>/dev/null && break
  sleep 1
done

LOAD_CLERKS_FILE="$OUT/clerks.txt" "$BIN/locust" -f bench/load_locustfile.py --headless \
  --host "http://127.0.0.1:$PORT" --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "${SECONDS_TO_RUN}s" \
  --csv "$OUT/load" --only-summary --loglevel WARNING || true

"$BIN/python" - "$OUT/load_stats.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
print(f"\n{'request':32} {'count':>7} {'fail':>5} {'median':>7} {'p95':>7} {'p99':>7} {'max':>7}  (ms)")
for row in rows:
    print(f"{row['Name'][:32]:32} {row['Request Count']:>7} {row['Failure Count']:>5} {row['50%']:>7} "
          f"{row['95%']:>7} {row['99%']:>7} {float(row['Max Response Time']):>7.0f}")
PY
