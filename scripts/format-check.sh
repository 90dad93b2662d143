#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks that every tracked C file (*.c, *.h) is as clang-format 14 (Debian's
# clang-format-14) formats it with the repository's .clang-format. Changes nothing:
# --dry-run -Werror reports each difference and fails. scripts/test.sh runs it first.
# To format a file: clang-format-14 -i FILE.
set -euo pipefail
cd "$(dirname "$0")/.."

cf=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$cf" ]; then
  echo "format-check: clang-format 14 is missing (scripts/setup.sh installs clang-format-14)" >&2
  exit 1
fi
# Another version formats some constructs differently: only 14 decides.
if ! "$cf" --version | grep -q 'version 14\.'; then
  echo "format-check: $cf is not clang-format 14: $("$cf" --version)" >&2
  exit 1
fi

if ! git ls-files -z -- '*.c' '*.h' |
     xargs -0 "$cf" --style=file --dry-run -Werror; then
  echo "format-check: the files above are not formatted; run $cf -i on them" >&2
  exit 1
fi
echo "format-check: $(git ls-files -- '*.c' '*.h' | wc -l) files formatted"
