#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages rejsepost needs, skipping those already installed.
# chromium is for the browser test (tests/web/browser_test.c); its node modules come
# from tests/browser/package-lock.json (scripts/test.sh runs `npm ci` there). The
# binding tests (bindings/) need pytest, OpenJDK with JNA and JUnit, and Mono with NUnit;
# setuptools and wheel build the Python package's wheel offline (its packaging test).
# mandoc, groff-base and man-db are for the manual pages' test (tests/tools/man_test.sh):
# mandoc -Tlint, groff -ww, and man -M on the installed pages.
# Usage: scripts/setup.sh [extra-package ...]
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config clang libclang-rt-dev
          libsodium-dev nettle-dev libuv1-dev libmsgpack-dev libsqlite3-dev libcmocka-dev
          libinih-dev libjansson-dev libcurl4-gnutls-dev python3-aiosmtpd python3-jsonschema
          clang-format-14
          libmicrohttpd-dev liboath-dev libqrencode-dev openssl chromium
          python3-pytest python3-setuptools python3-wheel default-jdk-headless libjna-java junit5
          mono-mcs mono-runtime libmono-system-core4.0-cil nunit-console
          libnunit-framework2.6.3-cil mandoc man-db groff-base "$@")

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
