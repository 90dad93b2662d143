#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A member's send-to-ack while the relay is flooded with idle TCP connections that are
# reopened as the relay closes them (issue 9, item 3), against its own baseline in the
# same run. Loopback only. See bench/README.md ("Idle-socket flood").
#
# Usage: bash bench/flood.sh
# Knobs (environment): SOCKETS=15000 ADDRESSES=8 (flood from 127.0.0.2 up) BYTES=0 RATE=2000
#                      SECONDS_EACH=10 SKIP=5 SENDERS=4 PROBES=10 BUILD=build/bench
#                      RELAYD=path (another relay binary, to compare)
# The relay runs with the default admission settings and log level info, as shipped.
# Exits non-zero if a run failed (a member could not connect, a message was lost).
set -euo pipefail
cd "$(dirname "$0")/.."

SOCKETS=${SOCKETS:-15000}
BYTES=${BYTES:-0} # each flood socket sends this many bytes of a frame (0: idle)
ADDRESSES=${ADDRESSES:-8}
RATE=${RATE:-2000}
SECONDS_EACH=${SECONDS_EACH:-10}
SKIP=${SKIP:-5}
SENDERS=${SENDERS:-4}
PROBES=${PROBES:-10}
BUILD=${BUILD:-build/bench}
LG=$BUILD/bench/rejsepost-loadgen
RELAYD=${RELAYD:-$BUILD/server/rejsepost-relayd} # another relay binary to compare

failed=0
. bench/lib.sh
bench_init flood
bench_build rejsepost-loadgen rejsepost-relayd

rport=$(free_port)
"$LG" setup --dir "$tmp/relay" --port "$rport" --senders "$SENDERS" >/dev/null
# As shipped: the setup's config raises nothing about admission; log at info.
sed -i 's/^level = warn$/level = info/' "$tmp/relay/relay.ini"
"$RELAYD" --config "$tmp/relay/relay.ini" >>"$tmp/relay.log" 2>&1 &
rpid=$!
pids+=("$rpid")
wait_port "$rport" || { echo "flood: the relay did not start" >&2; cat "$tmp/relay.log" >&2; exit 1; }

count=$((RATE * SECONDS_EACH))
args=(--port "$rport" --dir "$tmp/relay" --senders "$SENDERS" --rate "$RATE" --count "$count"
      --timeout 120 --pid "$rpid")
# measure LABEL: one open-loop run; prints it and keeps its send-to-ack p99.
measure() {
  local out
  note "$1: $RATE msg/s for ${SECONDS_EACH}s, $SENDERS senders"
  if out=$("$LG" relay --label "$1" "${args[@]}"); then :; else failed=1; fi
  printf '%s\n' "$out" | grep -v '^LGRESULT' || true
  printf '%s\n' "$out" | grep '^LGRESULT' >>"$tmp/results" || true
}
p99_of() { grep "target=$1 " "$tmp/results" | grep -o 'ack_p99=[0-9]*' | cut -d= -f2; }
p50_of() { grep "target=$1 " "$tmp/results" | grep -o 'ack_p50=[0-9]*' | cut -d= -f2; }

note "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$LG" relay --label warmup "${args[@]}" --count 5000 >/dev/null || failed=1
measure baseline

# The flooded run: the member connects and sends first, the flood starts a second
# later, and the first SKIP seconds (connecting, the flood's ramp) are left out of the
# latencies. So the old relay, which refused new members during a flood, can be
# measured the same way.
note "flooded: $RATE msg/s for ${SECONDS_EACH}s after ${SKIP}s, $SENDERS senders; the flood: $SOCKETS idle sockets from $ADDRESSES addresses (127.0.0.2 up), reopened as they close"
"$LG" relay --label flooded "${args[@]}" --count $((RATE * (SECONDS_EACH + SKIP))) \
  --skip "$SKIP" >"$tmp/flooded.out" 2>&1 &
lgpid=$!
pids+=("$lgpid")
sleep 1
"$LG" flood --port "$rport" --sockets "$SOCKETS" --addresses "$ADDRESSES" --bytes "$BYTES" \
  >"$tmp/flood.log" 2>&1 &
fpid=$!
pids+=("$fpid")
wait "$lgpid" || failed=1
forget "$lgpid"
grep -v '^LGRESULT' "$tmp/flooded.out" || true
grep '^LGRESULT' "$tmp/flooded.out" >>"$tmp/results" || true
tail -n 2 "$tmp/flood.log"
# New members' connections during the flood: each probe connects a sender and the
# receiver (handshake, proof, a few envelopes); a probe that cannot connect fails.
ok=0
slowest=0
for i in $(seq 1 "$PROBES"); do
  t0=$(date +%s%N)
  if "$LG" relay --label probe --port "$rport" --dir "$tmp/relay" --senders 1 --count 10 \
      --timeout 20 >/dev/null 2>&1; then ok=$((ok + 1)); fi
  ms=$((($(date +%s%N) - t0) / 1000000))
  [ "$ms" -gt "$slowest" ] && slowest=$ms
done
tail -n 3 "$tmp/flood.log"
kill -INT "$fpid" 2>/dev/null || true
wait "$fpid" 2>/dev/null || true
forget "$fpid"
tail -n 1 "$tmp/flood.log"
sleep 2
measure after

kill -USR1 "$rpid"
sleep 1
note "relay counters"
grep -E 'stats (connections\.|rejected\.ebusy|handshakes)' "$tmp/relay.log" | sed 's/^.* stats /  /'
note "summary"
b=$(p99_of baseline) f=$(p99_of flooded) a=$(p99_of after)
echo "  send-to-ack p50 us: baseline $(p50_of baseline), flooded $(p50_of flooded), after $(p50_of after)"
echo "  send-to-ack p99 us: baseline $b, flooded $f, after $a"
if [ -n "$b" ] && [ -n "$f" ] && [ "$b" -gt 0 ]; then
  awk -v b="$b" -v f="$f" 'BEGIN { printf "  flooded / baseline p99: %.2f (target: under 2)\n", f / b }'
fi
echo "  members connecting during the flood: $ok of $PROBES probes got in (the slowest probe, connecting two members and sending 10 envelopes: $slowest ms)"
[ "$ok" = "$PROBES" ] || failed=1
exit "$failed"
