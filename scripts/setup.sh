#!/usr/bin/env bash
# Installs every Debian 12 package CPN needs to build, test and run its lab.
# Idempotent: does nothing (and needs no network) when all are present.
# Run as root, or as a user with sudo.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang libclang-rt-14-dev
  # libraries
  libdpdk-dev dpdk libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libboost-dev libboost-graph-dev libboost-program-options-dev libpcap-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev tshark python3-scapy
  prometheus  # promtool and a real Prometheus server scrape our /metrics in tests
  dpdk-dev  # dpdk-testpmd, the benchmark reference
  # lab
  iproute2 iputils-ping procps
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: run as root (missing: ${missing[*]})" >&2; exit 1; }
  SUDO="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
