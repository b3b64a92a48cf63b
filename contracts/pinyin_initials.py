"""Pinyin initials of a service's Chinese name: what a citizen taps on the catalog's A-Z
keypad (婚姻登记记录证明 -> HYDJJLZM).

Computed where the catalog is built: the bundled file carries them
(``python -m contracts.pinyin_initials contracts/data/catalog.toml`` writes them after
a name is edited; ``--check`` says whether they are current), the platform adds them to
a catalog it serves without them (``server/reference.py``). Each item stores them
(``Item.initials_zh``), so the running kiosk reads them and never loads pypinyin: its
dictionaries cost about 56 MB resident and 0.2 s (bench/RESULTS.md, issue 17 part B).

Per kept character of the name (Han characters, Latin letters and digits; punctuation
and spaces are skipped) the letters it may be tapped as, the usual reading first
(pypinyin reads a known phrase as a phrase: 银行 is yin hang; 重 alone is Z, C or T). A
Latin letter or digit stands for itself; a character pypinyin has no reading for gets
none (it matches no tap). Stored, each entry starts with its character (重ZCT, 行H, A A:
"AA"), so a kiosk sees without pypinyin whether the initials still fit the name: one
renamed after they were computed has them computed again.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

_HAN_RUN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]+")


def kept_characters(name: str) -> list[str]:
    """The characters of ``name`` that take initials (no pypinyin needed)."""
    kept: list[str] = []
    done = 0
    for run in [*_HAN_RUN.finditer(name), None]:
        start = run.start() if run else len(name)
        kept += [c for c in name[done:start] if c.isascii() and c.isalnum()]
        if run:
            kept += list(run.group())
            done = run.end()
    return kept


def _letters(run: str) -> list[str]:
    """Per character of a run of Han, its readings' first letters, the usual first."""
    # Imported only where initials are computed (the platform, the catalog's tools),
    # never by a kiosk whose catalog carries them.
    from pypinyin import Style, pinyin

    readings = pinyin(run, style=Style.FIRST_LETTER, heteronym=True)
    if len(readings) != len(run):  # characters it does not know come back as one piece
        readings = [pinyin(c, style=Style.FIRST_LETTER, heteronym=True)[0] for c in run]
    return ["".join(dict.fromkeys(x.upper() for x in r if x.isascii() and x.isalpha()))
            for r in readings]


def initials(name: str) -> tuple[str, ...]:
    """Per kept character of ``name`` (``kept_characters``): the letters it may be
    tapped as, the usual reading's first."""
    found: list[str] = []
    done = 0
    for run in [*_HAN_RUN.finditer(name), None]:
        start = run.start() if run else len(name)
        found += [c.upper() for c in name[done:start] if c.isascii() and c.isalnum()]
        if run:
            found += _letters(run.group())
            done = run.end()
    return tuple(found)


def initials_of(name: str) -> str:
    """The usual reading's initials: 婚姻登记记录证明 -> HYDJJLZM."""
    return "".join(k[0] for k in initials(name) if k)


def stored_initials(name: str) -> tuple[str, ...]:
    """The initials as a catalog stores them: each kept character followed by its
    letters (重病 -> 重ZCT, 病B)."""
    return tuple(c + k for c, k in zip(kept_characters(name), initials(name), strict=True))


def stored_letters(stored: object, name: str) -> list[str] | None:
    """The letters of stored initials (``stored_initials``), or None when they do not
    fit ``name`` (not a list, or not one entry per kept character, each starting with
    its character)."""
    if not isinstance(stored, (list, tuple)):
        return None
    kept = kept_characters(name)
    if len(stored) != len(kept) or not all(
            isinstance(s, str) and s[:1] == c for s, c in zip(stored, kept, strict=True)):
        return None
    return [s[1:] for s in stored]


def fits(stored: object, name: str) -> bool:
    """Stored initials are those of ``name`` (as far as can be told without pypinyin)."""
    return stored_letters(stored, name) is not None


def _lacks(item: object) -> bool:
    return (isinstance(item, dict) and isinstance(item.get("name_zh"), str)
            and not fits(item.get("initials_zh"), item["name_zh"]))


def with_initials(catalog: dict[str, Any]) -> dict[str, Any]:
    """A catalog document (as read from TOML or JSON) whose items all carry initials
    that fit their names: those without, or with ones that do not fit, get them
    computed (pypinyin loads only then)."""
    items = catalog.get("items")
    if not isinstance(items, list) or not any(_lacks(i) for i in items):
        return catalog
    return {**catalog, "items": [
        {**i, "initials_zh": list(stored_initials(i["name_zh"]))} if _lacks(i) else i
        for i in items]}


def with_initials_toml(text: str) -> str:
    """A catalog TOML file's text with an ``initials_zh`` line after each item's
    ``name_zh`` line (replacing one already there); everything else kept as written."""
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("initials_zh ="):
            continue  # written again after its name
        out.append(line)
        if line.startswith("name_zh ="):
            name = tomllib.loads(line)["name_zh"]
            letters = json.dumps(list(stored_initials(name)), ensure_ascii=False)
            out.append(f"initials_zh = {letters}\n")
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write (or --check) the pinyin initials "
                                                 "of every item of catalog TOML files.")
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--check", action="store_true", help="only say which are stale")
    args = parser.parse_args(argv)
    stale = []
    for path in args.files:
        text = path.read_text(encoding="utf-8")
        written = with_initials_toml(text)
        if written != text:
            stale.append(path)
            if not args.check:
                path.write_text(written, encoding="utf-8")
    for path in stale:
        print(f"{path}: initials {'stale' if args.check else 'written'}", file=sys.stderr)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
