"""contracts.catalog: the demo catalog's content and consistency, search, and load errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import contracts
from contracts.catalog import (
    Catalog,
    Category,
    FieldIn,
    FieldType,
    Prefill,
    RegionPrefix,
    load_catalog,
)
from contracts.errors import DataFileError

DEMO = Path(contracts.__file__).parent / "data" / "catalog.toml"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(DEMO)


# -- the demo catalog -----------------------------------------------------------------------


def test_demo_catalog_loads_with_enough_items(catalog: Catalog) -> None:
    assert catalog.version
    assert len(catalog.items) >= 30


def test_both_categories_have_items(catalog: Catalog) -> None:
    personal = catalog.in_category(Category.PERSONAL)
    enterprise = catalog.in_category(Category.ENTERPRISE)
    assert personal and enterprise
    assert len(personal) + len(enterprise) == len(catalog.items)
    assert all(i.category is Category.ENTERPRISE for i in enterprise)


def test_exactly_ten_hot_items_ranked_1_to_10(catalog: Catalog) -> None:
    ranks = [i.hot_rank for i in catalog.items if i.hot_rank is not None]
    assert sorted(ranks) == list(range(1, 11))
    hot = catalog.hot(10)
    assert [i.hot_rank for i in hot] == list(range(1, 11))
    assert catalog.hot(3) == hot[:3]
    assert catalog.hot(50) == hot


def test_item_ids_unique_and_get_finds_each(catalog: Catalog) -> None:
    ids = [i.id for i in catalog.items]
    assert len(ids) == len(set(ids))
    for item_id in ids:
        assert catalog.get(item_id).id == item_id
    with pytest.raises(KeyError):
        catalog.get("no-such-item")


@pytest.mark.parametrize("item_id", [i.id for i in load_catalog(DEMO).items])
def test_item_is_consistent(catalog: Catalog, item_id: str) -> None:
    item = catalog.get(item_id)
    keys = [f.key for f in item.fields]
    assert len(keys) == len(set(keys)), "field keys must be unique"
    assert item.fields, "every item asks for something"
    assert item.name_zh and item.name_en and item.department_zh and item.department_en
    assert len(item.documents_zh) == len(item.documents_en)
    for spec in item.fields:
        assert item.field(spec.key) is spec
        if spec.type is FieldType.CHOICE:
            values = [c.value for c in spec.choices]
            assert len(values) == len(set(values)), f"{spec.key}: duplicate choice values"
        # A prefilled field has the type of what fills it.
        expected_type = {
            Prefill.NAME: FieldType.TEXT,
            Prefill.ID_NUMBER: FieldType.ID_NUMBER,
            Prefill.PHONE: FieldType.PHONE,
            Prefill.ADDRESS: FieldType.TEXT,
        }
        if spec.prefill is not None:
            assert spec.type is expected_type[spec.prefill], spec.key
        if spec.type is FieldType.PHONE:
            assert spec.sensitive, f"{spec.key}: a phone number is sensitive personal data"
    for check in item.instant_rules:
        assert check.reason_zh and check.reason_en
        cond = check.condition
        if isinstance(cond, FieldIn):
            spec = item.field(cond.field)  # KeyError if the rule names an unknown field
            assert spec.type is FieldType.CHOICE, (
                f"rule on {cond.field}: only choice answers are known values")
            known = {c.value for c in spec.choices}
            assert set(cond.values) <= known, (
                f"rule on {cond.field}: {set(cond.values) - known} not choices")
        if isinstance(cond, RegionPrefix):
            assert all(p.isdigit() and 1 <= len(p) <= 6 for p in cond.prefixes)


def test_credit_codes_are_typed_as_credit_codes(catalog: Catalog) -> None:
    # Issue 13, item 16: a credit code typed as free text accepted 913191319131913191.
    fields = [f for i in catalog.items for f in i.fields if f.key == "credit_code"]
    assert len(fields) >= 10
    assert {f.type for f in fields} == {FieldType.CREDIT_CODE}


# -- search -------------------------------------------------------------------------------------


def test_search_by_chinese_text(catalog: Catalog) -> None:
    found = {i.id for i in catalog.search("公积金")}
    assert {"provident-fund-deposit-statement", "provident-fund-withdrawal"} <= found
    assert all("公积金" in f"{i.name_zh}{i.department_zh}" for i in catalog.search("公积金"))


def test_search_by_english_text_ignores_case_and_spaces(catalog: Catalog) -> None:
    found = catalog.search("  PROVIDENT fund ")
    assert "provident-fund-deposit-statement" in {i.id for i in found}
    assert all("provident fund" in f"{i.name_en} {i.department_en}".casefold() for i in found)


def test_search_matches_department(catalog: Catalog) -> None:
    found = catalog.search("民政局")
    assert "marriage-record-proof" in {i.id for i in found}


def test_search_within_a_category(catalog: Catalog) -> None:
    everywhere = {i.id for i in catalog.search("credit report")}
    assert {"personal-credit-report", "enterprise-credit-report"} <= everywhere
    enterprise = catalog.search("credit report", Category.ENTERPRISE)
    assert [i.id for i in enterprise] == ["enterprise-credit-report"]
    personal = catalog.search("credit report", Category.PERSONAL)
    assert [i.id for i in personal] == ["personal-credit-report"]


def test_search_without_a_match(catalog: Catalog) -> None:
    assert catalog.search("火星移民") == []


# -- load errors --------------------------------------------------------------------------------


def toml_item(item_id: str, field_type: str = "choice", rule_field: str = "purpose") -> str:
    return f"""
