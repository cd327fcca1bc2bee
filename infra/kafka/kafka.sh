#!/usr/bin/env bash
# Single-node KRaft Apache Kafka broker for machines without Docker.
#   kafka.sh start   fetch the official broker jars with mvn (cached), format storage once,
#                    start broker+controller in one JVM, return when it answers metadata.
#                    A second start while our broker is up is a no-op.
#   kafka.sh stop    stop the broker this script started (by its own pid file).
#   kafka.sh status  exit 0 when our broker is running.
# Environment: KAFKA_PORT (default 9092), KAFKA_CONTROLLER_PORT (default KAFKA_PORT+1000),
#              KAFKA_HOME_DIR (instances; default <repo>/.cache/kafka), KAFKA_LIBS_DIR (jar cache),
#              KAFKA_HEAP (default 512m).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1000))}"
home="${KAFKA_HOME_DIR:-$repo/.cache/kafka}"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
libs="${KAFKA_LIBS_DIR:-$repo/.cache/kafka/$version/libs}"
inst="$home/broker-$port"
pidfile="$inst/broker.pid"
heap="${KAFKA_HEAP:-512m}"

log() { printf '[kafka] %s\n' "$*" >&2; }

running() {
  [[ -f "$pidfile" ]] || return 1
  local pid; pid="$(cat "$pidfile")"
  # pids are reused quickly: it must be a broker running this instance's config
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $inst/server.properties"
}

fetch() {
  if [[ -f "$libs/kafka_2.13-$version.jar" ]]; then return 0; fi
  log "fetching Apache Kafka $version from Maven Central into $libs"
  mkdir -p "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$libs" -DincludeScope=runtime
}

write_config() {
  mkdir -p "$inst/data"
  cat > "$inst/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$inst/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
# committed offsets of a group outlive any downtime the services' inbox retention covers (30 d): a group
# whose offsets expired re-reads the ledger from the start (libs/messaging README, Retention)
offsets.retention.minutes=64800
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
log.segment.bytes=67108864
log.retention.check.interval.ms=300000
PROPS
  cat > "$inst/log4j.properties" <<PROPS
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$inst/broker.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
PROPS
}

java_cmd() {
  java "-Xms128m" "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$inst/log4j.properties" -cp "$libs/*" "$@"
}

start() {
  if running; then log "broker already running on 127.0.0.1:$port (pid $(cat "$pidfile"))"; return 0; fi
  if node "$here/wait-ready.js" "127.0.0.1:$port" 1 >/dev/null 2>&1; then
    log "a broker not started by this script already answers on 127.0.0.1:$port; leaving it alone"
    return 0
  fi
  fetch
  write_config
  if [[ ! -f "$inst/data/meta.properties" ]]; then
    local cluster_id; cluster_id="$(java_cmd kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    java_cmd kafka.tools.StorageTool format -t "$cluster_id" -c "$inst/server.properties" >/dev/null
  fi
  log "starting Apache Kafka $version (KRaft) on 127.0.0.1:$port"
  nohup java "-Xms128m" "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$inst/log4j.properties" -cp "$libs/*" \
    kafka.Kafka "$inst/server.properties" > "$inst/stdout.log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  local ready=0
  node "$here/wait-ready.js" "127.0.0.1:$port" 90 "$(cat "$pidfile")" || ready=$?
  if [[ $ready != 0 ]]; then
    if [[ $ready == 2 ]]; then log "the broker exited during start-up"; else log "broker did not answer within 90s"; fi
    log "last lines of $inst/stdout.log and broker.log:"
    tail -n 25 "$inst/stdout.log" "$inst/broker.log" >&2 2>/dev/null || true
    stop
    return 1
  fi
  log "broker ready on 127.0.0.1:$port (pid $(cat "$pidfile"))"
}

stop() {
  if ! running; then rm -f "$pidfile"; log "no broker of ours on port $port"; return 0; fi
  local pid; pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    log "broker did not stop in 30s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    # gone for real before we return: a start right after must not meet its ports and data lock
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
  log "broker on port $port stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) running ;;
  fetch) fetch ;;
  *) echo "usage: $0 start|stop|status|fetch" >&2; exit 2 ;;
esac
