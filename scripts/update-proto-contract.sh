#!/usr/bin/env bash
# Regenerates proto/contract/api_contract.txt, the committed snapshot of the
# API contract, from the protos as compiled (tool: cpn-proto-contract). Run it
# after a deliberate API change and commit the new snapshot with the change;
# the test ProtoContractGuard then protects the new lines. See docs/api.md.
#
# Usage: scripts/update-proto-contract.sh [--accept-breaking] [build-dir]
#   build-dir   where to build the tool (default: $CPN_BUILD_DIR, else build);
#               configured first if it is not a build directory yet.
#   --accept-breaking
#               write the snapshot even when the current protos break it
#               (changed or removed released lines). Without it the script
#               lists the broken lines and exits 1, changing nothing.
# Environment: CPN_JOBS (parallel build jobs, default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }

accept=0
dir="${CPN_BUILD_DIR:-build}"
for arg in "$@"; do
  case "$arg" in
    --accept-breaking) accept=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "update-proto-contract: unknown option $arg" >&2; usage >&2; exit 2 ;;
    *) dir="$arg" ;;
  esac
done

if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S . -B "$dir" -G Ninja >/dev/null
fi
cmake --build "$dir" --target cpn-proto-contract -j "${CPN_JOBS:-$(nproc)}" >/dev/null
tool="$dir/proto/tools/cpn-proto-contract"
snapshot=proto/contract/api_contract.txt

if [ -f "$snapshot" ]; then
  status=0
  "$tool" --check "$snapshot" || status=$?
  if [ "$status" -eq 1 ] && [ "$accept" -eq 0 ]; then
    echo >&2
    echo "update-proto-contract: not written: the change breaks released lines (above)." >&2
    echo "Fix the protos, or rerun with --accept-breaking if the break is deliberate." >&2
    exit 1
  elif [ "$status" -gt 1 ]; then
    exit "$status"
  fi
fi

tmp="$(mktemp "$snapshot.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
"$tool" >"$tmp"
chmod 644 "$tmp"
if [ -f "$snapshot" ] && cmp -s "$tmp" "$snapshot"; then
  echo "update-proto-contract: $snapshot is up to date"
  exit 0
fi
added=0
removed=0
if [ -f "$snapshot" ]; then
  added=$(diff <(grep -v '^#' "$snapshot" | sort) <(grep -v '^#' "$tmp" | sort) | grep -c '^>' || true)
  removed=$(diff <(grep -v '^#' "$snapshot" | sort) <(grep -v '^#' "$tmp" | sort) | grep -c '^<' || true)
fi
mv "$tmp" "$snapshot"
trap - EXIT
echo "update-proto-contract: wrote $snapshot ($(grep -vc '^#\|^$' "$snapshot") lines; +$added -$removed)"
