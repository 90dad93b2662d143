#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tools/man: the manual pages in man/ against the code they describe.
#  - every page is clean under mandoc -Tlint (warnings and worse) and groff -mandoc -ww;
#  - rejsepost.3 documents every exported function (tests/client/abi.symbols) on an .Fn,
#    .Fo or .Nm line, its SYNOPSIS names no function the library does not export, and
#    its ERRORS section has every code of rejsepost_errors.h with its sentence;
#  - rejsepost.1 has an item for every command `rejsepost --help` lists, and names every
#    long option of each command's --help; rejsepost-advisor.1 likewise for the advisor
#    commands;
#  - every long option of rejsepost-relayd, -inboxd and -webd --help (and every setting
#    the relay's --help lists) appears in that daemon's page;
#  - `cmake --install --component doc` into a temporary prefix puts the pages and the
#    documents where man(1) finds them.
# Usage: man_test.sh SOURCE_DIR BUILD_DIR C_COMPILER
set -uo pipefail

src=$1
build=$2
cc=$3
man=$src/man
fails=0
fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}

# The page as plain text, one long line per paragraph, so that no option is split.
render() { mandoc -Tascii -O width=1000 "$1" | sed 's/.\x08//g'; }

# Does the rendered text name the long option exactly (not as the prefix of another)?
names_option() { grep -Eq -- "(^|[^a-z-])$2([^a-z-]|\$)" <<<"$1"; }

long_options() { grep -Eo -- '--[a-z][a-z0-9-]*' | sort -u; }

command -v mandoc >/dev/null || { echo "mandoc is missing: run scripts/setup.sh"; exit 1; }
command -v groff >/dev/null || { echo "groff is missing: run scripts/setup.sh"; exit 1; }

