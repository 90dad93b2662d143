#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every libFuzzer harness in build/fuzz for a fixed time each, replaying its seed
# corpus first. New inputs go to a scratch folder, so the committed corpus stays as is.
# A crash leaves its input in build/fuzz/findings/ and fails the run.
# Usage: scripts/fuzz.sh [seconds-per-harness]   (default 10; 2 harnesses at a time)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${RP_FUZZ_SECONDS:-10}}
bindir=build/fuzz/tests/fuzz
findings=build/fuzz/findings
mkdir -p "$findings"

run_one() {
  local bin=$1 seconds=$2 findings=$3
  local name seeds scratch log
  name=$(basename "$bin")
  seeds=tests/fuzz/corpus/${name#fuzz_}
  scratch=$(mktemp -d)
  log="$findings/$name.log"
  mkdir -p "$seeds"
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$findings/$name-" -print_final_stats=1 \
       "$scratch" "$seeds" >"$log" 2>&1; then
    execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    printf 'fuzz %-36s ok   %8s execs in %ss\n' "$name" "${execs:-?}" "$seconds"
    rm -rf "$scratch"
  else
    printf 'fuzz %-36s FAIL (see %s)\n' "$name" "$log"
    tail -n 30 "$log"
    rm -rf "$scratch"
    return 1
  fi
}
export -f run_one

bins=$(find "$bindir" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
if [ -z "$bins" ]; then
  echo "fuzz: no harnesses in $bindir (run scripts/build.sh fuzz)" >&2
  exit 1
fi
count=$(echo "$bins" | wc -l)
echo "fuzz: $count harnesses, ${seconds}s each, 2 at a time"
echo "$bins" | xargs -P 2 -I{} bash -c 'run_one "$@"' _ {} "$seconds" "$findings"
