#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds one flavour of the tree into build/<flavour>.
# Usage: scripts/build.sh release|asan|fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
  release) cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ;;
  asan)    CC=clang CXX=clang++ cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
             -DRP_SANITIZE=ON >/dev/null ;;
  fuzz)    CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
             -DRP_FUZZ=ON >/dev/null ;;
  *) echo "build: unknown flavour '$flavour' (release, asan, fuzz)" >&2; exit 2 ;;
esac
cmake --build "build/$flavour" -j "$(nproc)"
