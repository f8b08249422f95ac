"""Reading one DonorPerfect XML answer: its records, or why it cannot be read.

DonorPerfect's manuals (v6.2, v7.1) and the public clients that ship them show the forms read here
(docs/donations.md, "Answer forms"): `<result>` with `<record>`s of `<field name= id= value=/>` (either
attribute may be missing, in any order and quoting), records without the `<result>` envelope, `<result/>`
for no rows, and three refusals: `<error>`, `<field name="success" value="false" reason=..>` with or
without an `<error>`, and `<return />`. Values may hold a bare `&` (repaired here) and write an
apostrophe as a backtick (turned back here). Anything else is not understood and raises, so a caller
never mistakes an answer it did not read for "no data".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# `&` that starts no entity or character reference: DonorPerfect writes `BOOKS & TAPES` unescaped.
_BARE_AMPERSAND = re.compile(rb"&(?!(?:[A-Za-z_][\w.-]*|#[0-9]+|#x[0-9A-Fa-f]+);)")
_DECLARATION = re.compile(rb"^\s*(<\?xml[^>]*\?>)?\s*")
_HTML = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)


class UnreadableAnswer(ValueError):
    """The answer is not one of the forms DonorPerfect sends (message: what it is instead)."""


class RefusedAnswer(ValueError):
    """DonorPerfect answered with an error (message: its words)."""


class NotXml(UnreadableAnswer):
    """The answer is not XML at all (an HTML page, a proxy's text): the URL points at something else."""


def read_records(body: bytes) -> list[dict[str, str]]:
    """The records of one answer as {lower-case field name: value}, values as sent except that a backtick
    becomes an apostrophe. Raises RefusedAnswer or UnreadableAnswer for anything that is not records."""
    root = _parse(body)
    if root.tag in ("return", "error"):
        raise RefusedAnswer(_refusal(root))
    if root.tag != "result":
        raise UnreadableAnswer(f"its root element is <{root.tag}>, not <result>")
    _no_text(root, "<result>")
    fields = root.findall("field")
    if root.find("error") is not None or any((f.get("value") or "").strip().lower() == "false" for f in fields):
        raise RefusedAnswer(_refusal(root))
    if fields:
        raise UnreadableAnswer("<result> holds a field outside any record (a save's answer, not rows)")
    strangers = sorted({child.tag for child in root if child.tag != "record"})
    if strangers:
        raise UnreadableAnswer(f"<result> holds <{strangers[0]}>, not only <record>s")
    records = [_record(record, n) for n, record in enumerate(root, start=1)]
    if len(records) == 1 and set(records[0]) == {"error"}:   # an error written as a record's only field
        raise RefusedAnswer(records[0]["error"].strip() or "an error without a message")
    return records


def _parse(body: bytes) -> ET.Element:
    if not body.strip():
        raise UnreadableAnswer("it is empty")
    if _HTML.match(body):
        raise NotXml("it is an HTML page")
    if not body.lstrip().startswith((b"<", b"\xef\xbb\xbf<")):
        raise NotXml("it is not XML")
    body = _enveloped(body)
    try:
        return ET.fromstring(body)
    except ET.ParseError:
        pass
    repaired = _BARE_AMPERSAND.sub(b"&amp;", body)
    try:
        return ET.fromstring(repaired)
    except ET.ParseError as err:
        line, column = err.position
        raise UnreadableAnswer(f"it is not well-formed XML (line {line}, column {column})") from None


def _enveloped(body: bytes) -> bytes:
    """Records sent without the `<result>` envelope (v7.1 shows dp_tribAnon and dp_PaymentMethod answers so)
    are put in one; a lone record would otherwise be the root, and two or more are no XML document."""
    head = _DECLARATION.match(body.removeprefix(b"\xef\xbb\xbf"))
    rest = body.removeprefix(b"\xef\xbb\xbf")[head.end():]
    if re.match(rb"<record[\s/>]", rest):
        return (head.group(1) or b"") + b"<result>" + rest + b"</result>"
    return body


def _refusal(root: ET.Element) -> str:
    """DonorPerfect's words: the <error> text, the success field's reason, or what <return /> means."""
    if root.tag == "return":
        return ("it answered <return />, its answer to a request it could not run (the manual shows it for a "
                "malformed request URL)")
    error = root if root.tag == "error" else root.find("error")
    success = next((f for f in root.iter("field") if _name(f) == "success"), None)
    words = [(error.text or "").strip() if error is not None else "",
             (success.get("reason") or "").strip() if success is not None else ""]
    message = " - ".join(word for word in words if word)
    return message or "an error without a message"


def _record(record: ET.Element, n: int) -> dict[str, str]:
    _no_text(record, f"record {n}")
    fields: dict[str, str] = {}
    for field in record:
        name = _name(field)
        if field.tag != "field" or not name:
            what = f"<{field.tag}>" if field.tag != "field" else "a field without a name"
            raise UnreadableAnswer(f"record {n} holds {what}")
        value = field.get("value")
        if value is None:
            raise UnreadableAnswer(f"record {n}'s field {name!r} has no value attribute")
        value = value.replace("`", "'")   # DonorPerfect's stand-in for an apostrophe
        if fields.setdefault(name, value) != value:
            raise UnreadableAnswer(f"record {n} has two different values for {name!r}")
    return fields


def _name(field: ET.Element) -> str:
    return (field.get("name") or field.get("id") or "").strip().lower()


def _no_text(element: ET.Element, where: str) -> None:
    texts = [element.text] + [child.tail for child in element]
    if any(text and text.strip() for text in texts):
        raise UnreadableAnswer(f"{where} holds text outside its fields")
