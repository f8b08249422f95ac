"""What the app tests run: app.py, started from this folder, which has no pages/ beside it.

A server keeps Streamlit's "pages/ directory" mode off once any session has called st.navigation. AppTest
instead detects that mode afresh before every run, and app.py has pages/ beside it: every run after the first
would then start as a restarted server's first run does (context.run_through_app reroutes it, dropping a button
press on the way). Running app.py from here gives each run what a server gives every run after its first;
test_page_start.py runs app.py itself for that first run.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[2] / "app.py"), run_name="__main__")
