# SPDX-License-Identifier: MIT
"""A host process killed with SIGKILL right after send returns: a new host process on
the same state folder delivers the request, and the team receives it exactly once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, List

from conftest import PKG_ROOT, Net, wait_for

import rejsepost as rp

CHILD = Path(__file__).resolve().parent / "host_child.py"


def _run_env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PKG_ROOT), str(CHILD.parent)])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def send_and_kill(net: Net, question: str) -> str:
    """Starts a host that sends one request and kills it -9 once send has returned."""
    p = subprocess.Popen([sys.executable, str(CHILD), "send", str(net.env_file("kbh")), question],
                         stdout=subprocess.PIPE, env=_run_env(), text=True)
    try:
        line = p.stdout.readline().strip() if p.stdout else ""
        assert len(line) == 32, f"child printed {line!r}"
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
    assert p.returncode == -signal.SIGKILL
    return line


def deliver(net: Net, msg_id: str) -> str:
    out = subprocess.run([sys.executable, str(CHILD), "deliver", str(net.env_file("kbh")), msg_id],
                         capture_output=True, env=_run_env(), text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def count_in_team_inbox(net: Net, questions: List[str]) -> Dict[str, int]:
    counts = {q: 0 for q in questions}
    with rp.config_from_env(net.env("team")) as cfg, rp.Client(cfg) as team:
        wait_for(lambda: team.conn_state == rp.ConnState.CONNECTED, what="team connected")
        wait_for(lambda: team.inbox_pending >= len(questions), what="team inbox")
        time.sleep(0.5)  # room for a duplicate to arrive, if there were one
        for r in team.inbox():
            with r:
                q = r.get_text("question")
                if q in counts:
                    counts[q] += 1
                team.mark_handled(r)
    return counts


def test_killed_after_send_is_delivered_exactly_once(net: Net) -> None:
    # 1: the relay is down, so the killed host cannot have sent anything
    q1 = f"crash-relay-down {uuid.uuid4()}"
    net.relay_kill()
    try:
        id1 = send_and_kill(net, q1)
    finally:
        net.relay_start()
    assert deliver(net, id1) == "relayed"

    # 2: the relay is up: the killed host may or may not have sent it before it died
    q2 = f"crash-relay-up {uuid.uuid4()}"
    id2 = send_and_kill(net, q2)
    assert deliver(net, id2) == "relayed"

    counts = count_in_team_inbox(net, [q1, q2])
    assert counts == {q1: 1, q2: 1}, counts
