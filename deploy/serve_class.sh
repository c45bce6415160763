#!/usr/bin/env bash
# Serve a class from this host: REPLICAS Streamlit servers of the playground on loopback ports, HAProxy in
# front on PORT with sticky sessions (deploy/haproxy.cfg), one Ray for all of them, one data folder.
#
#   deploy/serve_class.sh REPLICAS [PORT]        e.g. deploy/serve_class.sh 4 8501
#
# Environment (all optional):
#   PLAYGROUND_DATA_DIR     the run store every replica shares (default: data/ in the project)
#   PLAYGROUND_RAY          unset: start one Ray here for all replicas (token auth, stopped with the script);
#                           an address: join that Ray cluster; "none": each replica trains in its own process
#   PLAYGROUND_RAY_WORKERS  worker processes per replica (default: cores / REPLICAS, at least 1)
#   PLAYGROUND_LB_BIND      the address HAProxy listens on (default 0.0.0.0; the replicas stay on 127.0.0.1)
#   CLASS_LOG_DIR           where logs and the generated haproxy config go (default: a new temporary folder)
#   PYTHON                  the Python with the playground's requirements (default: .venv/bin/python)
# Needs haproxy (Debian: apt-get install -y haproxy; installed here when run as root, else it says so and exits).
# Prints "ready: http://..." once every replica and HAProxy answer. Ctrl-C or SIGTERM stops everything it
# started, and so does any of them exiting (a supervisor such as systemd can then restart the whole class).
set -euo pipefail

REPLICAS=${1:?usage: deploy/serve_class.sh REPLICAS [PORT]}
PORT=${2:-8501}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
LOGS=${CLASS_LOG_DIR:-$(mktemp -d -t playground-class-XXXXXX)}
mkdir -p "$LOGS"
export PLAYGROUND_DATA_DIR=${PLAYGROUND_DATA_DIR:-$ROOT/data}
export PLAYGROUND_LB_BIND=${PLAYGROUND_LB_BIND:-0.0.0.0} PLAYGROUND_LB_PORT=$PORT
mkdir -p "$PLAYGROUND_DATA_DIR"

if ! command -v haproxy >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "haproxy is missing: installing it (apt-get install -y haproxy)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy >"$LOGS/apt.log" 2>&1 \
            || { echo "could not install haproxy (see $LOGS/apt.log)" >&2; exit 3; }
    else
        echo "haproxy is not installed: run 'sudo apt-get install -y haproxy' (Debian/Ubuntu), then this again" >&2
        exit 3
    fi
fi

PIDS=()          # everything started here; each leads its own process group (setsid), stopped as a group
stop_all() {
    trap - INT TERM EXIT
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    for _ in $(seq 60); do   # up to 15 s for a clean stop (a replica frees its runs on the workers)
        local left=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && left=1; done
        [ $left = 0 ] && break
        sleep 0.25
    done
    for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done   # stragglers (Ray's agents)
    wait 2>/dev/null || true
    echo "stopped (logs in $LOGS)"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

healthy() { curl -fsS --max-time 2 "$1/_stcore/health" 2>/dev/null | grep -qx ok; }

# one Ray for every replica: workers add up across replicas, and replicas x workers = cores
CORES=$(nproc)
export PLAYGROUND_RAY_WORKERS=${PLAYGROUND_RAY_WORKERS:-$(( CORES / REPLICAS > 0 ? CORES / REPLICAS : 1 ))}
if [ -z "${PLAYGROUND_RAY:-}" ]; then
    export RAY_AUTH_MODE=token
    RAY_AUTH_TOKEN=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
    export RAY_AUTH_TOKEN
    setsid "$PYTHON" "$ROOT/deploy/ray_head.py" "$CORES" >"$LOGS/ray.out" 2>"$LOGS/ray.log" &
    PIDS+=($!)
    for _ in $(seq 240); do [ -s "$LOGS/ray.out" ] && break; kill -0 "${PIDS[0]}" || break; sleep 0.25; done
    PLAYGROUND_RAY=$(head -1 "$LOGS/ray.out")
    [ -n "$PLAYGROUND_RAY" ] || { echo "Ray did not start (see $LOGS/ray.log)" >&2; exit 1; }
    export PLAYGROUND_RAY
    echo "Ray: $PLAYGROUND_RAY ($CORES CPUs, token auth), $PLAYGROUND_RAY_WORKERS workers per replica"
elif [ "$PLAYGROUND_RAY" = none ]; then
    unset PLAYGROUND_RAY PLAYGROUND_RAY_WORKERS
    echo "no Ray: each replica trains in its own process"
fi

# one secret for all replicas: an XSRF cookie from one is valid on another if a student has to move
STREAMLIT_SERVER_COOKIE_SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}
export STREAMLIT_SERVER_COOKIE_SECRET
cp "$ROOT/deploy/haproxy.cfg" "$LOGS/haproxy.cfg"
for i in $(seq "$REPLICAS"); do
    p=$(( PORT + i ))
    (cd "$ROOT" && exec setsid "$PYTHON" -m streamlit run app.py --server.address 127.0.0.1 --server.port "$p" \
        --server.headless true >"$LOGS/replica-$i.log" 2>&1) &
    PIDS+=($!)
    echo "    server r$i 127.0.0.1:$p check cookie r$i" >>"$LOGS/haproxy.cfg"
done
for i in $(seq "$REPLICAS"); do
    until healthy "http://127.0.0.1:$(( PORT + i ))"; do
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "a process exited while starting (logs in $LOGS)" >&2; exit 1; }; done
        sleep 0.5
    done
done

haproxy -c -q -f "$LOGS/haproxy.cfg" || { echo "the haproxy config does not parse: $LOGS/haproxy.cfg" >&2; exit 1; }
setsid haproxy -db -f "$LOGS/haproxy.cfg" >"$LOGS/haproxy.log" 2>&1 &
PIDS+=($!)
until healthy "http://127.0.0.1:$PORT"; do kill -0 "${PIDS[-1]}" || { echo "haproxy exited (see $LOGS/haproxy.log)" >&2; exit 1; }; sleep 0.2; done
echo "data: $PLAYGROUND_DATA_DIR; logs: $LOGS"
echo "ready: http://$PLAYGROUND_LB_BIND:$PORT ($REPLICAS replicas on 127.0.0.1:$(( PORT + 1 ))-$(( PORT + REPLICAS )))"

set +e
wait -n "${PIDS[@]}"   # returns when any of them exits (or a signal's trap runs)
echo "a process of the class exited; stopping the rest (logs in $LOGS)" >&2
exit 1
