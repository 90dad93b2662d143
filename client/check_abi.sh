#!/bin/sh
# SPDX-License-Identifier: MIT
# The shared library must export exactly the checked-in list, every name with rp_.
set -eu
lib=$1
list=$2
got=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TtDdBbRrVvWwi]$/ {print $3}' |
      sed 's/@.*//' | grep -v '^$' | grep -v '^REJSEPOST_' | sort -u)
bad=$(printf '%s\n' "$got" | grep -v '^rp_' || true)
if [ -n "$bad" ]; then
  echo "exported without the rp_ prefix:"; printf '%s\n' "$bad"; exit 1
fi
if ! printf '%s\n' "$got" | diff -u "$list" -; then
  echo "exported symbols differ from $list"; exit 1
fi
echo "ok: $(printf '%s\n' "$got" | wc -l) symbols"
