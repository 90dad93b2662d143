#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The relay next to mosquitto (MQTT QoS 1) under the same workload, in one run, on
# loopback only. Prints each run, then a side-by-side table. See bench/README.md.
#
# Usage: bash bench/run.sh
# Knobs (environment): SENDERS=4 WINDOW=32 FULL_COUNT=100000 RATE_SECONDS=5 REPEAT=3
#                      WARMUP=30000 (messages per target before the full-speed rounds)
#                      IDLE_CONNS=10000 BUILD=build/bench (a Release tree under build/)
# Exits non-zero if anything failed or an acked message went undelivered; speed targets
# are reported (met / not met) but never fail the script.
set -euo pipefail
cd "$(dirname "$0")/.."

SENDERS=${SENDERS:-4}
WINDOW=${WINDOW:-32}
FULL_COUNT=${FULL_COUNT:-100000}
RATE_SECONDS=${RATE_SECONDS:-5}
IDLE_CONNS=${IDLE_CONNS:-10000}
REPEAT=${REPEAT:-3}
WARMUP=${WARMUP:-30000}
BUILD=${BUILD:-build/bench}
LG=$BUILD/bench/rejsepost-loadgen
RELAYD=$BUILD/server/rejsepost-relayd

failed=0
. bench/lib.sh
bench_init bench
results=$tmp/results.txt
: >"$results"

# ---- prerequisites -----------------------------------------------------------------
mosq=$(command -v mosquitto || true)
[ -z "$mosq" ] && [ -x /usr/sbin/mosquitto ] && mosq=/usr/sbin/mosquitto
if [ -z "$mosq" ]; then
  if [ ! -r /etc/debian_version ]; then
    echo "bench: mosquitto is missing; this script installs it on Debian only" >&2
    exit 1
  fi
  note "installing mosquitto (Debian package)"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q mosquitto
  mosq=/usr/sbin/mosquitto
fi

bench_build rejsepost-loadgen
# The relay is another engineer's work in progress: if it does not build, mosquitto is
# still measured and the script fails at the end.
cmake --build "$BUILD" -j 2 --target rejsepost-relayd || true

# Every idle connection costs one descriptor here and one in the target.
ulimit -n $((IDLE_CONNS + 1024)) 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fds=$(ulimit -n)
if [ "$fds" != unlimited ] && [ "$fds" -lt $((IDLE_CONNS + 256)) ]; then
  IDLE_CONNS=$((fds - 256))
  echo "bench: descriptor limit $fds: idle test lowered to $IDLE_CONNS connections" >&2
fi

mport=$(free_port)
rport=$(free_port)
while [ "$rport" = "$mport" ]; do rport=$(free_port); done

# mosquitto with its own config: no drops (QoS 1 messages beyond the default queue of
# 1000 are discarded), Nagle off as on our side, the same delivery window as the relay.
cat >"$tmp/mosquitto.conf" <<EOF
listener $mport 127.0.0.1
allow_anonymous true
persistence false
set_tcp_nodelay true
max_inflight_messages 1024
max_queued_messages 0
max_connections -1
log_dest stderr
log_type error
log_type warning
user $(id -un)
EOF

start_mosquitto() {
  "$mosq" -c "$tmp/mosquitto.conf" >>"$tmp/mosquitto.log" 2>&1 &
  mpid=$!
  pids+=("$mpid")
  wait_port "$mport" || { echo "bench: mosquitto did not start" >&2; cat "$tmp/mosquitto.log" >&2; return 1; }
}

relay_ok=1
if [ ! -x "$RELAYD" ]; then
  echo "bench: $RELAYD was not built (the relay is not finished): relay not measured" >&2
  relay_ok=0
  failed=1
fi

start_relay() {
  "$RELAYD" --config "$tmp/relay/relay.ini" >>"$tmp/relay.log" 2>&1 &
  rpid=$!
  pids+=("$rpid")
  wait_port "$rport" || { echo "bench: the relay did not start" >&2; cat "$tmp/relay.log" >&2; return 1; }
}

