"""What a page looks like on paper (the browser's Print): its content only, no sidebar, header, filters or buttons,
and tables whole. Streamlit draws st.dataframe on a canvas that holds only the rows in view, so on paper each table is
given room for every row (up to Streamlit's own 10,000-pixel limit) before it is drawn."""

from __future__ import annotations

import streamlit as st

PRINT_CSS = """
<style>
@media print {
  @page { size: landscape; margin: 10mm; }
  /* the page as laid out on a laptop screen, scaled onto paper: columns stay side by side and a table's grid,
     drawn at screen width, is not cut at the paper's edge */
  body { zoom: 0.62; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stDownloadButton"], [data-testid="stButton"], [data-testid="stBaseButton-secondary"],
  [data-testid="stElementToolbar"], [data-testid="stRadio"], [data-testid="stSelectbox"],
  [data-testid="stMultiSelect"], [data-testid="stSlider"], [data-testid="stButtonGroup"],
  [data-testid="stTextInput"], [data-testid="stDateInput"], [data-testid="stCheckbox"],
  [data-testid="stNumberInput"], [data-testid="stFormSubmitButton"], .stSegmentedControl,
  [data-testid="stSelectSlider"], [data-testid="stDataEditor"], [data-testid="stIFrame"],
  [data-testid="stCustomComponentV1"], iframe[height="0"] { display: none !important; }
  [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stMainBlockContainer"],
  .block-container { margin: 0 !important; padding: 0 !important; max-width: 100% !important;
                     width: 100% !important; overflow: visible !important; }
  [data-testid="stVerticalBlock"] { gap: 0.5rem !important; }
  /* columns stay side by side on paper, as on the screen (Streamlit stacks them on a narrow page) */
  [data-testid="stHorizontalBlock"] { flex-wrap: nowrap !important; flex-direction: row !important; }
  [data-testid="stColumn"] { min-width: 0 !important; width: auto !important; flex: 1 1 0 !important; }
  [data-testid="stPlotlyChart"], [data-testid="stMetric"], [data-testid="stVerticalBlockBorderWrapper"],
  [data-testid="stDataFrame"], [data-testid="stTable"] { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact !important; print-color-adjust: exact !important; }
}
</style>
"""

# Before printing, each dataframe gets the height of all its rows so the grid draws them; after, it is put back.
PRINT_SCRIPT = """
<script>
(function () {
  const doc = window.parent.document;
  if (doc.__ccPrintReady) return;
  doc.__ccPrintReady = true;
  const grown = [];
  window.parent.addEventListener("beforeprint", () => {
    doc.querySelectorAll('[data-testid="stDataFrame"]').forEach((frame) => {
      const rows = frame.querySelectorAll('[role="row"]').length;
      const count = Number(frame.querySelector('[aria-rowcount]')?.getAttribute('aria-rowcount') || rows);
      const height = Math.min(10000, 38 + 35 * count);
      grown.push([frame, frame.style.height]);
      frame.style.height = height + "px";
      frame.querySelectorAll("div").forEach((d) => { if (d.style.height) d.style.maxHeight = "none"; });
    });
    window.parent.dispatchEvent(new Event("resize"));
  });
  window.parent.addEventListener("afterprint", () => {
    grown.splice(0).forEach(([frame, height]) => { frame.style.height = height; });
    window.parent.dispatchEvent(new Event("resize"));
  });
})();
</script>
"""


def apply() -> None:
    """Once per run, from app.py: the print rules for every page."""
    st.html(PRINT_CSS)
    # st.iframe replaces st.components.v1.html (deprecated, removal announced after 2026-06-01); at height 0 the
    # page's buttons stopped answering clicks in Chromium, at 1 pixel they do (tests/e2e/test_board_report_e2e.py)
    st.iframe(PRINT_SCRIPT, height=1)
