"""Start the dashboard in AppTest and open one of its pages, as a browser session would."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
ENTRY = Path(__file__).resolve().with_name("app_entry.py")


def app_test() -> AppTest:
    return AppTest.from_file(str(ENTRY), default_timeout=60)


def open_page(at: AppTest, page: str) -> AppTest:
    """Switch to `page` ("pages/overview.py", relative to the repository) and run it."""
    return at.switch_page(str(ROOT / page)).run()