# run LABEL DRIVER PID ARGS...: one loadgen run; its LGRESULT line goes to $dest
# ($results unless a caller collects runs elsewhere).
dest=$results
run() {
  local label=$1 driver=$2 pid=$3 out
  shift 3
  note "$label: $driver $*"
  if out=$("$LG" "$driver" --label "$label" --pid "$pid" "$@"); then :; else failed=1; fi
  printf '%s\n' "$out" | grep -v '^LGRESULT' || true
  printf '%s\n' "$out" | grep '^LGRESULT' >>"$dest" || true
}

# Counts the fsync and fdatasync calls of process $1 while it is attached, through the
# kernel's syscall tracepoints (perf as root); an independent check that the relay syncs.
sync_count_ok=0
if command -v perf >/dev/null &&
    perf stat -x, -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync true >/dev/null 2>&1; then
  sync_count_ok=1
fi
sync_start() {
  [ "$sync_count_ok" = 1 ] || return 0
  perf stat -x, -o "$tmp/syncs" -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync \
    -p "$1" >/dev/null 2>&1 &
  perfpid=$!
  pids+=("$perfpid")
  sleep 0.5 # perf needs a moment to attach
}
# sync_stop: adds the count to the result line of the run just made.
sync_stop() {
  [ "$sync_count_ok" = 1 ] || return 0
  kill -INT "$perfpid" 2>/dev/null || true
  wait "$perfpid" 2>/dev/null || true
  local p keep=()
  for p in "${pids[@]}"; do [ "$p" != "$perfpid" ] && keep+=("$p"); done
  pids=("${keep[@]}")
  local n
  n=$(awk -F, '$3 ~ /sys_enter_f(data)?sync/ { s += $1 } END { print s + 0 }' "$tmp/syncs")
  echo "  relay fsync+fdatasync calls during the run: $n"
  # Onto the run's own line, so that the count stays with its run when runs repeat.
  sed -i '$ s/$/ syncs='"$n"'/' "$dest"
}

# run_synced LABEL ARGS...: a relay run with its syncs counted.
run_synced() {
  local label=$1
  shift
  sync_start "$rpid"
  run "$label" relay "$rpid" "$@"
  sync_stop
}

# What else is running: the second of two top samples one second apart (the first one
# averages since boot).
busy() {
  local snap
  snap=$(top -b -n 2 -d 1 -o %CPU | awk '/^top -/ { n++ } n == 2')
  printf '%s\n' "$snap" | sed -n '3p;7,12p'
  printf '%s\n' "$snap" | awk -F'[ ,]+' '/^%Cpu/ { for (i = 1; i < NF; i++) if ($(i + 1) == "id")
    if ($i + 0 < 50) printf "bench: WARNING: the CPUs were only %s%% idle: other work skews the figures\n", $i }'
}

# ---- throughput and latency --------------------------------------------------------
# Other work on the machine skews every figure; the load average puts them in context.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
note "machine: $(nproc) cores, $(uname -sr); busiest processes before the runs:"
busy
c5=$((5000 * RATE_SECONDS))
c20=$((20000 * RATE_SECONDS))
relay_args=(--port "$rport" --dir "$tmp/relay" --senders "$SENDERS")
mqtt_args=(--port "$mport" --senders "$SENDERS")
start_mosquitto
if [ "$relay_ok" = 1 ]; then
  if "$LG" setup --dir "$tmp/relay" --port "$rport" --senders "$SENDERS" \
      --idle "$IDLE_CONNS" && start_relay; then
    # How long a sync takes on the filesystem that holds the spool: the floor under
    # every send-to-ack latency of a relay that syncs before it acks.
    note "disk: fdatasync in the relay's state directory"
    out=$("$LG" fsync --dir "$tmp/relay/state") || failed=1
    printf '%s\n' "$out" | grep -v '^LGRESULT' || true
    printf '%s\n' "$out" | grep '^LGRESULT' >>"$results" || true
  else
    failed=1
    relay_ok=0
  fi
