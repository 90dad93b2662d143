#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Builds the .NET binding with Debian's Mono compiler (no NuGet here):
#   build.sh OUT_DIR
# OUT_DIR gets Rejsepost.dll (+ .dll.config, the dllmap for Mono, + .xml docs),
# Rejsepost.Tests.dll (NUnit 2.6), CrashChild.exe, SendRequest.exe (the example) and
# SendRate.exe (the bench). With the .NET SDK, src/Rejsepost.csproj builds the same
# library (dotnet pack gives the NuGet package).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
# The sources are named relative to the binding's folder.
cd "$here"
nunit=/usr/lib/cli/nunit.framework-2.6.3/nunit.framework.dll
[ -f "$nunit" ] || { echo "build.sh: no $nunit (apt-get install libnunit-framework2.6.3-cil)" >&2; exit 1; }
mcs_() { mcs -nologo -warnaserror+ -langversion:6 "$@"; }
mcs_ -target:library -out:"$out/Rejsepost.dll" -doc:"$out/Rejsepost.xml" -nowarn:1591 \
  src/*.cs
cp src/Rejsepost.dll.config "$out/Rejsepost.dll.config"
mcs_ -target:library -out:"$out/Rejsepost.Tests.dll" -r:"$out/Rejsepost.dll" -r:"$nunit" \
  -r:System.Core.dll tests/TestNet.cs tests/*Tests.cs
mcs_ -target:exe -out:"$out/CrashChild.exe" -r:"$out/Rejsepost.dll" tests/CrashChild.cs
mcs_ -target:exe -out:"$out/SendRequest.exe" -r:"$out/Rejsepost.dll" examples/SendRequest.cs
mcs_ -target:exe -out:"$out/SendRate.exe" -r:"$out/Rejsepost.dll" bench/SendRate.cs
