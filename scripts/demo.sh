#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: installs what is missing, builds, and runs the end-to-end demo
# (rejsepost-demo, a program of the build tree that is never installed) on embedded
# defaults (files in a fresh temporary folder, loopback only). Arguments go to the demo
# (--keep, --help). The exit code says whether every step worked.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release >/dev/null
exec build/release/tools/demo/rejsepost-demo "$@"