# ---- every page lints clean ----
mapfile -t pages < <(find "$man" -maxdepth 1 -name '*.[0-9]' | sort)
[ ${#pages[@]} -ge 6 ] || fail "expected at least 6 pages in man/, found ${#pages[@]}"
for page in "${pages[@]}"; do
  if ! out=$(mandoc -Tlint -W warning "$page" 2>&1) || [ -n "$out" ]; then
    fail "mandoc -Tlint $(basename "$page"):"$'\n'"$out"
  fi
  out=$(groff -mandoc -ww -z "$page" 2>&1)
  [ -z "$out" ] || fail "groff -ww $(basename "$page"):"$'\n'"$out"
done

# ---- rejsepost.3: every exported function, and nothing else in the SYNOPSIS ----
lib3=$man/rejsepost.3
while read -r sym; do
  [ -n "$sym" ] || continue
  grep -Eq "^\.(Fn|Fo|Nm)[[:space:]]+$sym([[:space:]]|\$)" "$lib3" ||
    fail "rejsepost.3 does not document $sym (no .Fn/.Fo/.Nm line naming it)"
done <"$src/tests/client/abi.symbols"
synopsis=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$lib3" | awk '$1 == ".Fn" || $1 == ".Fo" {print $2}')
for fn in $synopsis; do
  grep -qx "$fn" "$src/tests/client/abi.symbols" ||
    fail "rejsepost.3's SYNOPSIS has $fn, which the library does not export"
done

# ---- rejsepost.3: every error code with its sentence (from the X-macro map itself) ----
errors=$(printf '#include "rejsepost_errors.h"\n#define RP_T(n, v, t) @n t\nRP_ERRNO_MAP(RP_T)\n' |
         "$cc" -E -P -I "$src/include" -x c - | tr '\n' ' ' | tr '@' '\n' | tail -n +2 | grep -v '^ *$')
nerr=0
errs3=$(sed -n '/^\.Sh ERRORS/,/^\.Sh /p' "$lib3")
while read -r name rest; do
  [ -n "$name" ] || continue
  nerr=$((nerr + 1))
  sentence=$(sed -E 's/^ *"(.*)" *$/\1/' <<<"$rest")
  item=$(grep -A1 -x "\.It Bq Er RP_$name" <<<"$errs3" | tail -n 1)
  if [ -z "$item" ]; then
    fail "rejsepost.3 ERRORS has no item for RP_$name"
  elif [ "$item" != "$sentence" ]; then
    fail "rejsepost.3 ERRORS: RP_$name reads '$item', rejsepost_errors.h says '$sentence'"
  fi
done <<<"$errors"
[ "$nerr" -ge 45 ] || fail "read only $nerr error codes from rejsepost_errors.h"

# ---- rejsepost.1: every command and its long options ----
cli=$build/tools/rejsepost
page1=$(render "$man/rejsepost.1")
commands=$("$cli" --help | sed -n '/^Commands:/,/^$/p' | awk -F'  +' 'NF >= 3 {print $2}' |
           sed 's/ *\[.*//')
[ "$(wc -l <<<"$commands")" -ge 15 ] || fail "read too few commands from rejsepost --help"
for cmd in $(tr ' ' '+' <<<"$commands"); do
  cmd=${cmd//+/ }
  grep -Eq "^\.It Cm $cmd( |\$)" "$man/rejsepost.1" ||
    fail "rejsepost.1 has no item '.It Cm $cmd' for a command of rejsepost --help"
  # advisor's options are rejsepost-advisor.1's (below).
  [ "$cmd" = help ] || [ "$cmd" = advisor ] && continue
  # shellcheck disable=SC2086 # two-word commands are two arguments
  for opt in $("$cli" $cmd --help | long_options); do
    names_option "$page1" "$opt" || fail "rejsepost.1 does not name '$cmd $opt'"
  done
done

# ---- rejsepost-advisor.1: every advisor command and its long options ----
pagea=$(render "$man/rejsepost-advisor.1")
acmds=$("$cli" advisor --help | sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p')
[ "$(wc -l <<<"$acmds")" -ge 15 ] || fail "read too few commands from rejsepost advisor --help"
for cmd in $acmds; do
  grep -Eq "^\.It Cm $cmd( |\$)" "$man/rejsepost-advisor.1" ||
    fail "rejsepost-advisor.1 has no item '.It Cm $cmd'"
  for opt in $("$cli" advisor "$cmd" --help | long_options); do
    names_option "$pagea" "$opt" || fail "rejsepost-advisor.1 does not name '$cmd $opt'"
  done
done

# ---- the daemons: every long option, and the relay's every setting ----
for d in server/rejsepost-relayd inbox/rejsepost-inboxd web/rejsepost-webd; do
  name=$(basename "$d")
  help=$("$build/$d" --help) || fail "$name --help failed"
  text=$(render "$man/$name.8")
  for opt in $(long_options <<<"$help"); do
    names_option "$text" "$opt" || fail "$name.8 does not name $opt (from $name --help)"
  done
  if [ "$name" = rejsepost-relayd ]; then
    for key in $(sed -n 's/^  \([a-z]*\.[a-z_]*\)$/\1/p' <<<"$help"); do
      grep -Fq "$key" <<<"$text" || fail "$name.8 does not name the setting $key"
    done
  fi
  if [ "$name" = rejsepost-webd ]; then
    for sub in add reset unlock delete list; do
      grep -Eq "^\.It Cm account $sub( |\$)" "$man/$name.8" ||
        fail "$name.8 has no item for 'account $sub'"
    done
  fi
done

# ---- installed where man(1) finds them ----
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rp-man.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if ! cmake --install "$build" --prefix "$tmp/prefix" --component doc >"$tmp/install.log" 2>&1; then
  fail "cmake --install --component doc:"$'\n'"$(cat "$tmp/install.log")"
fi
mp=$tmp/prefix/share/man
for f in man1/rejsepost.1 man1/rejsepost-advisor.1 man3/rejsepost.3 man3/rp_send.3 \
         man8/rejsepost-relayd.8 man8/rejsepost-inboxd.8 man8/rejsepost-webd.8; do
  [ -f "$mp/$f" ] || fail "not installed: share/man/$f"
done
for f in INTEGRATION.md PROTOCOL.md SCHEMA.md; do
  [ -f "$tmp/prefix/share/doc/rejsepost/$f" ] || fail "not installed: share/doc/rejsepost/$f"
done
# man-db's seccomp sandbox is refused in some containers; it adds nothing here.
export MAN_DISABLE_SECCOMP=1 MANWIDTH=100 MANPAGER=cat PAGER=cat LC_ALL=C.UTF-8
man_says() { # section-or-empty name pattern
  local out
  # shellcheck disable=SC2086 # an empty section is no argument
  out=$(man -M "$mp" $1 "$2" 2>&1 | col -bx)
  grep -q -- "$3" <<<"$out" || fail "man -M PREFIX/share/man $1 $2: no '$3' in:"$'\n'"$(head -5 <<<"$out")"
}
man_says "" rejsepost "keys verify-fingerprint"
man_says "" rejsepost "rp_send"
man_says 3 rejsepost "rp_send"
man_says "" rp_send "rp_send_opened"
man_says "" rp_received_attachment_save "RP_EDIGEST"
man_says 8 rejsepost-relayd "SIGHUP"
man_says 8 rejsepost-inboxd "advisor.sock"
man_says 8 rejsepost-webd "account add"
man_says 1 rejsepost-advisor "audit-verify"

if [ "$fails" -ne 0 ]; then
  echo "$fails failure(s)"
  exit 1
fi
echo "ok: ${#pages[@]} pages, $(wc -l <"$src/tests/client/abi.symbols") functions, $nerr error codes"