[[items]]
id = "{item_id}"
name_zh = "测试"
name_en = "Test"
category = "personal"
department_zh = "部门"
department_en = "Dept"

[[items.fields]]
key = "purpose"
type = "{field_type}"
label_zh = "用途"
label_en = "Purpose"
choices = [ {{ value = "a", zh = "甲", en = "A" }}, {{ value = "b", zh = "乙", en = "B" }} ]

[[items.instant_rules]]
condition = {{ kind = "field_in", field = "{rule_field}", values = ["a"] }}
reason_zh = "不行"
reason_en = "No"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog.toml"
    path.write_text('version = "test"\n' + text, encoding="utf-8")
    return path


def test_a_minimal_file_loads(tmp_path: Path) -> None:
    loaded = load_catalog(write(tmp_path, toml_item("one")))
    assert [i.id for i in loaded.items] == ["one"]
    assert loaded.get("one").field("purpose").type is FieldType.CHOICE


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(DataFileError, match="not found") as info:
        load_catalog(path)
    assert str(path) in str(info.value)


def test_invalid_toml(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text('version = "test"\n[[items]\nid = "one"\n', encoding="utf-8")
    with pytest.raises(DataFileError, match="not valid TOML") as info:
        load_catalog(path)
    assert str(path) in str(info.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_bytes('version = "测试"\n'.encode("gb18030"))
    with pytest.raises(DataFileError, match="UTF-8") as info:
        load_catalog(path)
    assert str(path) in str(info.value)


def test_bad_field_type_names_the_item_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, toml_item("good") + toml_item("bad-one", field_type="colour"))
    with pytest.raises(DataFileError) as info:
        load_catalog(path)
    message = str(info.value)
    assert str(path) in message
    assert "items[bad-one].fields[purpose].type" in message


def test_duplicate_item_id_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, toml_item("twin") + toml_item("other") + toml_item("twin"))
    with pytest.raises(DataFileError, match="duplicate item ids: twin") as info:
        load_catalog(path)
    assert str(path) in str(info.value)


def test_unknown_rule_field_names_the_item_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, toml_item("two", rule_field="nope"))
    with pytest.raises(DataFileError) as info:
        load_catalog(path)
    message = str(info.value)
    assert str(path) in message
    assert "items[two]" in message
    assert "'nope'" in message


def test_choice_field_with_one_choice_is_refused(tmp_path: Path) -> None:
    text = toml_item("lonely").replace(', { value = "b", zh = "乙", en = "B" }', "")
    with pytest.raises(DataFileError, match=r"items\[lonely\].*at least two choices"):
        load_catalog(write(tmp_path, text))


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    text = toml_item("typo").replace('category = "personal"', 'category = "personal"\nhot_rnak = 1')
    with pytest.raises(DataFileError, match=r"items\[typo\]\.hot_rnak"):
        load_catalog(write(tmp_path, text))


def test_empty_catalog_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="items"):
        load_catalog(write(tmp_path, ""))
