"""`cc-data sandbox serve` runs both sandboxes for one account and prints how to reach each."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import requests


def _read_banner(process: subprocess.Popen, deadline: float) -> str:
    lines = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            return "".join(lines)
    raise AssertionError("no banner: " + "".join(lines))


def test_serve_starts_the_constant_contact_and_donorperfect_sandboxes(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CC_", "CONSTANT_CONTACT_", "DP_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "cc_data.cli", "sandbox", "serve", "--port", "0", "--dp-port", "0", "--scale", "small"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        banner = _read_banner(process, time.monotonic() + 60)
        api = re.search(r"CC_API_BASE_URL=(\S+)", banner)[1]
        dp_url = re.search(r"DP_API_URL=(\S+)", banner)[1]
        dp_key = re.search(r"DP_API_KEY=(\S+)", banner)[1]
        state = requests.get(api.removesuffix("/v3") + "/__sandbox__/state", timeout=10).json()
        answer = requests.get(f"{dp_url}?apikey={dp_key}&action=SELECT TOP 500 gift_id FROM DPGIFT", timeout=10)
        assert answer.status_code == 200 and "<record>" in answer.text
        assert answer.text.count("<record>") == min(state["counts"]["gifts"], 500)
        wrong = requests.get(f"{dp_url}?apikey=nope&action=SELECT TOP 1 gift_id FROM DPGIFT", timeout=10)
        assert "Invalid API key" in wrong.text
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    assert "Stopping the sandbox." in output and process.returncode == 0


def _parse(*argv: str):
    import argparse

    from cc_data.cli.sandbox import register, variants_seed
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sandbox", "serve", *argv])
    return variants_seed(args)


def test_variants_flag_takes_an_optional_seed():
    assert _parse() is None
    assert _parse("--variants") == 7                       # no value: the account seed
    assert _parse("--seed", "11", "--variants") == 11
    assert _parse("--variants", "3") == 3


def test_serve_with_variants_serves_documented_forms(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CC_", "CONSTANT_CONTACT_", "DP_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "cc_data.cli", "sandbox", "serve", "--port", "0", "--dp-port", "0", "--scale", "small",
         "--variants", "3"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        banner = _read_banner(process, time.monotonic() + 60)
        api = re.search(r"CC_API_BASE_URL=(\S+)", banner)[1]
        assert re.search(r"variants: +seed 3 ", banner)
        state = requests.get(api.removesuffix("/v3") + "/__sandbox__/state", timeout=10).json()
        assert state["variants"] == 3
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0