fi

# A warm-up round for each, not counted: the relay's first commits grow the SQLite WAL
# file (a sync that also writes the file's size), and both targets' allocators settle.
dest=$tmp/warmup.txt
run mosquitto mqtt "$mpid" "${mqtt_args[@]}" --window "$WINDOW" --count "$WARMUP" --timeout 60
[ "$relay_ok" = 1 ] && run relay relay "$rpid" "${relay_args[@]}" --window "$WINDOW" \
  --count "$WARMUP" --timeout 60

# Full speed: REPEAT rounds, the two targets taking turns so that a burst of other work
# on the machine hits both alike; the table shows each target's median round.
for i in $(seq 1 "$REPEAT"); do
  dest=$tmp/full-mosquitto.txt
  run mosquitto mqtt "$mpid" "${mqtt_args[@]}" --window "$WINDOW" --count "$FULL_COUNT" \
    --timeout 60
  if [ "$relay_ok" = 1 ]; then
    dest=$tmp/full-relay.txt
    run_synced relay "${relay_args[@]}" --window "$WINDOW" --count "$FULL_COUNT" --timeout 60
  fi
done
dest=$results
median() { # the middle line of $1 by acked msg/s
  [ -s "$1" ] || return 0
  echo "  $2 acked msg/s in the $REPEAT rounds:" \
    $(grep -o 'ack_tput=[0-9]*' "$1" | cut -d= -f2 | tr '\n' ' ')
  awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^ack_tput=/) { split($i, kv, "="); print kv[2], $0 } }' "$1" |
    sort -n | awk -v n="$(wc -l <"$1")" 'NR == int((n + 1) / 2)' | cut -d' ' -f2- >>"$results"
}
note "full speed: medians"
median "$tmp/full-mosquitto.txt" mosquitto
median "$tmp/full-relay.txt" relay

# Fixed rates, again taking turns.
run mosquitto mqtt "$mpid" "${mqtt_args[@]}" --rate 5000 --count "$c5" \
  --timeout $((RATE_SECONDS + 30))
[ "$relay_ok" = 1 ] && run_synced relay "${relay_args[@]}" --rate 5000 --count "$c5" \
  --timeout $((RATE_SECONDS + 30))
run mosquitto mqtt "$mpid" "${mqtt_args[@]}" --rate 20000 --count "$c20" \
  --timeout $((RATE_SECONDS + 30))
[ "$relay_ok" = 1 ] && run_synced relay "${relay_args[@]}" --rate 20000 --count "$c20" \
  --timeout $((RATE_SECONDS + 30))
stop_pid "$mpid"
[ "$relay_ok" = 1 ] && stop_pid "$rpid"

# ---- idle connections, each target freshly started so that memory freed by the
# ---- runs above cannot hide the cost of a connection ----------------------------
start_mosquitto
run mosquitto mqtt "$mpid" --port "$mport" --idle "$IDLE_CONNS" --timeout 120
stop_pid "$mpid"
if [ "$relay_ok" = 1 ]; then
  if start_relay; then
    run relay relay "$rpid" --port "$rport" --dir "$tmp/relay" --idle "$IDLE_CONNS" --timeout 120
    stop_pid "$rpid"
  else
    failed=1
  fi
fi

# ---- the table ---------------------------------------------------------------------
note "summary ($(nproc) cores; $SENDERS senders, 1 KiB messages; ratio = relay / mosquitto)"
echo "load average before the runs: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "busiest processes at the end (other engineers' builds skew every figure):"
busy
[ -n "${RESULTS_OUT:-}" ] && cp "$results" "$RESULTS_OUT"
awk -v idle="$IDLE_CONNS" -f bench/summary.awk "$results" || failed=1

if [ "$failed" != 0 ]; then
  echo "bench: something failed (see above)" >&2
  exit 1
fi
