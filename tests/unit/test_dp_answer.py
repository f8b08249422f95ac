"""DonorPerfect answers as its manuals and public clients record them (tests/data/donorperfect/README.md),
read by the client: records, or an error that says what the answer was. Never "no data" for a refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from cc_data.donations.dp_answer import NotXml, RefusedAnswer, UnreadableAnswer, read_records

DATA = Path(__file__).parents[1] / "data" / "donorperfect"


def recorded(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_a_bare_ampersand_in_a_value_is_read_as_an_ampersand():
    [gift] = read_records(recorded("dp_gifts_v7_1.xml"))
    assert gift["gl"] == "NO Rcpt: BOOKS & TAPES"
    assert (gift["gift_id"], gift["amount"], gift["campaign"], gift["gift_date2"]) == ("10230", "14.98", "", "10/27/2010")
    assert len(gift) == 14


def test_escaped_ampersands_and_references_are_left_as_xml_reads_them():
    body = b'<result><record><field name="a" value="R&amp;D &#38; AT&#x26;T &lt;b&gt; & co"/></record></result>'
    assert read_records(body) == [{"a": "R&D & AT&T <b> & co"}]


def test_a_select_over_dpgift_keeps_every_value_as_written():
    original, adjustment, resulting = read_records(recorded("gift_adjustment_select_v7_1.xml"))
    assert (original["gift_date"], original["created_date"], original["modified_date"]) == \
        ("1/10/2018", "1/10/2018", "4/5/2018")
    assert (adjustment["record_type"], adjustment["amount"], adjustment["glink"], adjustment["modified_date"]) == \
        ("H", "-10", "12885", "")
    assert resulting["created_by"] == " My App Name"
    assert resulting["gift_narrative"].endswith("to new amount $19.95")


def test_upper_case_field_names_are_read_in_lower_case():
    assert read_records(recorded("dpcodes_select_v7_1.xml")) == [
        {"code": "H", "code_id": "707", "description": "In Honor Of"},
        {"code": "M", "code_id": "708", "description": "In Memory Of"},
    ]


def test_records_without_the_result_envelope_are_read():
    [method] = read_records(recorded("paymentmethod_select_v7_1.xml"))
    assert (method["dppaymentmethodid"], method["createddate"]) == ("392", "10/14/2010 1:11:30 PM")
    first, second = read_records(recorded("tribanon_search_v7_1.xml"))
    assert (first["tributeid"], second["tributeid"], second["created_date"]) == ("8", "9", "4/4/2017 3:26:29 PM")
    declared = b'<?xml version="1.0" encoding="UTF-8"?>\n<record><field name="a" value="1"/></record>' \
               b'<record><field name="a" value="2"/></record>'
    assert read_records(declared) == [{"a": "1"}, {"a": "2"}]


@pytest.mark.parametrize("body", [
    recorded("empty_result_bwc.xml"), b"<result></result>", b'<?xml version="1.0" encoding="UTF-8"?>\n<result>\n</result>\n',
])
def test_an_empty_result_is_no_rows(body):
    assert read_records(body) == []


def test_fields_with_a_name_only_an_id_only_or_attributes_in_another_order():
    assert read_records(recorded("name_only_bwc.xml")) == [{"x": "1"}]
    body = b'<result><record><field id="ActiveFlg" value="True" name="ActiveFlg"/><field id="b" value="2"/></record></result>'
    assert read_records(body) == [{"activeflg": "True", "b": "2"}]
    assert read_records(b"<result><record><field name='a' id='a' value='x &amp; y'/></record></result>") == [{"a": "x & y"}]


def test_a_backtick_is_donorperfects_apostrophe():
    body = b'<result><record><field name="last_name" value="O`Reilly"/><field name="email" value="d.o`neil@example.org"/>' \
           b"</record></result>"
    assert read_records(body) == [{"last_name": "O'Reilly", "email": "d.o'neil@example.org"}]


@pytest.mark.parametrize(("name", "words"), [
    ("success_false_with_error_v6_2.xml", "expects parameter '@userId', which was not supplied. - user not authorized"),
    ("success_false_bwc.xml", "user not authorized for this api call."),
    ("return_v6_2.xml", "<return />"),
])
def test_refusals_are_errors_never_an_empty_answer(name, words):
    with pytest.raises(RefusedAnswer, match="^.*" + words.replace(".", r"\.").replace("(", r"\(")):
        read_records(recorded(name))


def test_an_error_element_or_an_error_record_is_a_refusal():
    with pytest.raises(RefusedAnswer, match="Invalid API key"):
        read_records(b"<result><error>Invalid API key.</error></result>")
    with pytest.raises(RefusedAnswer, match="bad key"):
        read_records(b'<result><record><field name="error" value="bad key"/></record></result>')


@pytest.mark.parametrize(("body", "why"), [
    (recorded("savedonor_return_v7_1.xml"), "a field without a name"),
    (b'<result><field name="success" reason="success" id="success" value="true"/></result>', "outside any record"),
    (b'<result><record><field name="a" value="1"/></record><record><field name="a" value="2"/>', "not well-formed"),
    (b'<result><record><field name="a" value="1"/></record><other/></result>', "<other>"),
    (b'<result>This is the ORIGINAL gift:<record><field name="a" value="1"/></record></result>', "text outside"),
    (b'<result><record><field name="a"/></record></result>', "no value attribute"),
    (b'<result><record><field name="a" value="1"/><field name="A" value="2"/></record></result>', "two different"),
    (b'<result><record><field name="a" value="AT&T;"/></record></result>', "not well-formed"),
    (b"<rows/>", "<rows>"),
    (b"", "empty"),
])
def test_anything_else_is_unreadable_and_says_what_it_is(body, why):
    with pytest.raises(UnreadableAnswer, match=why) as err:
        read_records(body)
    assert not isinstance(err.value, NotXml)


@pytest.mark.parametrize("body", [b"<html><body>Not found</body></html>", b"<!DOCTYPE html><html>", b"Service Unavailable"])
def test_a_page_that_is_not_xml_is_told_apart(body):
    with pytest.raises(NotXml):
        read_records(body)
