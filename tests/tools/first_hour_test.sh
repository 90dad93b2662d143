#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# tools/first_hour: the steps of docs/INTEGRATION.md section 3, as written there. A
# testnet.sh network; examples/first_hour.c (built in the tree) sends a request as the
# municipality, answers it as the team and reads the reply as the municipality, over the
# real relay; the request's status ends "answered".
# Usage: first_hour_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

src=$1
build=$(cd "$2" && pwd)
prog=$build/client/first_hour
testnet=$src/bindings/testnet/testnet.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rp-first-hour.XXXXXX")
net=$tmp/net
cleanup() {
  bash "$testnet" down "$net" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  [ -f "$net/relay.log" ] && tail -20 "$net/relay.log"
  exit 1
}

bash "$testnet" up "$net" "$build" >/dev/null
as() { # member mode: the program in the member's environment, as the page runs it
  (set -a; . "$net/$1.env"; set +a; "$prog" "$2")
}

out=$(as kbh send) || fail "send: $out"
id=$(sed -n 's/^queued \([0-9a-f]\{32\}\)$/\1/p' <<<"$out")
[ -n "$id" ] || fail "send printed no id: $out"
grep -qx "relayed $id" <<<"$out" || fail "send: not relayed: $out"

out=$(as team answer) || fail "answer: $out"
grep -q "^received request $id from kbh: How do we plan a safe first meeting?\$" <<<"$out" ||
  fail "answer: the request did not arrive: $out"
reply=$(sed -n 's/^replied \([0-9a-f]\{32\}\)$/\1/p' <<<"$out")
[ -n "$reply" ] || fail "answer: no reply sent: $out"

out=$(as kbh receive) || fail "receive: $out"
grep -q "\"kind\":\"reply\"" <<<"$out" || fail "receive: no reply: $out"
grep -q "\"msg_id\":\"$reply\"" <<<"$out" || fail "receive: another message: $out"
grep -q "\"in_reply_to\":\"$id\"" <<<"$out" || fail "receive: the reply names another request: $out"
grep -q "\"thread_id\":\"$id\"" <<<"$out" || fail "receive: the reply is in another thread: $out"
grep -qx "sent request $id to team: answered" <<<"$out" || fail "receive: status: $out"
echo "ok: request $id answered by $reply"
