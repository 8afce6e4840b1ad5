#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft: broker + controller in one JVM) on
# 127.0.0.1, built from the jars on Maven Central: no Docker needed.
#
#   scripts/kafka.sh fetch     resolve the jars into $KAFKA_LIBS (cached)
#   scripts/kafka.sh up        start (formatting storage on first use), wait until it answers
#   scripts/kafka.sh down      stop it cleanly (SIGTERM, then SIGKILL after a grace period)
#   scripts/kafka.sh wipe      stop it and delete its data
#   scripts/kafka.sh bootstrap print host:port of the running broker
#
# A second `up` on the same state directory keeps the data and the port: a restart.
#
# KAFKA_STATE_DIR (default .kafka/local) holds the data, the log, the pid and the
# port, so a test session and a demo can each run their own broker side by side.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
KAFKA_LIBS=${KAFKA_LIBS:-$root/.kafka/libs}
KAFKA_STATE_DIR=${KAFKA_STATE_DIR:-$root/.kafka/local}
KAFKA_PORT=${KAFKA_PORT:-}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
KAFKA_HEAP=${KAFKA_HEAP:--Xms256m -Xmx1g}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

fetch() {
  if [ -f "$KAFKA_LIBS/.complete" ]; then return 0; fi
  echo "kafka: resolving broker jars from Maven Central into $KAFKA_LIBS" >&2
  mkdir -p "$KAFKA_LIBS"
  mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS" >&2
  touch "$KAFKA_LIBS/.complete"
}

running_pid() {
  local pidfile="$KAFKA_STATE_DIR/pid"
  [ -f "$pidfile" ] || return 1
  local pid
  pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# Kafka's own admin client answers only once the broker has registered with the
# controller and can serve metadata: that is "ready".
wait_ready() {
  local port=$1 pid=$2 deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while [ $SECONDS -lt $deadline ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "kafka: broker exited during start-up; last log lines:" >&2
      tail -n 30 "$KAFKA_STATE_DIR/logs/server.log" >&2 || true
      tail -n 30 "$KAFKA_STATE_DIR/stdout.log" >&2 || true
      return 1
    fi
    if grep -q "Kafka Server started\|\[KafkaRaftServer nodeId=1\] Kafka Server started" "$KAFKA_STATE_DIR/logs/server.log" 2>/dev/null \
       && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  echo "kafka: broker not ready after ${KAFKA_START_TIMEOUT}s" >&2
  return 1
}

write_properties() {
  local props=$1 port=$2 cport=$3
  cat > "$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_STATE_DIR/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.cleaner.backoff.ms=1000
PROPS
}

up() {
  fetch
  if pid=$(running_pid); then
    echo "kafka: already running (pid $pid) on $(bootstrap)" >&2
    bootstrap
    return 0
  fi
  local started=$SECONDS
  local props="$KAFKA_STATE_DIR/server.properties"
  mkdir -p "$KAFKA_STATE_DIR/data" "$KAFKA_STATE_DIR/logs"
  local fresh=0
  if [ ! -f "$KAFKA_STATE_DIR/data/meta.properties" ]; then
    fresh=1
    write_properties "$props" "${KAFKA_PORT:-$(free_port)}" "$(free_port)"
  fi
  local port
  port=$(sed -n 's|^advertised.listeners=PLAINTEXT://127.0.0.1:\([0-9]*\)$|\1|p' "$props")
  local cp="$KAFKA_LIBS/*"
  local jvm=(java $KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true
             -Dlog4j.configuration="file:$here/kafka/log4j.properties"
             -Dkafka.logs.dir="$KAFKA_STATE_DIR/logs" -cp "$cp")
  if [ "$fresh" = 1 ]; then
    local cluster_id
    cluster_id=$("${jvm[@]}" kafka.tools.StorageTool random-uuid)
    "${jvm[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$props" >/dev/null
  fi
  : > "$KAFKA_STATE_DIR/logs/server.log"
  nohup "${jvm[@]}" kafka.Kafka "$props" > "$KAFKA_STATE_DIR/stdout.log" 2>&1 &
  local pid=$!
  echo "$pid" > "$KAFKA_STATE_DIR/pid"
  echo "127.0.0.1:$port" > "$KAFKA_STATE_DIR/bootstrap"
  if ! wait_ready "$port" "$pid"; then
    down
    return 1
  fi
  echo "kafka: ready on 127.0.0.1:$port (pid $pid) in $((SECONDS - started))s" >&2
  echo "127.0.0.1:$port"
}

down() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$KAFKA_STATE_DIR/pid"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$KAFKA_STATE_DIR/pid"
  echo "kafka: stopped (pid $pid)" >&2
}

bootstrap() {
  cat "$KAFKA_STATE_DIR/bootstrap"
}

wipe() {
  down
  rm -rf "$KAFKA_STATE_DIR"
}

case "${1:-}" in
  fetch) fetch ;;
  up) up ;;
  down) down ;;
  bootstrap) bootstrap ;;
  wipe) wipe ;;
  *) echo "usage: $0 fetch|up|down|wipe|bootstrap" >&2; exit 2 ;;
esac
