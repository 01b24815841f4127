#!/bin/bash
# Throughput of cpn-dataplane on ONE worker core beside dpdk-testpmd in io
# mode on the same vdevs (issue 5). Ingress: net_pcap replaying a pcap
# forever (infinite_rx=1); egress: net_null with no-rx=1. Cases:
#
#   steer-1k-64B    steering: parse, classify, affinity, Maglev select,
#                   H.Encaps (2 segments), FIB, tx; 1,024 flows, 64 B frames
#   steer-64k-64B   the same with 65,536 flows
#   steer-1k-512B   the same with 512 B frames
#   steer-1k-random the same as steer-1k-64B with random source addresses and
#                   ports (not in the default list: --cases)
#   transit-End     SRv6 End on a local SID, then FIB; 1,024 flows, 142 B frames
#   fib             plain IPv6 FIB forwarding; 1,024 flows, 64 B frames
#
# 1,000 routes to service /48s (+ fc00::/16), 1,000 steering rules over 64
# policies (scripts/bench/gen_state.py). Each run starts testpmd, then
# cpn-dataplane (programmed with cpn-dpctl), for every case in turn; the
# rounds repeat --runs times, so the two interleave. Each measurement waits
# --warmup seconds and then counts port 2's transmitted packets over
# --seconds (testpmd: its Tx-pps of port 1, averaged over the same window).
# Main lcore on CPU 0, the worker on CPU 1 (testpmd: -l 0,1).
#
# SHARED MACHINES: when other work runs on CPU 1 the forwarding thread gets
# only part of it, and Mpps falls with it. So each measurement also reads the
# forwarding thread's CPU time (/proc/PID/task/TID/schedstat) over the same
# window and reports Mpps per core-second ("per core": Mpps / CPU share), for
# testpmd's forwarding lcore and for the dataplane's worker alike. Compare the
# per-core ratio when the load average is high; both are printed.
#
# usage: scripts/bench/dataplane.sh [--build-dir DIR] [--runs N] [--seconds S]
#                                   [--warmup S] [--cases a,b,...] [--no-build]
# Prints a table of median Mpps and the ratio to testpmd; the load average is
# printed with it, since the machine may be shared. The default build
# directory (build-bench) is configured with -DCPN_FAST_PATH_LTO=ON; a
# --build-dir of your own is used as it is. DATAPLANE_ARGS adds flags to
# cpn-dataplane (A/B runs, e.g. DATAPLANE_ARGS="--flow-cache 0").
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build-bench
RUNS=3
SECONDS_MEASURED=4
WARMUP=2
CASES=steer-1k-64B,steer-64k-64B,steer-1k-512B,transit-End,fib
DO_BUILD=1
TESTPMD=${TESTPMD:-/usr/bin/dpdk-testpmd}
# Extra cpn-dataplane flags for A/B runs, e.g. DATAPLANE_ARGS="--flow-cache 0".
read -ra EXTRA_DATAPLANE_ARGS <<<"${DATAPLANE_ARGS:-}"
PY=/usr/bin/python3
MEMORY_MB=1024
MBUFS=98303  # the 65,536-packet pcap is held in mbufs by net_pcap

while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) BUILD=$(realpath "$2"); shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --seconds) SECONDS_MEASURED=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --cases) CASES=$2; shift 2 ;;
    --no-build) DO_BUILD=0; shift ;;
    -h|--help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "dataplane.sh: unknown argument $1 (--help)" >&2; exit 2 ;;
  esac
done

if [ "$DO_BUILD" = 1 ]; then
  if [ ! -f "$BUILD/build.ninja" ]; then
    # Link-time optimisation of the fast path (cmake/CpnCompileOptions.cmake).
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCPN_FAST_PATH_LTO=ON >/dev/null
  fi
  cmake --build "$BUILD" -j2 --target cpn-dataplane cpn-dpctl tables_microbench >/dev/null
