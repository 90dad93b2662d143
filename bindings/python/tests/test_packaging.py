# SPDX-License-Identifier: MIT
"""The package's metadata and a wheel built offline with Debian's setuptools."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from conftest import PKG_ROOT

import rejsepost as rp


def test_version_is_the_library_version() -> None:
    meta = tomllib.loads((PKG_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["version"] == rp.__version__ == rp.version()
    assert meta["project"]["name"] == "rejsepost"


def test_library_is_found_by_env_var_or_soname(tmp_path: Path) -> None:
    code = "import rejsepost as rp; print(rp.version())"
    env = dict(os.environ, PYTHONPATH=str(PKG_ROOT), PYTHONDONTWRITEBYTECODE="1")
    ok = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.strip() == "0.1.0", ok.stderr
    # a wrong path and no installed library: a clear ImportError naming the variable
    env["REJSEPOST_LIBRARY"] = str(tmp_path / "nope.so")
    env["LD_LIBRARY_PATH"] = str(tmp_path)
    bad = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if bad.returncode == 0:
        pytest.skip("an installed librejsepost.so.0 was found instead")
    assert "REJSEPOST_LIBRARY" in bad.stderr
    # the soname through the loader's path
    lib = Path(os.environ["REJSEPOST_LIBRARY"]).resolve()
    (tmp_path / "librejsepost.so.0").symlink_to(lib)
    env.pop("REJSEPOST_LIBRARY")
    via = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert via.returncode == 0 and via.stdout.strip() == "0.1.0", via.stderr


def test_wheel_builds_offline(tmp_path: Path) -> None:
    """The PEP 517 backend itself (no pip, no network): Debian's python3-setuptools
    and python3-wheel. Skipped where they are not installed."""
    pytest.importorskip("setuptools")
    pytest.importorskip("wheel")
    src = tmp_path / "src"
    shutil.copytree(PKG_ROOT, src, ignore=shutil.ignore_patterns(
        "__pycache__", "tests", "build", "dist", "*.egg-info"))
    dist = tmp_path / "dist"
    dist.mkdir()
    code = ("import sys; from setuptools import build_meta as b; "
            "print(b.build_wheel(sys.argv[1]))")
    out = subprocess.run([sys.executable, "-c", code, str(dist)], cwd=src,
                         capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    assert out.returncode == 0, out.stdout + out.stderr
    wheels = list(dist.glob("rejsepost-0.1.0-*.whl"))
    assert len(wheels) == 1, out.stdout
    names = zipfile.ZipFile(wheels[0]).namelist()
    for f in ("rejsepost/__init__.py", "rejsepost/_native.py", "rejsepost/py.typed"):
        assert f in names
