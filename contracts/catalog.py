"""The service catalog: what a citizen can apply for at this kiosk.

Loaded from a TOML data file (``contracts/data/catalog.toml`` for the demo; the
platform's cached copy later). Each item names its form fields and, where the
rules allow an instant answer, the conditions that decide it.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.datafile import read_toml, validate
from contracts.errors import DataFileError
from contracts.identity import Document


class Category(StrEnum):
    PERSONAL = "personal"
    ENTERPRISE = "enterprise"


class FieldType(StrEnum):
    CHOICE = "choice"
    DATE = "date"
    PHONE = "phone"
    ID_NUMBER = "id-number"
    CREDIT_CODE = "credit-code"  # a unified social credit code (contracts/credit_code.py)
    TEXT = "text"


class Prefill(StrEnum):
    """Identity attributes a form field may be prefilled from (the ID card)."""

    NAME = "name"
    ID_NUMBER = "id_number"
    ADDRESS = "address"
    PHONE = "phone"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    value: str
    zh: str
    en: str


class FieldSpec(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FieldType
    label_zh: str
    label_en: str
    required: bool = True
    choices: tuple[Choice, ...] = ()
    max_length: int = Field(default=40, ge=1, le=200)
    prefill: Prefill | None = None
    # Holds sensitive personal data (health answers, phone): masked on screen.
    sensitive: bool = False

    @model_validator(mode="after")
    def _choices_match_type(self) -> FieldSpec:
        if self.type is FieldType.CHOICE and len(self.choices) < 2:
            raise ValueError(f"field {self.key!r}: a choice field needs at least two choices")
        if self.type is not FieldType.CHOICE and self.choices:
            raise ValueError(f"field {self.key!r}: only choice fields take choices")
        return self


class MinAge(_Strict):
    kind: Literal["min_age"]
    years: int = Field(ge=0, le=150)


class MaxAge(_Strict):
    kind: Literal["max_age"]
    years: int = Field(ge=0, le=150)


class RegionPrefix(_Strict):
    """Local household registration: the ID number's region code starts with one of these."""

    kind: Literal["region_prefix"]
    prefixes: tuple[str, ...] = Field(min_length=1)


class FieldIn(_Strict):
    """A form answer must be one of the listed values."""

    kind: Literal["field_in"]
    field: str
    values: tuple[str, ...] = Field(min_length=1)


Condition = Annotated[MinAge | MaxAge | RegionPrefix | FieldIn, Field(discriminator="kind")]


class RuleCheck(_Strict):
    """One condition of an instant decision, with the reason shown when it fails."""

    condition: Condition
    reason_zh: str
    reason_en: str


class Item(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name_zh: str
    name_en: str
    category: Category
    # Rank on the home screen's hot list for bank customers; None = not listed.
    hot_rank: int | None = Field(default=None, ge=1)
    # Rank on the elder-mode hot list (what older visitors need most); None = not listed.
    elder_rank: int | None = Field(default=None, ge=1)
    department_zh: str
    department_en: str
    documents_zh: tuple[str, ...] = ()
    documents_en: tuple[str, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    # Empty: no instant decision, the application goes to review.
    instant_rules: tuple[RuleCheck, ...] = ()
    # A scarce-supply reservation: passing the rules registers an entry, it allocates nothing.
    reservation: bool = False
    # The identity documents this item accepts; the identify screen names the others as
    # not accepted before any form is filled.
    accepts: tuple[Document, ...] = tuple(Document)
    # Typed identity (no card, no e-ID) is a lower-assurance fallback: allowed only where the
    # item says so, and then the case is received to be verified at the counter, never approved.
    manual_entry: bool = False
    # The pinyin initials of name_zh, per kept character (contracts/pinyin_initials.py):
    # computed where the catalog is built, so the kiosk never loads pypinyin to search.
    # None (an older platform's catalog), or ones that no longer fit name_zh (a name edited
    # afterwards): the kiosk computes them itself (kiosk/catalog_search.py).
    # Each entry: the character, then its letters (重ZCT).
    initials_zh: tuple[Annotated[str, Field(pattern=r"^.[A-Z0-9]*$")], ...] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        keys = [f.key for f in self.fields]
        if len(keys) != len(set(keys)):
            raise ValueError(f"item {self.id!r}: duplicate field keys")
        if not self.accepts:
            raise ValueError(f"item {self.id!r}: accepts names no document")
        if len(self.documents_zh) != len(self.documents_en):
            raise ValueError(f"item {self.id!r}: documents_zh and documents_en differ in length")
        for check in self.instant_rules:
            cond = check.condition
            if isinstance(cond, FieldIn) and cond.field not in keys:
                raise ValueError(f"item {self.id!r}: rule names unknown field {cond.field!r}")
        return self

    def name(self, lang: str) -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en

    def field(self, key: str) -> FieldSpec:
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(key)


class Catalog(_Strict):
    version: str
    items: tuple[Item, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalog:
        ids = [i.id for i in self.items]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate item ids: {', '.join(dupes)}")
        return self

    def get(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def name_of(self, item_id: str, lang: str) -> str:
        """The item's name; the id itself for an item this catalog does not have (yet)."""
        try:
            return self.get(item_id).name(lang)
        except KeyError:
            return item_id

    def hot(self, limit: int, elder: bool = False) -> list[Item]:
        """The home screen's hot list: for bank customers, or for older visitors."""
        def rank(item: Item) -> int | None:
            return item.elder_rank if elder else item.hot_rank
        ranked = [i for i in self.items if rank(i) is not None]
        return sorted(ranked, key=lambda i: rank(i) or 0)[:limit]

    def reservations(self) -> list[Item]:
        """Scarce-supply reservations: offered on the home screen while the catalog has one."""
        return [i for i in self.items if i.reservation]

    def in_category(self, category: Category) -> list[Item]:
        return [i for i in self.items if i.category is category]

    def search(self, text: str, category: Category | None = None) -> list[Item]:
        needle = text.strip().casefold()
        found = []
        for item in self.items:
            if category is not None and item.category is not category:
                continue
            haystack = f"{item.name_zh} {item.name_en} {item.department_zh} {item.department_en}"
            if needle in haystack.casefold():
                found.append(item)
        return found


def load_catalog(path: Path) -> Catalog:
    """Read and validate a catalog file; errors name the file and the offending entry."""
    return validate(read_toml(path, DataFileError), Catalog, path, DataFileError)
