# SPDX-License-Identifier: MIT
# What the bench scripts share (sourced, not run): a temporary folder removed at exit,
# the processes started (stopped at exit, by process id only), loopback ports, and the
# Release build. The including script sets `set -euo pipefail` and cds to the top first.
#
# bench_init NAME      sets $tmp (mktemp under TMPDIR) and the traps; pids=()
# note TEXT            a heading line
# forget PID           drop PID from the list after waiting for it ourselves
# stop_pid PID         kill, wait, forget
# free_port            prints a loopback port nothing listens on now
# wait_port PORT       waits up to 10 s for something to listen on PORT
# bench_build TARGET.. configures $BUILD (Release) and builds the targets

bench_init() {
  pids=()
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/rp-$1.XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}

note() { printf '\n== %s\n' "$*"; }

# Forgets a process we waited for, so that cleanup never signals a process id the
# system may have handed to someone else since.
forget() {
  local p keep=()
  for p in "${pids[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done
  pids=("${keep[@]}")
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget "$1"
}

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000)) # below the default ephemeral ports (32768 up)
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

bench_build() {
  note "building $BUILD (Release)"
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j 2 --target "$@"
}
