#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Sends per second through each language binding beside plain C, in one run (issue 13:
# the bindings' overhead). A benchmark, not a test: it prints figures and judges nothing.
#
#   bench/bindings.sh [BUILD_DIR] [N] [ROUNDS]      defaults: build/release 1000 3
#
# Every program sends N small requests (an anonymous sparring request, urgency normal,
# no attachment: bindings/testnet/send_rate.c and its Python, Java and C# twins) from
# the municipality of a fresh bindings/testnet/testnet.sh network, through rp_send, which
# returns once the sealed envelope is committed (fsync) to the local outbox. Each
# language gets a fresh network per round, and the rounds alternate the languages so
# that a busy moment of the machine does not land on one of them only. Printed: each
# run's figure, and per language the median with its ratio to C's median.
# Build first: bash scripts/build.sh release (ctest's binding build tests make the Java
# jar and the .NET assemblies, or run bindings/java/build.sh and bindings/dotnet/build.sh).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build/release}" && pwd)
n=${2:-1000}
rounds=${3:-3}
lib=$build/client/librejsepost.so
testnet=$src/bindings/testnet/testnet.sh
java_out=$build/bindings/java/out
dotnet_out=$build/bindings/dotnet/out
work=$(mktemp -d)
trap '"$testnet" down "$work/net" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

[ -d "$java_out" ] || bash "$src/bindings/java/build.sh" "$java_out" >/dev/null
[ -e "$dotnet_out/SendRate.exe" ] ||
  bash "$src/bindings/dotnet/tests/run.sh" build "$build" "$lib" "$src" "$dotnet_out" >/dev/null

run() { # LANG ENVFILE
  case $1 in
    c) "$build/bindings/rp-send-rate" "$2" "$n" ;;
    python) REJSEPOST_LIBRARY=$lib /usr/bin/python3 "$src/bindings/python/bench/send_rate.py" "$2" "$n" ;;
    java) java -Djna.library.path="$(dirname "$lib")" -Drejsepost.library="$lib" \
      -Djna.encoding=UTF-8 -cp "/usr/share/java/jna.jar:$java_out/rejsepost.jar:$java_out/extra" \
      dk.rejsepost.bench.SendRate "$2" "$n" ;;
    dotnet) LD_LIBRARY_PATH=$(dirname "$lib") mono "$dotnet_out/SendRate.exe" "$2" "$n" ;;
  esac
}

langs=(c python java dotnet)
echo "sends per second, N=$n, $rounds rounds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  for lang in "${langs[@]}"; do
    "$testnet" up "$work/net" "$build" >/dev/null
    line=$(run "$lang" "$work/net/kbh.env" | tail -1)
    "$testnet" down "$work/net"
    rm -rf "$work/net"
    v=${line#sends_per_s=}
    echo "$v" >>"$work/$lang"
    printf '  round %d %-7s %8s\n' "$r" "$lang" "$v"
  done
done
median() { sort -g "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
c=$(median "$work/c")
echo "median (ratio to C):"
for lang in "${langs[@]}"; do
  m=$(median "$work/$lang")
  printf '  %-7s %8.1f  %5.2f\n' "$lang" "$m" "$(awk -v a="$m" -v b="$c" 'BEGIN {print a / b}')"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
