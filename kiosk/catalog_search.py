"""Finding a service without free text: pinyin initials tapped on an A-Z keypad
(婚姻登记记录证明 -> HYDJJLZM), English word starts, or a name typed on a keyboard.

- Chinese UI, letters only: the letters are pinyin initials. They match from any
  character, since every Han character may start a word and no reliable word list
  exists offline (pypinyin's segmenter splits 婚姻 into 婚 and 姻); a match at the name's
  start ranks first. A character with several readings (长: chang, zhang) matches by
  any of them. Punctuation is skipped; Latin letters and digits stand for themselves.
- English UI, letters only: every typed word starts a word of the English name.
- Anything else (Han characters, digits): the catalog's own substring search.
Ties keep the catalog's order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from contracts.catalog import Catalog, Category, Item
from contracts.pinyin_initials import initials, initials_of, stored_letters

_LETTERS = re.compile(r"[A-Za-z ]+")
_WORD = re.compile(r"[0-9a-z]+")

__all__ = ["CatalogIndex", "initials_of"]


def _letters_of(item: Item) -> tuple[frozenset[str], ...]:
    """Per kept character of the item's Chinese name: the letters it may be tapped as.
    The catalog carries them (computed where it was built: the running kiosk never
    loads pypinyin, about 56 MB); an item without them, or with ones that no longer
    fit its name, has them computed here (pypinyin loads then)."""
    letters = stored_letters(item.initials_zh, item.name_zh)
    if letters is None:
        letters = list(initials(item.name_zh))
    return tuple(frozenset(k) for k in letters if k)


@dataclass(frozen=True, slots=True)
class _Entry:
    item: Item
    letters: tuple[frozenset[str], ...]  # per kept character of the Chinese name: its initials
    words_en: tuple[str, ...]


def _initials_rank(letters: Sequence[frozenset[str]], needle: str) -> int | None:
    """0: the initials start with ``needle``; 1: they hold it further on; None: no match."""
    for start in range(len(letters) - len(needle) + 1):
        if all(c in letters[start + i] for i, c in enumerate(needle)):
            return 0 if start == 0 else 1
    return None


def _words_rank(words: Sequence[str], needle: str) -> int | None:
    """0: the first typed word starts the name; 1: every typed word starts some word."""
    typed = _WORD.findall(needle.casefold())
    if not all(any(w.startswith(t) for w in words) for t in typed):
        return None
    return 0 if words and words[0].startswith(typed[0]) else 1


class CatalogIndex:
    """A catalog's items with their initials (as the catalog carries them), built once
    per catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._entries = [
            _Entry(item, _letters_of(item), tuple(_WORD.findall(item.name_en.casefold())))
            for item in catalog.items
        ]

    def find(self, text: str, lang: str, category: Category | None = None) -> list[Item]:
        needle = text.strip()
        if not needle:
            return [i for i in self.catalog.items if category in (None, i.category)]
        if not _LETTERS.fullmatch(needle):
            return self.catalog.search(needle, category)
        ranked: list[tuple[int, int, Item]] = []
        for order, entry in enumerate(self._entries):
            if category not in (None, entry.item.category):
                continue
            if lang.startswith("zh"):
                rank = _initials_rank(entry.letters, needle.replace(" ", "").upper())
            else:
                rank = _words_rank(entry.words_en, needle)
            if rank is not None:
                ranked.append((rank, order, entry.item))
        return [item for _, _, item in sorted(ranked, key=lambda r: r[:2])]
