#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The test command: installs what is missing, then
#   1. checks that every C file is formatted (clang-format 14; the cheap stage, first),
#   2. builds with -Wall -Wextra -Wshadow -Werror (gcc) and runs every test,
#   3. builds with AddressSanitizer + UndefinedBehaviorSanitizer (clang) and runs them again,
#   4. builds every libFuzzer harness and runs each for a short fixed time on its corpus.
# Exit code 0 only if all four pass.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)

echo "== format"
bash scripts/format-check.sh

echo "== release build and tests"
bash scripts/build.sh release
ctest --test-dir build/release --output-on-failure -j "$jobs"

echo "== ASan+UBSan build and tests"
bash scripts/build.sh asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan --output-on-failure -j "$jobs"

echo "== fuzz harnesses"
bash scripts/build.sh fuzz
bash scripts/fuzz.sh "${RP_FUZZ_SECONDS:-10}"
echo "== all tests passed"
