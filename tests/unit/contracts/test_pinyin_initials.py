"""contracts.pinyin_initials: the catalog's initials, computed where it is built."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

import contracts
from contracts.catalog import Item, load_catalog
from contracts.datafile import read_toml
from contracts.errors import DataFileError
from contracts.pinyin_initials import (
    initials,
    initials_of,
    kept_characters,
    main,
    stored_initials,
    stored_letters,
    with_initials,
    with_initials_toml,
)

DEMO = Path(contracts.__file__).parent / "data" / "catalog.toml"


def test_the_bundled_catalog_carries_current_initials() -> None:
    text = DEMO.read_text(encoding="utf-8")
    assert with_initials_toml(text) == text  # else: python -m contracts.pinyin_initials FILE
    catalog = load_catalog(DEMO)
    for item in catalog.items:
        assert item.initials_zh == stored_initials(item.name_zh)
        assert stored_letters(item.initials_zh, item.name_zh) == list(initials(item.name_zh))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("重病", ("ZCT", "B")),  # every reading (zhong, chong, tong), the usual first
        ("银行", ("Y", "H")),  # the phrase's reading only
        ("企业（一窗通）", ("Q", "Y", "Y", "C", "T")),  # punctuation has no place
        ("AB 12证明", ("A", "B", "1", "2", "Z", "M")),
    ],
)
def test_initials_per_kept_character(name: str, expected: tuple[str, ...]) -> None:
    assert initials(name) == expected
    assert len(kept_characters(name)) == len(expected)


def test_initials_of_reads_the_usual_reading() -> None:
    assert initials_of("重病医疗补助") == "ZBYLBZ"


def test_stored_initials_name_their_characters() -> None:
    assert stored_initials("重病 A1") == ("重ZCT", "病B", "AA", "11")
    assert stored_letters(["重ZCT", "病B", "AA", "11"], "重病 A1") == ["ZCT", "B", "A", "1"]
    # Initials that do not fit the name: another name of the same length, too few, none.
    assert stored_letters(["重ZCT", "病B"], "疾病") is None
    assert stored_letters(["重ZCT"], "重病") is None
    assert stored_letters(None, "重病") is None


def test_items_without_fitting_initials_get_them_others_are_kept() -> None:
    body = {"version": "v", "items": [
        {"id": "a", "name_zh": "银行"},
        {"id": "b", "name_zh": "重病", "initials_zh": ["重Z", "病B"]},  # kept as given
        {"id": "c", "name_zh": "证明", "initials_zh": ["婚H", "姻Y"]}]}  # renamed since
    filled = with_initials(body)
    assert filled["items"] == [
        {"id": "a", "name_zh": "银行", "initials_zh": ["银Y", "行H"]},
        {"id": "b", "name_zh": "重病", "initials_zh": ["重Z", "病B"]},
        {"id": "c", "name_zh": "证明", "initials_zh": ["证Z", "明M"]}]
    assert body["items"][0] == {"id": "a", "name_zh": "银行"}  # the caller's copy untouched
    complete = with_initials(filled)
    assert complete is filled


def test_an_item_may_come_without_initials_but_only_capitals_and_digits() -> None:
    base = read_toml(DEMO, DataFileError)["items"][0]
    with pytest.raises(ValidationError):
        Item.model_validate({**base, "initials_zh": ["婚h"] * 8})
    assert Item.model_validate({k: v for k, v in base.items() if k != "initials_zh"}
                               ).initials_zh is None  # an older platform's catalog


def test_the_tool_writes_and_checks_a_catalog_file(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text('version = "v"\n\n[[items]]\nid = "a"\nname_zh = "银行"\n'
                    'initials_zh = ["X", "X"]\n', encoding="utf-8")
    assert main(["--check", str(path)]) == 1
    assert main([str(path)]) == 0
    assert 'initials_zh = ["银Y", "行H"]\n' in path.read_text(encoding="utf-8")
    assert main(["--check", str(path)]) == 0
