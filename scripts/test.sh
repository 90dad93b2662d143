#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The test command: installs what is missing, then
#   1. checks that every C file is formatted (clang-format 14; the cheap stage, first),
#   2. builds with -Wall -Wextra -Wshadow -Werror (gcc) and runs every test, among them
#      the browser test (headless Chromium from setup.sh, node modules from `npm ci`),
#   3. builds with AddressSanitizer + UndefinedBehaviorSanitizer (clang) and runs them again,
#   4. builds every libFuzzer harness and runs each for a short fixed time on its corpus.
# Exit code 0 only if all four pass.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)

echo "== format"
bash scripts/format-check.sh

echo "== browser test's node modules"
# The browser test (web/browser_test) drives Debian's Chromium with puppeteer-core and
# checks pages with axe-core, both pinned in tests/browser/package-lock.json. Under CI it
# is never skipped: without Chromium or these modules it fails.
if ! command -v npm >/dev/null 2>&1; then bash scripts/setup.sh nodejs npm; fi
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

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
