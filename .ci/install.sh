#!/usr/bin/env bash
# Idempotent installer of the broker prerequisites on a fresh Debian machine (run as root):
# mosquitto, Java 17+ and Maven from Debian, then the Kafka jars from Maven Central (cached).
# Fast when everything is present: no apt-get call at all then.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=0

say() { echo "install.sh: $*"; }

apt_install() {
    if [[ $(id -u) -ne 0 ]]; then
        say "error: need root to apt-get install $*"
        exit 1
    fi
    if ((!APT_UPDATED)); then
        say "apt-get update"
        apt-get update -qq
        APT_UPDATED=1
    fi
    say "apt-get install -y $*"
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

java_major() {
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1
}

# --- mosquitto -------------------------------------------------------------------------------
if command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]]; then
    say "mosquitto present ($(/usr/sbin/mosquitto -h 2>/dev/null | sed -n 's/^mosquitto version /v/p' | head -n1))"
else
    apt_install mosquitto
fi
# The package may start a system broker on 1883; tests start their own, so keep it off.
if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    if systemctl is-active --quiet mosquitto 2>/dev/null || systemctl is-enabled --quiet mosquitto 2>/dev/null; then
        say "stopping and disabling the system mosquitto service"
        systemctl disable --now mosquitto >/dev/null 2>&1 || true
    fi
elif [[ -f /run/mosquitto/mosquitto.pid ]] && kill -0 "$(cat /run/mosquitto/mosquitto.pid)" 2>/dev/null; then
    say "stopping the system mosquitto service"
    service mosquitto stop >/dev/null 2>&1 || kill "$(cat /run/mosquitto/mosquitto.pid)" || true
fi

# --- Java 17+ and Maven ----------------------------------------------------------------------
need_jdk=0
if ! command -v java >/dev/null 2>&1; then
    need_jdk=1
else
    v=$(java_major)
    if [[ -z $v || $v -lt 17 ]]; then need_jdk=1; else say "java $v present"; fi
fi
if ((need_jdk)); then
    # Debian 12 ships 17; newer releases only a later JDK, which Kafka 4.1 also supports.
    if apt_install openjdk-17-jdk-headless 2>/dev/null; then :; else apt_install default-jdk-headless; fi
    say "java $(java_major) installed"
fi
if command -v mvn >/dev/null 2>&1; then
    say "maven present ($(mvn -v 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | sed -n 's/^Apache Maven \([^ ]*\).*/\1/p'))"
else
    apt_install maven
fi

# --- Kafka jars ------------------------------------------------------------------------------
say "deploy/kafka.sh fetch"
bash "$ROOT/deploy/kafka.sh" fetch
say "done"
