"""Donations on the Data & sync page: upload a DonorPerfect export (with a column-mapping step), or sync the API."""

from __future__ import annotations

import polars as pl
import streamlit as st

from cc_data.analytics.stored.refresh import refresh_changed
from cc_data.config import Settings
from cc_data.donations import columns
from cc_data.donations.dp_client import DonorPerfectClient
from cc_data.donations.dp_sync import sync_donorperfect
from cc_data.donations.importer import GiftImport, read_gift_file, read_headers
from cc_data.donations.imports import import_gifts, review_file, saved_mapping_for
from cc_data.errors import UserError
from pages.components import context, formats, signin

NOT_IN_FILE = "(not in file)"


def render_donations_upload(settings: Settings) -> None:
    """The donations section: CSV upload with validation report, and the DonorPerfect API sync when configured."""
    if not signin.is_admin():
        st.caption("Importing gifts and syncing DonorPerfect are for admins.")
        return
    st.caption(
        "Import a DonorPerfect gift export (CSV) to see which emails raised money on **Donation attribution**. "
        "Re-importing the same or an overlapping file never counts a gift twice (gifts are keyed on gift_id). "
        "Command line: `cc-data donations import FILE`."
    )
    building = context.build_under_way(settings)
    upload = st.file_uploader("DonorPerfect gift export (CSV)", type=["csv", "txt"], key="don_upload",
                              disabled=building, help=context.BUILDING_NOTE if building else None)
    if upload is not None and not building:
        _upload_flow(settings, upload.name, upload.getvalue())
    _api_sync(settings, building)


def _upload_flow(settings: Settings, file_name: str, data: bytes) -> None:
    try:
        headers = read_headers(data)
        saved = saved_mapping_for(settings.db_path, headers)
        recognised = columns.resolve(headers, saved)
    except (UserError, ValueError) as err:
        st.error(str(err))
        return
    mapping = _mapping_step(headers, recognised, file_name)
    if columns.missing_required(mapping):
        return
    try:
        validated = read_gift_file(data, file_name, mapping)
    except UserError as err:
        st.error(str(err))
        return
    cols = st.columns(4)
    cols[0].metric("Rows read", validated.rows_read)
    cols[1].metric("Gifts ready", len(validated.gifts))
    cols[2].metric("Rows rejected", len(validated.rejected))
    cols[3].metric("Duplicates skipped", len(validated.duplicates))
    st.caption(f"Encoding: {validated.encoding}.")
    for note in validated.assumptions:
        st.caption(f"Note: {note}.")
    if validated.issues:
        issues = pl.DataFrame(
            {"row": [i.row for i in validated.issues], "reason": [i.reason for i in validated.issues],
             "outcome": ["skipped (duplicate)" if i.skipped_duplicate else "rejected" for i in validated.issues]}
        ).sort("row")
        st.dataframe(issues, hide_index=True, width="stretch")
    review_file(settings.db_path, validated)
    confirmed = _confirm_step(validated, file_name)
    _donor_differences(validated)
    strict = st.checkbox("Import nothing if any row is rejected", key="don_strict")
    if st.button(f"Import {len(validated.gifts)} gifts", type="primary", key="don_import",
                 disabled=not validated.gifts or (strict and bool(validated.rejected)) or not confirmed,
                 help=None if confirmed else "Confirm the amounts listed above first."):
        remember = file_name.rsplit(".", 1)[0] if mapping != columns.recognise(headers) else None
        try:
            signin.require_admin("import gifts")
            with signin.audited("import", file_name, cfg=settings) as entry:
                result, _ = import_gifts(settings.db_path, data, file_name, mapping, strict=strict,
                                         remember_mapping_as=remember, before_publish=refresh_changed,
                                         accept_outliers=confirmed)
                entry.rows = len(result.gifts)
        except UserError as err:
            st.error(str(err))
            return
        st.success(f"Imported {len(result.gifts)} gifts from {file_name}. See **Donation attribution**."
                   + (f" {len(result.donor_differences)} donor differences are kept in the import's report."
                      if result.donor_differences else ""))


def _confirm_step(validated: GiftImport, file_name: str) -> bool:
    """Amounts of $0 or less, or far outside the usual range, listed before anything is stored: True once the
    reader confirmed them (or there are none)."""
    if not validated.to_confirm:
        return True
    count = len(validated.to_confirm)
    st.warning(f"{count} amount{'s' if count != 1 else ''} to check before importing: a gift of $0 or less, or "
               "far outside the usual range of gifts (this file's and those already imported) and the donor's own.")
    st.dataframe(pl.DataFrame({
        "Row": [item.row for item in validated.to_confirm], "Donor": [item.donor_id for item in validated.to_confirm],
        "Amount": [formats.money(item.amount) for item in validated.to_confirm],
        "Why": [item.reason for item in validated.to_confirm]}), hide_index=True, width="stretch")
    return st.checkbox("These amounts are right: import them as they are", key=f"don_confirm_{file_name}")


def _donor_differences(validated: GiftImport) -> None:
    if validated.donor_differences:
        st.info("This file names some donors differently from what is stored; the stored names and emails are "
                "kept (an import fills only empty fields):\n\n"
                + "\n".join(f"- {item}" for item in validated.donor_differences[:20])
                + (f"\n- and {len(validated.donor_differences) - 20} more" if len(validated.donor_differences) > 20
                   else ""))


def _mapping_step(headers: list[str], recognised: dict[str, str], file_name: str) -> dict[str, str]:
    with st.expander("Column mapping", expanded=bool(columns.missing_required(recognised))):
        note = st.empty()
        options = [NOT_IN_FILE, *headers]
        mapping: dict[str, str] = {}
        grid = st.columns(3)
        for i, field in enumerate(columns.FIELDS):
            current = recognised.get(field, NOT_IN_FILE)
            choice = grid[i % 3].selectbox(field, options, index=options.index(current),
                                           key=f"don_map_{file_name}_{field}")
            if choice != NOT_IN_FILE:
                mapping[field] = choice
        missing = columns.missing_required(mapping)
        if missing:
            note.warning(f"Choose the column for: {', '.join(missing)}. The mapping is remembered for next time.")
    return mapping


def _api_sync(settings: Settings, building: bool = False) -> None:
    if not settings.dp_api_key:
        st.caption("To fetch gifts straight from DonorPerfect, set `DP_API_KEY` in `.env` "
                   "(then `cc-data donations sync`, or the button that appears here).")
        return
    if st.button("Sync gifts from DonorPerfect", key="don_sync", disabled=building):
        try:
            signin.require_admin("sync DonorPerfect")
            client = DonorPerfectClient(settings.dp_api_url, settings.dp_api_key)
            with (st.spinner("Fetching gifts and donors from DonorPerfect…"),
                  signin.audited("donations_sync", "DonorPerfect", cfg=settings)):
                result = sync_donorperfect(settings.db_path, client, before_publish=refresh_changed)
        except UserError as err:
            st.error(str(err))
            return
        st.success(result.summary())
