#!/usr/bin/env bash
# Single-node Kafka (KRaft) for Wirewatch tests, CI and development -- no Docker.
#
#   deploy/kafka.sh fetch    resolve the jars from Maven Central into the cache (skipped when cached)
#   deploy/kafka.sh start    format storage once, start the broker, wait until ready, print "127.0.0.1:PORT"
#   deploy/kafka.sh stop     SIGTERM the broker and wait for it (SIGKILL after KAFKA_STOP_TIMEOUT)
#   deploy/kafka.sh status   print "running PID 127.0.0.1:PORT" (exit 0) or "stopped" (exit 3)
#
# Environment (all optional):
#   KAFKA_VERSION          default 4.1.2
#   WIREWATCH_CACHE        jar cache root, default ~/.cache/wirewatch (jars in kafka-<version>/libs)
#   KAFKA_DATA_DIR         state dir: server.properties, log.dirs (data/), kafka.log, kafka.pid;
#                          default ${XDG_STATE_HOME:-~/.local/state}/wirewatch/kafka. Kept across restarts.
#   KAFKA_PORT, KAFKA_CONTROLLER_PORT
#                          fixed ports; by default free ones are picked on the first start and then
#                          reused from the data dir on later starts (clients keep their bootstrap).
#   KAFKA_START_TIMEOUT    readiness bound in seconds, default 60
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM before SIGKILL, default 30
#   KAFKA_HEAP_OPTS        default "-Xms256m -Xmx768m"
#   KAFKA_JVM_OPTS         extra JVM options for the broker (e.g. -XX:TieredStopAtLevel=1)
#   KAFKA_WATCH_PID        if set, a small watcher stops the broker when that process exits
#                          (tests pass their own pid so a killed pytest leaves no broker behind)
#   KAFKA_SECURE_DIR       if set, the broker also listens with SSL (mutual TLS), SASL_SSL and
#                          SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), from
#                          kafka/server-secure.properties.in. The dir holds ca.pem (trusted CA),
#                          server-keystore.pem (unencrypted PKCS#8 key + certificate chain) and
#                          users ("name password" lines: PLAIN users and SCRAM users of both
#                          mechanisms, the latter written at the first format). Their ports are in
#                          $KAFKA_DATA_DIR/ports (SSL_PORT, SASL_SSL_PORT, SASL_PLAINTEXT_PORT).
#
# Three-node cluster (replication factor 3, min.insync.replicas=2; kafka/cluster.properties.template):
#   deploy/kafka.sh cluster-start    format and start nodes 1-3 (each broker + controller) under
#                                    KAFKA_DATA_DIR/node<N>, wait until every node sees all three,
#                                    print "127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3"
#   deploy/kafka.sh cluster-stop     stop the three nodes
#   deploy/kafka.sh cluster-status   one line per node: "node N running PID 127.0.0.1:PORT" or "node N stopped"
#   deploy/kafka.sh node-start N     start node N again (after a kill) and wait until it serves
#   deploy/kafka.sh node-stop N      stop node N (SIGTERM; SIGKILL after KAFKA_STOP_TIMEOUT)
#   Heap per node: KAFKA_HEAP_OPTS, default "-Xms128m -Xmx384m" in this mode.
#
# This script is the single source of truth for the broker's config: tests/brokers.py calls it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KAFKA_VERSION=${KAFKA_VERSION:-4.1.2}
CACHE_ROOT=${WIREWATCH_CACHE:-$HOME/.cache/wirewatch}
DIST=$CACHE_ROOT/kafka-$KAFKA_VERSION
LIBS=$DIST/libs
DATA=${KAFKA_DATA_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/wirewatch/kafka}
START_TIMEOUT=${KAFKA_START_TIMEOUT:-60}
STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}
HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}
INSTALL_HINT="install it with: apt-get install -y openjdk-17-jre-headless maven (or run: bash .ci/install.sh)"

