"""`kill -9` at random moments never corrupts anything: a re-run ends equal to an uninterrupted sync."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

from tests.integration.checks import assert_contacts_equal, assert_tracking_equal, db_frame
from tests.integration.conftest import child_env, settings_for


def test_kill_9_at_random_moments_then_rerun(start_sandbox, tmp_path):
    sandbox = start_sandbox()
    settings = settings_for(sandbox, tmp_path)
    env = child_env(settings, rate_limit_rps=60)
    command = [sys.executable, "-m", "cc_data.cli", "sync", "--quiet"]
    rng = random.Random(20240611)
    killed = 0
    for _ in range(5):
        # The moment is counted in the sync's own requests, not in seconds: a faster machine (or a warm bytecode
        # cache) finished the whole sync before a kill timed in seconds, and the test then proved nothing.
        target = len(sandbox.request_log) + rng.randint(2, 25)
        proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        while proc.poll() is None and len(sandbox.request_log) < target:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.05))   # between requests, or while a page is being written
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait()
    assert killed >= 3
    final = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    account = sandbox.account
    assert_contacts_equal(settings.db_path, account)
    assert_tracking_equal(settings.db_path, account)
    runs = db_frame(settings.db_path, "SELECT outcome, count(*) n FROM sync_runs GROUP BY ALL")
    outcomes = dict(zip(runs["outcome"], runs["n"], strict=True))
    assert outcomes.get("success", 0) >= 1 and "running" not in outcomes
