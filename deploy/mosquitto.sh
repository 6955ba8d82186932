#!/usr/bin/env bash
# Mosquitto (Debian package `mosquitto`) for Wirewatch alerts -- tests, CI and development.
#
#   deploy/mosquitto.sh prepare            write conf, ACL and an empty password file into MQTT_DIR
#   deploy/mosquitto.sh passwd USER PASS   add/replace a user (mosquitto_passwd -b); reloads a running broker
#   deploy/mosquitto.sh start              prepare if needed, start in the background, wait for the port,
#                                          print "mqtt://127.0.0.1:PORT"
#   deploy/mosquitto.sh run                prepare if needed and run in the foreground (systemd, containers)
#   deploy/mosquitto.sh stop | status
#
# Environment (all optional):
#   MQTT_DIR        state dir (mosquitto.conf, passwd, acl, mosquitto.log, mosquitto.pid);
#                   default ${XDG_STATE_HOME:-~/.local/state}/wirewatch/mosquitto
#   MQTT_PORT       fixed port; by default a free one is picked on the first prepare and kept in the dir
#   MQTT_WATCH_PID  if set, a watcher stops the broker when that process exits (used by the tests)
#   MQTT_EXTRA_CONF if set, a file appended to the rendered mosquitto.conf (e.g. a TLS listener:
#                   tests/brokers.py writes one; users and ACL apply to every listener)
#
# Single source of truth for the broker config: tests/brokers.py calls this script.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${MQTT_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/wirewatch/mosquitto}
INSTALL_HINT="install it with: apt-get install -y mosquitto (or run: bash .ci/install.sh)"

log() { echo "mosquitto.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

need_mosquitto() {
    command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]] || die "mosquitto not found; $INSTALL_HINT"
    command -v mosquitto_passwd >/dev/null 2>&1 || die "mosquitto_passwd not found; $INSTALL_HINT"
}

mosquitto_bin() { command -v mosquitto 2>/dev/null || echo /usr/sbin/mosquitto; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
    # Below the kernel's ephemeral range (32768+), so outgoing connections never hold it.
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 12000))
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    die "no free port found"
}

abs_dir() { mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd); }

current_port() { sed -n 's/^listener \([0-9]*\) .*/\1/p' "$DIR/mosquitto.conf" 2>/dev/null | head -n1 || true; }

cmd_prepare() {
    need_mosquitto
    abs_dir
    local port user_line=""
    port=${MQTT_PORT:-$(current_port)}
    [[ -n $port ]] || port=$(pick_port)
    [[ $(id -u) -eq 0 ]] && user_line="user root"
    sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$DIR|g" -e "s|@USER_LINE@|$user_line|g" \
        "$HERE/mosquitto/mosquitto.conf.template" >"$DIR/mosquitto.conf"
    if [[ -n ${MQTT_EXTRA_CONF:-} ]]; then cat "$MQTT_EXTRA_CONF" >>"$DIR/mosquitto.conf"; fi
    cp "$HERE/mosquitto/acl" "$DIR/acl"
    [[ -f $DIR/passwd ]] || : >"$DIR/passwd"
    chmod 600 "$DIR/passwd" "$DIR/acl"
    echo "$port"
}

read_pid() { cat "$DIR/mosquitto.pid" 2>/dev/null || true; }

pid_alive() {
    # Alive and running our conf (guards against a recycled pid).
    local pid=$1
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$DIR/mosquitto.conf" || return 1
}

cmd_passwd() {
    [[ $# -eq 2 ]] || die "usage: mosquitto.sh passwd USER PASSWORD"
    need_mosquitto
    abs_dir
    [[ -f $DIR/mosquitto.conf ]] || cmd_prepare >/dev/null
    mosquitto_passwd -b "$DIR/passwd" "$1" "$2"
    local pid
    pid=$(read_pid)
    # A running broker re-reads its password file on SIGHUP.
    if pid_alive "$pid"; then kill -HUP "$pid"; fi
}

cmd_start() {
    need_mosquitto
    abs_dir
    local pid port deadline
    pid=$(read_pid)
    if pid_alive "$pid"; then
        log "already running (pid $pid)"
        echo "mqtt://127.0.0.1:$(current_port)"
        return 0
    fi
    port=$(cmd_prepare)
    port_in_use "$port" && die "port $port is already in use"
    "$(mosquitto_bin)" -c "$DIR/mosquitto.conf" </dev/null >>"$DIR/mosquitto.log" 2>&1 &
    pid=$!
    echo "$pid" >"$DIR/mosquitto.pid"
    if [[ -n ${MQTT_WATCH_PID:-} ]]; then
        # Detached, no inherited stdout: the caller may be reading our stdout until EOF.
        # shellcheck disable=SC2016 # expanded by the inner shell
        setsid bash -c '
            while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
            kill -TERM "$2" 2>/dev/null || true
        ' mosquitto-watch "$MQTT_WATCH_PID" "$pid" </dev/null >/dev/null 2>&1 &
        echo $! >"$DIR/watch.pid"
    fi
    deadline=$((SECONDS + 15))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$DIR/mosquitto.pid"
            log "mosquitto exited; last lines of $DIR/mosquitto.log:"
            tail -n 20 "$DIR/mosquitto.log" >&2 || true
            exit 1
        fi
        if port_in_use "$port"; then
            log "ready on 127.0.0.1:$port (pid $pid), log $DIR/mosquitto.log"
            echo "mqtt://127.0.0.1:$port"
            return 0
        fi
        sleep 0.1
    done
    cmd_stop
    die "mosquitto not listening on $port after 15s"
}

cmd_run() {
    need_mosquitto
    abs_dir
    [[ -f $DIR/mosquitto.conf ]] || cmd_prepare >/dev/null
    exec "$(mosquitto_bin)" -c "$DIR/mosquitto.conf"
}

cmd_stop() {
    [[ -d $DIR ]] || { log "not running"; return 0; }
    abs_dir
    local pid wpid deadline
    pid=$(read_pid)
    wpid=$(cat "$DIR/watch.pid" 2>/dev/null || true)
    if [[ -n $wpid ]]; then kill "$wpid" 2>/dev/null || true; rm -f "$DIR/watch.pid"; fi
    if ! pid_alive "$pid"; then rm -f "$DIR/mosquitto.pid"; log "not running"; return 0; fi
    kill -TERM "$pid"
    deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    rm -f "$DIR/mosquitto.pid"
    log "stopped (pid $pid)"
}

cmd_status() {
    [[ -d $DIR ]] && abs_dir
    local pid
    pid=$(read_pid)
    if pid_alive "$pid"; then echo "running $pid mqtt://127.0.0.1:$(current_port)"; return 0; fi
    echo "stopped"
    return 3
}

case ${1:-} in
    prepare) cmd_prepare ;;
    passwd) shift; cmd_passwd "$@" ;;
    start) cmd_start ;;
    run) cmd_run ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) echo "usage: $0 prepare|passwd USER PASS|start|run|stop|status" >&2; exit 2 ;;
esac
