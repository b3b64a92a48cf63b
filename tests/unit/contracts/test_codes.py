"""contracts.eid: e-ID QR payloads, and a clear CodeError for everything else."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.eid import EID_PREFIX, make_eid, parse_eid
from contracts.errors import CodeError
from contracts.identity import Identity, IdSource
from kiosk.i18n import LANGUAGES, messages

TODAY = date(2026, 11, 23)
VALID_ID = "11010519491231002X"


def eid_of(body: bytes) -> str:
    return EID_PREFIX + base64.urlsafe_b64encode(body).decode().rstrip("=")


def code_error_key(payload: str) -> str:
    with pytest.raises(CodeError) as info:
        parse_eid(payload, TODAY)
    return info.value.key


# -- round trip ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["张三", "欧阳娜娜", "买买提·艾力", "John Smith"])
def test_round_trip(name: str) -> None:
    payload = make_eid(name, VALID_ID)
    assert payload.startswith(EID_PREFIX)
    assert "=" not in payload  # padding stripped: shorter QR code
    assert parse_eid(payload, TODAY) == Identity(name=name, id_number=VALID_ID, source=IdSource.QR)


def test_payload_is_ascii_even_for_chinese_names() -> None:
    # base64url survives scanners that mangle UTF-8.
    assert make_eid("张三", VALID_ID).isascii()


def test_name_is_stripped_and_id_number_normalised() -> None:
    identity = parse_eid(make_eid("  张三 ", "11010519491231002x"), TODAY)
    assert (identity.name, identity.id_number) == ("张三", VALID_ID)


def test_padding_and_line_breaks_from_a_scanner_are_tolerated() -> None:
    body = json.dumps({"name": "张三", "id": VALID_ID}, ensure_ascii=False).encode()
    padded = EID_PREFIX + base64.urlsafe_b64encode(body).decode() + "\r\n"
    assert parse_eid(padded, TODAY).id_number == VALID_ID


# -- unknown codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload", ["", "https://example.com/pay?id=1", "eid1:" + make_eid("张三", VALID_ID)[5:],
                "EID2:abc", " " + make_eid("张三", VALID_ID)]
)
def test_other_codes_are_unknown(payload: str) -> None:
    assert code_error_key(payload) == "qr.unknown_code"


# -- damaged codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        EID_PREFIX,  # nothing after the prefix
        EID_PREFIX + "A",  # impossible base64 length
        EID_PREFIX + "!!!!",  # no base64 characters at all
        make_eid("张三", VALID_ID)[:-7],  # truncated: JSON cut short
        EID_PREFIX + "中文",  # non-ASCII where base64 belongs
        eid_of(b"{not json"),
        eid_of(b"\xff\xfe\x00garbage"),  # not UTF-8
        eid_of(b"[1, 2]"),  # JSON, but not an object
        eid_of(b'"just a string"'),
        eid_of(b"42"),
        eid_of(json.dumps({"name": "张三"}).encode()),  # no id
        eid_of(json.dumps({"id": VALID_ID}).encode()),  # no name
        make_eid("", VALID_ID),
        make_eid("   ", VALID_ID),
        make_eid("张三", "110105194912310021"),  # wrong check digit
        make_eid("张三", "11010519491231002"),  # too short
        make_eid("张三", "110105202302300013"),  # 30 February
        make_eid("张三", "110105202611240013"),  # born tomorrow
    ],
)
def test_damaged_codes(payload: str) -> None:
    assert code_error_key(payload) == "qr.damaged_code"


def test_error_keys_have_messages() -> None:
    for lang in LANGUAGES:
        assert {"qr.unknown_code", "qr.damaged_code"} <= messages(lang).keys()


def test_deeply_nested_json_is_a_damaged_code() -> None:
    payload = eid_of(b"[" * 2000)
    assert len(payload) < 2953  # the byte capacity of a version 40-L QR code
    assert code_error_key(payload) == "qr.damaged_code"


@pytest.mark.parametrize("name", [None, 123, ["张三"]])
def test_a_name_that_is_not_a_string_is_a_damaged_code(name: object) -> None:
    code = eid_of(json.dumps({"name": name, "id": VALID_ID}).encode())
    assert code_error_key(code) == "qr.damaged_code"


# -- fuzzing: only CodeError ever escapes ---------------------------------------------------------


def parses_or_code_error(payload: str) -> None:
    try:
        identity = parse_eid(payload, TODAY)
    except CodeError as exc:
        assert exc.key in {"qr.unknown_code", "qr.damaged_code"}
    else:
        assert identity.name and identity.source is IdSource.QR


@settings(deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_code_error(text: str) -> None:
    parses_or_code_error(text)


@settings(deadline=None)
@given(st.text())
def test_arbitrary_text_after_the_prefix_raises_only_code_error(text: str) -> None:
    parses_or_code_error(EID_PREFIX + text)


@settings(deadline=None)
@given(st.binary())
def test_arbitrary_bytes_in_base64_raise_only_code_error(body: bytes) -> None:
    parses_or_code_error(eid_of(body))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (st.lists(inner, max_size=4)
                   | st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=20,
)


@settings(deadline=None)
@given(st.dictionaries(st.sampled_from(["name", "id", "other"]), json_values) | json_values)
def test_arbitrary_json_raises_only_code_error(value: object) -> None:
    parses_or_code_error(eid_of(json.dumps(value, ensure_ascii=False).encode()))
