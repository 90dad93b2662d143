#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs one group of the .NET binding's tests (called by ctest, see ../CMakeLists.txt):
#   run.sh GROUP BUILD_DIR LIBRARY SOURCE_DIR OUT_DIR
# GROUP: build (compile with Mono into OUT_DIR), offline (NUnit, no relay), relay (NUnit
# against a real relay), crash (NUnit: a child host killed -9 after Send), workflow (NUnit:
# the municipality's whole workflow, as bindings/testnet/workflow.c), example (the
# example program and the bench against a real relay). The groups with a relay make a
# throw-away network with bindings/testnet/testnet.sh in a mktemp folder and always stop
# its relay.
set -euo pipefail
group=$1
build=$(cd "$2" && pwd)
lib=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
src=$(cd "$4" && pwd)
out=$5
here=$src/bindings/dotnet
testnet=$src/bindings/testnet/testnet.sh

export LD_LIBRARY_PATH=$(dirname "$lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export RP_SOURCE_DIR=$src RP_BUILD_DIR=$build RP_OUT=$out RP_TESTNET_SH=$testnet
# Danish text must survive whatever the locale says.
export LC_ALL=C.UTF-8 MONO_ENV_OPTIONS=--debug

# A group that hangs gets SIGQUIT after 120 s, on which Mono prints every thread's stack
# (so the log says where), and is killed 10 s later: a failure with a diagnosis, before
# ctest's own timeout would kill it silently.
nunit() {
  timeout --signal=QUIT --kill-after=10 120 \
    nunit-console -nologo -noshadow -nothread -labels -noresult "$out/Rejsepost.Tests.dll" "$@"
}

net=""
cleanup() {
  if [ -n "$net" ]; then
    bash "$testnet" down "$net/n" || true
    rm -rf "$net"
  fi
}
with_net() {
  net=$(mktemp -d)
  trap cleanup EXIT
  bash "$testnet" up "$net/n" "$build" >/dev/null
  export RP_TESTNET=$net/n
}

case $group in
  build) bash "$here/build.sh" "$out" ;;
  offline) nunit -run=Rejsepost.Tests.OfflineTests ;;
  relay) with_net; nunit -run=Rejsepost.Tests.RelayTests ;;
  crash) with_net; nunit -run=Rejsepost.Tests.CrashTests ;;
  workflow) with_net; nunit -run=Rejsepost.Tests.WorkflowTests ;;
  example)
    with_net
    f=$(mktemp -p "$net" attach.XXXXXX)
    printf 'Handlingsplan, udkast\n' >"$f"
    o=$(mono "$out/SendRequest.exe" "$RP_TESTNET/kbh.env" "$f")
    echo "$o"
    grep -Eq '^sent [0-9a-f]{32}$' <<<"$o" || { echo "example: no message id" >&2; exit 1; }
    grep -Eq '^status relayed at ' <<<"$o" || { echo "example: never relayed" >&2; exit 1; }
    b=$(mono "$out/SendRate.exe" "$RP_TESTNET/kbh.env" 50)
    echo "$b"
    grep -Eq '^sends_per_s=[0-9]+(\.[0-9]+)?$' <<<"$b" || { echo "bench: bad output" >&2; exit 1; }
    [ "$(wc -l <<<"$b")" -eq 1 ] || { echo "bench: more than one line on stdout" >&2; exit 1; }
    ;;
  *) echo "run.sh: unknown group $group" >&2; exit 2 ;;
esac