fi
DATAPLANE=$BUILD/dataplane/cpn-dataplane
DPCTL=$BUILD/dataplane/tools/cpn-dpctl
for b in "$DATAPLANE" "$DPCTL" "$TESTPMD"; do
  [ -x "$b" ] || { echo "dataplane.sh: $b is missing (build it, or drop --no-build)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/cpn-bench.XXXXXX)
CHILD=""
cleanup() {
  if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
    kill -INT "$CHILD" 2>/dev/null || true
    sleep 1
    kill -KILL "$CHILD" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- inputs (the cases' pcaps and states: scripts/bench/cases.sh) ---
BENCH_ROOT=$ROOT
# shellcheck source=scripts/bench/cases.sh
. "$ROOT/scripts/bench/cases.sh"
IFS=, read -r -a case_list <<<"$CASES"
declare -A PCAP STATE
for c in "${case_list[@]}"; do
  inputs=$(bench_case_inputs "$c" "$WORK") || { echo "dataplane.sh: unknown case $c" >&2; exit 2; }
  read -r "PCAP[$c]" "STATE[$c]" <<<"$inputs"
done

stop_child() {
  kill -INT "$CHILD" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$CHILD" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$CHILD" 2>/dev/null || true
  wait "$CHILD" 2>/dev/null || true
  CHILD=""
}

# CPU time (ns) a thread of process $1 whose name matches $2 has run so far.
thread_cpu_ns() {
  local tid
  tid=$(ps -T -p "$1" -o spid=,comm= | awk -v pat="$2" '$2 ~ pat { print $1; exit }')
  [ -n "$tid" ] && awk '{ print $1 }' "/proc/$1/task/$tid/schedstat" 2>/dev/null || echo 0
}
now_ns() { date +%s%N; }
# CPU share of a thread between two (cpu_ns, wall_ns) readings, as a fraction.
cpu_share() {
  awk -v c0="$1" -v w0="$2" -v c1="$3" -v w1="$4" 'BEGIN {
    if (w1 > w0 && c1 > c0) printf "%.4f\n", (c1 - c0) / (w1 - w0); else print "0" }'
}

# testpmd io forwarding port 0 (pcap) -> port 1 (null); prints Mpps and the
# forwarding lcore's CPU share over the measured seconds.
run_testpmd() {
  local pcap=$1 log=$WORK/testpmd.log
  "$TESTPMD" -l 0,1 --no-huge -m "$MEMORY_MB" --no-pci --file-prefix "cpnbench-tp-$$" \
      --log-level=lib.eal:error \
      --vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1" --vdev "net_null0,no-rx=1" -- \
      --forward-mode=io --nb-cores=1 --total-num-mbufs="$MBUFS" --stats-period 1 \
      </dev/null >"$log" 2>&1 &
  CHILD=$!
  # One sample a second once forwarding runs (EAL start-up takes seconds).
  local want=$((WARMUP + SECONDS_MEASURED + 1)) have=0 c0=0 w0=0 c1=0 w1=0
  for _ in $(seq $((want * 10 + 600))); do
    have=$(grep -c 'Tx-pps' "$log" || true)
    # Two Tx-pps lines (ports 0 and 1) a second: the measured samples start
    # after WARMUP + 1 seconds of them.
    if [ "$w0" = 0 ] && [ "$have" -ge $((2 * (WARMUP + 1))) ]; then
      c0=$(thread_cpu_ns "$CHILD" '^rte-worker'); w0=$(now_ns)
    fi
    [ "$have" -ge $((2 * want)) ] && break
    kill -0 "$CHILD" 2>/dev/null || break
    sleep 0.1
  done
  c1=$(thread_cpu_ns "$CHILD" '^rte-worker'); w1=$(now_ns)
  stop_child
  # Tx-pps of port 1, one sample a second; skip the warm-up samples.
  awk -v skip="$((WARMUP + 1))" -v n="$SECONDS_MEASURED" '
    /NIC statistics for port/ { port = $(NF - 1) + 0 }
    /Tx-pps:/ && port == 1 { seen++; if (seen > skip && used < n) { sum += $2; used++ } }
    END { if (used == 0) { printf "0.00" } else { printf "%.2f", sum / used / 1e6 } }' "$log"
  echo " $(cpu_share "$c0" "$w0" "$c1" "$w1")"
}

# cpn-dataplane with one worker; prints Mpps transmitted on the egress port
# and the worker's CPU share over the same seconds.
run_dataplane() {
  local pcap=$1 state=$2 log=$WORK/dataplane.log
  "$DATAPLANE" --router-id bench --listen 127.0.0.1:0 --workers 1 --main-cpu 0 \
      --worker-cpus 1 -m "$MEMORY_MB" --mbufs "$MBUFS" --file-prefix "cpnbench-dp-$$" \
      --port "in=net_pcap0,rx_pcap=$pcap,infinite_rx=1" --port "out=net_null0,no-rx=1" \
      "${EXTRA_DATAPLANE_ARGS[@]}" </dev/null >"$log" 2>&1 &
  CHILD=$!
  local addr=""
  for _ in $(seq 300); do
    addr=$(grep -o 'serving DataplaneService on [0-9.:]*' "$log" | awk '{print $4}' || true)
    [ -n "$addr" ] && break
    kill -0 "$CHILD" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$addr" ]; then
    echo "dataplane.sh: cpn-dataplane did not start:" >&2; cat "$log" >&2; exit 1
  fi
  "$DPCTL" --dataplane "$addr" write "$state" >/dev/null
  sleep "$WARMUP"
  local json c0 w0 c1 w1
  c0=$(thread_cpu_ns "$CHILD" '^cpn-worker-0'); w0=$(now_ns)
  json=$("$DPCTL" --dataplane "$addr" -o json --timeout 30s counters --rate "${SECONDS_MEASURED}s")
  c1=$(thread_cpu_ns "$CHILD" '^cpn-worker-0'); w1=$(now_ns)
  stop_child
  echo "$json" >>"$WORK/rates.jsonl"
  "$PY" -c '
import json, sys
r = json.loads(sys.argv[1])
out = [p for p in r["ports"] if p["name"] == "out"][0]
print("%.2f" % (out["tx_pps"] / 1e6), end="")' "$json"
  echo " $(cpu_share "$c0" "$w0" "$c1" "$w1")"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Mpps per core-second: Mpps / CPU share ("-" when the share is unknown).
per_core() { awk -v m="$1" -v c="$2" 'BEGIN { if (c > 0.05) printf "%.2f", m / c; else print "-" }'; }

declare -A TP DP TPC DPC
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$RUNS"); do
  for c in "${case_list[@]}"; do
    pcap=${PCAP[$c]}
    read -r tp tpshare <<<"$(run_testpmd "$pcap")"
    read -r dp dpshare <<<"$(run_dataplane "$pcap" "${STATE[$c]}")"
    tpc=$(per_core "$tp" "$tpshare"); dpc=$(per_core "$dp" "$dpshare")
    TP[$c]="${TP[$c]:-} $tp"
    DP[$c]="${DP[$c]:-} $dp"
    [ "$tpc" != - ] && TPC[$c]="${TPC[$c]:-} $tpc"
    [ "$dpc" != - ] && DPC[$c]="${DPC[$c]:-} $dpc"
    echo "run $run $c: testpmd $tp Mpps (CPU $tpshare, $tpc per core)," \
         "cpn-dataplane $dp Mpps (CPU $dpshare, $dpc per core)" >&2
  done
done

affinity=""
if [ -x "$BUILD/tests/dataplane/tables/tables_microbench" ]; then
  affinity=$("$BUILD/tests/dataplane/tables/tables_microbench" 2>/dev/null |
             grep 'affinity memory' | awk '{print $(NF - 1), $NF}' || true)
fi

echo
echo "cpn-dataplane (1 worker, CPU 1) vs dpdk-testpmd io (-l 0,1), median of $RUNS interleaved runs"
printf '%-15s %10s %10s %7s   %10s %10s %7s   %s\n' case testpmd dataplane ratio \
  "tp/core" "dp/core" ratio "runs (testpmd / dataplane Mpps)"
ratio_of() {
  if [ "$1" = - ] || [ "$2" = - ]; then echo -; return; fi
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'
}
for c in "${case_list[@]}"; do
  # shellcheck disable=SC2086
  tpm=$(median ${TP[$c]}); dpm=$(median ${DP[$c]})
  tpcm=-; dpcm=-
  # shellcheck disable=SC2086
  [ -n "${TPC[$c]:-}" ] && tpcm=$(median ${TPC[$c]})
  # shellcheck disable=SC2086
  [ -n "${DPC[$c]:-}" ] && dpcm=$(median ${DPC[$c]})
  printf '%-15s %10s %10s %7s   %10s %10s %7s   %s /%s\n' "$c" "$tpm" "$dpm" "$(ratio_of "$dpm" "$tpm")" \
    "$tpcm" "$dpcm" "$(ratio_of "$dpcm" "$tpcm")" "${TP[$c]}" "${DP[$c]}"
done
echo "tp/core, dp/core: Mpps per second of CPU time of the forwarding thread (median)"
echo "affinity table, 1M flows: ${affinity:-(tables_microbench not built)}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
