# The benchmark's cases (issue 5): the pcap each replays and the state it is
# programmed with. Sourced by dataplane.sh and instructions.sh, so both
# measure the same thing.

# gen_pcap.py's arguments for CASE's pcap: KIND FILE [OPTIONS], FILE a bare
# name (the caller puts it in its work directory). Cases sharing a pcap
# share the name.
bench_case_pcap() {
  case "$1" in
    steer-1k-64B|fib) echo "plain p64-1k.pcap --flows 1024 --size 64" ;;
    steer-64k-64B) echo "plain p64-64k.pcap --flows 65536 --size 64" ;;
    steer-1k-random) echo "plain p64-1k-random.pcap --flows 1024 --size 64 --random-sources 1" ;;
    steer-1k-512B) echo "plain p512-1k.pcap --flows 1024 --size 512" ;;
    transit-End) echo "transit transit-1k.pcap --flows 1024" ;;
    *) echo "bench: unknown case $1" >&2; return 2 ;;
  esac
}

# gen_state.py's kind for CASE's state.
bench_case_state() {
  case "$1" in
    steer-*) echo steer ;;
    transit-End) echo transit ;;
    fib) echo fib ;;
    *) echo "bench: unknown case $1" >&2; return 2 ;;
  esac
}

# Makes CASE's pcap and state in DIR (once), and prints their paths.
bench_case_inputs() {
  local c=$1 dir=$2 kind pcap rest state
  read -r kind pcap rest <<<"$(bench_case_pcap "$c")" || return 2
  state=$(bench_case_state "$c") || return 2
  # shellcheck disable=SC2086
  [ -f "$dir/$pcap" ] || /usr/bin/python3 "$BENCH_ROOT/scripts/bench/gen_pcap.py" "$kind" "$dir/$pcap" $rest
  [ -f "$dir/$state.txtpb" ] ||
    /usr/bin/python3 "$BENCH_ROOT/scripts/bench/gen_state.py" "$state" >"$dir/$state.txtpb"
  echo "$dir/$pcap $dir/$state.txtpb"
}
