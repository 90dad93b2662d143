#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Builds the Java binding without Maven (Maven Central is not reachable here; pom.xml is
# for integrators who have it): javac the library into OUT/classes, jar it as
# OUT/rejsepost-VERSION.jar with the version in its manifest, then compile the example,
# the bench and the tests against it.
#
#   build.sh OUT [VERSION]     VERSION defaults to the one in the top-level CMakeLists.txt
#
# Jars come from Debian: libjna-java (jna.jar), junit5 (junit-platform-console-standalone).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT [VERSION]}
version=${2:-$(sed -n 's/^project(rejsepost VERSION \([0-9.]*\).*/\1/p' "$here/../../CMakeLists.txt")}
[ -n "$version" ] || { echo "build.sh: no version" >&2; exit 1; }
jna=${JNA_JAR:-/usr/share/java/jna.jar}
junit=${JUNIT_JAR:-/usr/share/java/junit-platform-console-standalone.jar}
for j in "$jna" "$junit"; do
  [ -r "$j" ] || { echo "build.sh: missing $j (run scripts/setup.sh)" >&2; exit 1; }
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/classes" "$out/extra" "$out/test-classes"
mkdir -p "$out/classes" "$out/extra" "$out/test-classes"

javac -encoding UTF-8 --release 17 -Xlint:all -Werror -cp "$jna" -d "$out/classes" \
  $(find "$here/src/main/java" -name '*.java' | sort)
printf 'version=%s\n' "$version" >"$out/classes/dk/rejsepost/version.properties"
printf 'Implementation-Title: rejsepost\nImplementation-Version: %s\nImplementation-Vendor: dk.rejsepost\n' \
  "$version" >"$out/manifest.txt"
jar --create --file "$out/rejsepost-$version.jar" --manifest "$out/manifest.txt" \
  -C "$out/classes" .
ln -sf "rejsepost-$version.jar" "$out/rejsepost.jar"

# The example and the bench are programs of an integrator: built against the jar alone.
javac -encoding UTF-8 --release 17 -Xlint:all -Werror -cp "$jna:$out/rejsepost.jar" \
  -d "$out/extra" $(find "$here/examples" "$here/bench" -name '*.java' | sort)
javac -encoding UTF-8 --release 17 -Xlint:all,-try -Werror \
  -cp "$jna:$out/rejsepost.jar:$out/extra:$junit" -d "$out/test-classes" \
  $(find "$here/src/test/java" -name '*.java' | sort)
echo "built $out/rejsepost-$version.jar"
