"""Text blocks of every card type, built by hand from the published byte offsets
(not from the parser's own layout table), and malformed blocks refused whole."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.idcard import CardType, TextBlockError, parse_appended_address, parse_card_holder
from devices.idcard.codes import NATIONS, SEXES
from devices.idcard.text_block import encode_text_block


def block(*slots: tuple[int, int, str]) -> bytes:
    """256 bytes of UTF-16LE spaces with each (offset, length, text) written in place."""
    out = bytearray(" ".encode("utf-16-le") * 128)
    for offset, length, text in slots:
        raw = text.encode("utf-16-le")
        assert len(raw) <= length
        out[offset:offset + len(raw)] = raw
    return bytes(out)


RESIDENT = block(
    (0, 30, "张伟"), (30, 2, "1"), (32, 4, "01"), (36, 16, "19850612"),
    (52, 70, "上海市徐汇区漕溪北路88号"), (122, 36, "310104198506121230"),
    (158, 30, "上海市公安局徐汇分局"), (188, 16, "20150612"), (204, 16, "20350612"),
)


def test_resident_card() -> None:
    person = parse_card_holder(RESIDENT)
    assert person.card_type is CardType.RESIDENT
    assert (person.name, person.sex, person.nation) == ("张伟", "男", "汉族")
    assert person.birth_date == date(1985, 6, 12)
    assert person.address == "上海市徐汇区漕溪北路88号"
    assert person.id_number == "310104198506121230"
    assert person.authority == "上海市公安局徐汇分局"
    assert (person.valid_from, person.valid_until) == (date(2015, 6, 12), date(2035, 6, 12))


def test_valid_for_life() -> None:
    raw = block((0, 30, "李秀英"), (30, 2, "2"), (32, 4, "03"), (36, 16, "19500308"),
                (52, 70, "上海市黄浦区南京东路100弄5号"), (122, 36, "310101195003082441"),
                (158, 30, "上海市公安局黄浦分局"), (188, 16, "20100308"), (204, 16, "长期"))
    person = parse_card_holder(raw)
    assert person.valid_until is None and person.sex == "女" and person.nation == "回族"


def test_nul_padding_is_trimmed_like_spaces() -> None:
    raw = bytearray(RESIDENT)
    raw[4:30] = b"\x00" * 26  # name "张伟" then NULs
    assert parse_card_holder(bytes(raw)).name == "张伟"


def test_hong_kong_macau_taiwan_residence_permit() -> None:
    raw = block(
        (0, 30, "陈家明"), (30, 2, "1"), (36, 16, "19900101"),
        (52, 70, "上海市浦东新区世纪大道100号"),
        (122, 36, "810000199001011230"), (158, 30, "上海市公安局浦东分局"), (188, 16, "20220101"),
        (204, 16, "20270101"), (220, 18, "H01234567"), (238, 4, "02"), (248, 2, "J"),
    )
    person = parse_card_holder(raw)
    assert person.card_type is CardType.HMT_PERMIT
    assert (person.pass_number, person.issue_count, person.nation) == ("H01234567", 2, "")
    assert person.id_number.startswith("81")


def test_foreigner_card_2017_layout() -> None:
    raw = block(
        (0, 120, "SMITH, JOHN"), (120, 2, "1"), (122, 30, "USA310085061201"), (152, 6, "USA"),
        (158, 30, "史密斯"), (188, 16, "20170301"), (204, 16, "20270301"), (220, 16, "19850612"),
        (236, 4, "01"), (240, 8, "3100"), (248, 2, "I"),
    )
    person = parse_card_holder(raw)
    assert person.card_type is CardType.FOREIGNER_2017
    assert (person.english_name, person.name, person.nationality) == (
        "SMITH, JOHN", "史密斯", "USA")
    assert (person.id_number, person.card_version, person.authority) == (
        "USA310085061201", "01", "3100")
    assert person.birth_date == date(1985, 6, 12) and person.address == ""


def test_foreigner_card_2023_layout_joins_the_long_english_name() -> None:
    english = "DUPONT-MARTIN, MARIE CLAIRE JOSEPHINE"  # 37 characters: 35 + 2 more
    raw = block(
        (0, 30, "玛丽"), (30, 2, "2"), (32, 4, "01"), (36, 16, "19900520"),
        (52, 70, english[:35]), (122, 36, "931250199005200023"), (188, 16, "20240101"),
        (204, 16, "20340101"), (220, 22, english[35:]), (242, 6, "FRA"), (248, 2, "Y"),
        (250, 6, "311"),
    )
    person = parse_card_holder(raw)
    assert person.card_type is CardType.FOREIGNER_2023
    assert person.english_name == english
    assert (person.name, person.sex, person.nationality, person.issue_count) == (
        "玛丽", "女", "FRA", 1)
    assert person.id_number == "931250199005200023"


def test_foreigner_2023_with_only_an_english_name() -> None:
    raw = block((30, 2, "1"), (36, 16, "19800101"), (52, 70, "DOE, JANE"),
                (122, 36, "931250198001010012"), (188, 16, "20240101"), (204, 16, "20340101"),
                (242, 6, "FRA"), (248, 2, "Y"))
    person = parse_card_holder(raw)
    assert person.name == "" and person.display_name == "DOE, JANE"


def test_appended_address() -> None:
    raw = "上海市徐汇区宛平南路300弄2号".encode("utf-16-le")
    raw += " ".encode("utf-16-le") * ((70 - len(raw)) // 2)
    assert parse_appended_address(raw) == "上海市徐汇区宛平南路300弄2号"
    with pytest.raises(TextBlockError):
        parse_appended_address(raw[:68])
    with pytest.raises(TextBlockError):
        parse_appended_address(" ".encode("utf-16-le") * 35)


def test_code_tables() -> None:
    assert sorted(SEXES) == ["0", "1", "2", "9"]
    assert sorted(NATIONS) == [f"{n:02d}" for n in range(1, 57)] + ["97", "98"]
    assert (NATIONS["01"], NATIONS["56"], NATIONS["97"], NATIONS["98"]) == (
        "汉族", "基诺族", "其他", "外国血统中国籍人士")
    assert len(set(NATIONS.values())) == 58


def _spoil(offset: int, length: int, text: str) -> bytes:
    raw = bytearray(RESIDENT)
    value = text.encode("utf-16-le")
    value += " ".encode("utf-16-le") * ((length - len(value)) // 2)
    raw[offset:offset + length] = value
    return bytes(raw)


@pytest.mark.parametrize(("raw", "message"), [
    (RESIDENT[:255], "bytes, expected 256"),
    (RESIDENT + b"  ", "bytes, expected 256"),
    (_spoil(248, 2, "Z"), "unknown card type"),
    (_spoil(32, 4, "57"), "nation code"),
    (_spoil(30, 2, "3"), "sex code"),
    (_spoil(36, 16, "19850231"), "not a real date"),
    (_spoil(36, 16, "1985-6-1"), "not a YYYYMMDD"),
    (_spoil(204, 16, "20140101"), "before valid_from"),
    (_spoil(0, 30, ""), "no name"),
    (_spoil(52, 70, ""), "no address"),
    (_spoil(122, 36, "31010419850612123"), "wrong form"),
    (_spoil(122, 36, "31010419850612123Y"), "wrong form"),
    (_spoil(0, 30, "张\x07伟"), "control characters"),
    (RESIDENT[:2] + b"\x00\xd8" + RESIDENT[4:], "not UTF-16LE"),  # a lone surrogate
])
def test_a_malformed_block_is_refused_whole(raw: bytes, message: str) -> None:
    with pytest.raises(TextBlockError, match=message):
        parse_card_holder(raw)


@given(st.binary(min_size=256, max_size=256))
@settings(max_examples=500, deadline=None)
def test_random_blocks_only_raise_text_block_error(raw: bytes) -> None:
    try:
        parse_card_holder(raw)
    except TextBlockError:
        pass


@given(st.binary(min_size=256, max_size=256), st.sampled_from(["Y", "I", "J", " "]))
@settings(max_examples=300, deadline=None)
def test_random_blocks_of_each_type_only_raise_text_block_error(raw: bytes, flag: str) -> None:
    data = raw[:248] + flag.encode("utf-16-le") + raw[250:]
    try:
        parse_card_holder(data)
    except TextBlockError:
        pass


han = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1,
              max_size=15)


@given(name=han, sex=st.sampled_from(sorted(SEXES)), nation=st.sampled_from(sorted(NATIONS)),
       born=st.dates(date(1900, 1, 1), date(2025, 12, 31)), address=han,
       id_number=st.from_regex(r"[0-9]{17}[0-9X]", fullmatch=True))
@settings(max_examples=200, deadline=None)
def test_encode_then_parse_gives_the_fields_back(name: str, sex: str, nation: str, born: date,
                                                 address: str, id_number: str) -> None:
    raw = encode_text_block(CardType.RESIDENT, {
        "name": name, "sex": sex, "nation": nation, "birth": f"{born:%Y%m%d}",
        "address": address, "id_number": id_number, "authority": "某公安局",
        "valid_from": "20200101", "valid_until": "长期"})
    person = parse_card_holder(raw)
    assert (person.name, person.sex, person.nation) == (name, SEXES[sex], NATIONS[nation])
    assert (person.birth_date, person.address, person.id_number) == (born, address, id_number)


def test_identity_repr_hides_the_person() -> None:
    text = repr(parse_card_holder(RESIDENT))
    assert "张伟" not in text and "310104198506121230" not in text
