#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft: broker + controller in one JVM) on
# 127.0.0.1, built from the jars on Maven Central: no Docker needed.
#
#   scripts/kafka.sh fetch     resolve the jars into $KAFKA_LIBS (cached)
#   scripts/kafka.sh up        start (formatting storage on first use), wait until it answers
#   scripts/kafka.sh down      stop it cleanly (SIGTERM, then SIGKILL after a grace period)
#   scripts/kafka.sh wipe      stop it and delete its data
#   scripts/kafka.sh bootstrap print host:port of the running broker
#   scripts/kafka.sh client-env [USER]
#                              print the WIREWATCH_KAFKA_* exports to connect as USER
#                              (default admin; a sasl_ssl broker only; the password by file)
#   scripts/kafka.sh grant-worker USER PREFIX
#                              ACLs a worker needs on topics, groups and transactional ids
#                              whose names start with PREFIX (its topic prefix and app id)
#   scripts/kafka.sh grant-subscriber USER PREFIX
#                              ACLs `wirewatch subscribe` needs: read and describe topics
#   scripts/kafka.sh acl ARGS  Kafka's ACL tool as the super user (e.g. acl --list)
#
# A second `up` on the same state directory keeps the data and the port: a restart.
#
# KAFKA_STATE_DIR (default .kafka/local) holds the data, the log, the pid and the
# port, so a test session and a demo can each run their own broker side by side.
# KAFKA_VERSION picks the Apache Kafka release (jars cached per version).
# KAFKA_SECURITY, read when the state directory is first made:
#   plaintext  one PLAINTEXT listener, no authentication (the default, for `make demo`);
#   sasl_ssl   one SASL_SSL listener (SCRAM-SHA-256/512 and PLAIN) with a throwaway CA and
#              broker certificate made by openssl, ACLs enforced (StandardAuthorizer), the
#              super user `admin` and the users in KAFKA_USERS (default: wirewatch subscriber)
#              with random passwords in $KAFKA_STATE_DIR/users/; a client certificate for
#              mutual TLS in $KAFKA_STATE_DIR/tls/client.{pem,key}.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
KAFKA_STATE_DIR=${KAFKA_STATE_DIR:-$root/.kafka/local}
# Tested: 4.4.0 and 3.9.1. A state directory keeps the version it was made with.
KAFKA_VERSION=${KAFKA_VERSION:-4.4.0}
if [ -f "$KAFKA_STATE_DIR/version" ]; then KAFKA_VERSION=$(cat "$KAFKA_STATE_DIR/version"); fi
KAFKA_LIBS=${KAFKA_LIBS:-$root/.kafka/libs-$KAFKA_VERSION}
KAFKA_PORT=${KAFKA_PORT:-}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
KAFKA_HEAP=${KAFKA_HEAP:--Xms256m -Xmx1g}
KAFKA_SECURITY=${KAFKA_SECURITY:-plaintext}
KAFKA_USERS=${KAFKA_USERS:-wirewatch subscriber}

kafka_major() { echo "${KAFKA_VERSION%%.*}"; }

# Kafka 4 logs through Log4j 2 (and moved the ACL tool to kafka-tools); Kafka 3 through reload4j.
jvm_cmd() {
  local logging
  if [ "$(kafka_major)" -ge 4 ]; then
    logging=-Dlog4j2.configurationFile="file:$here/kafka/log4j2.properties"
  else
    logging=-Dlog4j.configuration="file:$here/kafka/log4j.properties"
  fi
  jvm=(java $KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true "$logging"
       -Dkafka.logs.dir="$KAFKA_STATE_DIR/logs" -cp "$KAFKA_LIBS/*")
}

