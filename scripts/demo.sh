#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: installs what is missing, builds, and runs the end-to-end demo on
# embedded defaults (files in a fresh temporary folder, loopback only). The exit code
# says whether every step worked.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release >/dev/null
exec build/release/tools/rejsepost demo "$@"
