#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs one of the C programs beside this script (rp-scenario, rp-workflow) against a
# fresh testnet.sh network, with the municipality's and the team's settings and a
# scratch folder as its arguments.
#   run.sh PROGRAM BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
program=$1
build=$2
work=$(mktemp -d)
trap '"$here/testnet.sh" down "$work/net"; rm -rf "$work"' EXIT
"$here/testnet.sh" up "$work/net" "$build" >/dev/null
"$build/bindings/$program" "$work/net/kbh.env" "$work/net/team.env" "$work"
