#!/usr/bin/env bash
# Baton and the straightforward Python chain side by side, on the same dev IdP and
# ServiceNow emulator (`baton dev up`), driven by the same load generator (wrk, Debian's
# package `wrk`), 1 and 16 connections, SECONDS each (default 15).
# From the repository root: bash bench/python-chain/run.sh [SECONDS]
set -euo pipefail
seconds=${1:-15}
command -v wrk > /dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.build-python-chain"
python=${PYTHON:-python3}
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/pip" install --quiet -r "$here/requirements.txt"
baton="$root/.build/release/baton"
[ -x "$baton" ] || (cd "$root" && swift build -c release --product baton)
data="$(mktemp -d)"
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$data"; }
pids=()
trap cleanup EXIT
(cd "$root" && "$baton" dev up --data-dir "$data" > "$data/dev-up.log" 2>&1) &
pids+=($!)
# endpoints.json appears once the stack serves; wait until it is whole.
for _ in $(seq 600); do "$venv/bin/python" -c 'import json, sys; json.load(open(sys.argv[1]))' "$data/endpoints.json" 2>/dev/null && break; sleep 0.1; done
read -r idp tenant servicenow baton_url < <("$venv/bin/python" -c '
import json, sys; e = json.load(open(sys.argv[1])); print(e["idp"], e["tenant"], e["servicenow"], e["baton"])' "$data/endpoints.json")
(cd "$here" && IDP="$idp" TENANT="$tenant" SERVICENOW="$servicenow" SELF="http://127.0.0.1:8090" \
    "$venv/bin/uvicorn" agents:app --host 127.0.0.1 --port 8090 --log-level warning) &
pids+=($!)
for _ in $(seq 100); do "$venv/bin/python" -c 'import socket; socket.create_connection(("127.0.0.1", 8090), 1)' 2>/dev/null && break; sleep 0.1; done
export TOKEN="$(cd "$root" && "$baton" dev token --user jane@contoso.com --data-dir "$data")"
measure() { # NAME URL CLIENTS: a warm-up, then the measured run; prints chains/s, p50, p99
    wrk -t 1 -c "$3" -d 2s -s "$here/chain.lua" "$2" > /dev/null
    wrk -t 1 -c "$3" -d "${seconds}s" --latency -s "$here/chain.lua" "$2" | awk -v name="$1" -v clients="$3" '
        /Requests\/sec/ { rate = $2 } / 50%/ { p50 = $2 } / 99%/ { p99 = $2 }
        END { printf "%-7s %3d clients: %s chains/s; p50 %s, p99 %s\n", name, clients, rate, p50, p99 }'
}
for clients in 1 16; do
    measure baton "$baton_url/v1/agents/concierge/invoke" "$clients"
    measure python "http://127.0.0.1:8090/concierge" "$clients"
done
