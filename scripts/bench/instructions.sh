#!/usr/bin/env bash
# Instructions a packet of cpn-dataplane's worker, under callgrind: the
# deterministic A/B measure for the fast path on a noisy machine
# (docs/dataplane.md, "Instructions a packet"). Wall-clock runs need 6-8
# alternating pairs to see 5 %; this count does not drift.
#
# For each case it starts cpn-dataplane as scripts/bench/dataplane.sh does
# (net_pcap replaying the case's pcap forever -> net_null, one worker),
# under `valgrind --tool=callgrind --instr-atstart=no`, writes the case's
# state, lets it settle, counts instructions for --seconds, and divides the
# program's total by the packets sent in that window: the calls of the null
# PMD's per-mbuf free, one a packet (the pcap PMD's rx cost is no divisor:
# it grows with the frame size). Other threads (gRPC, housekeeping) are in
# the total too; they are ~0.3 % of it.
#
# usage: scripts/bench/instructions.sh [--build-dir DIR] [--cases a,b,...]
#                                      [--seconds S] [--keep DIR]
#   --build-dir  a build with cpn-dataplane and cpn-dpctl (default build-lto,
#                configured with -DCPN_FAST_PATH_LTO=ON as the benchmark's)
#   --cases      steer-1k-64B,transit-End,fib (default; also steer-64k-64B,
#                steer-1k-512B, steer-1k-random)
#   --keep DIR   keep the callgrind outputs there (callgrind_annotate them
#                to see where the instructions go)
# Prints one line a case: packets counted and instructions a packet.
# Needs valgrind (apt install valgrind) and /usr/bin/python3 with scapy.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build-lto
CASES=steer-1k-64B,transit-End,fib
SECONDS_COUNTED=15
KEEP=""

while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) BUILD=$(realpath "$2"); shift 2 ;;
    --cases) CASES=$2; shift 2 ;;
    --seconds) SECONDS_COUNTED=$2; shift 2 ;;
    --keep) KEEP=$(realpath "$2"); shift 2 ;;
    -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "instructions.sh: unknown argument $1 (--help)" >&2; exit 2 ;;
  esac
done
DATAPLANE=$BUILD/dataplane/cpn-dataplane
DPCTL=$BUILD/dataplane/tools/cpn-dpctl
for b in "$DATAPLANE" "$DPCTL"; do
  [ -x "$b" ] || { echo "instructions.sh: $b is missing (build it first)" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 2; }

WORK=$(mktemp -d /tmp/cpn-instr.XXXXXX)
CHILD=""
cleanup() {
  if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then kill -KILL "$CHILD" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -n "$KEEP" ] && mkdir -p "$KEEP"

BENCH_ROOT=$ROOT
# shellcheck source=scripts/bench/cases.sh
. "$ROOT/scripts/bench/cases.sh"

IFS=, read -ra CASE_LIST <<<"$CASES"
for c in "${CASE_LIST[@]}"; do
  inputs=$(bench_case_inputs "$c" "$WORK") || { echo "instructions.sh: unknown case $c" >&2; exit 2; }
  read -r pcap state <<<"$inputs"
  out=$WORK/callgrind.$c
  log=$WORK/log.$c
  valgrind --tool=callgrind --fair-sched=yes --instr-atstart=no --callgrind-out-file="$out" \
      "$DATAPLANE" --router-id bench --listen 127.0.0.1:0 --workers 1 --main-cpu 0 \
      --worker-cpus 1 -m 1024 --mbufs 98303 --file-prefix "cpninstr-$$" \
      --port "in=net_pcap0,rx_pcap=$pcap,infinite_rx=1" --port "out=net_null0,no-rx=1" \
      </dev/null >"$log" 2>&1 &
  CHILD=$!
  addr=""
  for _ in $(seq 120); do
    addr=$(grep -a -o 'serving DataplaneService on [0-9.:]*' "$log" | awk '{print $4}' || true)
    [ -n "$addr" ] && break
    sleep 1
  done
  [ -n "$addr" ] || { echo "instructions.sh: $c: cpn-dataplane did not start:" >&2; cat "$log" >&2; exit 1; }
  "$DPCTL" --dataplane "$addr" write "$state" >/dev/null
  sleep 3
  callgrind_control -z "$CHILD" >/dev/null 2>&1
  callgrind_control -i on "$CHILD" >/dev/null 2>&1
  sleep "$SECONDS_COUNTED"
  callgrind_control -i off "$CHILD" >/dev/null 2>&1
  callgrind_control -d "$CHILD" >/dev/null 2>&1
  sleep 1
  kill -INT "$CHILD" 2>/dev/null || true
  wait "$CHILD" 2>/dev/null || true
  CHILD=""
  # The dump holds the counted window; the exit writes a second, empty one.
  dump=$(ls -S "$out"* | head -1)
  total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
  # The null PMD's tx loop calls its per-mbuf free once a packet sent: the
  # calls of the null PMD's costliest function (the first of its "*" lines;
  # the "<" lines before one are its callers, with their call counts).
  # (awk reads to the end: an early exit would fail the pipe under pipefail.)
  packets=$(callgrind_annotate --tree=caller "$dump" 2>/dev/null |
      awk '/^ *[0-9,]+ .* < / && /x\) \[/ {
             s = $0; sub(/.*\(/, "", s); sub(/x\).*/, "", s); gsub(",", "", s); calls += s; next }
           /^ *[0-9,]+ .* \* / { if (!found && /librte_net_null/) { found = calls } calls = 0; next }
           /^$/ { calls = 0 }
           END { print found + 0 }')
  if [ "${packets:-0}" -eq 0 ] || [ -z "$total" ]; then
    echo "instructions.sh: $c: no packets counted (see $log)" >&2
    exit 1
  fi
  awk -v c="$c" -v t="$total" -v p="$packets" \
      'BEGIN { printf "%-15s %10d packets %8.1f instructions a packet\n", c, p, t / p }'
  [ -n "$KEEP" ] && cp "$dump" "$KEEP/callgrind.$c"
done
