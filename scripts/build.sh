#!/usr/bin/env bash
# Configures and builds CPN. Usage: scripts/build.sh [build-dir] [extra cmake args...]
# Default build dir: build (RelWithDebInfo).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build}"
shift || true
cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
ln -sf "$dir/compile_commands.json" compile_commands.json 2>/dev/null || true