acl_class() {
  if [ "$(kafka_major)" -ge 4 ]; then echo org.apache.kafka.tools.AclCommand; else echo kafka.admin.AclCommand; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

fetch() {
  if [ -f "$KAFKA_LIBS/.complete" ]; then return 0; fi
  echo "kafka: resolving broker jars from Maven Central into $KAFKA_LIBS" >&2
  mkdir -p "$KAFKA_LIBS"
  local logging=()
  if [ "$(kafka_major)" -lt 4 ]; then logging=(-Dkafka.logging=reload4j); fi
  mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies -Dkafka.version="$KAFKA_VERSION" "${logging[@]}" \
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

# A CA, a broker certificate for 127.0.0.1/localhost and a client certificate (mutual TLS),
# all signed by the CA, valid 30 days: enough for a test session or a demo.
make_tls() {
  local dir=$KAFKA_STATE_DIR/tls store_password=$1
  mkdir -p "$dir"
  chmod 700 "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=wirewatch throwaway CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  local name
  for name in broker client; do
    openssl req -newkey rsa:2048 -nodes -subj "/CN=wirewatch-$name" \
        -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' > "$dir/$name.ext"
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
        -extfile "$dir/$name.ext" -out "$dir/$name.pem" 2>/dev/null
    rm -f "$dir/$name.csr" "$dir/$name.ext"
  done
  openssl pkcs12 -export -in "$dir/broker.pem" -inkey "$dir/broker.key" -certfile "$dir/ca.pem" -name broker \
      -passout "pass:$store_password" -out "$dir/broker.p12"
}

new_password() { openssl rand -hex 16; }

password_of() { cat "$KAFKA_STATE_DIR/users/$1.password"; }

# The listener part of server.properties for KAFKA_SECURITY; makes the users and the certificates.
write_listeners() {
  local port=$1 cport=$2
  if [ "$KAFKA_SECURITY" = plaintext ]; then
    cat <<PROPS
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
PROPS
    return 0
  fi
  if [ "$KAFKA_SECURITY" != sasl_ssl ]; then
    echo "kafka: KAFKA_SECURITY must be plaintext or sasl_ssl, not $KAFKA_SECURITY" >&2
    return 2
  fi
  mkdir -p "$KAFKA_STATE_DIR/users"
  chmod 700 "$KAFKA_STATE_DIR/users"
  local user plain_users="" store_password
  for user in admin $KAFKA_USERS; do
    new_password > "$KAFKA_STATE_DIR/users/$user.password"
    plain_users="$plain_users user_$user=\"$(password_of "$user")\""
  done
  store_password=$(new_password)
  make_tls "$store_password"
  local admin tls=$KAFKA_STATE_DIR/tls
  admin=$(password_of admin)
  # The controller listener stays inside the one JVM's loopback, on SASL PLAIN as admin.
  cat <<PROPS
listeners=SASL_SSL://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=SASL_SSL://127.0.0.1:$port
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin" user_admin="$admin";
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin"$plain_users;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$tls/broker.p12
ssl.keystore.password=$store_password
ssl.key.password=$store_password
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.pem
ssl.client.auth=requested
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
PROPS
  # The super user's client configuration, for Kafka's own tools (the acl command).
  cat > "$KAFKA_STATE_DIR/users/admin.properties" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin";
ssl.truststore.type=PEM
ssl.truststore.location=$tls/ca.pem
PROPS
  echo sasl_ssl > "$KAFKA_STATE_DIR/security"
}

# SCRAM credentials written with the storage format, so they exist before the first start.
scram_arguments() {
  [ "$KAFKA_SECURITY" = sasl_ssl ] || return 0
  local user mech
  for user in admin $KAFKA_USERS; do
    for mech in SCRAM-SHA-256 SCRAM-SHA-512; do
      printf -- '--add-scram\n%s=[name=%s,password=%s]\n' "$mech" "$user" "$(password_of "$user")"
    done
  done
}

write_properties() {
  local props=$1 port=$2 cport=$3
  local listeners
  listeners=$(write_listeners "$port" "$cport")
  umask 077  # passwords inside
  cat > "$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
controller.listener.names=CONTROLLER
$listeners
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
  port=$(sed -n 's|^advertised.listeners=[A-Z_]*://127.0.0.1:\([0-9]*\)$|\1|p' "$props")
  local jvm
  jvm_cmd
  if [ "$fresh" = 1 ]; then
    local cluster_id scram=()
    cluster_id=$("${jvm[@]}" kafka.tools.StorageTool random-uuid)
    mapfile -t scram < <(scram_arguments)
    "${jvm[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$props" "${scram[@]}" >/dev/null
    echo "$KAFKA_VERSION" > "$KAFKA_STATE_DIR/version"
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

security() {
  cat "$KAFKA_STATE_DIR/security" 2>/dev/null || echo plaintext
}

client_env() {
  local user=${1:-admin}
  if [ "$(security)" != sasl_ssl ]; then
    echo "export WIREWATCH_BROKER=$(bootstrap)"
    return 0
  fi
  if [ ! -f "$KAFKA_STATE_DIR/users/$user.password" ]; then
    echo "kafka: no user $user (users: admin $KAFKA_USERS)" >&2
    return 1
  fi
  cat <<ENV
export WIREWATCH_BROKER=$(bootstrap)
export WIREWATCH_KAFKA_SECURITY_PROTOCOL=SASL_SSL
export WIREWATCH_KAFKA_CA_FILE=$KAFKA_STATE_DIR/tls/ca.pem
export WIREWATCH_KAFKA_SASL_MECHANISM=SCRAM-SHA-512
export WIREWATCH_KAFKA_USERNAME=$user
export WIREWATCH_KAFKA_PASSWORD_FILE=$KAFKA_STATE_DIR/users/$user.password
ENV
}

acl() {
  if [ "$(security)" != sasl_ssl ]; then
    echo "kafka: this broker has no authorizer (KAFKA_SECURITY=plaintext)" >&2
    return 1
  fi
  local jvm
  jvm_cmd
  "${jvm[@]}" "$(acl_class)" --bootstrap-server "$(bootstrap)" \
      --command-config "$KAFKA_STATE_DIR/users/admin.properties" "$@"
}

# What a worker does: declare and read and write its topics (and Faust's changelog and
# repartition topics, named after its app id), commit offsets as its group, and, with
# exactly-once processing, use transactional ids named after its app id.
grant_worker() {
  local user=${1:?user} prefix=${2:?prefix}
  local on=(--allow-principal "User:$user" --resource-pattern-type prefixed)
  acl --add "${on[@]}" --topic "$prefix" --operation Read --operation Write --operation Create \
      --operation Describe --operation DescribeConfigs >/dev/null
  acl --add "${on[@]}" --group "$prefix" --operation Read >/dev/null
  acl --add "${on[@]}" --transactional-id "$prefix" --operation Write --operation Describe >/dev/null
  echo "kafka: $user may run a worker on topics, groups and transactional ids starting $prefix" >&2
}

grant_subscriber() {
  local user=${1:?user} prefix=${2:?prefix}
  acl --add --allow-principal "User:$user" --resource-pattern-type prefixed --topic "$prefix" \
      --operation Read --operation Describe >/dev/null
  echo "kafka: $user may read topics starting $prefix" >&2
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
  client-env) client_env "${2:-admin}" ;;
  acl) shift; acl "$@" ;;
  grant-worker) grant_worker "${2:-}" "${3:-}" ;;
  grant-subscriber) grant_subscriber "${2:-}" "${3:-}" ;;
  *) echo "usage: $0 fetch|up|down|wipe|bootstrap|client-env [USER]|grant-worker USER PREFIX|grant-subscriber USER PREFIX|acl ARGS" >&2; exit 2 ;;
esac
