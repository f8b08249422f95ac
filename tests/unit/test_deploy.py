"""deploy/: every command the systemd units and the install commands run is a valid cc-data invocation, the
dashboard stays on loopback behind the proxy, and each timer starts a service that is there."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest

from cc_data.access import is_loopback
from cc_data.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVICES = sorted(DEPLOY.glob("*.service"))
TIMERS = sorted(DEPLOY.glob("*.timer"))


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str   # systemd keys are case-sensitive
    parser.read(path)
    return parser


def assert_valid_cc_data(argv: list[str], where: str) -> None:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"{where}: `cc-data {' '.join(argv)}` is not a valid cc-data command")
    assert callable(args.func), where


def test_there_are_a_dashboard_a_sync_and_a_donations_unit() -> None:
    names = {p.name for p in SERVICES} | {p.name for p in TIMERS}
    assert {"cc-data-dashboard.service", "cc-data-sync.service", "cc-data-sync.timer",
            "cc-data-donations.service", "cc-data-donations.timer"} <= names
    assert (DEPLOY / "Caddyfile").exists() and (DEPLOY / "README.md").exists()


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_every_service_runs_a_valid_command_from_the_install_directory(path: Path) -> None:
    service = unit(path)["Service"]
    argv = shlex.split(service["ExecStart"])
    program = Path(argv[0])
    assert program.parent == Path(service["WorkingDirectory"]) / ".venv" / "bin", path.name
    assert service["User"] == "cc-data" and service["ReadWritePaths"] == f"{service['WorkingDirectory']}/data"
    if program.name == "cc-data":
        assert_valid_cc_data(argv[1:], path.name)
        assert "--wait" in argv, f"{path.name}: a scheduled run must wait for Sync now or an import, not fail"
    else:
        assert program.name == "streamlit" and argv[1:3] == ["run", "app.py"] and (ROOT / "app.py").exists()
        address = argv[argv.index("--server.address") + 1]
        assert is_loopback(address), f"{path.name}: the dashboard must listen on loopback behind the proxy"
        export = argv[argv.index("--client.disableDataExport") + 1]
        assert export == "true", f"{path.name}: tables' own CSV export would bypass the audited downloads"


def test_the_nightly_sync_is_quiet() -> None:
    argv = shlex.split(unit(DEPLOY / "cc-data-sync.service")["Service"]["ExecStart"])
    assert argv[1] == "sync" and "--quiet" in argv


@pytest.mark.parametrize("path", TIMERS, ids=lambda p: p.name)
def test_every_timer_starts_a_service_that_is_there(path: Path) -> None:
    timer = unit(path)["Timer"]
    assert (DEPLOY / timer["Unit"]).exists(), f"{path.name} names {timer['Unit']}, which deploy/ does not have"
    assert timer["OnCalendar"] and timer["Persistent"] == "true"
    assert unit(path)["Install"]["WantedBy"] == "timers.target"


def test_the_proxy_forwards_to_the_dashboards_port() -> None:
    argv = shlex.split(unit(DEPLOY / "cc-data-dashboard.service")["Service"]["ExecStart"])
    port = argv[argv.index("--server.port") + 1]
    assert f"reverse_proxy 127.0.0.1:{port}" in (DEPLOY / "Caddyfile").read_text()


def commands_in(markdown: str) -> list[str]:
    """The cc-data commands of a document's code blocks and of its cron lines (inline code that starts with a
    schedule), without comments."""
    code = re.findall(r"^```[a-z]*\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)
    code += re.findall(r"`((?:[0-9*/,-]+ ){5}[^`]+)`", markdown)
    found = []
    for block in code:
        for line in block.splitlines():
            line = line.split("#")[0]
            found += re.findall(r"(?:^\s*|bin/)cc-data ([a-z]+(?: [^&;|<>]*)?)", line)   # not `sudo -u cc-data`
    return [c.strip() for c in found]


@pytest.mark.parametrize("doc", ["deploy/README.md", "docs/operations.md"])
def test_every_cc_data_command_in_the_install_docs_is_valid(doc: str) -> None:
    commands = commands_in((ROOT / doc).read_text())
    assert any(c.startswith("sync") for c in commands), doc
    for command in commands:
        argv = shlex.split(command)
        if any(a.isupper() or a in ("N", "FILE", "STREAM", "SECONDS", "...") or set(a) & set("|[<") for a in argv):
            continue   # a placeholder such as `--wait N`, `import|sync` or `[--json]`
        assert_valid_cc_data(argv, doc)
