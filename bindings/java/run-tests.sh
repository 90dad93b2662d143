#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs the Java binding's tests (ctest calls this; it runs by hand the same way).
#
#   run-tests.sh build OUT SRC_DIR                 build the jar, example, bench and tests
#   run-tests.sh junit OUT LIB SRC_DIR BUILD_DIR CLASS...   run JUnit 5 test classes
#   run-tests.sh bench OUT LIB SRC_DIR BUILD_DIR   the bench program against a testnet
#
# OUT is where build.sh put the classes; LIB the built librejsepost.so; BUILD_DIR the CMake
# build folder (testnet.sh takes the relay and the CLI from it).
set -euo pipefail

jna=/usr/share/java/jna.jar
junit=/usr/share/java/junit-platform-console-standalone.jar
mode=${1:?mode}
shift

if [ "$mode" = build ]; then
  exec bash "$2/bindings/java/build.sh" "$1"
fi

out=$1 lib=$2 src=$3 build=$4
shift 4
cp="$jna:$out/rejsepost.jar:$out/extra:$out/test-classes"
props=(-Djna.library.path="$(dirname "$lib")" -Drejsepost.library="$lib" -Djna.encoding=UTF-8
  -Drejsepost.source="$src" -Drejsepost.build="$build" -Drejsepost.classpath="$cp")

case $mode in
  junit)
    sel=()
    for c in "$@"; do sel+=(--select-class "dk.rejsepost.$c"); done
    exec java "${props[@]}" -jar "$junit" --disable-banner --disable-ansi-colors --fail-if-no-tests \
      --details=tree -cp "$cp" "${sel[@]}"
    ;;
  bench)
    dir=$(mktemp -d)
    trap 'bash "$src/bindings/testnet/testnet.sh" down "$dir/n" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
    bash "$src/bindings/testnet/testnet.sh" up "$dir/n" "$build" >/dev/null
    line=$(java "${props[@]}" -cp "$cp" dk.rejsepost.bench.SendRate "$dir/n/kbh.env" 200)
    echo "$line"
    [[ $line =~ ^sends_per_s=[0-9]+(\.[0-9]+)?$ ]] || { echo "bad bench output: $line" >&2; exit 1; }
    ;;
  *) echo "run-tests.sh: unknown mode $mode" >&2; exit 2 ;;
esac
