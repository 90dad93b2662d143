# SPDX-License-Identifier: MIT
"""The example program and the bench program, run against a real relay."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import PKG_ROOT, Net, wait_for

import rejsepost as rp


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PKG_ROOT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_example_sends_with_attachment_and_waits(net: Net, tmp_path: Path) -> None:
    att = tmp_path / "plan.pdf"
    att.write_bytes(b"%PDF-1.4 fiktiv\n" * 100)
    received = []
    with rp.config_from_env(net.env("team"),
                            on_receive=lambda c, r: received.append(r.dup())) as cfg, \
            rp.Client(cfg) as team:
        out = subprocess.run(
            [sys.executable, str(PKG_ROOT / "examples" / "send_request.py"),
             str(net.env_file("kbh")), str(att), "--until", "delivered"],
            capture_output=True, text=True, env=_env(), timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        m = re.search(r"^queued ([0-9a-f]{32})$", out.stdout, re.M)
        assert m, out.stdout
        assert re.search(r"^relayed \d+$", out.stdout, re.M)
        assert re.search(r"^delivered \d+$", out.stdout, re.M)
        assert "status delivered" in out.stdout
        msg_id = m.group(1)
        wait_for(lambda: any(r.msg_id == msg_id for r in received), what="team receives")
        r = [r for r in received if r.msg_id == msg_id][0]
        with r:
            assert r.attachments[0].name == "plan.pdf"
            assert r.read_attachment(0, None) == att.read_bytes()
            team.mark_handled(r)


def test_example_reports_errors(tmp_path: Path, net: Net) -> None:
    out = subprocess.run(
        [sys.executable, str(PKG_ROOT / "examples" / "send_request.py"),
         str(net.env_file("kbh")), str(tmp_path / "missing.pdf")],
        capture_output=True, text=True, env=_env(), timeout=60)
    assert out.returncode == 1
    assert "ENOTFOUND" in out.stderr and "attachments.0" in out.stderr


def test_bench_prints_one_line(net: Net) -> None:
    env = _env()
    env.pop("REJSEPOST_LIBRARY", None)  # the bench takes the env file's LIBRARY line
    out = subprocess.run(
        [sys.executable, str(PKG_ROOT / "bench" / "send_rate.py"), str(net.env_file("kbh")), "20"],
        capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert re.fullmatch(r"sends_per_s=\d+(\.\d+)?\n", out.stdout), out.stdout
    assert float(out.stdout.split("=")[1]) > 0
