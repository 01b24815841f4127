#!/usr/bin/env bash
# The controller part of the README demo: starts cpn-controller on Chinanet
# with the ten East-Data-West-Computing clusters, sets demand at three eastern
# ingresses, reports every site's load with cpnctl, and shows the decisions
# moving west when the Yangtze River Delta cluster saturates — explained, and
# a what-if of losing the western cluster that took the load.
# Usage: scripts/demo-controller.sh [build-dir]   (built already)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
controller_bin="$build/controller/cpn-controller"
cpnctl_bin="$build/controller/cpnctl/cpnctl"
log="$(mktemp -t cpn-demo-controller.XXXXXX)"

"$controller_bin" --listen 127.0.0.1:0 --topology lab/topologies/chinanet-edwc.txtpb \
  --epoch-ms 100 >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
port=""
for _ in $(seq 100); do
  port="$(sed -n 's/.*listening on .*(port \([0-9]*\)).*/\1/p' "$log")"
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "demo: cpn-controller did not start" >&2; cat "$log" >&2; exit 1; }
export CPN_CONTROLLER="127.0.0.1:$port"
cpnctl() { "$cpnctl_bin" "$@"; }
step() { echo; echo "\$ cpnctl $*"; cpnctl "$@"; }
# Every site reports its llm-inference servers: 30 % busy, except the ones
# named with their busy share.
report_all() {
  local site servers busy
  while read -r site servers; do
    busy=$(awk -v s="$servers" -v f="${overrides[$site]:-0.3}" 'BEGIN { printf "%d", s * f }')
    cpnctl metrics report --site "$site" --service llm-inference --servers "$servers" \
      --busy "$busy" >/dev/null
  done < <(cpnctl -o json site list | /usr/bin/python3 -c '
import json, sys
for s in json.load(sys.stdin).get("sites", []):
    for c in s.get("capacities", []):
        if c.get("service_id") == "llm-inference":
            print(s["id"], c.get("servers", 0))')
}
# The controller decides every 100 ms by itself; let some epochs pass.
settle() { sleep "$1"; }

echo "== cpn-controller on Chinanet + 10 East-Data-West-Computing clusters (port $port)"
step status
step site list
step demand set shanghai llm-inference 12
step demand set nanjing llm-inference 6
step demand set guangzhou llm-inference 8
declare -A overrides=()
report_all
settle 2
echo; echo "== Every site 30 % busy: the large western clusters (48 servers) queue least and"
echo "== take most; the 16-server eastern ones a share while their wait stays short"
step decision list

# Reports are smoothed (time constant 2 s): report three times over ~6 s.
overrides=([yrd-eco-green-integrated-demo-zone]=1.0 [wuhu]=0.95)
for _ in 1 2 3; do
  report_all
  settle 1.5
done
echo; echo "== The Yangtze River Delta clusters report themselves saturated: new requests go west"
step decision list
step metrics list --service llm-inference
echo; echo "\$ cpnctl decision explain shanghai llm-inference   (first rows)"
cpnctl decision explain shanghai llm-inference | sed -n 1,16p  # sed reads all: no SIGPIPE

top="$(cpnctl -o json decision list --ingress shanghai | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)["decisions"][0]
best = max(d["candidates"], key=lambda c: c.get("weight", 0))
print(best["site_id"])')"
echo; echo "== What if $top, the cluster shanghai now relies on most, went down? (nothing is changed)"
step whatif site-down "$top"