log() { echo "kafka.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

need_java() {
    command -v java >/dev/null 2>&1 || die "java not found; $INSTALL_HINT"
    local v
    # "openjdk version "17.0.15" ..." -> 17 ; "1.8.0_x" -> 1
    v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
    [[ -n $v && $v -ge 17 ]] || die "Kafka $KAFKA_VERSION needs Java 17+, found '${v:-unknown}'; $INSTALL_HINT"
}

need_mvn() {
    command -v mvn >/dev/null 2>&1 || die "mvn not found; $INSTALL_HINT"
}

cmd_fetch() {
    if [[ -f $DIST/.complete ]]; then
        log "kafka $KAFKA_VERSION already cached in $LIBS"
        return 0
    fi
    need_java
    need_mvn
    mkdir -p "$DIST"
    # Two concurrent fetches (e.g. two test runs on a cold machine) must not interleave.
    exec 9>"$DIST/.lock"
    flock 9
    if [[ -f $DIST/.complete ]]; then
        log "kafka $KAFKA_VERSION already cached in $LIBS"
        return 0
    fi
    local tmp
    tmp=$(mktemp -d "$DIST/libs.tmp.XXXXXX")
    log "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION + log4j2 into $LIBS"
    # -f on the repo's pom; copy-dependencies needs no build dir, so the work tree stays clean.
    # Maven's output goes to a file and is shown only on failure (it is noisy even with -q).
    if ! mvn -B -q -Dstyle.color=never -f "$HERE/kafka/pom.xml" "-Dkafka.version=$KAFKA_VERSION" \
        org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
        -DincludeScope=runtime "-DoutputDirectory=$tmp" >"$DIST/fetch.log" 2>&1; then
        cat "$DIST/fetch.log" >&2
        rm -rf "$tmp"
        die "maven could not resolve Kafka $KAFKA_VERSION (is Maven Central reachable?)"
    fi
    ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "kafka jar missing after resolve"; }
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    touch "$DIST/.complete"
    log "cached $(find "$LIBS" -name '*.jar' | wc -l) jars in $LIBS"
}

pid_alive() {
    # Alive and really our broker for this data dir (guards against a recycled pid).
    local pid=$1
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-Dwirewatch.kafka.data=$DATA " || return 1
}

read_pid() { cat "$DATA/kafka.pid" 2>/dev/null || true; }

port_in_use() {
    # A successful connect means something listens there.
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
    # Below the kernel's ephemeral range (32768+), so outgoing connections never hold it. The
    # arguments are ports already picked for this broker: not listening yet, so not "in use",
    # and two listeners on one port make Kafka refuse its configuration.
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 12000))
        [[ " $* " == *" $p "* ]] && continue
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    die "no free port found"
}

