from datetime import date
from pathlib import Path

import pytest

from cc_data.config import DEFAULT_API_BASE_URL, load_settings
from cc_data.errors import ConfigError


def test_defaults_with_no_settings_mean_demo_mode():
    s = load_settings(env={})
    assert not s.has_credentials
    assert s.api_base_url == DEFAULT_API_BASE_URL
    assert s.db_path == Path("data/cc.duckdb")
    assert s.rate_limit_rps == 4.0 and s.daily_quota == 10_000
    assert s.token_url == "https://authz.constantcontact.com/oauth2/default/v1/token"


def test_values_are_read_and_trimmed():
    s = load_settings(env={
        "CONSTANT_CONTACT_CLIENT_ID": " abc ", "CC_RATE_LIMIT_RPS": "3.5", "CC_ANCHOR_DATE": "2025-01-01",
        "CC_API_BASE_URL": "http://127.0.0.1:9999/v3/",
    })
    assert s.has_credentials and s.client_id == "abc"
    assert s.rate_limit_rps == 3.5
    assert s.anchor_date == date(2025, 1, 1) and s.effective_anchor_date == date(2025, 1, 1)
    assert s.api_base_url == "http://127.0.0.1:9999/v3"


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("CC_RATE_LIMIT_RPS", "fast", "CC_RATE_LIMIT_RPS='fast' is not a number"),
    ("CC_DAILY_QUOTA", "0", "CC_DAILY_QUOTA='0' is too small"),
    ("CC_ANCHOR_DATE", "01/02/2025", "write it as YYYY-MM-DD"),
    ("CC_API_BASE_URL", "api.cc.email/v3", "is not a URL"),
])
def test_bad_values_name_the_setting_and_the_fix(name, value, fragment):
    with pytest.raises(ConfigError) as err:
        load_settings(env={name: value})
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_secrets_stay_out_of_repr():
    s = load_settings(env={"CONSTANT_CONTACT_CLIENT_ID": "app", "CONSTANT_CONTACT_CLIENT_SECRET": "s3cr3t", "DP_API_KEY": "dpkey",
                           "CONSTANT_CONTACT_REFRESH_TOKEN": "rt-123"})
    assert "s3cr3t" not in repr(s) and "dpkey" not in repr(s) and "rt-123" not in repr(s)


def test_env_file_is_read_and_environment_wins(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("CC_DB_PATH=from_file.duckdb\nCC_DAILY_QUOTA=500\n")
    monkeypatch.setenv("CC_DAILY_QUOTA", "700")
    s = load_settings(env_file=env_file)
    assert s.db_path == Path("from_file.duckdb")
    assert s.daily_quota == 700


@pytest.mark.parametrize("name", ["CC_API_BASE_URL", "CC_OAUTH_BASE_URL", "CC_REDIRECT_URI", "DP_API_URL"])
def test_plain_http_is_refused_except_on_loopback(name):
    with pytest.raises(ConfigError) as err:
        load_settings(env={name: "http://api.example.org/v3"})
    assert name in str(err.value) and "https://" in str(err.value) and "\n" not in str(err.value)
    for loopback in ("http://127.0.0.1:8765/x", "http://localhost:9/x", "http://[::1]:9/x", "http://127.0.0.2/x"):
        load_settings(env={name: loopback})
    load_settings(env={name: "https://api.example.org/v3"})


def test_the_dashboard_listens_on_loopback_and_hides_error_details():
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["showErrorDetails"] in ("none", "type", False)


def test_settings_take_every_default_from_the_table():
    from dataclasses import fields

    from cc_data.config import SETTINGS, Settings

    assert [f.name for f in fields(Settings)] == [s.name for s in SETTINGS]
    for f in fields(Settings):
        setting = next(s for s in SETTINGS if s.name == f.name)
        assert f.default == setting.default and f.repr is not setting.secret, f.name
    assert load_settings(env={}) == Settings()


def _env_example() -> dict[str, str]:
    text = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    pairs = [line.split("=", 1) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return {name.strip(): value.strip() for name, value in pairs}


def test_env_example_documents_exactly_the_settings_with_their_defaults():
    from cc_data.config import SETTINGS

    documented = _env_example()
    assert sorted(documented) == sorted(s.env for s in SETTINGS)
    for setting in SETTINGS:
        # What .env.example shows is what leaving the setting out means.
        assert setting.read({setting.env: documented[setting.env]}) == setting.default, setting.env
        assert setting.help.strip(), setting.env
    text = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    assert all(line.startswith("#") or "=" in line for line in text.splitlines() if line.strip())


def test_fiscal_year_start_is_a_month() -> None:
    assert load_settings(env={"CC_FISCAL_YEAR_START": "7"}).fiscal_year_start == 7
    assert load_settings(env={}).fiscal_year_start == 1
    for bad in ("13", "0", "July"):
        with pytest.raises(ConfigError, match="CC_FISCAL_YEAR_START"):
            load_settings(env={"CC_FISCAL_YEAR_START": bad})
