# SPDX-License-Identifier: MIT
"""A host process for the crash test (run by test_crash.py, not by pytest).

    host_child.py send ENVFILE QUESTION   send one request, print its id, then hang
                                          (the test kills us with SIGKILL)
    host_child.py deliver ENVFILE MSGID   open the same state folder, wait until the
                                          request is relayed, print its status
"""
from __future__ import annotations

import sys
import time

import rejsepost as rp
from conftest import sparring_request


def main() -> int:
    mode, envfile, arg = sys.argv[1:4]
    env = rp.read_env_file(envfile)
    with rp.config_from_env(env, backoff=(10, 200), receive=False) as cfg:
        client = rp.Client(cfg)
    if mode == "send":
        with sparring_request(arg) as m:
            msg_id = client.send(m)
        print(msg_id, flush=True)
        time.sleep(600)  # killed here, before any flush or close
        return 1
    status = client.wait_status(arg, rp.Status.RELAYED, timeout=30)
    print(status.label if isinstance(status, rp.Status) else status, flush=True)
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
