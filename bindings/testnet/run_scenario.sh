#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the C scenario (scenario.c) against a fresh testnet.sh network.
#   run_scenario.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1
work=$(mktemp -d)
trap '"$here/testnet.sh" down "$work/net"; rm -rf "$work"' EXIT
"$here/testnet.sh" up "$work/net" "$build" >/dev/null
"$build/bindings/rp-scenario" "$work/net/kbh.env" "$work/net/team.env" "$work"
