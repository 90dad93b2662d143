#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A throw-away rejsepost network for the binding tests and benchmarks, made with the
# project's own command line: an administrator, a relay, the team ("team") and one
# municipality ("kbh", code 101, east network), a signed roster, and a running
# rejsepost-relayd on a free loopback port. Every binding's tests use it, so the C
# library under test talks to a real relay over real TCP.
#
#   testnet.sh up DIR BUILD_DIR     create DIR (must not exist) and start the relay
#   testnet.sh down DIR             stop the relay (SIGTERM, then SIGKILL)
#   testnet.sh relay-start DIR      start the relay again (after relay-kill)
#   testnet.sh relay-kill DIR       kill -9 the relay
#
# After 'up', DIR holds one file per member, DIR/kbh.env and DIR/team.env, with lines
# NAME=VALUE that a test passes to the library's rp_config_set_* calls:
#   STATE_DIR IDENTITY_FILE RELAY_HOST RELAY_PORT RELAY_KEY ADMIN_KEY ROSTER_FILE MEMBER_ID
#   LIBRARY (the built librejsepost.so)
# Keys are plain (unencrypted, mode 0600): a test network only. BUILD_DIR is a CMake
# build folder of this repository (build/release).
set -euo pipefail

die() { echo "testnet: $*" >&2; exit 1; }

free_port() {
  /usr/bin/python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

relay_start() {
  local dir=$1 bin
  bin=$(cat "$dir/relayd.bin")
  : >"$dir/relay.log"
  "$bin" --config "$dir/relay/relay.ini" >>"$dir/relay.log" 2>&1 </dev/null &
  echo $! >"$dir/relayd.pid"
  for _ in $(seq 1 500); do
    grep -q "listening addr=" "$dir/relay.log" && return 0
    kill -0 "$(cat "$dir/relayd.pid")" 2>/dev/null || die "relay exited: $(tail -5 "$dir/relay.log")"
    sleep 0.01
  done
  die "relay did not start: $(tail -5 "$dir/relay.log")"
}

relay_stop() {
  local dir=$1 sig=${2:-TERM} pid
  [ -f "$dir/relayd.pid" ] || return 0
  pid=$(cat "$dir/relayd.pid")
  kill "-$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/relayd.pid"
}

up() {
  local dir=$1 build port cli relay_hex admin_hex lib
  build=$(cd "$2" && pwd)
  cli=$build/tools/rejsepost
  lib=$build/client/librejsepost.so
  [ -x "$cli" ] || die "no $cli (build first)"
  [ -x "$build/server/rejsepost-relayd" ] || die "no rejsepost-relayd in $build/server"
  [ -e "$lib" ] || die "no $lib"
  [ -e "$dir" ] && die "$dir exists"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  chmod 700 "$dir"
  cd "$dir"
  port=$(free_port)
  printf '%s\n' "$build/server/rejsepost-relayd" >relayd.bin
  "$cli" keys new --id admin --kind admin --out admin.key --plain >/dev/null
  "$cli" roster new --admin-key admin.key --out roster.rp >/dev/null
  "$cli" relay init relay --admin-pub admin.key.pub --listen "127.0.0.1:$port" >/dev/null
  "$cli" roster add roster.rp --admin-key admin.key --member relay/relay.key.pub \
    --kind relay >/dev/null
  "$cli" keys new --id team --kind team --out team.key --plain >/dev/null
  "$cli" roster add roster.rp --admin-key admin.key --member team.key.pub --kind team \
    --name Rejseholdet >/dev/null
  "$cli" keys new --id kbh --kind municipality --out kbh.key --plain >/dev/null
  "$cli" roster add roster.rp --admin-key admin.key --member kbh.key.pub \
    --kind municipality --name 'Københavns Kommune' --municipality 101 --network east >/dev/null
  cp roster.rp relay/roster.msgpack
  relay_hex=$("$cli" keys show relay/relay.key.pub | awk '$1 == "transport" {print $NF; exit}')
  admin_hex=$("$cli" keys show admin.key.pub | awk '$1 == "identity" {print $NF; exit}')
  [ ${#relay_hex} -eq 64 ] || die "could not read the relay's transport key"
  [ ${#admin_hex} -eq 64 ] || die "could not read the administrator's key"
  for m in kbh team; do
    mkdir -m 700 "$m"
    cat >"$m.env" <<ENV
MEMBER_ID=$m
STATE_DIR=$dir/$m
IDENTITY_FILE=$dir/$m.key
RELAY_HOST=127.0.0.1
RELAY_PORT=$port
RELAY_KEY=$relay_hex
ADMIN_KEY=$admin_hex
ROSTER_FILE=$dir/roster.rp
LIBRARY=$lib
ENV
  done
  relay_start "$dir"
  echo "$dir"
}

case ${1:-} in
  up) [ $# -eq 3 ] || die "usage: testnet.sh up DIR BUILD_DIR"; up "$2" "$3" ;;
  down) [ $# -eq 2 ] || die "usage: testnet.sh down DIR"; relay_stop "$2" TERM ;;
  relay-start) relay_start "$2" ;;
  relay-kill) relay_stop "$2" KILL ;;
  *) die "usage: testnet.sh up DIR BUILD_DIR | down DIR | relay-start DIR | relay-kill DIR" ;;
esac
