#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two relay binaries under the same workload in one run, taking turns, so that a
# change can be shown to cost nothing beyond noise (bench/README.md, "Before and after").
#
# Usage: BEFORE=path/to/old/rejsepost-relayd bash bench/compare.sh
# Knobs (environment): AFTER=build/bench/server/rejsepost-relayd (this tree's, built
#   here) SENDERS=4 WINDOW=32 FULL_COUNT=100000 RATE_SECONDS=5 REPEAT=5 WARMUP=30000
#   IDLE_CONNS=10000 BUILD=build/bench
# One load generator (this tree's) drives both relays; the wire protocol is the same.
# Prints every run, then the median of each figure per relay and their ratio. Exits
# non-zero if a run failed or an acked message went undelivered.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build/bench}
SENDERS=${SENDERS:-4}
WINDOW=${WINDOW:-32}
FULL_COUNT=${FULL_COUNT:-100000}
RATE_SECONDS=${RATE_SECONDS:-5}
REPEAT=${REPEAT:-5}
WARMUP=${WARMUP:-30000}
IDLE_CONNS=${IDLE_CONNS:-10000}
LG=$BUILD/bench/rejsepost-loadgen
AFTER=${AFTER:-$BUILD/server/rejsepost-relayd}
if [ -z "${BEFORE:-}" ] || [ ! -x "$BEFORE" ]; then
  echo "compare: set BEFORE to the relay binary to compare against (an older build)" >&2
  exit 2
fi

failed=0
. bench/lib.sh
bench_init compare
bench_build rejsepost-loadgen rejsepost-relayd
ulimit -n $((IDLE_CONNS + 1024)) 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

declare -A bin port pid
bin[before]=$BEFORE
bin[after]=$AFTER
port[before]=$(free_port)
port[after]=$(free_port)
while [ "${port[after]}" = "${port[before]}" ]; do port[after]=$(free_port); done

# start NAME: a fresh relay NAME on its own state folder (set up once).
start() {
  local n=$1
  "${bin[$n]}" --config "$tmp/$n/relay.ini" >>"$tmp/$n.log" 2>&1 &
  pid[$n]=$!
  pids+=("${pid[$n]}")
  wait_port "${port[$n]}" || { echo "compare: relay $n did not start" >&2; cat "$tmp/$n.log" >&2; exit 1; }
}
stop() { stop_pid "${pid[$1]}"; }
# run NAME ARGS...: one load generator run against relay NAME.
run() {
  local n=$1 out
  shift
  note "$n: relay $*"
  if out=$("$LG" relay --label "$n" --pid "${pid[$n]}" --port "${port[$n]}" --dir "$tmp/$n" \
      --senders "$SENDERS" "$@"); then :; else failed=1; fi
  printf '%s\n' "$out" | grep -v '^LGRESULT' || true
  printf '%s\n' "$out" | grep '^LGRESULT' >>"$tmp/results.txt" || true
}

for n in before after; do
  "$LG" setup --dir "$tmp/$n" --port "${port[$n]}" --senders "$SENDERS" --idle "$IDLE_CONNS"
  start "$n"
  run "$n" --window "$WINDOW" --count "$WARMUP" --timeout 60 # warm-up
done
: >"$tmp/results.txt"
echo "== load average before the rounds: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$REPEAT"); do
  # Take turns, and swap who goes first each round.
  if [ $((i % 2)) = 1 ]; then order="before after"; else order="after before"; fi
  for n in $order; do run "$n" --window "$WINDOW" --count "$FULL_COUNT" --timeout 60; done
  for n in $order; do
    run "$n" --rate 5000 --count $((5000 * RATE_SECONDS)) --timeout $((RATE_SECONDS + 30))
  done
  for n in $order; do
    run "$n" --rate 20000 --count $((20000 * RATE_SECONDS)) --timeout $((RATE_SECONDS + 30))
  done
done
for n in before after; do stop "$n"; done
for n in before after; do # idle connections on a fresh process
  start "$n"
  run "$n" --idle "$IDLE_CONNS" --timeout 120
  stop "$n"
done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Medians per relay, mode and rate; ratio = after / before.
awk -v repeat="$REPEAT" '
function median(list,   a, n, i, j, t) {
  n = split(list, a, " ");
  for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t; }
  return n ? a[int((n + 1) / 2)] : "";
}
{
  delete v;
  for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2]; }
  if (v["ok"] != 1) bad = 1;
  if (v["lost"] + 0 > 0) lost = 1;
  row = v["mode"] == "idle" ? "idle" : (v["mode"] "/" (v["rate"] + 0));
  rows[row] = 1;
  for (k in v) if (k ~ /^(ack_tput|ack_p50|ack_p99|del_p50|del_p99|cpu_us|hwm_kb|bytes_per_conn|rss_after_kb)$/) {
    keys[row "/" k] = 1;
    vals[v["target"] "/" row "/" k] = vals[v["target"] "/" row "/" k] " " v[k];
  }
}
END {
  printf "%-34s %12s %12s %8s\n", "median of " repeat " rounds", "before", "after", "ratio";
  for (rk in keys) {
    b = median(vals["before/" rk]); a = median(vals["after/" rk]);
    printf "%-34s %12s %12s %8s\n", rk, b, a, (b + 0 > 0 ? sprintf("%.2f", a / b) : "-") | "sort";
  }
  close("sort");
  if (bad) print "compare: a run failed (ok=0)";
  if (lost) print "compare: an acked message was not delivered";
  exit (bad || lost);
}' "$tmp/results.txt" || failed=1
exit "$failed"
