#!/usr/bin/env bash
# The README's first command: installs packages, builds CPN and runs the most
# complete demonstration that exists today — loading real networks with
# compute sites, validating them as the controller does, and summarising them.
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
