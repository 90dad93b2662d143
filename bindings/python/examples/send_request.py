#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Sends one akut advisory request with an attachment and waits for its status.

    send_request.py ENVFILE [ATTACHMENT] [--until STATUS] [--timeout SECONDS]

ENVFILE holds NAME=VALUE lines (STATE_DIR, RELAY_HOST, RELAY_PORT, RELAY_KEY,
IDENTITY_FILE, ADMIN_KEY, ROSTER_FILE), as bindings/testnet/testnet.sh writes them.
ATTACHMENT is a file to attach (default: a small text made here). STATUS is the status
to wait for: relayed (default), delivered, opened, answered. Prints the message id and
each status it reaches; exits 0 when the wanted one is reached, 1 otherwise.
"""
from __future__ import annotations

import argparse
import sys
import threading

import rejsepost as rp


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("envfile")
    ap.add_argument("attachment", nargs="?")
    ap.add_argument("--until", default="relayed",
                    choices=["relayed", "delivered", "opened", "answered"])
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args()
    wanted = rp.Status[args.until.upper()]

    lock = threading.Lock()
    seen: list = []

    def on_status(client: rp.Client, msg_id: str, status: rp.Status, error: object) -> None:
        # runs on the library's loop thread: keep it short, just record
        with lock:
            seen.append((msg_id, status, error))

    env = rp.read_env_file(args.envfile)
    try:
        with rp.config_from_env(env, on_status=on_status) as cfg, rp.Client(cfg) as client:
            msg = (
                rp.Message("request")
                .set_enum("sender_role", "myndighedsraadgiver")
                .set_text("sender_ref", "example-1")
                .set_enum("request_type", "konkret_sag")
                .set_enum("urgency", "akut")
                .add_to_set("categories", "trusler")
                .set_enum("risk.level", "hoej")
                .set_bool("risk.acute", True)
                .set_enum("risk.tool", "ingen")
                .set_enum("citizen.age_band", "23_29")
                .set_enum("identifiability.mode", "anonym")
                .set_enum("identifiability.consent", "ingen")
                .set_text("question", "Borgeren er truet af familien. Hvad gør vi nu?")
            )
            with msg:
                if args.attachment:
                    msg.attach(args.attachment, mime="application/octet-stream",
                               kind="risikovurdering")
                else:
                    msg.attach(b"Fiktiv risikovurdering: hoej.\n", name="risiko.txt",
                               mime="text/plain", kind="risikovurdering")
                msg_id = client.send(msg)
            print(f"queued {msg_id}", flush=True)
            status = client.wait_status(msg_id, wanted, timeout=args.timeout)
            for st in (rp.Status.RELAYED, rp.Status.DELIVERED, rp.Status.OPENED,
                       rp.Status.ANSWERED):
                when = client.status_time(msg_id, st)
                if when:
                    print(f"{st.label} {when}")
            info = client.status(msg_id)
            if info.error is not None:
                print(f"failed: {info.error}", file=sys.stderr)
            with lock:
                callbacks = len([s for s in seen if s[0] == msg_id])
            print(f"status {rp.status_name(status)} ({callbacks} status callbacks)")
            return 0 if rp.status_rank(status) >= wanted.rank and status != rp.Status.FAILED \
                and status != rp.Status.EXPIRED else 1
    except rp.RejsepostError as e:
        print(f"error: {e} [name={e.name} field={e.field}]", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
