"""Every page opens through app.py, even the first page a restarted server is asked for."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app.harness import ROOT


def test_a_page_opened_first_after_a_restart_keeps_the_sidebar_and_banner(app_env: Path) -> None:
    # AppTest re-detects Streamlit's pages/-directory mode before every run, as a restarted server does before
    # any session has called st.navigation: the run after switch_page starts in that mode.
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/reengagement.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Re-engagement"]
    assert any("Demo data" in w.value for w in at.sidebar.warning)
    assert any("campaign filters apply to" in c.value for c in at.sidebar.caption)   # the sidebar ran (no filter applies here)


def test_a_page_run_as_the_entry_point_renders_on_its_own(app_env: Path) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / "overview.py"), default_timeout=30).run()   # no endless reruns
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Overview"]   # once: the page ran, then was not rerouted again
