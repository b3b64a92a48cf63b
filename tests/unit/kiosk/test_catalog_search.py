"""kiosk.catalog_search: finding an item by pinyin initials, English word starts or text."""

from __future__ import annotations

from pathlib import Path

import pytest

import contracts
from contracts.catalog import Catalog, Category, Item, load_catalog
from kiosk.catalog_search import CatalogIndex, initials_of

DEMO = Path(contracts.__file__).parent / "data" / "catalog.toml"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(DEMO)


@pytest.fixture(scope="module")
def index(catalog: Catalog) -> CatalogIndex:
    return CatalogIndex(catalog)


def ids(items: list[Item]) -> list[str]:
    return [i.id for i in items]


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("婚姻登记记录证明", "HYDJJLZM"),
        ("住房公积金提取", "ZFGJJTQ"),
        ("企业设立登记（一窗通）", "QYSLDJYCT"),  # punctuation skipped
        ("银行", "YH"),  # the phrase's reading (hang), not the character's first (xing)
        ("长期护理", "CQHL"),
        ("重病", "ZB"),  # the usual reading first (zhong, not chong)
        ("AB 12", "AB12"),
    ],
)
def test_initials_of(name: str, initials: str) -> None:
    assert initials_of(name) == initials


def test_initials_from_the_start_of_the_name(index: CatalogIndex) -> None:
    assert ids(index.find("HYDJJLZM", "zh-CN")) == ["marriage-record-proof"]
    assert ids(index.find("hydj", "zh-CN")) == ["marriage-record-proof"]  # any case


def test_initials_from_any_word_start_rank_after_the_start(index: CatalogIndex) -> None:
    found = index.find("GJJ", "zh-CN")
    assert set(ids(found)) == {
        "provident-fund-deposit-statement", "provident-fund-withdrawal",
        "provident-fund-loan-clearance", "enterprise-provident-fund-registration"}
    assert found[0].name_zh.startswith("公积金")  # 公积金贷款结清证明: GJJ from its start
    assert all("公积金" in i.name_zh for i in found)


def test_initials_within_a_category(index: CatalogIndex) -> None:
    everywhere = index.find("DJ", "zh-CN")
    enterprise = index.find("DJ", "zh-CN", Category.ENTERPRISE)
    assert enterprise and len(enterprise) < len(everywhere)
    assert all(i.category is Category.ENTERPRISE for i in enterprise)
    assert all("登记" in i.name_zh for i in everywhere)


def test_a_character_with_two_readings_matches_by_either(catalog: Catalog) -> None:
    # 重 reads zhong or chong: a citizen may tap either. (Within a known phrase only the
    # phrase's reading counts: 长者 is zhang zhe.)
    item = catalog.items[0].model_copy(update={"name_zh": "重病医疗补助"})
    index = CatalogIndex(catalog.model_copy(update={"items": (item,)}))
    assert ids(index.find("ZBYL", "zh-CN")) == ids(index.find("CBYL", "zh-CN")) == [item.id]


def test_no_match(index: CatalogIndex) -> None:
    assert index.find("QQQQ", "zh-CN") == []
    assert index.find("zzzz", "en") == []


def test_english_word_starts(index: CatalogIndex) -> None:
    assert ids(index.find("marr", "en")) == ["marriage-record-proof"]
    assert "marriage-record-proof" in ids(index.find("reg", "en"))  # a later word's start
    assert index.find("arriage", "en") == []  # not the middle of a word
    both = ids(index.find("credit rep", "en"))  # every typed word starts some word
    assert set(both) == {"personal-credit-report", "enterprise-credit-report"}
    assert ids(index.find("credit rep", "en", Category.PERSONAL)) == ["personal-credit-report"]


def test_english_matches_from_the_first_word_rank_first(index: CatalogIndex) -> None:
    found = index.find("prov", "en")
    assert found[0].name_en.lower().startswith("prov")
    assert all("prov" in i.name_en.lower() for i in found)


def test_letters_are_initials_in_chinese_and_words_in_english(index: CatalogIndex) -> None:
    assert index.find("fund", "zh-CN") == []  # no pinyin initials FUND
    assert index.find("HYDJ", "en") == []


def test_han_text_and_digits_search_the_catalog_text(index: CatalogIndex,
                                                     catalog: Catalog) -> None:
    assert ids(index.find("公积金", "zh-CN")) == ids(catalog.search("公积金"))
    assert ids(index.find("民政局", "en")) == ids(catalog.search("民政局"))


def test_empty_text_lists_the_category(index: CatalogIndex, catalog: Catalog) -> None:
    assert index.find("  ", "zh-CN") == list(catalog.items)
    assert index.find("", "en", Category.ENTERPRISE) == catalog.in_category(Category.ENTERPRISE)


def test_the_initials_the_catalog_carries_are_the_ones_searched(catalog: Catalog) -> None:
    # Computed where the catalog was built (the kiosk loads no pypinyin to search): an
    # item's stored initials count, even a reading pypinyin would not give.
    item = Item.model_validate({**catalog.items[0].model_dump(), "name_zh": "银行",
                                "initials_zh": ["银Y", "行HX"]})
    index = CatalogIndex(catalog.model_copy(update={"items": (item,)}))
    assert ids(index.find("YX", "zh-CN")) == ids(index.find("YH", "zh-CN")) == [item.id]


def test_an_item_without_initials_has_them_computed(catalog: Catalog) -> None:
    item = Item.model_validate({**catalog.items[0].model_dump(), "initials_zh": None})
    index = CatalogIndex(catalog.model_copy(update={"items": (item,)}))
    assert ids(index.find("HYDJ", "zh-CN")) == [item.id]


def test_initials_that_no_longer_fit_the_name_are_computed_again(catalog: Catalog) -> None:
    item = Item.model_validate({**catalog.items[0].model_dump(), "name_zh": "住房公积金提取"})
    assert item.initials_zh is not None and len(item.initials_zh) == 8  # 婚姻登记记录证明's
    index = CatalogIndex(catalog.model_copy(update={"items": (item,)}))
    assert ids(index.find("ZFGJJ", "zh-CN")) == [item.id]
    assert index.find("HYDJ", "zh-CN") == []


def test_a_name_changed_to_one_of_the_same_length_has_its_initials_computed_again(
        catalog: Catalog) -> None:
    item = catalog.items[0].model_copy(update={"name_zh": "结婚登记记录证明"})  # was 婚姻...
    index = CatalogIndex(catalog.model_copy(update={"items": (item,)}))
    assert ids(index.find("JHDJ", "zh-CN")) == [item.id]
    assert index.find("HYDJ", "zh-CN") == []
