"""The settings table in cc_data/config.py is the one source of the settings' help: `cc-data --help`, each
command's --help and docs/settings.md are written from it (datasette's pattern), and .env.example shows each
default as the table does."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cc_data import config
from cc_data.cli import main, settings_help
from cc_data.config import SETTINGS

ROOT = Path(__file__).resolve().parents[2]


def test_docs_settings_md_is_the_table_written_out() -> None:
    assert (ROOT / "docs" / "settings.md").read_text() == settings_help.markdown(), (
        "docs/settings.md differs from SETTINGS in cc_data/config.py: run `python -m cc_data.cli.settings_help`")


def test_a_changed_help_text_makes_the_docs_out_of_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: the docs follow the table, not a copy of it."""
    changed = (replace(SETTINGS[0], help="a help text nobody wrote in the docs"), *SETTINGS[1:])
    monkeypatch.setattr(settings_help, "SETTINGS", changed)
    assert "a help text nobody wrote in the docs" in settings_help.markdown()
    assert (ROOT / "docs" / "settings.md").read_text() != settings_help.markdown()


def test_every_setting_is_in_the_docs_with_its_default_and_help() -> None:
    text = (ROOT / "docs" / "settings.md").read_text()
    for setting in SETTINGS:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{setting.env}` |"))
        assert setting.help in row and (setting.shown_default or "(empty)") in row, setting.env
        assert setting.topic, f"{setting.env} has no topic"


def _help(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as done:
        main([*args, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def test_cc_data_help_lists_every_setting_and_sync_help_those_a_sync_reads(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys)
    for setting in SETTINGS:
        assert f"{setting.env}={setting.shown_default}" in text, setting.env
    sync = _help(capsys, "sync")
    assert "CC_DAILY_QUOTA=10000" in sync and "CC_FULL_SYNC_DAYS=7" in sync and "CC_DB_PATH=data/cc.duckdb" in sync
    assert "API requests per UTC day" in sync
    assert "CC_SMTP_HOST" not in sync and "DP_API_KEY" not in sync   # not a sync's settings


def test_env_example_writes_each_default_as_the_table_shows_it() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    written = dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))
    assert {env: value.strip() for env, value in written.items()} == {s.env: s.shown_default for s in SETTINGS}


def test_the_shown_default_reads_back_as_the_default() -> None:
    for setting in config.SETTINGS:
        assert setting.read({setting.env: setting.shown_default}) == setting.default, setting.env
