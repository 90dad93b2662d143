#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Sends per second through the Python binding.

    send_rate.py ENVFILE N

Opens a client from ENVFILE (the municipality's NAME=VALUE file that testnet.sh
writes) and times N rounds of: build the small request bindings/testnet/send_rate.c
sends (anonymous sparring, normal urgency, no attachment; the same fields and values),
Client.send it (checked, sealed and durable in the outbox) and close it. The library
is the one REJSEPOST_LIBRARY names, else the env file's LIBRARY line, else the
installed one. Prints exactly one line, ``sends_per_s=<number>``,
on stdout; the rest goes to stderr.
"""
from __future__ import annotations

import os
import sys
import time


def _library_from_envfile() -> None:
    """Without REJSEPOST_LIBRARY, use the env file's LIBRARY line (testnet.sh writes it)."""
    if len(sys.argv) != 3 or os.environ.get("REJSEPOST_LIBRARY"):
        return
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            if line.startswith("LIBRARY="):
                os.environ["REJSEPOST_LIBRARY"] = line.strip().split("=", 1)[1]


_library_from_envfile()
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import rejsepost as rp  # noqa: E402


def small_request() -> rp.Message:
    """The message bindings/testnet/send_rate.c sends: the same fields, values and order."""
    return (
        rp.Message("request")
        .set_enum("sender_role", "myndighedsraadgiver")
        .set_text("sender_ref", "bench")
        .set_enum("request_type", "anonym_sparring")
        .set_enum("urgency", "normal")
        .add_to_set("categories", "negativ_social_kontrol")
        .set_enum("risk.level", "middel")
        .set_enum("risk.tool", "ingen")
        .set_enum("identifiability.mode", "anonym")
        .set_enum("identifiability.consent", "ingen")
        .set_enum("citizen.age_band", "18_22")
        .set_text("question", "Hvordan griber vi samtalen an?")
    )


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: send_rate.py ENVFILE N", file=sys.stderr)
        return 2
    try:
        n = int(sys.argv[2])
    except ValueError:
        n = 0
    if n < 1:
        print("send_rate: N must be at least 1", file=sys.stderr)
        return 2
    env = rp.read_env_file(sys.argv[1])
    # receive left on, as the C program's client has it
    with rp.config_from_env(env) as cfg, rp.Client(cfg) as client:
        # like the C program, each send is of a message built, sent and freed anew
        t0 = time.perf_counter()
        for _ in range(n):
            with small_request() as msg:
                client.send(msg)
        elapsed = time.perf_counter() - t0
        print(f"send_rate: {n} sends in {elapsed:.3f} s (python {sys.version.split()[0]})",
              file=sys.stderr)
        print(f"sends_per_s={n / elapsed:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