metadata_ready() {
    # Kafka Metadata v0 request for all topics; ready when the reply lists at least one broker.
    # size=17 | api_key=3 | api_version=0 | correlation_id=1 | client_id="wwr" | topics=[] (all)
    local port=$1 reply
    reply=$(
        exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
        printf '\x00\x00\x00\x11\x00\x03\x00\x00\x00\x00\x00\x01\x00\x03wwr\x00\x00\x00\x00' >&3
        timeout 5 od -An -tu1 -N12 <&3
    ) 2>/dev/null || return 1
    # bytes 0-3 size, 4-7 correlation id, 8-11 broker count (big endian)
    read -r -a b <<<"$reply"
    [[ ${#b[@]} -eq 12 && ${b[7]} -eq 1 ]] || return 1
    (( (b[8] << 24) + (b[9] << 16) + (b[10] << 8) + b[11] >= 1 ))
}

render_config() {
    local port=$1 cport=$2
    sed -e "s|@PORT@|$port|g" -e "s|@CONTROLLER_PORT@|$cport|g" -e "s|@LOG_DIRS@|$DATA/data|g" \
        "$HERE/kafka/server.properties.template" >"$DATA/server.properties"
    printf 'PORT=%s\nCONTROLLER_PORT=%s\n' "$port" "$cport" >"$DATA/ports"
    if [[ -n ${KAFKA_SECURE_DIR:-} ]]; then render_secure "$port" "$cport"; fi
}

render_secure() {
    # Later keys win in a properties file: the secure section's listeners replace the plain ones.
    local port=$1 cport=$2 dir plain="" name password
    dir=$(cd "$KAFKA_SECURE_DIR" && pwd)
    for f in ca.pem server-keystore.pem users; do [[ -f $dir/$f ]] || die "KAFKA_SECURE_DIR lacks $f"; done
    # Secure ports are kept in the data dir like the others (clients keep their addresses).
    if [[ -z ${SSL_PORT:-} ]]; then SSL_PORT=$(pick_port "$port" "$cport"); fi
    if [[ -z ${SASL_SSL_PORT:-} ]]; then SASL_SSL_PORT=$(pick_port "$port" "$cport" "$SSL_PORT"); fi
    if [[ -z ${SASL_PLAINTEXT_PORT:-} ]]; then
        SASL_PLAINTEXT_PORT=$(pick_port "$port" "$cport" "$SSL_PORT" "$SASL_SSL_PORT")
    fi
    while read -r name password || [[ -n ${name:-} ]]; do
        [[ -n $name ]] && plain+="user_$name=\"$password\" "
    done <"$dir/users"
    sed -e "s|@PORT@|$port|g" -e "s|@CONTROLLER_PORT@|$cport|g" -e "s|@SECURE_DIR@|$dir|g" \
        -e "s|@SSL_PORT@|$SSL_PORT|g" -e "s|@SASL_SSL_PORT@|$SASL_SSL_PORT|g" \
        -e "s|@SASL_PLAINTEXT_PORT@|$SASL_PLAINTEXT_PORT|g" -e "s|@PLAIN_USERS@|${plain% }|g" \
        "$HERE/kafka/server-secure.properties.in" >>"$DATA/server.properties"
    printf 'SSL_PORT=%s\nSASL_SSL_PORT=%s\nSASL_PLAINTEXT_PORT=%s\n' \
        "$SSL_PORT" "$SASL_SSL_PORT" "$SASL_PLAINTEXT_PORT" >>"$DATA/ports"
}

scram_args() {
    # --add-scram for every user of KAFKA_SECURE_DIR/users, both mechanisms (KRaft keeps SCRAM
    # credentials in the metadata log; the format step is where a new cluster gets its first ones).
    [[ -n ${KAFKA_SECURE_DIR:-} ]] || return 0
    local name password
    while read -r name password || [[ -n ${name:-} ]]; do
        [[ -n $name ]] || continue
        printf '%s\n' --add-scram "SCRAM-SHA-256=[name=$name,password=$password]" \
            --add-scram "SCRAM-SHA-512=[name=$name,password=$password]"
    done <"$KAFKA_SECURE_DIR/users"
}

start_watcher() {
    local kpid=$1 wpid=$2
    # Detached, no inherited stdout: the caller may be reading our stdout until EOF.
    # shellcheck disable=SC2016 # expanded by the inner shell
    setsid bash -c '
        while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
        kill -TERM "$2" 2>/dev/null || true
    ' kafka-watch "$wpid" "$kpid" </dev/null >/dev/null 2>&1 &
    echo $! >"$DATA/watch.pid"
}

try_start() {
    # Returns 0 when ready, 2 when the port was taken (caller may retry with new ports), 1 otherwise.
    local port=$1 cport=$2 pid deadline
    # shellcheck disable=SC2086 # option lists are split on purpose
    java -Xshare:auto $HEAP_OPTS ${KAFKA_JVM_OPTS:-} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
        "-Dlog4j2.configurationFile=file:$HERE/kafka/log4j2.properties" \
        "-Dwirewatch.kafka.data=$DATA" \
        -cp "$LIBS/*" kafka.Kafka "$DATA/server.properties" </dev/null >>"$DATA/kafka.log" 2>&1 &
    pid=$!
    echo "$pid" >"$DATA/kafka.pid"
    if [[ -n ${KAFKA_WATCH_PID:-} ]]; then start_watcher "$pid" "$KAFKA_WATCH_PID"; fi
    deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null || true
            rm -f "$DATA/kafka.pid"
            if grep -q 'BindException\|Address already in use' "$DATA/kafka.log"; then return 2; fi
            return 1
        fi
        if port_in_use "$port" && metadata_ready "$port"; then return 0; fi
        sleep 0.3
    done
    log "not ready after ${START_TIMEOUT}s; stopping it"
    cmd_stop >/dev/null 2>&1 || true
    return 1
}

cmd_start() {
    need_java
    [[ -f $DIST/.complete ]] || cmd_fetch
    mkdir -p "$DATA"
    DATA=$(cd "$DATA" && pwd)
    local pid port cport fixed=0 rc
    pid=$(read_pid)
    if pid_alive "$pid"; then
        # shellcheck disable=SC1091
        . "$DATA/ports"
        log "already running (pid $pid)"
        # shellcheck disable=SC2153 # PORT comes from the sourced ports file
        echo "127.0.0.1:$PORT"
        return 0
    fi
    if [[ -n ${KAFKA_PORT:-} ]]; then
        port=$KAFKA_PORT; cport=${KAFKA_CONTROLLER_PORT:-$(pick_port "$port")}; fixed=1
    elif [[ -f $DATA/ports ]]; then
        # shellcheck disable=SC1091
        . "$DATA/ports"
        port=$PORT; cport=$CONTROLLER_PORT; fixed=1
    fi
    for _ in 1 2 3; do
        if ((!fixed)); then port=$(pick_port); cport=$(pick_port "$port"); unset SSL_PORT SASL_SSL_PORT SASL_PLAINTEXT_PORT; fi
        [[ $port != "$cport" ]] || continue
        render_config "$port" "$cport"
        if [[ ! -f $DATA/data/meta.properties ]]; then
            local cluster_id
            # 16 random bytes, URL-safe base64 without padding; never starting with "-", which the
            # storage tool would read as an option.
            cluster_id=$(head -c16 /dev/urandom | base64 | tr "+/" "-_" | tr -d "=\n")
            while [[ $cluster_id == -* ]]; do cluster_id=$(head -c16 /dev/urandom | base64 | tr "+/" "-_" | tr -d "=\n"); done
            log "formatting $DATA/data (cluster id $cluster_id)"
            local scram=()
            mapfile -t scram < <(scram_args)
            java "-Dlog4j2.configurationFile=file:$HERE/kafka/log4j2.properties" -cp "$LIBS/*" \
                kafka.tools.StorageTool format -t "$cluster_id" -c "$DATA/server.properties" \
                --ignore-formatted "${scram[@]}" >>"$DATA/kafka.log" 2>&1 || die "storage format failed; see $DATA/kafka.log"
        fi
        log "starting kafka $KAFKA_VERSION on 127.0.0.1:$port (controller $cport), log $DATA/kafka.log"
        rc=0
        try_start "$port" "$cport" || rc=$?
        if ((rc == 0)); then
            log "ready after ${SECONDS}s"
            echo "127.0.0.1:$port"
            return 0
        fi
        if ((rc == 2 && !fixed)); then log "port taken, retrying with new ports"; continue; fi
        break
    done
    log "failed to start; last lines of $DATA/kafka.log:"
    tail -n 30 "$DATA/kafka.log" >&2 || true
    exit 1
}

cmd_stop() {
    [[ -d $DATA ]] || { log "not running"; return 0; }
    DATA=$(cd "$DATA" && pwd)
    local pid wpid deadline
    pid=$(read_pid)
    wpid=$(cat "$DATA/watch.pid" 2>/dev/null || true)
    if [[ -n $wpid ]]; then kill "$wpid" 2>/dev/null || true; rm -f "$DATA/watch.pid"; fi
    if ! pid_alive "$pid"; then
        rm -f "$DATA/kafka.pid"
        log "not running"
        return 0
    fi
    kill -TERM "$pid"
    deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
        log "no exit after ${STOP_TIMEOUT}s; SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$DATA/kafka.pid"
    log "stopped (pid $pid)"
}

cmd_status() {
    local pid
    [[ -d $DATA ]] && DATA=$(cd "$DATA" && pwd)
    pid=$(read_pid)
    if pid_alive "$pid"; then
        # shellcheck disable=SC1091
        . "$DATA/ports"
        echo "running $pid 127.0.0.1:$PORT"
        return 0
    fi
    echo "stopped"
    return 3
}

# ---- three-node cluster ------------------------------------------------------------------------
CLUSTER_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms128m -Xmx384m}

cluster_ports() {
    # Six distinct free ports on the first start, then the same ones from the data dir.
    if [[ ! -f $DATA/cluster-ports ]]; then
        local picked=() p i
        while ((${#picked[@]} < 6)); do
            p=$(pick_port)
            [[ " ${picked[*]} " == *" $p "* ]] || picked+=("$p")
        done
        for i in 1 2 3; do
            printf 'PORT_%s=%s\nCPORT_%s=%s\n' "$i" "${picked[$((2 * i - 2))]}" "$i" "${picked[$((2 * i - 1))]}"
        done >"$DATA/cluster-ports"
    fi
    # shellcheck disable=SC1091
    . "$DATA/cluster-ports"
}

node_port() { local v=PORT_$1; echo "${!v}"; }

metadata_brokers() {
    # How many brokers a node's Metadata v0 answer lists (0 when it does not answer).
    local port=$1 reply
    port_in_use "$port" || { echo 0; return 0; }
    reply=$(
        exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
        printf '\x00\x00\x00\x11\x00\x03\x00\x00\x00\x00\x00\x01\x00\x03wwr\x00\x00\x00\x00' >&3
        timeout 5 od -An -tu1 -N12 <&3
    ) 2>/dev/null || { echo 0; return 0; }
    read -r -a b <<<"$reply"
    if [[ ${#b[@]} -eq 12 && ${b[7]} -eq 1 ]]; then
        echo $(((b[8] << 24) + (b[9] << 16) + (b[10] << 8) + b[11]))
    else
        echo 0
    fi
}

node_render() {
    local i=$1 voters="" j v dir=$DATA/node$1
    for j in 1 2 3; do v=CPORT_$j; voters+="$j@127.0.0.1:${!v},"; done
    v=CPORT_$i
    mkdir -p "$dir"
    sed -e "s|@NODE_ID@|$i|g" -e "s|@PORT@|$(node_port "$i")|g" -e "s|@CONTROLLER_PORT@|${!v}|g" \
        -e "s|@VOTERS@|${voters%,}|g" -e "s|@LOG_DIRS@|$dir/data|g" \
        "$HERE/kafka/cluster.properties.template" >"$dir/server.properties"
    if [[ ! -f $dir/data/meta.properties ]]; then
        java "-Dlog4j2.configurationFile=file:$HERE/kafka/log4j2.properties" -cp "$LIBS/*" \
            kafka.tools.StorageTool format -t "$(cat "$DATA/cluster-id")" -c "$dir/server.properties" \
            --ignore-formatted >>"$dir/kafka.log" 2>&1 || die "storage format of node $i failed; see $dir/kafka.log"
    fi
}

node_launch() {
    # Start node N in the background unless it runs (no wait: a node is ready only with a quorum).
    local i=$1 dir=$DATA/node$1 pid
    pid=$(cat "$dir/kafka.pid" 2>/dev/null || true)
    if DATA=$dir pid_alive "$pid"; then return 0; fi
    # shellcheck disable=SC2086 # option lists are split on purpose
    java -Xshare:auto $CLUSTER_HEAP_OPTS ${KAFKA_JVM_OPTS:-} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
        "-Dlog4j2.configurationFile=file:$HERE/kafka/log4j2.properties" \
        "-Dwirewatch.kafka.data=$dir" \
        -cp "$LIBS/*" kafka.Kafka "$dir/server.properties" </dev/null >>"$dir/kafka.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/kafka.pid"
    if [[ -n ${KAFKA_WATCH_PID:-} ]]; then DATA=$dir start_watcher "$pid" "$KAFKA_WATCH_PID"; fi
    log "node $i starting on 127.0.0.1:$(node_port "$i") (pid $pid), log $dir/kafka.log"
}

node_wait() {
    # Until node N answers and sees all three brokers.
    local i=$1 deadline=$((SECONDS + START_TIMEOUT)) pid
    while ((SECONDS < deadline)); do
        pid=$(cat "$DATA/node$i/kafka.pid" 2>/dev/null || true)
        kill -0 "$pid" 2>/dev/null || { tail -n 30 "$DATA/node$i/kafka.log" >&2; die "node $i exited"; }
        (($(metadata_brokers "$(node_port "$i")") >= 3)) && return 0
        sleep 0.3
    done
    tail -n 30 "$DATA/node$i/kafka.log" >&2
    die "node $i not ready after ${START_TIMEOUT}s"
}

cluster_bootstrap() { echo "127.0.0.1:$PORT_1,127.0.0.1:$PORT_2,127.0.0.1:$PORT_3"; }

cmd_cluster_start() {
    need_java
    [[ -f $DIST/.complete ]] || cmd_fetch
    mkdir -p "$DATA"
    DATA=$(cd "$DATA" && pwd)
    cluster_ports
    if [[ ! -f $DATA/cluster-id ]]; then
        local id
        id=$(head -c16 /dev/urandom | base64 | tr "+/" "-_" | tr -d "=\n")
        while [[ $id == -* ]]; do id=$(head -c16 /dev/urandom | base64 | tr "+/" "-_" | tr -d "=\n"); done
        echo "$id" >"$DATA/cluster-id"
    fi
    local i
    for i in 1 2 3; do node_render "$i"; done
    for i in 1 2 3; do node_launch "$i"; done
    for i in 1 2 3; do node_wait "$i"; done
    log "cluster ready after ${SECONDS}s"
    cluster_bootstrap
}

cmd_node_start() {
    local i=${1:?node number 1-3}
    DATA=$(cd "$DATA" && pwd)
    cluster_ports
    node_launch "$i"
    node_wait "$i"
    echo "127.0.0.1:$(node_port "$i")"
}

cmd_node_stop() {
    local i=${1:?node number 1-3}
    DATA=$(cd "$DATA" && pwd)/node$i cmd_stop
}

cmd_cluster_stop() {
    [[ -d $DATA ]] || { log "not running"; return 0; }
    local i
    # All at once: the last node of a cluster stopped one by one waits for a quorum that is gone.
    for i in 1 2 3; do [[ -d $DATA/node$i ]] && { STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-10} cmd_node_stop "$i" & }; done
    wait
    return 0
}

cmd_cluster_status() {
    DATA=$(cd "$DATA" && pwd)
    [[ -f $DATA/cluster-ports ]] || { echo "stopped"; return 3; }
    cluster_ports
    local i pid up=0
    for i in 1 2 3; do
        pid=$(cat "$DATA/node$i/kafka.pid" 2>/dev/null || true)
        if DATA=$DATA/node$i pid_alive "$pid"; then
            echo "node $i running $pid 127.0.0.1:$(node_port "$i")"; up=$((up + 1))
        else
            echo "node $i stopped"
        fi
    done
    ((up > 0)) || return 3
}

case ${1:-} in
    cluster-start) cmd_cluster_start ;;
    cluster-stop) cmd_cluster_stop ;;
    cluster-status) cmd_cluster_status ;;
    node-start) cmd_node_start "${2:-}" ;;
    node-stop) cmd_node_stop "${2:-}" ;;
    fetch) cmd_fetch ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) echo "usage: $0 fetch|start|stop|status|cluster-start|cluster-stop|cluster-status|node-start N|node-stop N" >&2; exit 2 ;;
esac
