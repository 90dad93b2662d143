# SPDX-License-Identifier: MIT
"""Fixtures of the Python binding's tests.

ctest passes, through the environment: REJSEPOST_LIBRARY (the built librejsepost.so),
REJSEPOST_BUILD_DIR (the CMake build folder, for testnet.sh) and REJSEPOST_SOURCE_DIR
(the repository). Run by hand from the repository:

    REJSEPOST_LIBRARY=build/release/client/librejsepost.so \
    REJSEPOST_BUILD_DIR=build/release REJSEPOST_SOURCE_DIR=. \
    /usr/bin/python3 -m pytest -p no:cacheprovider bindings/python/tests
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, Iterator

import pytest

HERE = Path(__file__).resolve().parent
PKG_ROOT = HERE.parent
sys.path.insert(0, str(PKG_ROOT))

SOURCE_DIR = Path(os.environ.get("REJSEPOST_SOURCE_DIR", PKG_ROOT.parent.parent)).resolve()
BUILD_DIR = Path(os.environ.get("REJSEPOST_BUILD_DIR", SOURCE_DIR / "build" / "release")).resolve()
TESTNET = SOURCE_DIR / "bindings" / "testnet" / "testnet.sh"
if "REJSEPOST_LIBRARY" not in os.environ:
    os.environ["REJSEPOST_LIBRARY"] = str(BUILD_DIR / "client" / "librejsepost.so")

import rejsepost as rp  # noqa: E402


class Net:
    """A throw-away network made by testnet.sh: its folder and the two env files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / "n"

    def env(self, member: str) -> Dict[str, str]:
        return rp.read_env_file(self.dir / f"{member}.env")

    def env_file(self, member: str) -> Path:
        return self.dir / f"{member}.env"

    def run(self, *args: str) -> None:
        subprocess.run(["bash", str(TESTNET), *args], check=True, stdout=subprocess.DEVNULL)

    def relay_kill(self) -> None:
        self.run("relay-kill", str(self.dir))

    def relay_start(self) -> None:
        self.run("relay-start", str(self.dir))


@pytest.fixture(scope="module")
def net() -> Iterator[Net]:
    """A network with a running relay for the module's tests; always stopped."""
    root = Path(tempfile.mkdtemp(prefix="rp-py-"))
    n = Net(root)
    try:
        n.run("up", str(n.dir), str(BUILD_DIR))
        yield n
    finally:
        subprocess.run(["bash", str(TESTNET), "down", str(n.dir)], check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    return tmp_path


def wait_for(cond: Callable[[], object], timeout: float = 20.0, what: str = "condition") -> object:
    """Polls cond() until it is truthy; fails the test after timeout seconds."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def akut_request(question: str = "How do we plan a safe first meeting?") -> rp.Message:
    """An akut anonymous-sparring request, complete but for attachments."""
    return (
        rp.Message("request")
        .set_enum("sender_role", "myndighedsraadgiver")
        .set_text("sender_ref", "py-1")
        .set_enum("request_type", "anonym_sparring")
        .set_enum("urgency", "akut")
        .add_to_set("categories", "trusler", "negativ_social_kontrol")
        .set_enum("risk.level", "hoej")
        .set_bool("risk.acute", True)
        .set_enum("risk.tool", "ingen")
        .set_enum("citizen.age_band", "18_22")
        .set_enum("identifiability.mode", "anonym")
        .set_enum("identifiability.consent", "ingen")
        .set_text("question", question)
    )


def sparring_request(question: str = "Hvordan planlægger vi et sikkert første møde?") -> rp.Message:
    """A normal anonymous-sparring request (the bench's message)."""
    return (
        rp.Message("request")
        .set_enum("sender_role", "myndighedsraadgiver")
        .set_text("sender_ref", "py-2")
        .set_enum("request_type", "anonym_sparring")
        .set_enum("urgency", "normal")
        .add_to_set("categories", "negativ_social_kontrol")
        .set_enum("risk.level", "middel")
        .set_enum("risk.tool", "ingen")
        .set_enum("citizen.age_band", "18_22")
        .set_enum("identifiability.mode", "anonym")
        .set_enum("identifiability.consent", "ingen")
        .set_text("question", question)
    )
