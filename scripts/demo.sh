#!/usr/bin/env bash
# The README's first command: installs packages, builds CPN and runs the most
# complete demonstration that exists today — loading real networks with
# compute sites and summarising them, then a cpn-controller session driven by
# cpnctl on Chinanet (scripts/demo-controller.sh); then, as root, the
# emulated lab (cpn-lab run) with CPN and with a static baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build

echo
echo "== China Telecom backbone (Topology Zoo 'Chinanet', coordinates corrected by"
echo "== lab/topologies/chinanet.overlay.txtpb) with the ten East-Data-West-Computing"
echo "== clusters attached as compute sites:"
build/lab/cpn-lab summary lab/topologies/chinanet-edwc.txtpb

echo
echo "== CERNET imported live from GraphML, link speeds from the file:"
build/lab/cpn-lab summary lab/topologies/Cernet.graphml \
  --overlay lab/topologies/cernet.overlay.txtpb --default-service

echo
scripts/demo-controller.sh build

# The emulated lab: the same Chinese network as real processes (one
# cpn-dataplane per router in its own network namespace, cpn-site clusters,
# cpn-loadgen users), a flash crowd in the east, run once with CPN and once
# with the anycast baseline (every city on its nearest cluster). Needs root
# (namespaces, veths).
if [ "$(id -u)" -ne 0 ]; then
  echo "== (the emulated-lab demo needs root: skipped)"
  exit 0
fi
out=results/demo
mkdir -p "$out"
for policy in cpn nearest; do
  echo
  echo "== Emulated lab, lab/scenarios/demo-china.txtpb, policy $policy (about 100 s):"
  build/lab/cpn-lab run lab/scenarios/demo-china.txtpb --policy "$policy" \
    --out "$out/$policy" >"$out-$policy.log" 2>&1 || { cat "$out-$policy.log"; exit 1; }
  sed -n '/^Run demo-china/,/^Report:/p' "$out-$policy.log"
done
echo
echo "== Reports with plots: $out/cpn/report.md and $out/nearest/report.md"
