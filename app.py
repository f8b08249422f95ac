"""cc-data dashboard: navigation, the shared sidebar filters and the data-source banner.

Run with `streamlit run app.py` (or `make run`). Pages live in pages/ and open with
pages.components.page_start; the filters set here persist for the session (persist_state), across page changes.
"""

from __future__ import annotations

import streamlit as st

from cc_data.process import prepare

prepare()   # private files, and polars' allocator set before the pages' modules load polars (cc_data.process)

from cc_data.errors import UserError  # noqa: E402
from pages.components import accounts, context, data, navigation, print_styles, sidebar, signin  # noqa: E402

st.set_page_config(page_title="cc-data · email & giving", page_icon=":material/mail:", layout="wide")


nav = st.navigation(navigation.app_pages())   # first: it leaves Streamlit's pages/-directory mode for good
cfg = context.settings()
signin.gate(cfg)   # sign-in on every page (or loopback only without it); stops here for anyone not allowed
accounts.picker()   # several accounts: the one this session reads (none on a single-account install)
print_styles.apply()   # printed from the browser: the page's content only, tables whole
problem = context.database_problem(cfg)
if problem:   # nothing on any page can be read: say so once, instead of a traceback per query
    st.error(problem)
    st.stop()
if context.has_data(cfg):
    try:
        loaded = data.core(str(cfg.db_path), data.version(cfg.db_path))
    except UserError as err:
        st.sidebar.error(str(err))
    else:
        sidebar.banner(loaded)
        sidebar.filters(loaded, nav.title)
else:
    st.sidebar.info("No data yet: see **Data & sync**.")
try:
    with context.inside_app():
        nav.run()
except UserError as err:   # an expected problem a page did not handle (damage found mid-query, contradicting settings)
    st.error(str(err))
