#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The relay next to mosquitto (MQTT QoS 1) under the same workload, in one run, on
# loopback only. Prints each run, then a side-by-side table. See bench/README.md.
#
# Usage: bench/run.sh
# Knobs (environment): SENDERS=4 WINDOW=32 FULL_COUNT=100000 RATE_SECONDS=5
#                      IDLE_CONNS=10000
# Exits non-zero if anything failed; it never judges speed.
set -euo pipefail
cd "$(dirname "$0")/.."

SENDERS=${SENDERS:-4}
WINDOW=${WINDOW:-32}
FULL_COUNT=${FULL_COUNT:-100000}
RATE_SECONDS=${RATE_SECONDS:-5}
IDLE_CONNS=${IDLE_CONNS:-10000}
BUILD=build/release
LG=$BUILD/bench/rejsepost-loadgen
RELAYD=$BUILD/server/rejsepost-relayd

failed=0
pids=()
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rp-bench.XXXXXX")
results=$tmp/results.txt
: >"$results"

# Stops what this script started, by process id only, and removes its files.
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note() { printf '\n== %s\n' "$*"; }

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

note "building the release tree"
scripts/build.sh release

# Every idle connection costs one descriptor here and one in the target.
ulimit -n $((IDLE_CONNS + 1024)) 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fds=$(ulimit -n)
if [ "$fds" != unlimited ] && [ "$fds" -lt $((IDLE_CONNS + 256)) ]; then
  IDLE_CONNS=$((fds - 256))
  echo "bench: descriptor limit $fds: idle test lowered to $IDLE_CONNS connections" >&2
fi

# A loopback port nothing listens on now.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

wait_port() {
  local i
  for i in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

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

# Stops one process we started and forgets it, so that cleanup never signals a
# process id the system may have handed to someone else since.
stop_pid() {
  local p keep=()
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  for p in "${pids[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done
  pids=("${keep[@]}")
}

# run LABEL DRIVER PID ARGS...: one loadgen run; its LGRESULT line goes to $results.
run() {
  local label=$1 driver=$2 pid=$3 out
  shift 3
  note "$label: $driver $*"
  if out=$("$LG" "$driver" --label "$label" --pid "$pid" "$@"); then :; else failed=1; fi
  printf '%s\n' "$out" | grep -v '^LGRESULT' || true
  printf '%s\n' "$out" | grep '^LGRESULT' >>"$results" || true
}

workloads() {
  local label=$1 driver=$2 pid=$3 port=$4
  shift 4
  local c5=$((5000 * RATE_SECONDS)) c20=$((20000 * RATE_SECONDS))
  run "$label" "$driver" "$pid" --port "$port" "$@" --senders "$SENDERS" --window "$WINDOW" \
    --count "$FULL_COUNT" --timeout 40
  run "$label" "$driver" "$pid" --port "$port" "$@" --senders "$SENDERS" --rate 5000 \
    --count "$c5" --timeout $((RATE_SECONDS + 30))
  run "$label" "$driver" "$pid" --port "$port" "$@" --senders "$SENDERS" --rate 20000 \
    --count "$c20" --timeout $((RATE_SECONDS + 30))
}

# ---- throughput and latency --------------------------------------------------------
# Other work on the machine skews every figure; the load average puts them in context.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start_mosquitto
workloads mosquitto mqtt "$mpid" "$mport"
stop_pid "$mpid"

if [ "$relay_ok" = 1 ]; then
  if "$LG" setup --dir "$tmp/relay" --port "$rport" --senders "$SENDERS" \
      --idle "$IDLE_CONNS" && start_relay; then
    workloads relay relay "$rpid" "$rport" --dir "$tmp/relay"
    stop_pid "$rpid"
  else
    failed=1
    relay_ok=0
  fi
fi

# ---- idle connections, each target freshly started so that memory freed by the
# ---- runs above cannot hide the cost of a connection ----------------------------
start_mosquitto
run mosquitto mqtt "$mpid" --port "$mport" --idle "$IDLE_CONNS" --timeout 90
stop_pid "$mpid"
if [ "$relay_ok" = 1 ]; then
  if start_relay; then
    run relay relay "$rpid" --port "$rport" --dir "$tmp/relay" --idle "$IDLE_CONNS" --timeout 90
    stop_pid "$rpid"
  else
    failed=1
  fi
fi

# ---- the table ---------------------------------------------------------------------
note "summary ($(nproc) cores; $SENDERS senders, 1 KiB messages; ratio = relay / mosquitto)"
echo "load average before the runs: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v idle="$IDLE_CONNS" '
  {
    t = ""; m = ""; r = "";
    for (i = 2; i <= NF; i++) {
      split($i, kv, "=");
      v[kv[1]] = kv[2];
    }
    key = v["target"] "/" v["mode"] "/" v["rate"];
    if (v["ok"] != 1) bad[key] = 1;
    for (k in v) val[key "/" k] = v[k];
    delete v;
  }
  function cell(target, mode, rate, k,   key) {
    key = target "/" mode "/" rate;
    if (!((key "/" k) in val)) return "-";
    return val[key "/" k] (key in bad ? "!" : "");
  }
  function row(name, mode, rate, k,   a, b, ratio) {
    a = cell("relay", mode, rate, k); b = cell("mosquitto", mode, rate, k);
    ratio = (a != "-" && b != "-" && b + 0 > 0) ? sprintf("%.2f", a / b) : "-";
    printf "%-40s %12s %12s %10s\n", name, a, b, ratio;
  }
  END {
    printf "%-40s %12s %12s %10s\n", "metric", "relay", "mosquitto", "ratio";
    row("full speed: acked msg/s", "full", 0, "ack_tput");
    row("full speed: delivered msg/s", "full", 0, "del_tput");
    row("full speed: send-to-ack p50 us", "full", 0, "ack_p50");
    row("full speed: send-to-ack p99 us", "full", 0, "ack_p99");
    row("full speed: send-to-ack p99.9 us", "full", 0, "ack_p999");
    row("full speed: send-to-delivery p50 us", "full", 0, "del_p50");
    row("full speed: send-to-delivery p99 us", "full", 0, "del_p99");
    row("full speed: send-to-delivery p99.9 us", "full", 0, "del_p999");
    row("full speed: target CPU us per msg", "full", 0, "cpu_us");
    row("full speed: target peak RSS kB", "full", 0, "hwm_kb");
    for (j = 1; j <= 2; j++) {
      rt = j == 1 ? 5000 : 20000;
      row(rt "/s: achieved, acked msg/s", "rate", rt, "ack_tput");
      row(rt "/s: send-to-ack p50 us", "rate", rt, "ack_p50");
      row(rt "/s: send-to-ack p99 us", "rate", rt, "ack_p99");
      row(rt "/s: send-to-ack p99.9 us", "rate", rt, "ack_p999");
      row(rt "/s: send-to-delivery p50 us", "rate", rt, "del_p50");
      row(rt "/s: send-to-delivery p99 us", "rate", rt, "del_p99");
      row(rt "/s: send-to-delivery p99.9 us", "rate", rt, "del_p999");
      row(rt "/s: target CPU us per msg", "rate", rt, "cpu_us");
      row(rt "/s: target peak RSS kB", "rate", rt, "hwm_kb");
    }
    row("idle: bytes per connection (" idle ")", "idle", "", "bytes_per_conn");
    print "(! = that run failed or timed out; its figures are partial)";
  }' "$results"

if [ "$failed" != 0 ]; then
  echo "bench: something failed (see above)" >&2
  exit 1
fi
