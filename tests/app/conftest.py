"""A synthetic account database shared by the app tests, and settings pointing at it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.fixture_db import build_synthetic


@pytest.fixture(scope="session")
def synthetic_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic(tmp_path_factory.mktemp("app") / "cc.duckdb", contacts=150, campaigns=16)


@pytest.fixture
def app_env(synthetic_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("CC_DB_PATH", str(synthetic_db))
    monkeypatch.setenv("CC_TOKEN_FILE", str(tmp_path / "tokens.json"))  # never a developer's real login
    monkeypatch.delenv("CONSTANT_CONTACT_CLIENT_ID", raising=False)
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    return synthetic_db
