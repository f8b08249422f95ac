"""`make run`'s own files under data/ are private like the rest: the demo build's log is 0600."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _fake(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("older_log", [False, True], ids=["first run", "a 0644 log from before"])
def test_make_run_writes_the_demo_build_log_0600(tmp_path: Path, older_log: bool) -> None:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "stamp").write_text("")   # the environment is installed: make runs the recipe only
    installed = (tmp_path / "stamp").stat().st_mtime   # the file system's clock, not the tests' (tests/clock.py)
    (tmp_path / "pyproject.toml").write_text("")
    os.utime(tmp_path / "pyproject.toml", (installed - 60, installed - 60))
    fake_bin = tmp_path / "fake-bin"
    fake_bin.mkdir()
    _fake(fake_bin / "cc-data", 'echo "demo: 2,036 calls"')
    _fake(fake_bin / "streamlit", "exit 0")
    log = tmp_path / "data" / "demo-build.log"
    if older_log:
        log.parent.mkdir(mode=0o700)
        log.write_text("an older build\n")
        log.chmod(0o644)
    env = {**os.environ, "MAKEFLAGS": ""}
    result = subprocess.run(["make", "-s", "run", f"BIN={fake_bin}", "RUN_STAMP=stamp"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60, umask=0o022)
    assert result.returncode == 0, result.stderr
    for _ in range(100):   # the build runs in the background: wait for its output
        if log.exists() and "2,036 calls" in log.read_text():
            break
        time.sleep(0.05)
    assert "2,036 calls" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
