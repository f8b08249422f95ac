"""Which column of a gift export holds which field: DonorPerfect's names, common variants, saved mappings."""

from __future__ import annotations

import json
import re

import duckdb

from cc_data.clock import utc_now

FIELDS: tuple[str, ...] = (
    "gift_id", "donor_id", "gift_date", "created_date", "modified_date", "amount", "record_type",
    "solicit_code", "sub_solicit_code", "campaign", "gl_code", "gift_type", "split_gift", "glink", "plink",
    "currency", "email", "first_name", "last_name", "cc_contact_id",
)
# A file must have these, plus donor_id or email (a gift needs a donor to match to a contact).
REQUIRED: tuple[str, ...] = ("gift_date", "amount")
DONOR_KEYS: tuple[str, ...] = ("donor_id", "email")

_ALIASES: dict[str, tuple[str, ...]] = {
    "gift_id": ("giftid", "giftnumber", "giftno", "transactionid", "id"),
    "donor_id": ("donorid", "donor", "donornumber", "donorno", "constituentid", "accountid"),
    "gift_date": ("giftdate", "date", "donationdate", "dategiven", "giftdate2"),
    "created_date": ("createddate", "created", "datecreated", "entereddate", "createdat"),
    "modified_date": ("modifieddate", "modified", "lastmodified", "datemodified", "updatedat"),
    "amount": ("amount", "giftamount", "donationamount", "amt", "total"),
    "record_type": ("recordtype", "rectype", "type"),
    "solicit_code": ("solicitcode", "solicitation", "solicitationcode", "appeal", "appealcode", "solicit"),
    "sub_solicit_code": ("subsolicitcode", "subsolicitation", "subsolicit", "package", "segmentcode"),
    "campaign": ("campaign", "campaigncode", "campaignname"),
    "gl_code": ("glcode", "gl", "fund", "fundcode", "generalledger"),
    "gift_type": ("gifttype", "paymenttype", "paymentmethod"),
    "split_gift": ("splitgift", "split"),
    "glink": ("glink", "giftlink", "splitmainid"),
    "plink": ("plink", "pledgelink", "pledgeid"),
    "currency": ("currency", "currencycode"),
    "email": ("email", "donoremail", "emailaddress", "eaddress", "emailaddr"),
    "first_name": ("firstname", "first", "fname", "donorfirstname"),
    "last_name": ("lastname", "last", "lname", "surname", "donorlastname"),
    "cc_contact_id": ("cccontactid", "constantcontactid", "constantcontactcontactid", "contactid"),
}
_LOOKUP = {alias: field for field, aliases in _ALIASES.items() for alias in aliases}


def header_key(header: str) -> str:
    """'Amount ($)' -> 'amount', 'Donor Email' -> 'donoremail', 'gift_id' -> 'giftid'."""
    return re.sub(r"[^a-z0-9]", "", header.lstrip("\ufeff").lower())


def recognise(headers: list[str]) -> dict[str, str]:
    """{field: header} for every header recognised by name; the first header wins when two mean the same."""
    found: dict[str, str] = {}
    for header in headers:
        field = _LOOKUP.get(header_key(header))
        if field and field not in found:
            found[field] = header
    return found


def missing_required(mapping: dict[str, str]) -> list[str]:
    """The required fields a mapping lacks, in words for the error message."""
    missing = [field for field in REQUIRED if field not in mapping]
    if not any(key in mapping for key in DONOR_KEYS):
        missing.append("donor_id or email")
    return missing


def resolve(headers: list[str], explicit: dict[str, str] | None = None) -> dict[str, str]:
    """{field: header}: recognised names, overridden by an explicit mapping (field -> header)."""
    mapping = recognise(headers)
    for field, header in (explicit or {}).items():
        if field not in FIELDS:
            raise ValueError(f"{field!r} is not a gift field; use one of: {', '.join(FIELDS)}")
        if header not in headers:
            raise ValueError(f"the mapping names column {header!r}, which is not in the file")
        mapping[field] = header
    return mapping


def save_mapping(con: duckdb.DuckDBPyConnection, name: str, mapping: dict[str, str]) -> None:
    con.execute(
        "INSERT OR REPLACE INTO column_mappings VALUES (?, ?, ?)",
        [name, json.dumps(mapping, sort_keys=True), utc_now()],
    )


def saved_mappings(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    rows = con.execute("SELECT name, mapping FROM column_mappings ORDER BY updated_at DESC").fetchall()
    return {name: json.loads(mapping) for name, mapping in rows}


def mapping_for_headers(con: duckdb.DuckDBPyConnection, headers: list[str]) -> dict[str, str] | None:
    """A saved mapping whose columns all exist in this file (the most recently saved first)."""
    for mapping in saved_mappings(con).values():
        if mapping and all(header in headers for header in mapping.values()):
            return mapping
    return None
