#!/usr/bin/env bash
# `make demo`: a local broker, a worker, the sample feed in, enriched events out;
# then everything it started is stopped. Each run uses fresh topics and state.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
PY=${PY:-$root/.venv/bin/python}
run_id=$(date +%Y%m%d%H%M%S)
work="$root/var/demo-$run_id"
mkdir -p "$work"

export KAFKA_STATE_DIR="$root/.kafka/demo"
export WIREWATCH_TOPIC_PREFIX="demo-$run_id."
export WIREWATCH_APP_ID="wirewatch-demo-$run_id"
export WIREWATCH_DATA_DIR="$work/state"
export WIREWATCH_WEB_PORT=${WIREWATCH_WEB_PORT:-$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}

worker_pid=""
cleanup() {
  if [ -n "$worker_pid" ] && kill -0 "$worker_pid" 2>/dev/null; then
    kill -TERM "$worker_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$worker_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$worker_pid" 2>/dev/null || true
  fi
  scripts/kafka.sh wipe
}
trap cleanup EXIT

echo "== starting a local Kafka broker (KRaft)"
WIREWATCH_BROKER=$(scripts/kafka.sh up)
export WIREWATCH_BROKER

echo "== starting a worker (log: $work/worker.log, metrics: http://127.0.0.1:$WIREWATCH_WEB_PORT/metrics)"
"$PY" -m streams worker > "$work/worker.log" 2>&1 &
worker_pid=$!
for _ in $(seq 1 600); do
  grep -q "\[^Worker\]: Ready" "$work/worker.log" 2>/dev/null && break
  kill -0 "$worker_pid" 2>/dev/null || { echo "worker exited:"; tail -n 40 "$work/worker.log"; exit 1; }
  sleep 0.2
done

echo "== ingesting samples/feed.jsonl"
"$PY" -m streams ingest samples/feed.jsonl

echo "== enriched events (each version as it is published)"
"$PY" -m streams subscribe --idle-exit 20
echo "== done; stopping the worker and the broker"
